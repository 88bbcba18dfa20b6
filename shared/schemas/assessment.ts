import { z } from 'zod';
import { TIERS } from '../risk/tiers.ts';
import { AssetSymbol, Identifier, Timestamp } from './fields.ts';
import { InstrumentSchema } from './snapshot.ts';

/**
 * Response shapes. Every number here is finite: the engine never returns NaN or Infinity.
 * Money is in the risk profile's quote asset (USD by default); prices are per unit of the
 * underlying (one option contract = one unit). The descriptions are what the OpenAPI
 * document and the generated SDKs show.
 */

export const GreeksSchema = z.object({
  delta: z.number().describe('∂V/∂S: change of value for a rise of 1 (quote currency) in the underlying\'s price, in units of the underlying. A perpetual or future has delta = its quantity.'),
  gamma: z.number().describe('∂²V/∂S²: change of delta for a rise of 1 (quote currency) in the underlying\'s price. 0 for perpetuals and futures.'),
  vega: z.number().describe('Change of value, in the quote currency, for a rise of 1 volatility point (+0.01 of annualised volatility). 0 for perpetuals and futures.'),
  theta: z.number().describe('Change of value, in the quote currency, per calendar day that passes (time decay: negative for a long option, positive for a short one). 0 for perpetuals and futures.'),
});

export const TierSchema = z.enum(TIERS);

export const AssessedPositionSchema = z.object({
  id: Identifier.describe('The position\'s id, as in the snapshot.'),
  instrument: InstrumentSchema,
  quantity: z.number().describe('Signed quantity, as in the snapshot: + long, − short, in units of the underlying (one option contract = one unit).'),
  markPrice: z
    .number()
    .describe(
      'Mark price of one unit (contract) the position is valued at, quote currency: the snapshot\'s markPrice; without one, the underlying\'s price for a perpetual or future and the Black-Scholes price for an option. An option at or past expiry is marked at its intrinsic value.',
    ),
  impliedVolatility: z
    .number()
    .nullable()
    .describe('Annualised volatility the option was valued with (0.55 = 55%): the position\'s own, implied from its markPrice, or the market\'s. null for perpetuals, futures and options at or past expiry.'),
  notional: z.number().describe('|quantity| × the underlying\'s market price, quote currency (for an option: the underlying\'s notional, not the premium).'),
  value: z
    .number()
    .describe('Contribution to equity, quote currency: quantity × mark for an option; the unrealized PnL quantity × (mark − entryPrice) for a perpetual or future (0 without an entryPrice).'),
  unrealizedPnl: z.number().nullable().describe('quantity × (mark − entryPrice), quote currency; null without an entryPrice.'),
  greeks: GreeksSchema.describe('The position\'s Greeks: quantity × the Greeks of one unit. An option at or past expiry has those of its payoff (delta ±1 in the money, else 0).'),
  maintenanceMargin: z
    .number()
    .describe(
      'Maintenance margin attributed to this position, quote currency. Under `portfolio`: its own loss in the scenario that sets its underlying\'s requirement, plus its short-option contingency; negative for a hedge. Under `standard`: its own requirement. The attributions of positions and collateral add up to the account\'s maintenanceMargin.',
    ),
  initialMargin: z
    .number()
    .describe('Initial margin attributed to this position, quote currency: the profile\'s imFactor (1.3 by default) × its maintenanceMargin under `portfolio`; its own initial requirement under `standard`.'),
  liquidationPriority: z
    .number()
    .int()
    .min(1)
    .nullable()
    .describe(
      'Order in which the planner closes positions, 1 first: a plan\'s steps in their order, then the rest by what their first units free per weighted dollar. null for a hedge (`role: "hedge"`), which no plan closes on its own.',
    ),
  role: z.enum(['risk', 'hedge']).describe('`hedge` when closing the position would raise the requirement and the plan leaves it open; `risk` otherwise.'),
  liquidationWeight: z
    .number()
    .describe(
      'Weight on this position\'s notional in the planner\'s objective (profile `liquidation.priority`; a lower weight is closed first): 1 under `least_notional`; under `brief` 2 / (1 + intensity), halved when the position is losing (docs/liquidation.md). 1 for a position of quantity 0.',
    ),
});

