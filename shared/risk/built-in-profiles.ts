import { RiskProfileSchema, type RiskProfile } from './profile-schema.ts';

/** Haircuts: stablecoins 0–2%, majors 5–10%, others 20–50% (docs/margin.md). */
const DEFAULT_HAIRCUTS: Record<string, number> = {
  USD: 0,
  USDC: 0,
  USDT: 0.005,
  DAI: 0.02,
  BTC: 0.05,
  ETH: 0.07,
  SOL: 0.2,
  BNB: 0.2,
  XRP: 0.3,
  DOGE: 0.5,
};

const DEFAULT_PROFILE: RiskProfile = {
  name: 'default',
  marginModel: 'portfolio',
  quoteAsset: 'USD',
  portfolio: {
    priceRange: 0.16,
    priceSteps: 9,
    volRangeUp: 0.5,
    volRangeDown: 0.25,
    volPowerShort: 0.3,
    volPowerLong: 0.13,
    volTenorDays: 30,
    shortOptionContingency: 0.001,
    imFactor: 1.3,
  },
  standard: {
    // Binance-style brackets; the maintenance amount that keeps MM continuous is derived.
    brackets: [
      { notionalUpTo: 1_000_000, maintenanceRate: 0.01, initialRate: 0.02 },
      { notionalUpTo: 5_000_000, maintenanceRate: 0.025, initialRate: 0.05 },
      { notionalUpTo: 20_000_000, maintenanceRate: 0.05, initialRate: 0.1 },
      { notionalUpTo: null, maintenanceRate: 0.1, initialRate: 0.2 },
    ],
    optionMaintenanceFactor: 0.075,
    optionInitialFactor: 0.15,
    optionInitialFloor: 0.1,
  },
  haircuts: DEFAULT_HAIRCUTS,
  stableAssets: ['USD', 'USDC', 'USDT', 'DAI'],
  tiers: { tier1: 1.05, tier2: 1.02, tier3: 1.0 },
  targetMarginRatio: 1.1,
  adaptiveTarget: null,
  liquidation: {
    caps: { tier1: 0.1, tier2: 0.25, tier3: 1 },
    tier3Mode: 'full',
    penalty: { kind: 'fee', rate: 0.005 },
    priority: 'least_notional',
    minRemainingNotional: 10,
    maxPenaltyShareOfEquity: 0.5,
  },
  market: { maxAgeSeconds: 300, maxPriceMove: 0.3 },
  alerts: { hysteresis: 0.01 },
};

/** The `adaptive` profile's target: the next minute's 99% move, 100% volatility when the market gives none, never above 2. */
export const ADAPTIVE_TARGET = { confidence: 0.99, horizonMinutes: 1, defaultVolatility: 1, cap: 2 } as const;

/** Built-in profiles by name, validated once at load. */
export const PROFILES: Readonly<Record<string, RiskProfile>> = Object.freeze({
  default: RiskProfileSchema.parse(DEFAULT_PROFILE),
  standard: RiskProfileSchema.parse({ ...DEFAULT_PROFILE, name: 'standard', marginModel: 'standard' }),
  minimal: RiskProfileSchema.parse({
    ...DEFAULT_PROFILE,
    name: 'minimal',
    liquidation: { ...DEFAULT_PROFILE.liquidation, tier3Mode: 'minimal' },
  }),
  // The target sized to the next minute's 99% move, never below the tier1 threshold, and tier3
  // trimmed to it instead of closed: the target already covers the next move (docs/liquidation.md).
  adaptive: RiskProfileSchema.parse({
    ...DEFAULT_PROFILE,
    name: 'adaptive',
    targetMarginRatio: 1.05,
    liquidation: { ...DEFAULT_PROFILE.liquidation, tier3Mode: 'minimal' },
    adaptiveTarget: ADAPTIVE_TARGET,
  }),
  // Each underlying's grid from its own volatility forecast (docs/margin.md, "Dynamic range"):
  // the 99% one-day move by filtered historical simulation, a 25% anti-procyclicality buffer on
  // top, within [8%, 50%]; 8% for an underlying with no history yet.
  dynamic: RiskProfileSchema.parse({
    ...DEFAULT_PROFILE,
    name: 'dynamic',
    portfolio: {
      ...DEFAULT_PROFILE.portfolio,
      scenarioRange: { mode: 'dynamic', model: 'fhs', confidence: 0.99, horizonHours: 24, floor: 0.08, cap: 0.5, antiProcyclicality: { buffer: 0.25 } },
    },
  }),
  // Liquidators buy at a falling price (docs/liquidation.md): 0.995 → 0.95 over 15 minutes, expected at 7.5.
  auction: RiskProfileSchema.parse({
    ...DEFAULT_PROFILE,
    name: 'auction',
    liquidation: { ...DEFAULT_PROFILE.liquidation, penalty: { kind: 'dutchAuction', startFactor: 0.995, endFactor: 0.95, durationMinutes: 15 } },
  }),
});

export const DEFAULT_PROFILE_NAME = 'default';

export function findProfile(name: string): RiskProfile | undefined {
  return Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
}

/** Finds a risk profile by name for one tenant: a built-in, or one of the tenant's own (shared/store/risk-profiles.ts). */
export type ProfileResolver = (name: string) => Promise<RiskProfile | undefined>;

/** Built-in profiles only: where no tenant is involved (the CLI, the replay). */
export const builtInProfiles: ProfileResolver = async (name) => findProfile(name);
