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
import { normalCdf, normalPdf } from './normal.ts';
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
  // Zero total vol (vol <= 0 or vol·√T underflowed): the forward is certain, the option is
  // its payoff. NaN inputs fall through and give NaN rather than a plausible number.
  if (v <= 0) return intrinsicValue(right, spot, strike);
  // ln(S/K)/v overflows to ±Infinity when v is tiny; N(±Infinity) gives the exact limits.
  const m = logMoneyness / v;
  const h = 0.5 * v;
  const d1 = m + h;
  const d2 = m - h;
  if (right === 'call') {
    const p = spot * normalCdf(d1) - strike * normalCdf(d2);
    // Rounding can step a hair outside the no-arbitrage band; the true value is inside.
    return clamp(p, spot > strike ? spot - strike : 0, spot);
  }
  const p = strike * normalCdf(-d2) - spot * normalCdf(-d1);
  return clamp(p, strike > spot ? strike - spot : 0, strike);
}

export function optionQuote(right: OptionRight, spot: number, strike: number, years: number, vol: number): OptionQuote {
  if (years <= 0) {
    // Expired: settled at intrinsic, no sensitivity left.
    return { price: intrinsicValue(right, spot, strike), delta: 0, gamma: 0, vega: 0, theta: 0 };
  }
  const sqrtT = Math.sqrt(years);
  const v = vol * sqrtT;
  if (v <= 0) {
    // Zero total vol, as in optionPrice: delta is the payoff slope (±1/2 exactly at the money,
    // the limit of N(d1) as v → 0); the at-the-money gamma spike is not representable, so 0.
    const sign = right === 'call' ? 1 : -1;
    const itm = (spot - strike) * sign;
    const delta = itm > 0 ? sign : itm === 0 ? 0.5 * sign : 0;
    return { price: intrinsicValue(right, spot, strike), delta, gamma: 0, vega: 0, theta: 0 };
  }
  const m = Math.log(spot / strike) / v;
  const h = 0.5 * v;
  const d1 = m + h;
  const d2 = m - h;
  // φ(d1) is 0 (not NaN) when d1 is infinite. S·φ(d1) = K·φ(d2).
  const pdf1 = normalPdf(d1);
  const gamma = pdf1 / (spot * v);
  const spotPdf = spot * pdf1;
  const vega = spotPdf * sqrtT * 0.01;
  const theta = -(spotPdf * vol) / (2 * sqrtT * DAYS_PER_YEAR);
  if (right === 'call') {
    const nd1 = normalCdf(d1);
    const price = clamp(spot * nd1 - strike * normalCdf(d2), spot > strike ? spot - strike : 0, spot);
    return { price, delta: nd1, gamma, vega, theta };
  }
  const nmd1 = normalCdf(-d1);
  const price = clamp(strike * normalCdf(-d2) - spot * nmd1, strike > spot ? strike - spot : 0, strike);
  return { price, delta: -nmd1, gamma, vega, theta };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