export const AssessedCollateralSchema = z.object({
  asset: AssetSymbol.describe('Asset of the balance, as in the snapshot.'),
  amount: z.number().describe('Balance in units of the asset, as in the snapshot; negative when owed (a debt).'),
  price: z.number().describe('Price of one unit of the asset in the quote asset: the market\'s price, 1 for the quote asset itself.'),
  haircut: z.number().describe('The profile\'s haircut for the asset, a fraction (0.05 = 5%): a positive balance counts amount × price × (1 − haircut); a debt counts in full.'),
  value: z.number().describe('Contribution to equity, quote currency: amount × price × (1 − haircut), the full amount × price when negative.'),
  maintenanceMargin: z
    .number()
    .describe(
      'Maintenance margin attributed to this balance, quote currency. Under `portfolio`: its own loss (after haircut) in the scenario that sets its asset\'s requirement, negative when it gains there (it hedges positions). Under `standard`: the requirement of a debt in a volatile asset, margined like a short perpetual; 0 for a balance held. 0 for stable assets under both.',
    ),
  liquidationWeight: z
    .number()
    .nullable()
    .describe(
      'Weight on this balance\'s notional in the planner\'s objective: 1 under `least_notional`; under `brief` 1 − haircut for a volatile balance held, 2 for a stable coin, 1 for a volatile debt. null for the quote asset, which is never sold, and for a zero balance.',
    ),
});

export const UnderlyingRiskSchema = GreeksSchema.extend({
  collateralDelta: z.number().describe('Delta of the collateral held in this asset, in units of it: amount × (1 − haircut) for a balance held, the full amount for a debt; 0 when no balance is in this asset. Not included in `delta`, which is the positions\'.'),
  maintenanceMargin: z
    .number()
    .describe(
      'This underlying\'s part of the account\'s maintenanceMargin, quote currency: its worst scenario loss, never below 0, under `portfolio` (the short-option contingency is not included); the sum of its positions\' and debts\' requirements under `standard`.',
    ),
  worstScenario: z
    .object({
      priceMove: z.number().describe('Price move of that scenario, a fraction of the price (−0.16 = a 16% fall).'),
      volShock: z.enum(['unchanged', 'up', 'down']).describe('Volatility in that scenario: unchanged, shocked up or shocked down (docs/margin.md).'),
    })
    .nullable()
    .describe('The scenario of the grid that sets this underlying\'s requirement (`portfolio` model); null when no scenario loses, and always under `standard`.'),
  scenarioRange: z
    .object({
      down: z.number().describe('Largest fall revalued, as a fraction of the price.'),
      up: z.number().describe('Largest rise revalued, as a fraction of the price.'),
      basis: z
        .enum(['static', 'forecast', 'floor', 'cap'])
        .describe('`static` (the profile\'s priceRange), `forecast`, or the forecast clamped to the profile\'s `floor` / `cap` (`floor` also when there is no price history yet).'),
      volatility: z.number().nullable().describe('Annualised volatility behind a dynamic range; null when static or without history.'),
      observations: z.number().int().nullable().describe('Daily returns the forecast rests on; null when static or without history.'),
    })
    .nullable()
    .describe('How far the scenario grid reached for this underlying (`portfolio` model; null under `standard`): docs/margin.md, "Dynamic range".'),
});

