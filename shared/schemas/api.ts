import { z } from 'zod';
import { AssessmentSchema, TierSchema } from './assessment.ts';
import { Identifier, Timestamp } from './fields.ts';
import { CollateralSchema, MarketSchema, PositionSchema } from './snapshot.ts';

/** Shapes of the HTTP API around the snapshot and the assessment. */

export const ProblemSchema = z
  .object({
    type: z.string().describe('URI identifying the problem type'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    /** Stable machine-readable code: branch on this. */
    code: z.string(),
    instance: z.string().describe('The request path'),
    requestId: z.string().describe('Same as the X-Request-Id header'),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('The failing fields, e.g. positions[3].markPrice (the first 100)'),
    errorsOmitted: z.number().int().optional().describe('Failing fields beyond the 100 listed in errors'),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem: every error answer has this shape (application/problem+json).' });

export const AssessmentSummarySchema = z
  .object({
    id: z.string(),
    object: z.literal('assessment_summary'),
    accountId: Identifier,
    asOf: Timestamp,
    createdAt: Timestamp,
    profile: z.string(),
    tier: TierSchema,
    marginRatio: z.number().nullable(),
    equity: z.number(),
    maintenanceMargin: z.number(),
    initialMargin: z.number(),
  })
  .meta({ id: 'AssessmentSummary' });

/** A page of a listing, Stripe style: pass `nextCursor` as `cursor` for the next page (null on the last). */
export const listOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ object: z.literal('list'), data: z.array(item), hasMore: z.boolean(), nextCursor: z.string().nullable() }).meta({ id });

export const AssessmentListSchema = listOf(AssessmentSummarySchema, 'AssessmentList');

export const AssessmentIdParams = z.object({
  id: z.string().regex(/^asm_[0-9A-Z]{26}$/, 'must be an assessment id (asm_…)').meta({ param: { name: 'id', in: 'path' }, example: 'asm_01JDZ8X7Q4M5V2N9T3K6P8R1WC' }),
});

export const AccountParams = z.object({
  accountId: Identifier.meta({ param: { name: 'accountId', in: 'path' }, example: 'acct-42' }),
});

/** A whole number written in decimal digits, as a query parameter: `0x10`, `1e1` or ` 5` are refused, not read as 16, 10 or 5. */
const queryInteger = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
};

/** Listing parameters; any other parameter (a misspelt one, `limit[]`) is refused, not ignored. */
export const PageQuery = z.strictObject({
  limit: queryInteger(1, 100)
    .default(10)
    // Documented as what it is for clients: an integer (the digits-only rule is the parser's).
    .meta({ param: { name: 'limit', in: 'query' }, description: 'Page size, 1–100 (default 10)', type: 'integer', minimum: 1, maximum: 100, default: 10, pattern: undefined }),
  cursor: z.string().min(1).max(2048).optional().meta({ param: { name: 'cursor', in: 'query' }, description: 'nextCursor of the previous page' }),
});

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 printable ASCII characters')
    .optional()
    .meta({ param: { name: 'idempotency-key', in: 'header' }, description: 'Retry safely: the same key and body get the same answer for 24 hours' }),
});

export const HealthSchema = z.object({ status: z.literal('ok'), version: z.string() }).meta({ id: 'Health' });
export const ReadinessSchema = HealthSchema.extend({ database: z.literal('ok') }).meta({ id: 'Readiness' });

export { AssessmentSchema };

export const AccountAssessmentSummarySchema = z
  .object({
    assessmentId: z.string().nullable().describe('The recorded assessment, when the tier changed'),
    asOf: Timestamp,
    tier: TierSchema,
    marginRatio: z.number().nullable(),
    equity: z.number(),
    maintenanceMargin: z.number(),
    initialMargin: z.number(),
  })
  .meta({ id: 'AccountAssessmentSummary' });

export const AccountSchema = z
  .object({
    object: z.literal('account'),
    accountId: Identifier,
    collateral: z.array(CollateralSchema),
    positions: z.array(PositionSchema),
    profile: z.string(),
    /** The tier last reported (with hysteresis); null until the account is first assessed. */
    tier: TierSchema.nullable(),
    lastAssessment: AccountAssessmentSummarySchema.nullable(),
    /** The liquidation Softland is running on the account (GET /v1/liquidations/{id}), or null. */
    activeLiquidationId: z.string().nullable(),
    /** Why the account cannot be assessed now (e.g. the market has no price for one of its assets), or null; its next assessment clears it. */
    assessmentError: z
      .object({ reason: z.string(), errors: z.array(z.object({ field: z.string(), message: z.string() })), since: Timestamp })
      .nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Account' });

export const AccountListSchema = listOf(AccountSchema, 'AccountList');

export const DeletedSchema = z.object({ object: z.string(), id: z.string(), deleted: z.literal(true) }).meta({ id: 'Deleted' });

export const AccountListQuery = PageQuery.extend({
  tier: TierSchema.optional().meta({ param: { name: 'tier', in: 'query' }, description: 'Only accounts in this tier' }),
});

export const MarketUpdateSchema = z
  .strictObject({
    market: MarketSchema,
    /** When the prices were observed; default now. Older than the stored data is refused. */
    asOf: Timestamp.optional(),
    /** Accept prices that moved more than the profile allows since the previous push. Default false. */
    force: z.boolean().default(false),
  })
  .meta({ id: 'MarketUpdate' });

export const MarketSchemaOut = z
  .object({ object: z.literal('market'), market: MarketSchema, asOf: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'Market' });

export const SweepSchema = z
  .object({
    object: z.literal('sweep'),
    id: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    trigger: z.enum(['api', 'schedule', 'price', 'profile']),
    segments: z.number().int(),
    segmentsDone: z.number().int(),
    counts: z.object({
      accounts: z.number().int(),
      assessed: z.number().int(),
      tierChanges: z.number().int(),
      events: z.number().int(),
      skipped: z.number().int(),
      errors: z.number().int(),
    }),
    startedAt: Timestamp,
    completedAt: Timestamp.nullable(),
    /** Why nothing was assessed (market_missing, market_stale) or what failed. */
    reason: z.string().nullable(),
  })
  .meta({ id: 'Sweep' });

export const SweepIdParams = z.object({
  id: z.string().regex(/^swp_[0-9A-Z]{26}$/, 'must be a sweep id (swp_…)').meta({ param: { name: 'id', in: 'path' } }),
});
