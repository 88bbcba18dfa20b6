import { assessRisk } from '../risk/assess.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import type { Snapshot } from '../schemas/snapshot.ts';

/**
 * Quiet accounts: the replay's shortcut past accounts away from liquidation. Every policy acts
 * only in tier1 or worse, so an account whose margin ratio is above the tier1 threshold need
 * not be re-assessed while the market stays near where it was last assessed.
 *
 * For each book the replay measures how fast the margin ratio falls per unit of log move of
 * each underlying's price and of the volatilities: the steepest chord over several shock sizes
 * either way, so a curved ratio is not under-read. After each assessment the account sleeps
 * until the moves since, weighted by those slopes, could have eaten half its headroom over the
 * threshold, or a move leaves the measured range, or an option expires, or MAX_QUIET_STEPS
 * pass. The slopes are measured again when the book changes or the market drifts far from
 * where they were measured. `runReplay({ exact: true })` re-assesses every account at every
 * step; the tests hold both to the same result.
 */

/** A book's sensitivities, measured at one market. */
export interface Slopes {
  /** The book's positions and collateral they were measured for (by identity: a trade makes new ones). */
  readonly positions: Snapshot['positions'];
  readonly collateral: Snapshot['collateral'];
  /** Per exposed symbol: the price and volatility measured at, and the ratio's fastest fall per unit of log price move. */
  readonly anchors: readonly { readonly symbol: string; readonly price: number; readonly volatility: number; readonly slope: number }[];
  /** The ratio's fastest fall per unit of log move of every volatility together. */
  readonly volatilitySlope: number;
  readonly measuredAt: number;
}

export interface Quiet {
  readonly slopes: Slopes;
  /** Prices and volatilities at the assessment the account sleeps from, per anchor of `slopes`. */
  readonly prices: readonly number[];
  readonly volatilities: readonly number[];
  /** The part of the headroom the weighted moves may use. */
  readonly budget: number;
  /** The first step at which the account must be re-assessed whatever the market did. */
  readonly until: number;
}

/** Re-assess at least this often (steps): time decay and funding are not in the slopes. */
export const MAX_QUIET_STEPS = 240;
/** Below this headroom over the tier1 threshold an account is assessed at every step. */
const MIN_HEADROOM = 0.02;
/** Log price moves the slopes are measured over; the largest bounds how far they are trusted. */
const PRICE_SHOCKS = [0.03, 0.08] as const;
const VOLATILITY_SHOCKS = [0.1, 0.25] as const;
/** Slopes measured further than this (log move) from today's market are measured again. */
const REUSE_PRICE_RANGE = 0.04;
const REUSE_VOLATILITY_RANGE = 0.1;
const REUSE_STEPS = 1440;
/** Half the headroom: the other half absorbs what the chords miss (cross effects, theta). */
const SAFETY = 0.5;

export interface QuietContext {
  /** This step. */
  readonly k: number;
  /** The step of the book's first option expiry (Infinity without options). */
  readonly expiryStep: number;
  /** The slopes the account slept on last, reused while still valid. */
  readonly previous: Slopes | undefined;
  /** Whether new slopes may be measured (they cost a dozen assessments). */
  readonly mayMeasure: boolean;
}

/**
 * How long an account just assessed at `marginRatio` (the lowest under `profiles`: its own
 * and the policies') may sleep, or null when it must be re-assessed at the next step.
 */
export function quietBand(snapshot: Snapshot, marginRatio: number | null, profiles: readonly RiskProfile[], context: QuietContext): Quiet | null {
  if (marginRatio === null) return null;
  const { k, expiryStep, previous } = context;
  const threshold = Math.max(...profiles.map((p) => p.tiers.tier1));
  const headroom = marginRatio - threshold;
  if (!(headroom >= MIN_HEADROOM)) return null;
  const reusable = previous !== undefined && stillValid(previous, snapshot, k);
  if (!reusable && !context.mayMeasure) return null;
  const slopes = reusable ? previous : measureSlopes(snapshot, marginRatio, profiles, k);
  return {
    slopes,
    prices: slopes.anchors.map((a) => snapshot.market[a.symbol]!.price),
    volatilities: slopes.anchors.map((a) => snapshot.market[a.symbol]!.volatility ?? 0),
    budget: SAFETY * headroom,
    until: Math.min(k + MAX_QUIET_STEPS, expiryStep),
  };
}

