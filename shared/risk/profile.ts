import { z } from 'zod';

/**
 * A risk profile holds every number the engine uses. Built-in profiles live in
 * `profiles.ts`; a tenant's own are versions stored by the API (docs/risk-profiles.md).
 * Defaults are documented in docs/margin.md and docs/liquidation.md.
 */

const Fraction = z.number().min(0).max(1);
const PositiveRatio = z.number().gt(0).max(100);

/** One notional bracket of the standard model (Binance style). */
export const MarginBracketSchema = z.strictObject({
  /** Upper bound of the bracket in quote currency (the last bracket: `null`, unbounded). */
  notionalUpTo: z.number().positive().nullable(),
  /** Maintenance margin rate inside the bracket. */
  maintenanceRate: Fraction,
  /** Initial margin rate inside the bracket (≥ maintenanceRate). */
  initialRate: Fraction,
}).refine((b) => b.initialRate >= b.maintenanceRate, { message: 'initialRate must be at least maintenanceRate', path: ['initialRate'] });

/**
 * How far the scenario grid reaches for each underlying (docs/margin.md, "Dynamic range"):
 * `static`, the profile's `priceRange` for every underlying; or `dynamic`, each underlying's
 * loss quantile at `confidence` over `horizonHours` from a volatility forecast of its price
 * history, with an anti-procyclicality buffer on top, clamped to [floor, cap]. Without
 * history the floor applies (and the assessment says so).
 */
export const ScenarioRangeSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('static') }),
  z
    .strictObject({
      mode: z.literal('dynamic'),
      /** The forecaster: filtered historical simulation (default), EWMA or GARCH(1,1) with a normal quantile (docs/volatility.md). */
      model: z.enum(['fhs', 'ewma', 'garch']),
      /** One-sided confidence of the move covered. Default 0.99 (EMIR RTS 153/2013 Art. 24: at least 99%, 99.5% for OTC derivatives). */
      confidence: z.number().min(0.9).lt(1),
      /** The margin period of risk: the move is the one over this many hours. Default 24. */
      horizonHours: z.number().positive().max(240),
      /** Smallest range, and the range with no history. Default 0.08. */
      floor: z.number().gt(0).lt(1),
      /** Largest range. Default 0.5. */
      cap: z.number().gt(0).lt(1),
      /** EMIR RTS 153/2013 Art. 28(1)(a): a buffer of at least 25% on the modelled range, which the cap lets stress use up; null for none. */
      antiProcyclicality: z.strictObject({ buffer: z.number().min(0).max(1) }).nullable(),
    })
    .refine((r) => r.floor <= r.cap, { message: 'floor must not exceed cap', path: ['floor'] }),
]);

const PortfolioGridSchema = z.strictObject({
  /** Largest price move of the scenario grid, as a fraction of spot. Default 0.16. */
  priceRange: z.number().gt(0).lt(1),
  /** Where the grid's range comes from: this `priceRange` (static, default) or a volatility forecast (dynamic). */
  scenarioRange: ScenarioRangeSchema.optional(),
  /** Number of price moves from −range to +range (odd, so 0 is on the grid). Default 9. */
  priceSteps: z.number().int().min(3).max(41).refine((n) => n % 2 === 1, 'must be odd'),
  /** Vol shock up at 30 days: σ × (1 + volRangeUp·(30d/max(T,1d))^p). Default 0.5. */
  volRangeUp: z.number().min(0).max(5),
  /** Vol shock down at 30 days: σ × (1 − volRangeDown·(30d/max(T,1d))^p). Default 0.25. */
  volRangeDown: z.number().min(0).max(0.3),
  /** Exponent p for expiries up to `volShortDays`. Default 0.3. */
  volPowerShort: z.number().min(0).max(1),
  /** Exponent p for longer expiries. Default 0.13. */
  volPowerLong: z.number().min(0).max(1),
  /** Reference tenor of the vol shock, in days. Default 30. */
  volTenorDays: z.number().positive().max(3650),
  /** Contingency per short option contract, as a fraction of spot. Default 0.001. */
  shortOptionContingency: Fraction,
  /** Initial margin = imFactor × maintenance margin. Default 1.3. */
  imFactor: z.number().min(1).max(10),
});

/** What one underlying may set apart from the profile's grid (its number of price steps stays the profile's: one grid shape per book). */
export const PortfolioOverrideSchema = PortfolioGridSchema.omit({ priceSteps: true, imFactor: true }).partial();

export const PortfolioMarginSchema = PortfolioGridSchema.extend({
  /**
   * Per underlying (`BTC`, `DOGE`, …): its own price range, scenario range (static or
   * dynamic), vol shocks and contingency, over the values above.
   */
  underlyings: z.record(z.string().regex(/^[A-Z][A-Z0-9]{0,15}$/, 'must be an asset symbol'), PortfolioOverrideSchema).optional(),
});

export const StandardMarginSchema = z.strictObject({
  /**
   * Perpetual and future brackets by position notional, ascending, with rates that never
   * fall: the requirement is then convex in notional, which the planner's program needs.
   */
  brackets: z
    .array(MarginBracketSchema)
    .min(1)
    .max(20)
    .refine((bs) => bs.every((b, k) => (b.notionalUpTo === null) === (k === bs.length - 1)), 'only the last bracket is unbounded (notionalUpTo null), and it must be')
    .refine((bs) => bs.every((b, k) => k === 0 || (b.notionalUpTo ?? Infinity) > bs[k - 1]!.notionalUpTo!), 'bracket edges must ascend')
    .refine(
      (bs) => bs.every((b, k) => k === 0 || (b.maintenanceRate >= bs[k - 1]!.maintenanceRate && b.initialRate >= bs[k - 1]!.initialRate)),
      'bracket rates must not fall from one bracket to the next',
    ),
  /** Short option maintenance margin per contract: factor × spot + mark. Default 0.075. */
  optionMaintenanceFactor: Fraction,
  /** Short option initial margin: max(factor − OTM/spot, floor) × spot + mark. Default 0.15. */
  optionInitialFactor: Fraction,
  /** Floor of the short option initial margin factor. Default 0.10. */
  optionInitialFloor: Fraction,
});

