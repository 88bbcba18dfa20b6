import { z } from 'zod';
import { TIERS } from '../risk/tiers.ts';
import { AssetSymbol, Identifier, Timestamp } from './fields.ts';
import { InstrumentSchema } from './snapshot.ts';

/** Response shapes. Every number here is finite: the engine never returns NaN or Infinity. */

export const GreeksSchema = z.object({
  /** ∂V/∂S, units of the underlying. */
  delta: z.number(),
  /** ∂²V/∂S². */
  gamma: z.number(),
  /** Change of value for +1 volatility point, quote currency. */
  vega: z.number(),
  /** Change of value per calendar day, quote currency. */
  theta: z.number(),
});

export const TierSchema = z.enum(TIERS);

export const AssessedPositionSchema = z.object({
  id: Identifier,
  instrument: InstrumentSchema,
  quantity: z.number(),
  /** Mark price of one unit (contract). */
  markPrice: z.number(),
  /** Volatility the option was valued with; null for perpetuals and futures. */
  impliedVolatility: z.number().nullable(),
  /** |quantity| × price of the underlying. */
  notional: z.number(),
  /** Contribution to equity: quantity × mark for options, unrealized PnL for perpetuals and futures. */
  value: z.number(),
  /** quantity × (mark − entryPrice); null without an entryPrice. */
  unrealizedPnl: z.number().nullable(),
  greeks: GreeksSchema,
  /** Maintenance margin attributed to this position (negative for a hedge under `portfolio`). */
  maintenanceMargin: z.number(),
  initialMargin: z.number(),
  /**
   * Order in which the planner closes positions, 1 first: a plan's steps in their order,
   * then the rest by what their first units free per weighted dollar. null for a hedge
   * (`role: "hedge"`), which no plan closes on its own.
   */
  liquidationPriority: z.number().int().min(1).nullable(),
  /** `hedge` when closing the position would raise the requirement and the plan leaves it open; `risk` otherwise. */
  role: z.enum(['risk', 'hedge']),
  /** Weight on this position's notional in the planner's objective (profile `priority`). */
  liquidationWeight: z.number(),
});

export const AssessedCollateralSchema = z.object({
  asset: AssetSymbol,
  amount: z.number(),
  price: z.number(),
  haircut: z.number(),
  /** Contribution to equity: amount × price × (1 − haircut), full value when negative. */
  value: z.number(),
  /** Scenario loss attributed to the balance when the asset is also an underlying. */
  maintenanceMargin: z.number(),
  /** Weight on this balance's notional in the planner's objective; null for the quote asset, which is never sold. */
  liquidationWeight: z.number().nullable(),
});

export const UnderlyingRiskSchema = GreeksSchema.extend({
  /** Delta of collateral held in this asset, after its haircut. */
  collateralDelta: z.number(),
  maintenanceMargin: z.number(),
  /** The scenario that sets the requirement (portfolio model); null when none loses. */
  worstScenario: z
    .object({ priceMove: z.number(), volShock: z.enum(['unchanged', 'up', 'down']) })
    .nullable(),
  /** How far the scenario grid reached for this underlying (portfolio model; null under the standard model): docs/margin.md, "Dynamic range". */
  scenarioRange: z
    .object({
      /** Largest fall revalued, as a fraction of the price. */
      down: z.number(),
      /** Largest rise revalued, as a fraction of the price. */
      up: z.number(),
      /** `static` (the profile's priceRange), `forecast`, or the forecast clamped to the profile's `floor` / `cap` (`floor` also when there is no price history yet). */
      basis: z.enum(['static', 'forecast', 'floor', 'cap']),
      /** Annualised volatility behind a dynamic range; null when static or without history. */
      volatility: z.number().nullable(),
      /** Daily returns the forecast rests on; null when static or without history. */
      observations: z.number().int().nullable(),
    })
    .nullable(),
});

export const LiquidationStepSchema = z.object({
  /** Position to reduce; absent for a collateral sale. */
  positionId: Identifier.optional(),
  /** Collateral asset to sell into the quote asset (or, for a debt, buy back with it); absent for a position. */
  asset: AssetSymbol.optional(),
  action: z.enum(['buy', 'sell']),
  /** Units to trade (positive). */
  quantity: z.number(),
  /** quantity / |position| (or / balance). */
  fraction: z.number(),
  estimatedPrice: z.number(),
  /** Fee or expected auction discount, quote currency. */
  penalty: z.number(),
  maintenanceMarginRelief: z.number(),
  reason: z.string(),
});

