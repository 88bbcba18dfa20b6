import { Rng } from './random.ts';

/**
 * Seeded price paths for the replay: correlated geometric Brownian motion with
 * Poisson jumps (market-wide and per asset), a volatility that mean-reverts in
 * log space and rises when prices fall (leverage effect), and a market crash of
 * −30% (for the reference asset, deeper for higher-beta ones) spread over one hour
 * at a seeded time. Pure: the same options give the same paths.
 */

const MINUTES_PER_YEAR = 365 * 24 * 60;
const MINUTES_PER_DAY = 24 * 60;

/** How one underlying moves. */
export interface UnderlyingModel {
  readonly symbol: string;
  /** Price at the start of the replay. */
  readonly price: number;
  /** Long-run annualised volatility, also the starting one (0.55 = 55%). */
  readonly volatility: number;
  /** Exposure to the market-wide crash and jumps: log move = beta × the market's log move. */
  readonly beta: number;
  /** Asset-specific jumps per day. */
  readonly jumpsPerDay: number;
  /** Standard deviation of an asset-specific jump's log size. */
  readonly jumpStd: number;
  /** Value traded a day, USD: what liquidations' market impact is sized against (docs/replay.md). */
  readonly dailyVolume: number;
}

export const DEFAULT_UNDERLYINGS: readonly UnderlyingModel[] = [
  // Daily volumes of the order of Binance spot's in 2024: BTC $20B, ETH $10B, SOL $2B.
  { symbol: 'BTC', price: 97_000, volatility: 0.55, beta: 1, jumpsPerDay: 0.5, jumpStd: 0.015, dailyVolume: 20e9 },
  { symbol: 'ETH', price: 3_000, volatility: 0.7, beta: 1.15, jumpsPerDay: 0.6, jumpStd: 0.02, dailyVolume: 10e9 },
  { symbol: 'SOL', price: 150, volatility: 0.9, beta: 1.35, jumpsPerDay: 0.8, jumpStd: 0.03, dailyVolume: 2e9 },
];

/** Correlation of the Brownian parts, in the order of DEFAULT_UNDERLYINGS. */
export const DEFAULT_CORRELATION: readonly (readonly number[])[] = [
  [1, 0.8, 0.7],
  [0.8, 1, 0.75],
  [0.7, 0.75, 1],
];

export interface CrashOptions {
  /** Fall of the reference (beta 1) asset over the crash: 0.3 = −30%. Default 0.3. */
  readonly depth?: number;
  /** Length of the crash. Default 60 minutes. */
  readonly durationMinutes?: number;
  /** Step at which the crash starts; default: seeded, between 25% and 70% of the path. */
  readonly startStep?: number;
}

export interface PathOptions {
  readonly seed: number;
  /** Number of steps after the start. Default 1440 (one day of 1-minute steps). */
  readonly steps?: number;
  /** Minutes per step. Default 5. */
  readonly stepMinutes?: number;
  /** Start of the path, ISO 8601. Default 2026-11-23T12:00:00Z. */
  readonly start?: string;
  readonly underlyings?: readonly UnderlyingModel[];
  /** Correlation matrix of the Brownian parts (same order as `underlyings`). Default DEFAULT_CORRELATION. */
  readonly correlation?: readonly (readonly number[])[];
  /** The crash; `null` for none. */
  readonly crash?: CrashOptions | null;
  /** Leverage effect: log-volatility change per unit of log return, negated. Default 1.75 (a −30% crash raises volatility about 1.9×). */
  readonly leverage?: number;
  /** Volatility of log-volatility, annualised. Default 1.5. */
  readonly volOfVol?: number;
  /** Half-life of volatility's return to its long-run level, in days. Default 2. */
  readonly volHalfLifeDays?: number;
  /** Market-wide jumps per day (each moves every asset by beta × its size). Default 0.5. */
  readonly marketJumpsPerDay?: number;
  /** Mean and standard deviation of a market jump's log size. Default −0.01 and 0.025. */
  readonly marketJumpMean?: number;
  readonly marketJumpStd?: number;
}

