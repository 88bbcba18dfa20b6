import { z } from 'zod';

/** Shapes every part of the HTTP API shares: problems, headers, query parameters, a DELETE's answer. */

export const ProblemSchema = z
  .object({
    type: z.string().describe('URI identifying the problem type'),
    title: z.string().describe('Short human-readable summary of the problem, e.g. "Invalid request"; branch on `code`, not on this'),
    status: z.number().int().describe('The HTTP status code of this answer, e.g. 400'),
    detail: z.string().describe('Human-readable explanation of this occurrence (for `invalid_request`, the first five failing fields); for people, not for parsing'),
    code: z.string().describe('Stable machine-readable code, e.g. `invalid_request` or `price_move_too_large`: branch on this'),
    instance: z.string().describe('The request path'),
    requestId: z.string().describe('Same as the X-Request-Id header'),
    errors: z
      .array(
        z.object({
          field: z.string().describe('Path of the failing field, e.g. `positions[3].markPrice`; `(body)` for the body as a whole'),
          message: z.string().describe('What is wrong with it, for people'),
        }),
      )
      .optional()
      .describe('The failing fields, e.g. positions[3].markPrice (the first 100)'),
    errorsOmitted: z.number().int().optional().describe('Failing fields beyond the 100 listed in errors'),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem: every error answer has this shape (application/problem+json).' });

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 printable ASCII characters')
    .optional()
    .meta({ param: { name: 'idempotency-key', in: 'header' }, description: 'Retry safely: the same key and body get the same answer for 24 hours' }),
});

export const DeletedSchema = z
  .object({
    object: z.string().describe('The kind of object deleted: `account` or `webhook_endpoint`'),
    id: z.string().describe('The id of the deleted object (the accountId, or the endpoint\'s we_… id)'),
    deleted: z.literal(true).describe('Always true'),
  })
  .meta({ id: 'Deleted', description: 'The answer to a DELETE: what was deleted.' });

/** A whole number written in decimal digits, as a query parameter: `0x10`, `1e1` or ` 5` are refused, not read as 16, 10 or 5. */
export const queryInteger = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
};

/** A decimal fraction as a query parameter, e.g. `0.25`: `1e-1`, `.5` or ` 0.5` are refused. */
export const queryFraction = (min: number, max: number) => {
  const message = `must be a number from ${min} to ${max} in decimal digits, e.g. 0.25`;
  return z
    .string()
    .regex(/^\d{1,3}(\.\d{1,12})?$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message));
};
