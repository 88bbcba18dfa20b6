import { z } from 'zod';

/**
 * A risk profile holds every number the engine uses. Built-in profiles live in
 * `built-in-profiles.ts`; a tenant's own are versions stored by the API (docs/risk-profiles.md).
 * Defaults are documented in docs/margin.md and docs/liquidation.md.
 *
 * Each field's `.describe()` text is its documentation in the OpenAPI document (and so in
 * generated SDKs); "`default` profile: x" names the built-in `default` profile's value.
 */

const Fraction = z.number().min(0).max(1);
const PositiveRatio = z.number().gt(0).max(100);

/** One notional bracket of the standard model (Binance style). */
export const MarginBracketSchema = z.strictObject({
  notionalUpTo: z
    .number()
    .positive()
    .nullable()
    .describe('Upper bound of the bracket, as position notional in the quote asset; null on the last bracket, which is unbounded.'),
  maintenanceRate: Fraction.describe(
    'Maintenance margin rate inside the bracket, as a fraction of position notional (0.01 = 1%); an offset keeps the requirement continuous at bracket edges.',
  ),
  initialRate: Fraction.describe('Initial margin rate inside the bracket, as a fraction of position notional; at least maintenanceRate.'),
}).refine((b) => b.initialRate >= b.maintenanceRate, { message: 'initialRate must be at least maintenanceRate', path: ['initialRate'] });

/**
 * How far the scenario grid reaches for each underlying (docs/margin.md, "Dynamic range"):
 * `static`, the profile's `priceRange` for every underlying; or `dynamic`, each underlying's
 * loss quantile at `confidence` over `horizonHours` from a volatility forecast of its price
 * history, with an anti-procyclicality buffer on top, clamped to [floor, cap]. Without
 * history the floor applies (and the assessment says so).
 */
export const ScenarioRangeSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('static').describe('`static`: the grid reaches priceRange on both sides of spot.'),
  }),
  z
    .strictObject({
      mode: z
        .literal('dynamic')
        .describe("`dynamic`: each side's reach comes from a volatility forecast of the underlying's daily price history (docs/margin.md, \"Dynamic range\")."),
      model: z
        .enum(['fhs', 'ewma', 'garch'])
        .describe('The forecaster: `fhs` (filtered historical simulation), `ewma` or `garch` (GARCH(1,1)), the last two with a normal quantile (docs/volatility.md); the `dynamic` built-in uses `fhs`.'),
      confidence: z
        .number()
        .min(0.9)
        .lt(1)
        .describe(
          'One-sided confidence of the move covered on each side, from 0.9 up to (not including) 1; the `dynamic` built-in uses 0.99 (EMIR RTS 153/2013 Art. 24: at least 99%, 99.5% for OTC derivatives).',
        ),
      horizonHours: z
        .number()
        .positive()
        .max(240)
        .describe("The margin period of risk in hours: the one-day forecast's log move is scaled by √(horizonHours / 24); the `dynamic` built-in uses 24."),
      floor: z
        .number()
        .gt(0)
        .lt(1)
        .describe(
          'Smallest reach per side, as a fraction of spot, and the reach on both sides of an underlying with no forecast (fewer than 250 daily returns); at most cap; the `dynamic` built-in uses 0.08.',
        ),
      cap: z.number().gt(0).lt(1).describe('Largest reach per side, as a fraction of spot; the `dynamic` built-in uses 0.5.'),
      antiProcyclicality: z
        .strictObject({
          buffer: z
            .number()
            .min(0)
            .max(1)
            .describe('The modelled reach is multiplied by (1 + buffer) before the clamp to [floor, cap] (0.25 = 25%); the `dynamic` built-in uses 0.25.'),
        })
        .nullable()
        .describe('Anti-procyclicality buffer on the modelled reach (EMIR RTS 153/2013 Art. 28(1)(a) asks for at least 25%); only the cap can use it up; null for none.'),
    })
    .refine((r) => r.floor <= r.cap, { message: 'floor must not exceed cap', path: ['floor'] }),
]);