export const LiquidationStepSchema = z.object({
  positionId: Identifier.optional().describe('Id of the position this step reduces; absent for a collateral step (`asset` is set instead).'),
  asset: AssetSymbol.optional().describe(
    'Collateral asset this step sells into the quote asset (a balance held) or buys back with it (a balance owed); absent for a position step.',
  ),
  action: z
    .enum(['buy', 'sell'])
    .describe(
      'The account\'s side of the trade, which always moves the position or balance toward zero and never past it. Position: `sell` reduces a long, `buy` buys back part of a short. Collateral: `sell` sells a balance held into the quote asset, `buy` buys back a debt (a negative balance) with the quote asset.',
    ),
  quantity: z
    .number()
    .describe(
      'Units to trade, always positive: the direction is `action`. Contracts (units of the underlying) for a position, units of the asset for collateral. The new signed quantity is the old one minus sign(old) × this. With a lotSize, a whole number of lots (computed as lots × lotSize, so it can carry float noise such as 0.08000000000000002), except a step that closes the position entirely; without one, any amount, rounded up to 10 significant digits.',
    ),
  fraction: z
    .number()
    .describe(
      'quantity / the position\'s |quantity| (or the balance\'s |amount|) in the snapshot, rounded to 12 significant digits: above 0, at most 1 (closed entirely); within the tier\'s cap (10% in tier1, 25% in tier2 by default) unless the rest, below minRemainingNotional, is closed as dust.',
    ),
  estimatedPrice: z
    .number()
    .describe(
      'Expected execution price per unit, quote currency, penalty included: the mark of the contract (a position; for an option, its premium) or the asset\'s price (collateral), minus penalty / quantity for a `sell` and plus it for a `buy`. With a fee: mark × (1 − rate) or × (1 + rate), closer to the mark when the fee cap scales the fees down (the mark itself when none is charged). With a Dutch auction: mark × expectedPriceFactor for a sale, × expectedBuyPriceFactor for a buy-back.',
    ),
  penalty: z
    .number()
    .describe(
      'Cost of this step, quote currency, taken from the quote balance. Fee: rate × quantity × |mark| (the asset\'s price for collateral), all of a plan\'s fees scaled down together when they would exceed maxPenaltyShareOfEquity (50% by default) of the equity before the plan; an insolvent account pays none. Dutch auction: the expected discount, (1 − expectedPriceFactor) × quantity × |mark| (or × price), never capped.',
    ),
  maintenanceMarginRelief: z
    .number()
    .describe(
      'Maintenance margin this step frees, quote currency, with the steps listed before it already executed. Negative for a hedge leg closed with the legs it hedges (the reason says so).',
    ),
  reason: z
    .string()
    .describe(
      'Why this step, in words, for people (do not parse it): how far it closes (up to the tier\'s cap, as far as the least-notional plan needs, or full liquidation), the position\'s side and instrument and whether it is losing, what it frees per dollar closed, and the best candidate left open.',
    ),
});

export const AccountStateSchema = z.object({
  equity: z.number().describe('Equity in this state, quote currency; negative is bad debt.'),
  maintenanceMargin: z.number().describe('Maintenance margin requirement in this state, quote currency.'),
  marginRatio: z.number().nullable().describe('equity / maintenanceMargin in this state, a plain number (1.1 = 110%); null when the maintenance margin is 0.'),
  tier: TierSchema.describe('Liquidation tier of this state.'),
});

export const ExecutionSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('fee').describe('`fee`: each step pays a fee on the value it closes.'),
      rate: z.number().describe('Fee as a share of the closed value (|quantity| × mark for a position, quantity × price for collateral): 0.005 = 0.5%.'),
    }),
    z.object({
      kind: z
        .literal('dutchAuction')
        .describe('`dutchAuction`: each step is auctioned to liquidators, a sale\'s price falling and a buy-back\'s rising with time; the penalty is the expected discount.'),
      schedule: z
        .array(
          z.object({
            minute: z.number().describe('Minutes since the auction started: 0, 1, 2, … and the duration as the last entry.'),
            priceFactor: z.number().describe('A sale\'s price at this minute as a fraction of the reference price (the contract\'s mark, or the asset\'s price): falls linearly from the start factor to the end factor.'),
            buyPriceFactor: z.number().describe('A buy-back\'s price factor at this minute: 2 − priceFactor (rising).'),
          }),
        )
        .describe('Price factors at each minute mark from the start to the end of the auction: a sale\'s (falling) and a buy-back\'s (rising, 2 − the sale\'s).'),
      expectedFillMinutes: z
        .number()
        .describe('Minute the fill is expected at (the profile\'s expectedFillMinutes, default half the duration); the steps\' estimatedPrice and penalty use the factors there.'),
      expectedPriceFactor: z.number().describe('A sale\'s price factor at expectedFillMinutes: a sale\'s estimatedPrice is mark (or price) × this; every step\'s penalty is (1 − this) × quantity × |mark| (or × price).'),
      expectedBuyPriceFactor: z.number().describe('A buy-back\'s price factor at expectedFillMinutes, 2 − expectedPriceFactor: a buy-back\'s estimatedPrice is mark × this.'),
    }),
  ])
  .describe('How the steps are expected to execute, which sets their penalty and estimatedPrice: a fee, or a Dutch auction (the profile\'s `liquidation.penalty`).');