export interface PricePaths {
  readonly seed: number;
  readonly start: string;
  readonly stepMinutes: number;
  readonly steps: number;
  /** ISO timestamp of every point: index 0 is the start, index k is k steps later. */
  readonly times: readonly string[];
  readonly symbols: readonly string[];
  /** Price of each underlying at every point (steps + 1 values). */
  readonly prices: Readonly<Record<string, Float64Array>>;
  /** Annualised volatility of each underlying at every point. */
  readonly volatilities: Readonly<Record<string, Float64Array>>;
  /**
   * The crash: prices[endStep] = prices[startStep] × (1 − depth[symbol]) for every
   * symbol, over endStep − startStep steps; null when the path has none.
   */
  readonly crash: { readonly startStep: number; readonly endStep: number; readonly depth: Readonly<Record<string, number>> } | null;
  /** Value traded a day per underlying, USD (0: unknown, no impact). */
  readonly dailyVolume: Readonly<Record<string, number>>;
}

export const DEFAULT_START = '2026-11-23T12:00:00Z';
export const DEFAULT_STEPS = 1440;
/** Accounts are re-assessed every minute, as the scheduled sweeps do. */
export const DEFAULT_STEP_MINUTES = 1;

/** Volatility stays within these multiples of its long-run level. */
const VOL_FLOOR = 0.35;
const VOL_CAP = 4;

export function generatePaths(options: PathOptions): PricePaths {
  const steps = options.steps ?? DEFAULT_STEPS;
  const stepMinutes = options.stepMinutes ?? DEFAULT_STEP_MINUTES;
  const start = options.start ?? DEFAULT_START;
  const models = options.underlyings ?? DEFAULT_UNDERLYINGS;
  const correlation = options.correlation ?? (options.underlyings ? identity(models.length) : DEFAULT_CORRELATION);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError('steps must be a positive integer');
  if (!(stepMinutes > 0)) throw new RangeError('stepMinutes must be positive');
  if (correlation.length !== models.length) throw new RangeError('correlation must match the underlyings');

  const rng = new Rng(options.seed).fork('paths');
  const dt = stepMinutes / MINUTES_PER_YEAR;
  const sqrtDt = Math.sqrt(dt);
  const stepDays = stepMinutes / MINUTES_PER_DAY;
  const leverage = options.leverage ?? 1.75;
  const volOfVol = options.volOfVol ?? 1.5;
  const kappa = Math.LN2 / ((options.volHalfLifeDays ?? 2) / 365); // per year
  const marketJumpRate = (options.marketJumpsPerDay ?? 0.5) * stepDays;
  const marketJumpMean = options.marketJumpMean ?? -0.01;
  const marketJumpStd = options.marketJumpStd ?? 0.025;
  const chol = cholesky(correlation);
  const n = models.length;

  const crash = crashWindow(options.crash, steps, stepMinutes, rng);
  // Uneven but exact: the crash's log move is split over its steps by random weights.
  const crashWeights = crash ? randomWeights(crash.endStep - crash.startStep, rng) : [];
  const crashLog = crash ? Math.log(1 - crash.depth) : 0;

  const prices: Record<string, Float64Array> = {};
  const volatilities: Record<string, Float64Array> = {};
  const logPrice = new Float64Array(n);
  const logVol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = models[i]!;
    prices[m.symbol] = new Float64Array(steps + 1);
    volatilities[m.symbol] = new Float64Array(steps + 1);
    prices[m.symbol]![0] = m.price;
    volatilities[m.symbol]![0] = m.volatility;
    logPrice[i] = Math.log(m.price);
    logVol[i] = Math.log(m.volatility);
  }

  // The market jumps' compensator keeps each price a martingale (roughly, for beta ≠ 1) apart from the crash.
  const marketJumpComp = marketJumpRate * (Math.exp(marketJumpMean + 0.5 * marketJumpStd * marketJumpStd) - 1);
  const z = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 1; k <= steps; k++) {
    // Draw every variate every step, so the stream does not depend on the crash placement.
    for (let i = 0; i < n; i++) z[i] = rng.normal();
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j <= i; j++) s += chol[i]![j]! * z[j]!;
      w[i] = s;
    }
    const marketJumps = rng.poisson(marketJumpRate);
    let marketJump = 0;
    for (let j = 0; j < marketJumps; j++) marketJump += marketJumpMean + marketJumpStd * rng.normal();
    const inCrash = crash !== null && k > crash.startStep && k <= crash.endStep;

    for (let i = 0; i < n; i++) {
      const m = models[i]!;
      const sigma = Math.exp(logVol[i]!);
      const ownJumpRate = m.jumpsPerDay * stepDays;
      const ownJumps = rng.poisson(ownJumpRate);
      let ownJump = 0;
      // Log size s·N − s²/2: the jump has mean factor 1, so it needs no compensator.
      for (let j = 0; j < ownJumps; j++) ownJump += m.jumpStd * (rng.normal() - 0.5 * m.jumpStd);
      const volShock = rng.normal();

      let r: number;
      if (inCrash) {
        r = m.beta * crashLog * crashWeights[k - crash.startStep - 1]!;
      } else {
        r = -0.5 * sigma * sigma * dt + sigma * sqrtDt * w[i]! + m.beta * marketJump + ownJump - m.beta * marketJumpComp;
      }
      logPrice[i] = logPrice[i]! + r;
      const target = Math.log(m.volatility);
      let h = logVol[i]! + kappa * (target - logVol[i]!) * dt + volOfVol * sqrtDt * volShock - leverage * r;
      h = Math.min(Math.max(h, target + Math.log(VOL_FLOOR)), target + Math.log(VOL_CAP));
      logVol[i] = h;
      prices[m.symbol]![k] = Math.exp(logPrice[i]!);
      volatilities[m.symbol]![k] = Math.exp(h);
    }
  }
  const startMs = Date.parse(start);
  if (Number.isNaN(startMs)) throw new RangeError(`start is not a timestamp: ${start}`);
  const times = Array.from({ length: steps + 1 }, (_, k) => new Date(startMs + k * stepMinutes * 60_000).toISOString().replace('.000Z', 'Z'));
  return {
    seed: options.seed,
    dailyVolume: Object.fromEntries(models.map((m) => [m.symbol, m.dailyVolume])),
    start: times[0]!,
    stepMinutes,
    steps,
    times,
    symbols: models.map((m) => m.symbol),
    prices,
    volatilities,
    crash: crash
      ? {
          startStep: crash.startStep,
          endStep: crash.endStep,
          depth: Object.fromEntries(models.map((m) => [m.symbol, 1 - Math.exp(m.beta * crashLog)])),
        }
      : null,
  };
}