const PortfolioGridSchema = z.strictObject({
  priceRange: z
    .number()
    .gt(0)
    .lt(1)
    .describe('Largest price move of the scenario grid on each side, as a fraction of spot (0.16 = ±16%), used when the range is static; `default` profile: 0.16.'),
  scenarioRange: ScenarioRangeSchema.optional().describe(
    'Where the grid\'s reach comes from: `{"mode": "static"}` (priceRange on both sides) or `{"mode": "dynamic", …}` (a volatility forecast per underlying); absent means static, as in the `default` profile.',
  ),
  priceSteps: z
    .number()
    .int()
    .min(3)
    .max(41)
    .refine((n) => n % 2 === 1, 'must be odd')
    .describe('Number of price moves on the grid from −range to +range, evenly spaced on each side; odd, so that 0 is on the grid; `default` profile: 9.'),
  volRangeUp: z
    .number()
    .min(0)
    .max(5)
    .describe(
      "Upward volatility shock: an option's volatility σ becomes σ × (1 + volRangeUp × (volTenorDays / max(T, 1 day))^p), T its time to expiry and p volPowerShort or volPowerLong; `default` profile: 0.5.",
    ),
  volRangeDown: z
    .number()
    .min(0)
    .max(0.3)
    .describe('Downward volatility shock: σ becomes σ × (1 − volRangeDown × (volTenorDays / max(T, 1 day))^p), never below 0.01 × σ; `default` profile: 0.25.'),
  volPowerShort: z.number().min(0).max(1).describe('Exponent p of the volatility shocks for options up to volTenorDays from expiry; `default` profile: 0.3.'),
  volPowerLong: z.number().min(0).max(1).describe('Exponent p of the volatility shocks for options more than volTenorDays from expiry; `default` profile: 0.13.'),
  volTenorDays: z
    .number()
    .positive()
    .max(3650)
    .describe('Reference tenor of the volatility shocks, in days: an option this far from expiry is shocked by exactly volRangeUp and volRangeDown; `default` profile: 30.'),
  shortOptionContingency: Fraction.describe(
    'Maintenance margin added per short option contract, as a fraction of spot (0.001 = 0.1%); `default` profile: 0.001.',
  ),
  imFactor: z.number().min(1).max(10).describe('Initial margin as a multiple of maintenance margin under the portfolio model; `default` profile: 1.3.'),
});

/** What one underlying may set apart from the profile's grid (its number of price steps stays the profile's: one grid shape per book). */
export const PortfolioOverrideSchema = PortfolioGridSchema.omit({ priceSteps: true, imFactor: true }).partial();

export const PortfolioMarginSchema = PortfolioGridSchema.extend({
  underlyings: z
    .record(z.string().regex(/^[A-Z][A-Z0-9]{0,15}$/, 'must be an asset symbol'), PortfolioOverrideSchema)
    .optional()
    .describe(
      "Per underlying, keyed by asset symbol (`BTC`, `DOGE`, …): its own priceRange, scenarioRange, volatility shock settings or shortOptionContingency; a field it leaves out is the profile's; absent in the `default` profile.",
    ),
});

