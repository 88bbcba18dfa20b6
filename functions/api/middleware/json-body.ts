import { createMiddleware } from 'hono/factory';
import { assertNoForbiddenKeys } from '../../../shared/schemas/validate.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * For requests with a body: JSON content type (415), parsable JSON (400), no
 * prototype-polluting keys (400). Keeps the raw text for the idempotency hash.
 */
export const jsonBody = () =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const type = c.req.header('Content-Type');
    const raw = await c.req.text();
    // A POST that needs no body (POST /v1/sweeps) may come without one.
    if (raw === '' && !type) {
      c.set('rawBody', raw);
      c.set('body', {});
      return next();
    }
    if (!type || !JSON_TYPE.test(type)) throw problems.unsupportedMediaType(type);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      throw problems.malformedJson((error as Error).message);
    }
    c.set('rawBody', raw);
    assertNoForbiddenKeys(body);
    c.set('body', body);
    await next();
  });