/** Whether an account quiet since `quiet` may skip step `k` in `market`. */
export function stillQuiet(quiet: Quiet, market: Snapshot['market'], k: number): boolean {
  if (k >= quiet.until) return false;
  const { anchors, volatilitySlope } = quiet.slopes;
  let used = 0;
  let volatilityMove = 0;
  for (let i = 0; i < anchors.length; i++) {
    const a = anchors[i]!;
    const entry = market[a.symbol];
    if (!entry) return false;
    // Outside the range the chords were measured over, they promise nothing.
    if (Math.abs(Math.log(entry.price / a.price)) > PRICE_SHOCKS[PRICE_SHOCKS.length - 1]!) return false;
    used += a.slope * Math.abs(Math.log(entry.price / quiet.prices[i]!));
    const from = quiet.volatilities[i]!;
    if (from > 0 && entry.volatility !== undefined) {
      if (Math.abs(Math.log(entry.volatility / a.volatility)) > VOLATILITY_SHOCKS[VOLATILITY_SHOCKS.length - 1]!) return false;
      volatilityMove = Math.max(volatilityMove, Math.abs(Math.log(entry.volatility / from)));
    }
  }
  return used + volatilitySlope * volatilityMove < quiet.budget;
}

function stillValid(slopes: Slopes, snapshot: Snapshot, k: number): boolean {
  if (slopes.positions !== snapshot.positions || slopes.collateral !== snapshot.collateral || k - slopes.measuredAt >= REUSE_STEPS) return false;
  return slopes.anchors.every((a) => {
    const entry = snapshot.market[a.symbol];
    if (!entry || Math.abs(Math.log(entry.price / a.price)) > REUSE_PRICE_RANGE) return false;
    return !(a.volatility > 0 && entry.volatility !== undefined && Math.abs(Math.log(entry.volatility / a.volatility)) > REUSE_VOLATILITY_RANGE);
  });
}

function measureSlopes(snapshot: Snapshot, marginRatio: number, profiles: readonly RiskProfile[], k: number): Slopes {
  const distinct = distinctMargins(profiles);
  const anchors = exposedSymbols(snapshot).map((symbol) => {
    const entry = snapshot.market[symbol]!;
    let slope = 0;
    for (const x of PRICE_SHOCKS) {
      for (const sign of [-1, 1]) {
        const ratio = ratioUnder(snapshot, distinct, (s, m) => (s === symbol ? { ...m, price: m.price * Math.exp(sign * x) } : m));
        slope = Math.max(slope, (marginRatio - ratio) / x);
      }
    }
    return { symbol, price: entry.price, volatility: entry.volatility ?? 0, slope };
  });
  let volatilitySlope = 0;
  for (const x of VOLATILITY_SHOCKS) {
    for (const sign of [-1, 1]) {
      const ratio = ratioUnder(snapshot, distinct, (_s, m) => (m.volatility === undefined ? m : { ...m, volatility: m.volatility * Math.exp(sign * x) }));
      volatilitySlope = Math.max(volatilitySlope, (marginRatio - ratio) / x);
    }
  }
  return { positions: snapshot.positions, collateral: snapshot.collateral, anchors, volatilitySlope, measuredAt: k };
}

/** The lowest margin ratio over the profiles with the market rewritten by `shock` (no MM: Infinity). */
function ratioUnder(
  snapshot: Snapshot,
  profiles: readonly RiskProfile[],
  shock: (symbol: string, entry: Snapshot['market'][string]) => Snapshot['market'][string],
): number {
  const market: Snapshot['market'] = {};
  for (const [symbol, entry] of Object.entries(snapshot.market)) market[symbol] = shock(symbol, entry);
  let lowest = Infinity;
  for (const profile of profiles) {
    const { assessment } = assessRisk({ ...snapshot, market, profile: profile.name }, { id: 'asm_quiet', liquidationPrices: false });
    // An account that left the healthy side under a shock: as if its ratio fell to 0.
    lowest = Math.min(lowest, assessment.marginRatio ?? (assessment.tier === 'healthy' ? Infinity : 0));
  }
  return lowest;
}

const marginKeys = new WeakMap<RiskProfile, string>();

/** One profile per distinct margin (model, grid, haircuts, tiers): the others give the same ratio. */
function distinctMargins(profiles: readonly RiskProfile[]): RiskProfile[] {
  const byMargin = new Map<string, RiskProfile>();
  for (const p of profiles) {
    let key = marginKeys.get(p);
    if (key === undefined) {
      key = JSON.stringify([p.marginModel, p.quoteAsset, p.portfolio, p.standard, p.haircuts, p.stableAssets, p.tiers]);
      marginKeys.set(p, key);
    }
    if (!byMargin.has(key)) byMargin.set(key, p);
  }
  return [...byMargin.values()];
}

/** Market symbols the book is exposed to: its positions' underlyings and its collateral assets. */
function exposedSymbols(snapshot: Snapshot): string[] {
  const symbols = new Set<string>();
  for (const p of snapshot.positions) symbols.add(p.instrument.underlying);
  for (const c of snapshot.collateral) if (snapshot.market[c.asset]) symbols.add(c.asset);
  return [...symbols].filter((s) => snapshot.market[s]);
}