export const StandardMarginSchema = z.strictObject({
  brackets: z
    .array(MarginBracketSchema)
    .min(1)
    .max(20)
    .refine((bs) => bs.every((b, k) => (b.notionalUpTo === null) === (k === bs.length - 1)), 'only the last bracket is unbounded (notionalUpTo null), and it must be')
    .refine((bs) => bs.every((b, k) => k === 0 || (b.notionalUpTo ?? Infinity) > bs[k - 1]!.notionalUpTo!), 'bracket edges must ascend')
    .refine(
      (bs) => bs.every((b, k) => k === 0 || (b.maintenanceRate >= bs[k - 1]!.maintenanceRate && b.initialRate >= bs[k - 1]!.initialRate)),
      'bracket rates must not fall from one bracket to the next',
    )
    // Rates that never fall make the requirement convex in notional, which the planner's program needs.
    .describe(
      'Margin brackets by position notional for perpetuals, futures and debts in volatile assets: ascending, rates never falling from one to the next, only the last unbounded; `default` profile (maintenance / initial): 1% / 2% up to 1,000,000, 2.5% / 5% to 5,000,000, 5% / 10% to 20,000,000, 10% / 20% above.',
    ),
  optionMaintenanceFactor: Fraction.describe('Short option maintenance margin per contract is optionMaintenanceFactor × spot + mark; `default` profile: 0.075.'),
  optionInitialFactor: Fraction.describe(
    'Short option initial margin per contract is max(optionInitialFactor − out-of-the-money amount / spot, optionInitialFloor) × spot + mark, and never below maintenance; `default` profile: 0.15.',
  ),
  optionInitialFloor: Fraction.describe('Floor of the short option initial margin factor (see optionInitialFactor); `default` profile: 0.10.'),
});

export const TierThresholdsSchema = z.strictObject({
  tier1: PositiveRatio.describe('marginRatio (equity / maintenance margin) below which an account is in tier1; above tier2; `default` profile: 1.05.'),
  tier2: PositiveRatio.describe('marginRatio below which an account is in tier2; between tier3 and tier1; `default` profile: 1.02.'),
  tier3: PositiveRatio.describe('marginRatio below which an account is in tier3; below tier2; `default` profile: 1.00.'),
});

export const PenaltySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('fee').describe('`fee`: a fee on the value closed, capped in total by maxPenaltyShareOfEquity.'),
    rate: Fraction.describe(
      'Fee as a fraction of the value closed (|quantity| × mark for a position, so the premium for an option; amount × price for collateral); `default` profile: 0.005.',
    ),
  }),
  z
    .strictObject({
      kind: z
        .literal('dutchAuction')
        .describe('`dutchAuction`: liquidators buy at a price that falls during the auction; the discount at the expected fill is the penalty, and it is not capped.'),
      startFactor: z
        .number()
        .gt(0)
        .max(1)
        .describe('Sale price as a fraction of mark when the auction starts (a buy-back pays 2 − factor); the `auction` built-in uses 0.995.'),
      endFactor: z
        .number()
        .gt(0)
        .max(1)
        .describe('Sale price factor when the auction ends, reached linearly from startFactor; at most startFactor, so sale prices only fall; the `auction` built-in uses 0.95.'),
      durationMinutes: z
        .number()
        .positive()
        .max(24 * 60)
        .describe('Auction length in minutes; the `auction` built-in uses 15.'),
      expectedFillMinutes: z
        .number()
        .min(0)
        .max(24 * 60)
        .optional()
        .describe('Minutes into the auction a fill is expected, which sets the expected discount; at most durationMinutes; absent: half the duration.'),
    })
    .refine((a) => a.endFactor <= a.startFactor, { message: 'endFactor must not exceed startFactor: sale prices fall during an auction', path: ['endFactor'] })
    .refine((a) => a.expectedFillMinutes === undefined || a.expectedFillMinutes <= a.durationMinutes, {
      message: 'expectedFillMinutes must be within the auction',
      path: ['expectedFillMinutes'],
    }),
]);

