import type { z } from 'zod';
import type { ApiKeyScope } from '../../shared/store/api-keys.ts';
import { SCOPE_SUMMARY } from './middleware/scopes.ts';
import { ProblemSchema } from './schemas/common.ts';

/** Pieces every route's OpenAPI description shares. */

export const jsonContent = <S extends z.ZodType>(schema: S) => ({ 'application/json': { schema } });

export const secured = { security: [{ bearerAuth: [] }] };

/** Causes that several routes share, to compose their own descriptions from. */
export const causes = {
  idempotencyInProgress: '`idempotency_in_progress`: a request with this Idempotency-Key is still in progress',
  idempotencyKeyReused: '`idempotency_key_reused`: this Idempotency-Key was used with a different request',
  concurrentChange: '`conflict`: another request changed it meanwhile; read it again and retry',
} as const;

/** "`liquidator`: only the /v1/liquidations routes; `read`: only GET requests" for the given scopes. */
export const scopesInWords = (...scopes: ApiKeyScope[]) => scopes.map((s) => `\`${s}\`: ${SCOPE_SUMMARY[s]}`).join('; ');

/** What each status means on most routes; `errorResponses` takes a route's own wording where it differs. */
const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the problem names the failing fields',
  401: 'Missing, malformed or revoked API key',
  403: `\`insufficient_scope\`: the API key's scope does not allow this call (${scopesInWords('liquidator', 'read')})`,
  404: 'No such resource for this tenant',
  409: causes.idempotencyInProgress,
  413: 'Body too large',
  415: 'Body is not application/json',
  422: causes.idempotencyKeyReused,
  429: "Too many requests for this tenant (or the stage): retry after Retry-After seconds",
  503: 'Database unavailable: nothing was recorded; retry after Retry-After seconds',
};

/** A status with the default description, or a status with this route's causes of it (joined with "or"). */
export type ErrorStatus = number | readonly [status: number, ...causes: string[]];

/**
 * Problem responses for the given statuses, and 403 and 429: every /v1 route refuses some
 * key scope (middleware/scopes.ts) and is rate limited per tenant. A status given with
 * this route's own causes keeps them.
 */
export function errorResponses(...statuses: ErrorStatus[]) {
  return problemResponses(statuses, [403, 429]);
}

/** As errorResponses, without 403: for a route every key scope may call (e.g. GET /v1/liquidations). */
export function errorResponsesAnyScope(...statuses: ErrorStatus[]) {
  return problemResponses(statuses, [429]);
}

function problemResponses(statuses: readonly ErrorStatus[], always: readonly number[]) {
  const given = new Set(statuses.map((s) => (typeof s === 'number' ? s : s[0])));
  const described = [...statuses, ...always.filter((s) => !given.has(s))].map((s) =>
    typeof s === 'number' ? ([s, DESCRIPTIONS[s] ?? 'Error'] as const) : ([s[0], s.slice(1).join('; or ')] as const),
  );
  return Object.fromEntries(
    described.map(([status, description]) => [status, { description, content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  ) as Record<number, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
}