export const TierThresholdsSchema = z.strictObject({
  /** marginRatio below which the account is in tier1. Default 1.05. */
  tier1: PositiveRatio,
  /** marginRatio below which the account is in tier2. Default 1.02. */
  tier2: PositiveRatio,
  /** marginRatio below which the account is in tier3. Default 1.00. */
  tier3: PositiveRatio,
});

export const PenaltySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('fee'),
    /** Fee as a fraction of the closed notional. Default 0.005. */
    rate: Fraction,
  }),
  z
    .strictObject({
      kind: z.literal('dutchAuction'),
      /** Sale price factor when the auction starts (a buy-back pays 2 − factor). Default 0.995. */
      startFactor: z.number().gt(0).max(1),
      /** Sale price factor when the auction ends; at most startFactor, so sale prices only fall. Default 0.95. */
      endFactor: z.number().gt(0).max(1),
      /** Auction length in minutes. Default 15. */
      durationMinutes: z.number().positive().max(24 * 60),
      /** Expected fill time in minutes, within the auction (sets the expected discount). Default: half the duration. */
      expectedFillMinutes: z.number().min(0).max(24 * 60).optional(),
    })
    .refine((a) => a.endFactor <= a.startFactor, { message: 'endFactor must not exceed startFactor: sale prices fall during an auction', path: ['endFactor'] })
    .refine((a) => a.expectedFillMinutes === undefined || a.expectedFillMinutes <= a.durationMinutes, {
      message: 'expectedFillMinutes must be within the auction',
      path: ['expectedFillMinutes'],
    }),
]);

export const LiquidationPolicySchema = z.strictObject({
  /** Largest fraction of each position the planner may close, per tier. */
  caps: z.strictObject({ tier1: Fraction, tier2: Fraction, tier3: Fraction }),
  /** tier3: close everything (`full`, default) or only what restores the target (`minimal`). */
  tier3Mode: z.enum(['full', 'minimal']),
  /** Penalty charged on what is closed. */
  penalty: PenaltySchema,
  /**
   * Weights on notional in the planner's objective: `least_notional` (all 1; the brief's
   * factors break ties) or `brief` (losing, high-delta/gamma positions and volatile
   * collateral first). Default `least_notional`.
   */
  priority: z.enum(['least_notional', 'brief']),
  /** Smallest position notional left open; anything smaller is closed too (no dust). Default 10. */
  minRemainingNotional: z.number().min(0).max(1e9),
  /**
   * Largest share of the account's equity that penalties may take, so that a fee alone
   * never makes a solvent account insolvent (Drift caps its fee the same way). Default 0.5.
   */
  maxPenaltyShareOfEquity: z.number().min(0).lt(1),
});

export const RiskProfileSchema = z
  .strictObject({
    name: z.string().min(1).max(64),
    /** A tenant profile's version (1, 2, …); absent on built-in profiles, which change only with a release. */
    version: z.number().int().positive().optional(),
    /** `portfolio` (scenario grid, default) or `standard` (per position). */
    marginModel: z.enum(['portfolio', 'standard']),
    /** The cash asset that everything is valued in; always priced at 1. */
    quoteAsset: z.string().min(1).max(16),
    portfolio: PortfolioMarginSchema,
    standard: StandardMarginSchema,
    /** Haircut per collateral asset. An asset missing here cannot be collateral. */
    haircuts: z.record(z.string(), z.number().min(0).lt(1)),
    /**
     * Collateral covered by its haircut alone. Every other collateral asset is revalued
     * in the scenario grid like an underlying, so a loan against BTC carries margin.
     */
    stableAssets: z.array(z.string().min(1).max(16)).max(100),
    tiers: TierThresholdsSchema,
    /** marginRatio the liquidation plan and the top-up aim for; with `adaptiveTarget`, its floor. Default 1.10. */
    targetMarginRatio: PositiveRatio,
    /**
     * A target sized to the market instead of fixed (docs/liquidation.md, "Adaptive target"):
     * high enough that the move of the account's underlyings possible before the next
     * evaluation, at `confidence`, does not take it back below the tier1 threshold. Null: the
     * fixed `targetMarginRatio`.
     */
    adaptiveTarget: z
      .strictObject({
        /** One-sided confidence of the move covered. Default 0.99. */
        confidence: z.number().gt(0.5).lt(1),
        /** Time until the next evaluation, in minutes (a sweep's interval, or the exchange's). Default 1. */
        horizonMinutes: z.number().positive().max(7 * 1440),
        /** Annualised volatility for an underlying the market gives none for. Default 1.0. */
        defaultVolatility: z.number().positive().max(10),
        /** Largest target it may set. Default 2. */
        cap: PositiveRatio,
      })
      .nullable(),
    liquidation: LiquidationPolicySchema,
    market: z.strictObject({
      /** A sweep refuses market data older than this (and emits market.stale). Default 300 s. */
      maxAgeSeconds: z.number().int().positive().max(86_400),
      /** A pushed price further than this from the previous one is refused unless forced. Default 0.3 (30%). */
      maxPriceMove: z.number().gt(0).max(10),
    }),
    alerts: z.strictObject({
      /**
       * An account moves to a better tier only once it clears the boundary by this much
       * marginRatio, so one hovering at a threshold does not flood anyone. Default 0.01.
       */
      hysteresis: z.number().min(0).max(1),
    }),
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