export const LiquidationPolicySchema = z.strictObject({
  caps: z
    .strictObject({
      tier1: Fraction.describe('Largest fraction of each position or balance a plan may close in tier1; `default` profile: 0.1.'),
      tier2: Fraction.describe('Largest fraction of each position or balance a plan may close in tier2; `default` profile: 0.25.'),
      tier3: Fraction.describe("Largest fraction of each position or balance a plan may close in tier3 when tier3Mode is `minimal` (`full` closes everything); `default` profile: 1."),
    })
    .describe('Largest fraction of each position or balance a liquidation plan may close, per tier, ascending from tier1 to tier3 (an insolvent account is closed out whole).'),
  tier3Mode: z
    .enum(['full', 'minimal'])
    .describe('In tier3, close everything (`full`) or only the least that restores the target, within caps.tier3 (`minimal`); `default` profile: `full`.'),
  penalty: PenaltySchema.describe('Penalty charged on what a plan closes: a fee or a Dutch auction; `default` profile: a fee at rate 0.005.'),
  priority: z
    .enum(['least_notional', 'brief'])
    .describe(
      "Weights on notional in the planner's objective: `least_notional` (every weight 1, ties broken by the `brief` weights) or `brief` (lower weights, so closed first, for losing, high-delta/gamma positions and volatile collateral); `default` profile: `least_notional`.",
    ),
  minRemainingNotional: z
    .number()
    .min(0)
    .max(1e9)
    .describe('Smallest position notional, in the quote asset, a plan leaves open: a position it would leave smaller is closed entirely, even past the tier\'s cap; `default` profile: 10.'),
  maxPenaltyShareOfEquity: z
    .number()
    .min(0)
    .lt(1)
    .describe(
      "Largest share of the account's equity before liquidation that fees may take in total, so that a fee alone never makes a solvent account insolvent (auction discounts are not capped); `default` profile: 0.5.",
    ),
});