/** The largest fall of `prices` over any window of `window` steps: 0.3 = −30%. */
export function largestDrop(prices: Float64Array, window: number): { drop: number; startStep: number } {
  let best = { drop: 0, startStep: 0 };
  for (let a = 0; a < prices.length; a++) {
    for (let b = a + 1; b <= Math.min(a + window, prices.length - 1); b++) {
      const drop = 1 - prices[b]! / prices[a]!;
      if (drop > best.drop) best = { drop, startStep: a };
    }
  }
  return best;
}

function crashWindow(
  options: CrashOptions | null | undefined,
  steps: number,
  stepMinutes: number,
  rng: Rng,
): { startStep: number; endStep: number; depth: number } | null {
  // The placement is drawn even without a crash, so the rest of the stream is the same.
  const drawn = rng.next();
  if (options === null) return null;
  const depth = options?.depth ?? 0.3;
  if (!(depth > 0 && depth < 1)) throw new RangeError('crash depth must be in (0, 1)');
  const length = Math.max(1, Math.round((options?.durationMinutes ?? 60) / stepMinutes));
  if (length > steps) return null;
  const earliest = Math.floor(0.25 * steps);
  const latest = Math.max(earliest, Math.floor(0.7 * steps) - length);
  const startStep = options?.startStep ?? Math.min(earliest + Math.floor(drawn * (latest - earliest + 1)), steps - length);
  if (!Number.isInteger(startStep) || startStep < 0 || startStep + length > steps) {
    throw new RangeError('crash startStep must leave room for the crash inside the path');
  }
  return { startStep, endStep: startStep + length, depth };
}

/** `n` positive weights summing to 1, between 0.5 and 1.5 times the mean before normalising. */
function randomWeights(n: number, rng: Rng): number[] {
  const raw = Array.from({ length: n }, () => 0.5 + rng.next());
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / total);
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/** Lower-triangular L with L·Lᵀ = m; throws when m is not positive definite. */
function cholesky(m: readonly (readonly number[])[]): number[][] {
  const n = m.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    if (m[i]!.length !== n) throw new RangeError('correlation must be square');
    for (let j = 0; j <= i; j++) {
      let s = m[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError('correlation must be positive definite');
        l[i]![i] = Math.sqrt(s);
      } else {
        l[i]![j] = s / l[j]![j]!;
      }
    }
  }
  return l;
}
