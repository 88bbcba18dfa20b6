import { createMiddleware } from 'hono/factory';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../shared/store/api-keys.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';

/**
 * Which API key scope may call which method and path: the one place this is decided.
 * A scope allows a request when any of its rules matches it. Everything not allowed is
 * refused with 403 `insufficient_scope` before the request reaches a handler (or writes
 * anything: no rate-limit count, no idempotency claim).
 *
 * To open a new route to a scope, add a rule here, e.g. the /v1/liquidations routes for
 * `liquidator` are already allowed by their path prefix.
 */
export interface ScopeRule {
  /** Upper-case HTTP methods, or '*' for any. */
  readonly methods: readonly string[] | '*';
  /** A path prefix, matched on whole segments: '/v1/liquidations' matches '/v1/liquidations' and '/v1/liquidations/…', not '/v1/liquidationsX'. */
  readonly pathPrefix: string;
}

/** Safe methods: HEAD is answered by the GET routes. */
const READ_METHODS = ['GET', 'HEAD'] as const;

export const SCOPE_RULES: Readonly<Record<ApiKeyScope, readonly ScopeRule[]>> = {
  admin: [{ methods: '*', pathPrefix: '/v1' }],
  liquidator: [{ methods: '*', pathPrefix: '/v1/liquidations' }],
  read: [{ methods: READ_METHODS, pathPrefix: '/v1' }],
};

/** What each scope may do, in words (the 403 detail, the OpenAPI security scheme, the docs). */
export const SCOPE_SUMMARY: Readonly<Record<ApiKeyScope, string>> = {
  admin: 'every request (the default)',
  liquidator: 'only the /v1/liquidations routes',
  read: 'only GET requests',
};

function matches(rule: ScopeRule, method: string, path: string): boolean {
  const methodOk = rule.methods === '*' || rule.methods.includes(method.toUpperCase());
  const pathOk = path === rule.pathPrefix || path.startsWith(rule.pathPrefix.endsWith('/') ? rule.pathPrefix : `${rule.pathPrefix}/`);
  return methodOk && pathOk;
}

/** May a key of `scope` call `method path`? `path` is the request path the router matches on. */
export function scopeAllows(scope: ApiKeyScope, method: string, path: string): boolean {
  const rules = SCOPE_RULES[scope] as readonly ScopeRule[] | undefined; // an unknown scope allows nothing
  return rules?.some((rule) => matches(rule, method, path)) ?? false;
}

/** The scopes that may call `method path` (to name in a refusal), most specific first, `admin` last. */
export function scopesAllowing(method: string, path: string): ApiKeyScope[] {
  const allowed = API_KEY_SCOPES.filter((scope) => scopeAllows(scope, method, path));
  return [...allowed.filter((s) => s !== 'admin'), ...allowed.filter((s) => s === 'admin')];
}

/** Refuses (403 `insufficient_scope`) a request the authenticated key's scope does not allow; after bearerAuth. */
export const requireScope = () =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const scope = c.get('scope');
    const { method, path } = c.req;
    if (!scopeAllows(scope, method, path)) throw problems.insufficientScope(scope, scopesAllowing(method, path), method, path);
    await next();
  });