export const RiskProfileSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(64)
      .describe("The profile's name: a built-in's (`default`, `standard`, …), or the name a tenant published its own under."),
    version: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("A tenant profile's version (1, 2, …); absent on built-in profiles, which change only with a release."),
    marginModel: z
      .enum(['portfolio', 'standard'])
      .describe('`portfolio` (scenario grid per underlying, with offsets) or `standard` (per position, no offsets); `default` profile: `portfolio`.'),
    quoteAsset: z
      .string()
      .min(1)
      .max(16)
      .describe('The cash asset everything is valued in, always priced at 1; must be a stable asset with a zero haircut; `default` profile: USD.'),
    portfolio: PortfolioMarginSchema.describe('Parameters of the portfolio margin model, used when marginModel is `portfolio` (docs/margin.md).'),
    standard: StandardMarginSchema.describe('Parameters of the standard margin model, used when marginModel is `standard` (docs/margin.md).'),
    haircuts: z
      .record(z.string(), z.number().min(0).lt(1))
      .describe(
        'Haircut per collateral asset, as a fraction of the value held (0.05 = 5%); an asset missing here cannot be collateral; `default` profile: USD 0, USDC 0, USDT 0.005, DAI 0.02, BTC 0.05, ETH 0.07, SOL 0.2, BNB 0.2, XRP 0.3, DOGE 0.5.',
      ),
    stableAssets: z
      .array(z.string().min(1).max(16))
      .max(100)
      .describe(
        'Collateral assets covered by their haircut alone (the quote asset must be one); every other collateral asset is revalued in the scenario grid like an underlying, so a loan against BTC carries margin; `default` profile: USD, USDC, USDT, DAI.',
      ),
    tiers: TierThresholdsSchema.describe('marginRatio thresholds of the liquidation tiers, strictly descending: tier1 > tier2 > tier3.'),
    targetMarginRatio: PositiveRatio.describe(
      'marginRatio the liquidation plan and the collateral top-up aim for (with adaptiveTarget, its floor); at least tiers.tier1; `default` profile: 1.10.',
    ),
    adaptiveTarget: z
      .strictObject({
        confidence: z.number().gt(0.5).lt(1).describe('One-sided confidence of the move covered; the `adaptive` built-in uses 0.99.'),
        horizonMinutes: z
          .number()
          .positive()
          .max(7 * 1440)
          .describe("Time until the next evaluation, in minutes (a sweep's interval, or the exchange's); the `adaptive` built-in uses 1."),
        defaultVolatility: z
          .number()
          .positive()
          .max(10)
          .describe('Annualised volatility (1.0 = 100%) assumed for an underlying the market gives none for; the `adaptive` built-in uses 1.0.'),
        cap: PositiveRatio.describe('Largest target marginRatio it may set, at least targetMarginRatio (its floor); the `adaptive` built-in uses 2.'),
      })
      .nullable()
      .describe(
        "A target sized to the market instead of fixed (docs/liquidation.md, \"Adaptive target\"): high enough that the move of the account's underlyings possible before the next evaluation, at confidence, does not take it back below the tier1 threshold; null: the fixed targetMarginRatio (as in the `default` profile).",
      ),
    liquidation: LiquidationPolicySchema.describe('How liquidation plans are made: caps per tier, tier3 mode, penalty, priority and the dust rule (docs/liquidation.md).'),
    market: z
      .strictObject({
        maxAgeSeconds: z
          .number()
          .int()
          .positive()
          .max(86_400)
          .describe(
            "A sweep refuses market data older than this many seconds (and emits market.stale); only the `default` profile's value, 300, is applied today.",
          ),
        maxPriceMove: z
          .number()
          .gt(0)
          .max(10)
          .describe(
            "A pushed price that moved further than this fraction from the previous one (0.3 = ±30%) is refused unless forced; only the `default` profile's value, 0.3, is applied today.",
          ),
      })
      .describe("Checks on market data; validated and stored, but every tenant's market data is checked with the `default` profile's values today."),
    alerts: z
      .strictObject({
        hysteresis: z
          .number()
          .min(0)
          .max(1)
          .describe(
            'An account is reported in a better tier only once it clears the boundary by this much marginRatio, so one hovering at a threshold does not flood anyone; `default` profile: 0.01.',
          ),
      })
      .describe('How tier changes are reported.'),
  })
  .refine((p) => p.tiers.tier3 < p.tiers.tier2 && p.tiers.tier2 < p.tiers.tier1, {
    message: 'tier thresholds must descend strictly: tier1 > tier2 > tier3',
    path: ['tiers'],
  })
  .refine((p) => p.liquidation.caps.tier1 <= p.liquidation.caps.tier2 && p.liquidation.caps.tier2 <= p.liquidation.caps.tier3, {
    message: 'liquidation caps must ascend: tier1 ≤ tier2 ≤ tier3',
    path: ['liquidation', 'caps'],
  })
  .refine((p) => p.targetMarginRatio >= p.tiers.tier1, {
    message: 'targetMarginRatio must be at least the tier1 threshold',
    path: ['targetMarginRatio'],
  })
  .refine((p) => p.adaptiveTarget === null || p.adaptiveTarget.cap >= p.targetMarginRatio, {
    message: 'the adaptive target may not be capped below targetMarginRatio, its floor (nor so below the tier1 threshold)',
    path: ['adaptiveTarget', 'cap'],
  })
  .refine((p) => p.stableAssets.includes(p.quoteAsset), {
    message: 'the quote asset must be one of the stable assets',
    path: ['stableAssets'],
  })
  .refine((p) => p.haircuts[p.quoteAsset] === 0, {
    message: 'the quote asset must be collateral with a zero haircut',
    path: ['haircuts'],
  });

export type RiskProfile = z.infer<typeof RiskProfileSchema>;
export type MarginBracket = z.infer<typeof MarginBracketSchema>;
export type Penalty = z.infer<typeof PenaltySchema>;
export type ScenarioRangeSettings = z.infer<typeof ScenarioRangeSchema>;
export type PortfolioParams = z.infer<typeof PortfolioMarginSchema>;

const merged = new WeakMap<PortfolioParams, Map<string, PortfolioParams>>();

/** The portfolio grid's settings for one underlying: the profile's, with that underlying's overrides (memoised, so grids built from them are shared). */
export function portfolioFor(portfolio: PortfolioParams, symbol: string): PortfolioParams {
  const override = portfolio.underlyings?.[symbol];
  if (!override) return portfolio;
  let bySymbol = merged.get(portfolio);
  if (!bySymbol) merged.set(portfolio, (bySymbol = new Map()));
  let params = bySymbol.get(symbol);
  if (!params) bySymbol.set(symbol, (params = { ...portfolio, ...override }));
  return params;
}