export const ShortfallSchema = z
  .object({
    reason: z
      .enum(['tier_cap', 'lot_size', 'hedges_only', 'insolvent'])
      .describe(
        'Why the target is out of reach: `tier_cap` (the tier\'s caps stop the plan), `lot_size` (whole lots cannot get there though fractions could), `hedges_only` (nothing left to close would lower the requirement), `insolvent` (no equity left).',
      ),
    remainingTopUp: z
      .number()
      .describe('Deposit in the quote asset that would still be needed after the plan to reach the target: max(0, targetMarginRatio × after.maintenanceMargin − after.equity).'),
  })
  .meta({ id: 'LiquidationShortfall', description: 'Why a liquidation plan stops short of its target, and the deposit that would still be needed.' });

export const LiquidationPlanSchema = z
  .object({
    targetMarginRatio: z
      .number()
      .describe('The marginRatio the plan aims for: the profile\'s targetMarginRatio (1.10 by default), or the adaptive target when the profile sizes one (docs/liquidation.md, "Adaptive target").'),
    targetReached: z
      .boolean()
      .describe('Whether `after` reaches the target (marginRatio ≥ targetMarginRatio, within 1e-9 relative), or leaves no requirement with positive equity. When false, `shortfall` says why.'),
    /** Why the target is not reached and what deposit would still be needed; null when it is. */
    shortfall: ShortfallSchema.nullable(),
    steps: z
      .array(LiquidationStepSchema)
      .describe('The trades, in the order to execute them (each next one frees the most requirement per weighted dollar given those before it; beyond 64 steps, by what their first units free): at most one per position or collateral balance; empty when nothing is closed.'),
    after: AccountStateSchema.describe(
      'The account once every step is applied, as a fresh assessment of the resulting snapshot finds it: positions and balances reduced by the steps, the closed value (realized PnL of perpetuals and futures, option premium, sale proceeds) and the penalties settled in the quote balance (docs/liquidation.md, "The after state").',
    ),
    liquidatedNotional: z
      .number()
      .describe('Size of this plan, quote currency: the sum over the steps of quantity × the underlying\'s price (a position) or quantity × the asset\'s price (collateral).'),
    fullLiquidationNotional: z
      .number()
      .describe('What closing every open position would liquidate, quote currency: the sum of |quantity| × the underlying\'s price over the positions (collateral not included); compare with liquidatedNotional.'),
    estimatedBadDebt: z.number().describe('Equity left negative after the plan, quote currency: max(0, −after.equity); 0 when solvent.'),
    execution: ExecutionSchema,
  })
  .meta({
    id: 'LiquidationPlan',
    description:
      'The smallest liquidation slice (least priority-weighted notional) that brings marginRatio back to targetMarginRatio within the tier\'s caps, and the account it leaves (docs/liquidation.md). An assessment carries one from tier1 on.',
  });

const PriceLevels = z.object({
  tier1: z
    .number()
    .nullable()
    .describe('Nearest price at which the account is in tier1 or worse, quote currency; the current price when it already is; null beyond the search range.'),
  tier3: z
    .number()
    .nullable()
    .describe('Nearest price at which the account is in tier3 or worse, quote currency; the current price when it already is; null beyond the search range.'),
});

/** Liquidation prices of one underlying, all else unchanged (searched from 1% to 1000% of the price). */
export const LiquidationPricesSchema = z.object({
  price: z.number().describe('The underlying\'s current price, where the search starts, quote currency.'),
  down: PriceLevels.describe('Searching down from the current price (to 1% of it).'),
  up: PriceLevels.describe('Searching up from the current price (to 10 times it).'),
});

