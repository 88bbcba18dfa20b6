import { createMiddleware } from 'hono/factory';
import type { ApiKeyStore } from '../../../shared/store/api-keys.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';

/** `Authorization: Bearer <key>`: resolves the tenant and the key's scope, or answers 401. */
export const bearerAuth = (keys: ApiKeyStore) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const header = c.req.header('Authorization');
    if (!header) throw problems.unauthorized('send your API key as "Authorization: Bearer sk_…"');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw problems.unauthorized('the Authorization header must be "Bearer <key>"');
    const principal = await keys.authenticate(match[1]!);
    if (!principal) throw problems.unauthorized('the API key is unknown or revoked');
    c.set('tenantId', principal.tenantId);
    c.set('scope', principal.scope);
    c.set('keyId', principal.keyId);
    await next();
  });
