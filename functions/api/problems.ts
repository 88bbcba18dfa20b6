import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { FieldIssue } from '../../shared/schemas/errors.ts';
import type { ProblemSchema } from './schemas/common.ts';

/**
 * An error that becomes an RFC 9457 problem response: Hono's HTTPException (its `status`,
 * and `detail` as its message) with the problem's fields. `code` is stable and documented;
 * clients branch on it, never on `detail`.
 */
export class ApiProblem extends HTTPException {
  readonly code: string;
  readonly title: string;
  readonly errors: readonly FieldIssue[] | undefined;
  /** Failing fields beyond those listed in `errors`. */
  readonly errorsOmitted: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: ContentfulStatusCode,
    code: string,
    title: string,
    detail: string,
    options: { errors?: readonly FieldIssue[]; errorsOmitted?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(status, { message: detail, cause: options.cause });
    this.name = 'ApiProblem';
    this.code = code;
    this.title = title;
    this.errors = options.errors;
    this.errorsOmitted = options.errorsOmitted ?? 0;
    this.headers = options.headers ?? {};
  }
}

/** Base of the `type` URIs; each code's page documents it. */
export const PROBLEM_TYPE_BASE = 'https://softland.dev/problems/';

/** A problem as answered: its shape is ProblemSchema's, which documents it. */
export type ProblemBody = z.infer<typeof ProblemSchema>;

export function problemBody(problem: ApiProblem, instance: string, requestId: string): ProblemBody {
  return {
    type: PROBLEM_TYPE_BASE + problem.code,
    title: problem.title,
    status: problem.status,
    detail: problem.message,
    code: problem.code,
    instance,
    requestId,
    ...(problem.errors ? { errors: [...problem.errors] } : {}),
    ...(problem.errorsOmitted > 0 ? { errorsOmitted: problem.errorsOmitted } : {}),
  };
}

/** Failing fields listed in a problem, and in its `detail`: enough to fix a request, small enough to always send and store. */
const LISTED_ERRORS = 100;
const DETAILED_ERRORS = 5;

/** The problems the API can answer, by stable code. */
export const problems = {
  invalidRequest: (errors: readonly FieldIssue[]) => {
    const more = errors.length > DETAILED_ERRORS ? `; and ${errors.length - DETAILED_ERRORS} more` : '';
    const detail = errors.slice(0, DETAILED_ERRORS).map((e) => `${e.field}: ${e.message}`).join('; ') + more;
    return new ApiProblem(400, 'invalid_request', 'Invalid request', detail, {
      errors: errors.slice(0, LISTED_ERRORS),
      errorsOmitted: Math.max(0, errors.length - LISTED_ERRORS),
    });
  },
  malformedJson: (detail: string) =>
    new ApiProblem(400, 'malformed_json', 'Malformed JSON', `the body is not valid JSON: ${detail}`, { errors: [{ field: '(body)', message: detail }] }),
  unsupportedMediaType: (got: string | undefined) =>
    new ApiProblem(415, 'unsupported_media_type', 'Unsupported media type', `send the body as application/json (got ${got ?? 'no content type'})`, {
      errors: [{ field: 'Content-Type', message: 'must be application/json' }],
    }),
  // The rest of the body is not read: the connection closes, and says so, so a client still sending learns it now.
  bodyTooLarge: (limit: number) =>
    new ApiProblem(413, 'body_too_large', 'Body too large', `the body is larger than ${limit} bytes`, {
      errors: [{ field: '(body)', message: `at most ${limit} bytes` }],
      headers: { Connection: 'close' },
    }),
  unauthorized: (detail: string) =>
    new ApiProblem(401, 'unauthorized', 'Unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer realm="softland"' } }),
  /** The key is valid but its scope does not allow this call (RFC 6750's insufficient_scope). */
  insufficientScope: (scope: string, needed: readonly string[], method: string, path: string) =>
    new ApiProblem(
      403,
      'insufficient_scope',
      'Insufficient scope',
      needed.length
        ? `${method} ${path} needs an API key with scope ${needed.join(' or ')}; this key's scope is ${scope}`
        : `no API key scope may call ${method} ${path}; this key's scope is ${scope}`,
      { headers: { 'WWW-Authenticate': `Bearer realm="softland", error="insufficient_scope"${needed.length ? `, scope="${needed.join(' ')}"` : ''}` } },
    ),
  notFound: (what: string) => new ApiProblem(404, 'resource_missing', 'Not found', what),
  routeNotFound: (method: string, path: string) => new ApiProblem(404, 'route_not_found', 'No such route', `${method} ${path} is not an endpoint of this API`),
  idempotencyKeyReused: () =>
    new ApiProblem(422, 'idempotency_key_reused', 'Idempotency key reused', 'this Idempotency-Key was used with a different request', {
      errors: [{ field: 'Idempotency-Key', message: 'already used with another request body' }],
    }),
  idempotencyInProgress: () =>
    new ApiProblem(409, 'idempotency_in_progress', 'Request in progress', 'a request with this Idempotency-Key is still being processed; retry shortly', {
      headers: { 'Retry-After': '1' },
    }),
  rateLimited: (perSecond: number) =>
    new ApiProblem(429, 'rate_limited', 'Too many requests', `this API key's tenant is limited to ${perSecond} requests per second; retry after Retry-After`, {
      headers: { 'Retry-After': '1' },
    }),
  serviceUnavailable: () =>
    new ApiProblem(503, 'service_unavailable', 'Service unavailable', 'the database is unavailable; nothing was recorded, retry shortly', {
      headers: { 'Retry-After': '1' },
    }),
  internal: () => new ApiProblem(500, 'internal_error', 'Internal error', 'an unexpected error occurred; it has been logged with the request id'),
} as const;
