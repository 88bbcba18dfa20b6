import { z } from 'zod';
import { listOf, PageQuery } from './api.ts';
import { AccountStateSchema } from './assessment.ts';
import { AssetSymbol, Identifier, Timestamp } from './fields.ts';

/**
 * A liquidation Softland runs (docs/liquidations.md): the plan's steps, each a Dutch
 * auction that liquidators fill, and the lifecycle around them. Shapes only; the rules
 * are in shared/liquidations.
 */

export const LIQUIDATION_STATUSES = ['open', 'partially_filled', 'resolved', 'escalated', 'cancelled'] as const;
export const LiquidationStatusSchema = z.enum(LIQUIDATION_STATUSES);

export const AuctionScheduleSchema = z.object({
  /** Sale price factor at the start; a buy-back pays 2 − factor. */
  startFactor: z.number(),
  /** Sale price factor once the auction has run its course (it stays there). */
  endFactor: z.number(),
  durationMinutes: z.number(),
});

export const LiquidationStepStateSchema = z.object({
  /** Stable within the liquidation: `step_<revision>_<n>`. */
  stepId: z.string(),
  /** Position to reduce; absent for collateral. */
  positionId: Identifier.optional(),
  /** Collateral asset to sell (or debt to buy back); absent for a position. */
  asset: AssetSymbol.optional(),
  /** The account's side, as in the plan: `sell` (a liquidator buys from it) or `buy` (a liquidator sells to it: a short or a debt bought back). */
  action: z.enum(['buy', 'sell']),
  /** Units the plan asked for. */
  quantity: z.number(),
  /** Units still to fill. */
  remaining: z.number(),
  /** Mark (position) or price (asset) the auction's factors apply to, from the assessment that opened the step. */
  referencePrice: z.number(),
  /** When this step's auction started. */
  auctionStartedAt: Timestamp,
});

export const LiquidationFillSchema = z.object({
  fillId: z.string(),
  stepId: z.string(),
  quantity: z.number(),
  price: z.number(),
  /** What the trader paid for the fill against the reference price: quantity × |reference − price|. */
  discount: z.number(),
  /** The API key that posted the fill (key_…): the liquidator to settle with, or the exchange's own admin key. */
  filledBy: z.string(),
  filledAt: Timestamp,
});

/** A step as the API shows it: with its auction's price now (null once nothing is left, or the liquidation closed). */
export const LiquidationStepSchema = LiquidationStepStateSchema.extend({
  /** The auction's price factor at `pricedAt`: below 1 for a sale, above 1 for a buy-back. */
  auctionFactor: z.number().nullable(),
  /** The auction's price per unit at `pricedAt` (referencePrice × auctionFactor), in USD: a fill must be at least this good for the account. */
  auctionPrice: z.number().nullable(),
}).meta({ id: 'LiquidationStep' });

const LiquidationFields = z
  .object({
    id: z.string(),
    object: z.literal('liquidation'),
    accountId: Identifier,
    status: LiquidationStatusSchema,
    /** Grows by one each time an escalation replaces the unfilled steps with a new plan. */
    revision: z.number().int().min(1),
    targetMarginRatio: z.number(),
    /** Tier of the assessment that opened (or last escalated) the liquidation. */
    tier: z.string(),
    auction: AuctionScheduleSchema,
    steps: z.array(LiquidationStepStateSchema),
    fills: z.array(LiquidationFillSchema),
    /** The account after the last fill or re-assessment. */
    account: AccountStateSchema,
    openedAt: Timestamp,
    updatedAt: Timestamp,
    closedAt: Timestamp.nullable(),
  });

/** A liquidation as stored: the steps without prices (those move with the clock). */
export const LiquidationStateSchema = LiquidationFields;

/** A liquidation as the API shows it: every step priced at `pricedAt`, the server's clock. */
export const LiquidationSchema = LiquidationFields.extend({
  steps: z.array(LiquidationStepSchema),
  /** The server time the auction prices were computed at. */
  pricedAt: Timestamp,
}).meta({ id: 'Liquidation' });

export const LiquidationListSchema = listOf(LiquidationSchema, 'LiquidationList');

/** The answer to a fill: the fill recorded and the liquidation after it (and the re-assessment it caused). */
export const FillResultSchema = LiquidationFillSchema.extend({
  object: z.literal('liquidation_fill'),
  liquidationId: z.string(),
  liquidation: LiquidationSchema,
}).meta({ id: 'LiquidationFillResult' });

export const FillRequestSchema = z
  .strictObject({
  stepId: z.string().min(1).max(64),
  /** Units to fill (> 0), at most what the step has left. */
  quantity: z.number().positive().max(1e15),
  /** Price per unit, at least as good for the trader as the current auction price. */
  price: z.number().positive().max(1e15),
  })
  .meta({ id: 'LiquidationFillRequest' });

export const LIQUIDATION_FILTERS = ['active', ...LIQUIDATION_STATUSES] as const;

export const LiquidationListQuery = PageQuery.extend({
  status: z
    .enum(LIQUIDATION_FILTERS)
    .optional()
    .meta({ param: { name: 'status', in: 'query' }, description: 'One status, or `active` for every liquidation a liquidator can fill (open, partially_filled, escalated)' }),
});

export const LiquidationParams = z.object({
  id: z.string().regex(/^liq_[0-9A-Z]{26}$/, 'must be a liquidation id (liq_…)').meta({ param: { name: 'id', in: 'path' }, example: 'liq_01JDZ8X7Q4M5V2N9T3K6P8R1WC' }),
});

export type Liquidation = z.infer<typeof LiquidationStateSchema>;
export type LiquidationView = z.infer<typeof LiquidationSchema>;
export type FillResult = z.infer<typeof FillResultSchema>;
export type LiquidationStepState = z.infer<typeof LiquidationStepStateSchema>;
export type LiquidationFill = z.infer<typeof LiquidationFillSchema>;
export type LiquidationStatus = z.infer<typeof LiquidationStatusSchema>;
export type AuctionSchedule = z.infer<typeof AuctionScheduleSchema>;
export type FillRequest = z.infer<typeof FillRequestSchema>;
