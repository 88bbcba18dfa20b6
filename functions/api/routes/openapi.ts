import type { z } from 'zod';
import { ProblemSchema } from '../../../shared/schemas/api.ts';

/** Pieces every route's OpenAPI description shares. */

export const jsonContent = <S extends z.ZodType>(schema: S) => ({ 'application/json': { schema } });

export const secured = { security: [{ bearerAuth: [] }] };

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the problem names the failing fields',
  401: 'Missing, malformed or revoked API key',
  404: 'No such resource for this tenant',
  409: 'A request with this Idempotency-Key is still in progress',
  413: 'Body too large',
  415: 'Body is not application/json',
  422: 'Idempotency-Key reused with a different request',
  429: "Too many requests for this tenant (or the stage): retry after Retry-After seconds",
  503: 'Database unavailable: nothing was recorded; retry after Retry-After seconds',
};

/** Problem responses for the given statuses, and 429: every /v1 route is rate limited per tenant. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    [...statuses, 429].map((s) => [s, { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  ) as Record<number, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
}