export const AccountStateSchema = z.object({
  equity: z.number(),
  maintenanceMargin: z.number(),
  marginRatio: z.number().nullable(),
  tier: TierSchema,
});

export const ExecutionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fee'), rate: z.number() }),
  z.object({
    kind: z.literal('dutchAuction'),
    /** Price factors at each minute mark: a sale's (falling) and a buy-back's (rising, 2 − the sale's). */
    schedule: z.array(z.object({ minute: z.number(), priceFactor: z.number(), buyPriceFactor: z.number() })),
    /** Minute the fill is expected at; the steps' estimatedPrice and penalty use the factors there. */
    expectedFillMinutes: z.number(),
    expectedPriceFactor: z.number(),
    expectedBuyPriceFactor: z.number(),
  }),
]);

export const ShortfallSchema = z
  .object({
    /**
     * Why the target is out of reach: `tier_cap` (the tier's caps stop the plan),
     * `lot_size` (whole lots cannot get there though fractions could), `hedges_only`
     * (nothing left to close would lower the requirement), `insolvent` (no equity left).
     */
    reason: z.enum(['tier_cap', 'lot_size', 'hedges_only', 'insolvent']),
    /** Quote-currency deposit that would still be needed after the plan to reach the target. */
    remainingTopUp: z.number(),
  })
  .meta({ id: 'LiquidationShortfall' });

export const LiquidationPlanSchema = z
  .object({
  targetMarginRatio: z.number(),
  targetReached: z.boolean(),
  /** Why the target is not reached and what deposit would still be needed; null when it is. */
  shortfall: ShortfallSchema.nullable(),
  steps: z.array(LiquidationStepSchema),
  after: AccountStateSchema,
  liquidatedNotional: z.number(),
  fullLiquidationNotional: z.number(),
  /** Equity left negative after everything is closed, quote currency; 0 when solvent. */
  estimatedBadDebt: z.number(),
  execution: ExecutionSchema,
  })
  .meta({ id: 'LiquidationPlan' });

const PriceLevels = z.object({
  /** Nearest price at which the account is in tier1 or worse; null beyond the search range. */
  tier1: z.number().nullable(),
  /** Nearest price at which the account is in tier3 or worse; null beyond the search range. */
  tier3: z.number().nullable(),
});

/** Liquidation prices of one underlying, all else unchanged (searched from 1% to 1000% of the price). */
export const LiquidationPricesSchema = z.object({
  price: z.number(),
  down: PriceLevels,
  up: PriceLevels,
});

export const AssessmentSchema = z.object({
  id: z.string(),
  object: z.literal('assessment'),
  accountId: Identifier,
  asOf: Timestamp,
  /** The risk profile's name: a built-in, or one of the tenant's (docs/risk-profiles.md). */
  profile: z.string(),
  /** The version of a tenant's profile this answer used (GET /v1/risk-profiles/{name}/versions/{version}); null for a built-in. */
  profileVersion: z.number().int().positive().nullable(),
  marginModel: z.enum(['portfolio', 'standard']),
  equity: z.number(),
  initialMargin: z.number(),
  maintenanceMargin: z.number(),
  /** equity / maintenanceMargin (Binance's "margin ratio" is the inverse); null when maintenance margin is 0. */
  marginRatio: z.number().nullable(),
  tier: TierSchema,
  /** Quote-currency deposit that restores targetMarginRatio; 0 when already there. */
  collateralTopUp: z.number(),
  collateral: z.array(AssessedCollateralSchema),
  positions: z.array(AssessedPositionSchema),
  greeks: z.record(AssetSymbol, UnderlyingRiskSchema),
  /** Per underlying: the prices at which the account would enter tier1 and tier3. */
  liquidationPrices: z.record(AssetSymbol, LiquidationPricesSchema),
  liquidation: LiquidationPlanSchema.nullable(),
}).meta({ id: 'Assessment', description: 'The assessment of a snapshot: margin, tier, Greeks, liquidation prices and plan.' });

export type Assessment = z.infer<typeof AssessmentSchema>;
export type AssessedPosition = z.infer<typeof AssessedPositionSchema>;
export type LiquidationPlan = z.infer<typeof LiquidationPlanSchema>;
export type LiquidationStep = z.infer<typeof LiquidationStepSchema>;
export type UnderlyingRisk = z.infer<typeof UnderlyingRiskSchema>;
export type LiquidationPrices = z.infer<typeof LiquidationPricesSchema>;
export type Shortfall = z.infer<typeof ShortfallSchema>;
