import { normalCdf } from '../risk/normal.ts';

/**
 * The two backtests clearing houses run on a margin model's breaches (docs/backtest.md):
 * Kupiec's proportion of failures (are there as many breaches as the confidence promises?)
 * and Christoffersen's independence test (do breaches cluster?). Both are likelihood
 * ratios against a χ² with one degree of freedom. Pure: numbers in, numbers out.
 */

/**
 * P(χ²₁ > x) = erfc(√(x/2)) = 2·Φ(−√x). Written with the repo's normal CDF (Cody's
 * algorithm, accurate in the far tail), so tiny p-values do not round to 0 early.
 */
export function chiSquare1Survival(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return 2 * normalCdf(-Math.sqrt(x));
}

/**
 * k·ln(q) with the convention 0·ln(0) = 0: the likelihood of an outcome that never
 * happened does not depend on its probability, even a zero one. This is what makes
 * x = 0 and x = n well defined in both tests without special branches.
 */
export function xlogy(k: number, q: number): number {
  return k === 0 ? 0 : k * Math.log(q);
}

/** Which way a proportion of failures departs from the promised one. */
export type FailureSide = 'too_many' | 'too_few' | 'as_expected';

export interface KupiecResult {
  readonly observations: number;
  readonly breaches: number;
  /** Promised breach probability p = 1 − confidence. */
  readonly expectedRate: number;
  readonly observedRate: number;
  /** LR_POF, ≥ 0. */
  readonly lr: number;
  /** P(χ²₁ > LR_POF): small means the breach count is implausible under p. */
  readonly pValue: number;
  /**
   * The direction of the departure: `too_many` = under-margined, `too_few` = over-margined.
   * The LR test itself is two-sided; this says which side a rejection is on.
   */
  readonly side: FailureSide;
}

/**
 * Kupiec (1995) proportion-of-failures test:
 *   LR_POF = −2 ln[(1−p)^{n−x} p^x] + 2 ln[(1−x/n)^{n−x} (x/n)^x].
 * With x = 0 it is −2n·ln(1−p); with x = n, −2n·ln(p) (0·ln 0 = 0). A model can fail it
 * by breaching too often (under-margining) or too rarely (over-margining: collateral
 * locked up for risk that does not happen); `side` tells which.
 */
export function kupiec(observations: number, breaches: number, expectedRate: number): KupiecResult {
  const n = observations;
  const x = breaches;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Kupiec needs at least one observation, got ${n}`);
  if (!Number.isInteger(x) || x < 0 || x > n) throw new RangeError(`breaches must be an integer from 0 to ${n}, got ${x}`);
  if (!(expectedRate > 0 && expectedRate < 1)) throw new RangeError(`the expected breach rate must be in (0, 1), got ${expectedRate}`);
  const p = expectedRate;
  const rate = x / n;
  const null_ = xlogy(n - x, 1 - p) + xlogy(x, p);
  const alternative = xlogy(n - x, 1 - rate) + xlogy(x, rate);
  // The alternative maximises the likelihood, so the ratio is ≥ 0; clamp rounding noise.
  const lr = Math.max(0, -2 * (null_ - alternative));
  return {
    observations: n,
    breaches: x,
    expectedRate: p,
    observedRate: rate,
    lr,
    pValue: chiSquare1Survival(lr),
    side: rate > p ? 'too_many' : rate < p ? 'too_few' : 'as_expected',
  };
}

/** Transitions between consecutive observations: n_ij = count of state i followed by state j (1 = breach). */
export interface Transitions {
  readonly n00: number;
  readonly n01: number;
  readonly n10: number;
  readonly n11: number;
}

export interface ChristoffersenResult extends Transitions {
  /** P(breach | no breach before) = n01 / (n00 + n01); null when there is no such transition. */
  readonly pi01: number | null;
  /** P(breach | breach before) = n11 / (n10 + n11); null when no breach is followed by anything. */
  readonly pi11: number | null;
  /** Unconditional breach rate over the transitions: (n01 + n11) / all. */
  readonly pi: number | null;
  /** LR_ind, ≥ 0. */
  readonly lr: number;
  /** P(χ²₁ > LR_ind): small means breaches cluster (or alternate) more than chance allows. */
  readonly pValue: number;
}

/** Counts the transitions of a breach sequence (true = breach), oldest first. */
export function transitionsOf(breaches: readonly boolean[]): Transitions {
  let n00 = 0;
  let n01 = 0;
  let n10 = 0;
  let n11 = 0;
  for (let t = 1; t < breaches.length; t++) {
    const from = breaches[t - 1]!;
    const to = breaches[t]!;
    if (from) to ? n11++ : n10++;
    else to ? n01++ : n00++;
  }
  return { n00, n01, n10, n11 };
}

/**
 * Christoffersen (1998) independence test: a first-order Markov chain of breaches against
 * independent ones,
 *   LR_ind = −2 ln[(1−π)^{n00+n10} π^{n01+n11}]
 *            + 2 ln[(1−π01)^{n00} π01^{n01} (1−π11)^{n10} π11^{n11}],
 * π01 = n01/(n00+n01), π11 = n11/(n10+n11), π = (n01+n11)/(n00+n01+n10+n11).
 *
 * Degenerate cases, all through 0·ln 0 = 0 and all giving LR = 0 (p = 1, nothing to reject):
 * - no breach at all, or nothing but breaches: both models fit perfectly;
 * - breaches but none followed by an observation (the only breach is the last one):
 *   π11 is undefined, its terms vanish and the chain equals the independent model.
 * A single breach in mid-sequence is not degenerate: π11 = 0 and LR is small but positive.
 * The test has little power with few breaches (at 99% over ~1,000 days, about ten).
 */
export function christoffersen(breaches: readonly boolean[]): ChristoffersenResult {
  return christoffersenOf(transitionsOf(breaches));
}

/** The independence test from transition counts. */
export function christoffersenOf(t: Transitions): ChristoffersenResult {
  const { n00, n01, n10, n11 } = t;
  for (const [name, v] of Object.entries(t)) if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  const from0 = n00 + n01;
  const from1 = n10 + n11;
  const all = from0 + from1;
  const pi01 = from0 > 0 ? n01 / from0 : null;
  const pi11 = from1 > 0 ? n11 / from1 : null;
  const pi = all > 0 ? (n01 + n11) / all : null;
  if (pi === null) return { ...t, pi01, pi11, pi, lr: 0, pValue: 1 };
  const independent = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi);
  const markov =
    (pi01 === null ? 0 : xlogy(n00, 1 - pi01) + xlogy(n01, pi01)) + (pi11 === null ? 0 : xlogy(n10, 1 - pi11) + xlogy(n11, pi11));
  const lr = Math.max(0, -2 * (independent - markov));
  return { ...t, pi01, pi11, pi, lr, pValue: chiSquare1Survival(lr) };
}
