import { z } from 'zod';
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
  startFactor: z.number().describe('Sale price factor when a step\'s auction starts (e.g. 0.995); a buy-back\'s factor is 2 − the sale\'s'),
  endFactor: z.number().describe('Sale price factor once the auction has run its course (e.g. 0.95); it stays there'),
  durationMinutes: z.number().describe('Minutes over which the sale factor falls linearly from startFactor to endFactor (e.g. 15)'),
});

export const LiquidationStepStateSchema = z.object({
  stepId: z.string().describe('Stable within the liquidation: `step_<revision>_<n>`'),
  positionId: Identifier.optional().describe('Position to reduce; absent for collateral'),
  asset: AssetSymbol.optional().describe('Collateral asset to sell (or debt to buy back); absent for a position'),
  action: z
    .enum(['buy', 'sell'])
    .describe('The account\'s side, as in the plan: `sell` (a liquidator buys from it) or `buy` (a liquidator sells to it: a short or a debt bought back)'),
  quantity: z.number().describe('Units the plan asked for (contracts of the position, or units of the asset); positive'),
  remaining: z.number().describe('Units still to fill, from `quantity` down to 0'),
  referencePrice: z
    .number()
    .describe('Per-unit mark (position) or price (asset) the auction\'s factors apply to, in the quote asset (USD by default), from the assessment that opened the step; fixed for the step\'s life'),
  auctionStartedAt: Timestamp.describe('When this step\'s auction started (ISO 8601, UTC)'),
});

export const LiquidationFillSchema = z.object({
  fillId: z.string().describe('The fill\'s id (fill_…)'),
  stepId: z.string().describe('The step filled'),
  quantity: z.number().describe('Units filled; positive, at most what the step had left'),
  price: z.number().describe('Price per unit the fill was made at, in the quote asset (USD by default)'),
  discount: z
    .number()
    .describe('What the trader paid for the fill against the reference price: quantity × |referencePrice − price|, in the quote asset (USD by default); ≥ 0'),
  filledBy: z.string().describe('The API key that posted the fill (key_…): the liquidator to settle with, or the exchange\'s own admin key'),
  filledAt: Timestamp.describe('When the fill was accepted (ISO 8601, UTC)'),
});

/** A step as the API shows it: with its auction's price now (null once nothing is left, or the liquidation closed). */
export const LiquidationStepSchema = LiquidationStepStateSchema.extend({
  auctionFactor: z
    .number()
    .nullable()
    .describe('The auction\'s price factor at `pricedAt`: below 1 for a sale, above 1 for a buy-back; null once nothing is left or the liquidation closed'),
  auctionPrice: z
    .number()
    .nullable()
    .describe(
      'The auction\'s price per unit at `pricedAt` (referencePrice × auctionFactor), in the quote asset (USD by default): a fill must be at least ' +
        'this good for the account (no lower for a sell step, no higher for a buy step); null once nothing is left or the liquidation closed',
    ),
}).meta({
  id: 'LiquidationStep',
  description: 'One step of a liquidation: a Dutch auction of part of a position or a collateral balance, with its price at `pricedAt`.',
});

const LiquidationFields = z
  .object({
    id: z.string().describe('The liquidation\'s id (liq_…)'),
    object: z.literal('liquidation').describe('Always `liquidation`'),
    accountId: Identifier.describe('The registered account being liquidated'),
    status: LiquidationStatusSchema.describe(
      '`open`, `partially_filled` and `escalated` are active (their steps can be filled); `resolved` (closed after fills) and `cancelled` ' +
        '(closed with no fill, or because the account was deleted) are final',
    ),
    revision: z.number().int().min(1).describe('Starts at 1 and grows by one each time an escalation replaces the unfilled steps with a new plan'),
    targetMarginRatio: z
      .number()
      .describe(
        'The margin ratio (equity / maintenance margin) the plan restores: an account back at it closes the liquidation (resolved after fills, cancelled without)',
      ),
    tier: z.string().describe('Tier of the assessment that opened (or last escalated) the liquidation: tier1, tier2, tier3 or insolvent'),
    auction: AuctionScheduleSchema.describe(
      'The Dutch auction every step runs: the account\'s risk profile\'s, or the built-in `auction` profile\'s when that profile charges a fee',
    ),
    steps: z
      .array(LiquidationStepStateSchema)
      .describe('The steps: those of earlier revisions that were filled (a partly filled one with remaining 0), then the current revision\'s'),
    fills: z.array(LiquidationFillSchema).describe('Every fill accepted, oldest first'),
    account: AccountStateSchema.describe('The account (equity, maintenance margin, margin ratio, tier) as of the last fill or transition'),
    openedAt: Timestamp.describe('When the liquidation opened (ISO 8601, UTC)'),
    updatedAt: Timestamp.describe('When it last changed: a fill or a transition (ISO 8601, UTC)'),
    closedAt: Timestamp.nullable().describe('When it was resolved or cancelled (ISO 8601, UTC); null while active'),
  });

/** A liquidation as stored: the steps without prices (those move with the clock). */
export const LiquidationStateSchema = LiquidationFields;

/** A liquidation as the API shows it: every step priced at `pricedAt`, the server's clock. */
export const LiquidationSchema = LiquidationFields.extend({
  steps: z
    .array(LiquidationStepSchema)
    .describe('The steps, each priced at `pricedAt`: those of earlier revisions that were filled (a partly filled one with remaining 0), then the current revision\'s'),
  pricedAt: Timestamp.describe('The server time the auction prices were computed at (ISO 8601, UTC)'),
}).meta({
  id: 'Liquidation',
  description: 'A liquidation Softland runs on a registered account: the plan\'s steps, each a Dutch auction that liquidators fill, and its lifecycle (docs/liquidations.md).',
});

/** The answer to a fill: the fill recorded and the liquidation after it (and the re-assessment it caused). */
export const FillResultSchema = LiquidationFillSchema.extend({
  object: z.literal('liquidation_fill').describe('Always `liquidation_fill`'),
  liquidationId: z.string().describe('The liquidation filled (liq_…)'),
  liquidation: LiquidationSchema,
}).meta({
  id: 'LiquidationFillResult',
  description: 'A fill, recorded and applied to the account, with the liquidation after it (and after the re-assessment it caused).',
});

export const FillRequestSchema = z
  .strictObject({
    stepId: z.string().min(1).max(64).describe('The `stepId` of the step to fill'),
    quantity: z.number().positive().max(1e15).describe('Units to fill (> 0), at most what the step has left'),
    price: z
      .number()
      .positive()
      .max(1e15)
      .describe(
        'Price per unit, in the quote asset (USD by default): at least as good for the account as the auction price now — no lower for a sell step, no higher for a buy step',
      ),
  })
  .meta({ id: 'LiquidationFillRequest', description: 'A fill of one liquidation step: a quantity of it at a price.' });

export type Liquidation = z.infer<typeof LiquidationStateSchema>;
export type LiquidationView = z.infer<typeof LiquidationSchema>;
export type FillResult = z.infer<typeof FillResultSchema>;
export type LiquidationStepState = z.infer<typeof LiquidationStepStateSchema>;
export type LiquidationFill = z.infer<typeof LiquidationFillSchema>;
export type LiquidationStatus = z.infer<typeof LiquidationStatusSchema>;
export type AuctionSchedule = z.infer<typeof AuctionScheduleSchema>;
export type FillRequest = z.infer<typeof FillRequestSchema>;