export const AssessmentSchema = z.object({
  id: z.string().describe('Id of the assessment (`asm_…`, time-ordered): GET /v1/assessments/{id}.'),
  object: z.literal('assessment').describe('Always `assessment`.'),
  accountId: Identifier.describe('The snapshot\'s accountId.'),
  asOf: Timestamp.describe('The snapshot\'s valuation time.'),
  profile: z.string().describe('The risk profile\'s name: a built-in, or one of the tenant\'s (docs/risk-profiles.md).'),
  profileVersion: z
    .number()
    .int()
    .positive()
    .nullable()
    .describe('The version of a tenant\'s profile this answer used (GET /v1/risk-profiles/{name}/versions/{version}); null for a built-in.'),
  marginModel: z
    .enum(['portfolio', 'standard'])
    .describe('The profile\'s margin model: `portfolio` (a scenario grid per underlying, offsets within it) or `standard` (per position, no offsets); docs/margin.md.'),
  equity: z
    .number()
    .describe('Mark-to-market equity, quote currency: collateral after haircuts (debts in full) + perpetual and future unrealized PnL + option values. Negative is bad debt.'),
  initialMargin: z
    .number()
    .describe('Initial margin requirement, quote currency: the profile\'s imFactor (1.3 by default) × maintenanceMargin under `portfolio`; the positions\' and debts\' own under `standard`. Equity below it is `warning`.'),
  maintenanceMargin: z
    .number()
    .describe(
      'Maintenance margin requirement, quote currency, never negative: the worst scenario loss of each underlying plus the short-option contingency (`portfolio`), or the positions\' and debts\' own requirements (`standard`). Below 1e-9 × the gross notional (or 1e-9 of the quote asset) it is rounding residue and reported as 0.',
    ),
  marginRatio: z
    .number()
    .nullable()
    .describe('equity / maintenanceMargin, a plain number (higher is safer; Binance\'s "margin ratio" is the inverse); null when maintenance margin is 0.'),
  tier: TierSchema.describe(
    'Liquidation tier, from the profile\'s thresholds (defaults shown): `healthy` (equity ≥ initialMargin), `warning` (equity < initialMargin, marginRatio ≥ 1.05), `tier1` (marginRatio < 1.05), `tier2` (< 1.02), `tier3` (< 1.00), `insolvent` (equity < 0, or 0 with risk open). A plan is attached from `tier1` on. An account that cannot owe (long options only, no debt) is at worst `warning`.',
  ),
  collateralTopUp: z
    .number()
    .describe('Deposit in the quote asset that restores targetMarginRatio: max(0, targetMarginRatio × maintenanceMargin − equity); 0 when already there.'),
  collateral: z
    .array(AssessedCollateralSchema)
    .describe('Each collateral balance of the snapshot, valued, in its order (the zero quote balance the engine adds when the snapshot has none is not listed).'),
  positions: z.array(AssessedPositionSchema).describe('Each position of the snapshot, valued, in its order.'),
  greeks: z
    .record(AssetSymbol, UnderlyingRiskSchema)
    .describe(
      'Per underlying (every position\'s underlying and every volatile collateral asset): the positions\' Greeks summed, the collateral\'s delta, its part of the requirement, the worst scenario and the grid\'s reach.',
    ),
  liquidationPrices: z
    .record(AssetSymbol, LiquidationPricesSchema)
    .describe(
      'Per underlying: the nearest prices below and above the current one at which the account would enter tier1 and tier3, everything else unchanged (searched from 1% to 1000% of the price). All null for an account that cannot owe.',
    ),
  liquidation: LiquidationPlanSchema.nullable(),
}).meta({ id: 'Assessment', description: 'The assessment of a snapshot: margin, tier, Greeks, liquidation prices and plan.' });

export type Assessment = z.infer<typeof AssessmentSchema>;
export type AssessedPosition = z.infer<typeof AssessedPositionSchema>;
export type LiquidationPlan = z.infer<typeof LiquidationPlanSchema>;
export type LiquidationStep = z.infer<typeof LiquidationStepSchema>;
export type UnderlyingRisk = z.infer<typeof UnderlyingRiskSchema>;
export type LiquidationPrices = z.infer<typeof LiquidationPricesSchema>;
export type Shortfall = z.infer<typeof ShortfallSchema>;
