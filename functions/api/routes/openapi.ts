import type { z } from 'zod';
import { ProblemSchema } from '../../../shared/schemas/api.ts';

/** Pieces every route's OpenAPI description shares. */

export const jsonContent = <S extends z.ZodType>(schema: S) => ({ 'application/json': { schema } });

export const secured = { security: [{ bearerAuth: [] }] };

/** Causes that several routes share, to compose their own descriptions from. */
export const causes = {
  idempotencyInProgress: '`idempotency_in_progress`: a request with this Idempotency-Key is still in progress',
  idempotencyKeyReused: '`idempotency_key_reused`: this Idempotency-Key was used with a different request',
  concurrentChange: '`conflict`: another request changed it meanwhile; read it again and retry',
} as const;

/** What each status means on most routes; `errorResponses` takes a route's own wording where it differs. */
const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the problem names the failing fields',
  401: 'Missing, malformed or revoked API key',
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

/** Problem responses for the given statuses, and 429: every /v1 route is rate limited per tenant. */
export function errorResponses(...statuses: ErrorStatus[]) {
  const described = [...statuses, 429].map((s) => (typeof s === 'number' ? ([s, DESCRIPTIONS[s] ?? 'Error'] as const) : ([s[0], s.slice(1).join('; or ')] as const)));
  return Object.fromEntries(
    described.map(([status, description]) => [status, { description, content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  ) as Record<number, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
}
