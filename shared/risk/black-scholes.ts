/**
 * Black-Scholes with zero rates on the spot (Black-76 on a flat forward F = S).
 *
 * Units, per contract of one unit of underlying:
 * - delta = dV/dS, gamma = d²V/dS²;
 * - vega  = dV/dσ × 0.01 (per vol point);
 * - theta = −dV/dT / 365 (per calendar day, T in years ACT/365).
 *
 * Calls are S·N(d1) − K·N(d2) and puts K·N(−d2) − S·N(−d1), each evaluated directly
 * (no parity subtraction) so deep in/out-of-the-money values keep their accuracy.
 */
import { CENTRAL, centralCdf, densityGiven, normalCdf, normalCdfPair, normalPdf } from './normal.ts';
import { DAYS_PER_YEAR } from './time.ts';

export type OptionRight = 'call' | 'put';

export interface OptionQuote {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}


export function intrinsicValue(right: OptionRight, spot: number, strike: number): number {
  const payoff = right === 'call' ? spot - strike : strike - spot;
  return payoff > 0 ? payoff : 0;
}

export function optionPrice(right: OptionRight, spot: number, strike: number, years: number, vol: number): number {
  if (years <= 0) return intrinsicValue(right, spot, strike);
  return optionPriceAt(right, spot, strike, Math.log(spot / strike), vol * Math.sqrt(years));
}

/**
 * The price from ln(S/K) and the total volatility σ√T: the kernel of `optionPrice`,
 * exposed so a scenario grid can precompute both once per position instead of per scenario.
 */
export function optionPriceAt(right: OptionRight, spot: number, strike: number, logMoneyness: number, totalVol: number): number {
  const v = totalVol;
  // Zero total vol (vol <= 0, or vol·√T so small that 1/v overflows): the forward is certain,
  // the option is its payoff (within a subnormal). NaN falls through and gives NaN.
  if (v < MIN_TOTAL_VOL) return intrinsicValue(right, spot, strike);
  const call = right === 'call';
  const m = logMoneyness * (1 / v);
  const h = 0.5 * v;
  const d1 = m + h;
  const d2 = m - h;
  if (Math.abs(d1) <= CENTRAL && Math.abs(d2) <= CENTRAL) {
    // Near the money the legs need no exponential: Cody's central form, inline, as
    // normalCdfPair gives them to optionQuote (so its price is this one to the bit).
    return priceFromLegs(call, spot, strike, centralCdf(call ? d1 : -d1), centralCdf(call ? d2 : -d2));
  }
  // Deep in the money both legs round to 1 (their tails are below eps/4), as normalCdfPair
  // would find after an exp() and two rationals: the liquidation-price search goes there often.
  if ((call ? d2 : -d1) >= 8.3) return priceFromLegs(call, spot, strike, 1, 1);
  normalLegs(call, spot, strike, m, v);
  return priceFromLegs(call, spot, strike, LEGS[0]!, LEGS[1]!);
}

export function optionQuote(right: OptionRight, spot: number, strike: number, years: number, vol: number): OptionQuote {
  const sqrtT = Math.sqrt(years);
  const v = vol * sqrtT;
  // One object literal, returned once: where optionQuote is inlined, V8 can then keep the
  // quote in registers instead of allocating it.
  let price: number;
  let delta: number;
  let gamma = 0;
  let vega = 0;
  let theta = 0;
  if (years <= 0 || v < MIN_TOTAL_VOL) {
    // Expired: settled at intrinsic, no sensitivity left. Zero total vol, as in optionPrice:
    // delta is the payoff slope; the at-the-money gamma spike is not representable, so 0.
    price = intrinsicValue(right, spot, strike);
    delta = years <= 0 ? 0 : payoffSlope(right, spot, strike);
  } else {
    const call = right === 'call';
    const invV = 1 / v; // one division serves d1, d2, gamma and theta
    normalLegs(call, spot, strike, Math.log(spot / strike) * invV, v);
    const n1 = LEGS[0]!;
    const pdf1 = LEGS[2]!;
    price = priceFromLegs(call, spot, strike, n1, LEGS[1]!);
    delta = call ? n1 : -n1;
    // S·φ(d1) = K·φ(d2); σ/√T = σ²/v.
    const spotPdf = spot * pdf1;
    gamma = (pdf1 * invV) / spot;
    vega = spotPdf * sqrtT * 0.01;
    theta = -(spotPdf * vol * vol * invV) / TWO_YEARS_IN_DAYS;
  }
  return { price, delta, gamma, vega, theta };
}

/** Below this total volatility 1/v overflows; the option is then its payoff to within a subnormal. */
const MIN_TOTAL_VOL = 2.2250738585072014e-308;

/** normalLegs' results: N(±d1), N(±d2) (the call's or the put's) and φ(d1); three numbers without an allocation. */
const LEGS = new Float64Array(3);

/**
 * N(±d1), N(±d2) and φ(d1) from m = ln(S/K)/v, with one exp(): exp(−d2²/2) = exp(−d1²/2)·S/K
 * exactly, since d1² − d2² = 2·ln(S/K). Near underflow (and for infinite d) each has its own.
 */
function normalLegs(call: boolean, spot: number, strike: number, m: number, v: number): void {
  const h = 0.5 * v;
  const d1 = m + h;
  const d2 = m - h;
  const x1 = call ? d1 : -d1;
  const x2 = call ? d2 : -d2;
  if (Math.abs(d1) < 37 && Math.abs(d2) < 37) {
    // A plain exp(): d1 itself carries a rounding error of a few ulps, which moves exp(−d1²/2)
    // by ~d1²·eps, as much as rounding d1² does, so an exact square buys nothing here.
    const g1 = Math.exp(-0.5 * d1 * d1);
    normalCdfPair(x1, g1, x2, g1 * (spot / strike), LEGS);
    LEGS[2] = densityGiven(g1);
  } else {
    LEGS[0] = normalCdf(x1);
    LEGS[1] = normalCdf(x2);
    LEGS[2] = normalPdf(d1); // 0, not NaN, when d1 is infinite
  }
}

/** 2 × DAYS_PER_YEAR, worked out once (theta's denominator). */
const TWO_YEARS_IN_DAYS = 2 * DAYS_PER_YEAR;

/** Delta at zero total vol: the payoff's slope, ±1/2 exactly at the money (the limit of N(d1) as v → 0). */
function payoffSlope(right: OptionRight, spot: number, strike: number): number {
  const sign = right === 'call' ? 1 : -1;
  const itm = (spot - strike) * sign;
  return itm > 0 ? sign : itm === 0 ? 0.5 * sign : 0;
}

/**
 * S·N(d1) − K·N(d2) for a call, K·N(−d2) − S·N(−d1) for a put (n1, n2 are the right's legs),
 * each evaluated directly (no parity subtraction). Rounding can step a hair outside the
 * no-arbitrage band, where the true value is not, so the result is clamped to it; the test
 * for that is one predictable branch, the bounds are only worked out when it fails.
 */
function priceFromLegs(call: boolean, spot: number, strike: number, n1: number, n2: number): number {
  const p = call ? spot * n1 - strike * n2 : strike * n2 - spot * n1;
  const payoff = call ? spot - strike : strike - spot;
  const cap = call ? spot : strike;
  return p >= 0 && p >= payoff && p <= cap ? p : clamp(p, payoff > 0 ? payoff : 0, cap);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
