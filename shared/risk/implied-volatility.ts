/**
 * Implied volatility under the zero-rate Black-Scholes of `black-scholes.ts`.
 *
 * Method: safeguarded Newton on g(x) = ln(price(e^x)) − ln(target) over x = ln σ, inside a
 * bracket [ln 1e-6, ln 20] that shrinks with every evaluation. A Newton step that leaves the
 * bracket or fails to halve (against the step before last) is replaced by a bisection, and
 * after NEWTON_ITERATIONS only bisection runs, so it always terminates. Logs tame the huge
 * dynamic range of deep out-of-the-money prices (ln price ~ −k²/2σ²T at low vol).
 */
import { intrinsicValue, optionPrice, type OptionRight } from './black-scholes.ts';
import { NoVolatilityFitsError } from './errors.ts';
import { normalPdf } from './normal.ts';

const MIN_IMPLIED_VOL = 1e-6;
const MAX_IMPLIED_VOL = 20;

const LN_MIN = Math.log(MIN_IMPLIED_VOL);
const LN_MAX = Math.log(MAX_IMPLIED_VOL);
/** Stop once the log-vol step is below this, i.e. σ is known to ~1e-14 relative. */
const X_TOL = 1e-14;
/** Newton usually needs under 10 steps; after this many, bisect only (~51 halvings reach X_TOL). */
const NEWTON_ITERATIONS = 60;
const MAX_ITERATIONS = 120;

export function impliedVolatility(
  right: OptionRight,
  spot: number,
  strike: number,
  years: number,
  price: number,
  field?: string,
): number {
  const fail = (reason: string): NoVolatilityFitsError => noFit(right, spot, strike, years, price, field, reason);

  if (!(spot > 0 && spot < Infinity && strike > 0 && strike < Infinity)) {
    throw fail('spot and strike must be finite and positive');
  }
  if (years <= 0) throw fail('the option has expired (years <= 0)');
  if (!(years < Infinity)) throw fail('years must be a finite number');
  if (!Number.isFinite(price)) throw fail('the price is not a finite number');
  assertArbitrageFree(right, spot, strike, years, price, field);
  const intrinsic = intrinsicValue(right, spot, strike);

  // Solve on the out-of-the-money side: with zero rates the time value of either right equals
  // the OTM option's price (parity), and OTM prices are computed without cancellation.
  const otm: OptionRight = strike >= spot ? 'call' : 'put';
  const target = price - intrinsic;

  const tolerance = 1e-12 * Math.min(spot, strike); // the OTM price's natural scale
  const lowest = optionPrice(otm, spot, strike, years, MIN_IMPLIED_VOL);
  if (target <= lowest) {
    if (lowest - target <= tolerance) return MIN_IMPLIED_VOL;
    throw fail(`it is below the value ${lowest} at the minimum volatility ${MIN_IMPLIED_VOL}`);
  }
  const highest = optionPrice(otm, spot, strike, years, MAX_IMPLIED_VOL);
  if (target >= highest) {
    if (target - highest <= tolerance) return MAX_IMPLIED_VOL;
    throw fail(`it is above the value ${highest} at the maximum volatility ${MAX_IMPLIED_VOL}`);
  }

  const sqrtT = Math.sqrt(years);
  const logMoneyness = Math.log(spot / strike);
  let lo = LN_MIN;
  let hi = LN_MAX;
  let x = Math.log(initialGuess(logMoneyness, target / spot, sqrtT));
  if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
  let step = hi - lo;
  let stepBefore = step;

  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const vol = Math.exp(x);
    const value = optionPrice(otm, spot, strike, years, vol);
    const residual = value - target;
    if (residual === 0) return vol;
    if (residual < 0) lo = x;
    else hi = x;

    // Newton on g: g = log1p(residual/target) (exact difference near the root), g' = σ·vega/price.
    const v = vol * sqrtT;
    const vega = spot * normalPdf(logMoneyness / v + 0.5 * v) * sqrtT;
    const newtonStep = (-Math.log1p(residual / target) * value) / (vol * vega);
    // Converged: test before the bracket check, as x + a sub-ulp step rounds back to x == lo/hi.
    if (Math.abs(newtonStep) <= X_TOL) return clampVol(Math.exp(x + newtonStep));
    let next = x + newtonStep;
    if (
      i >= NEWTON_ITERATIONS ||
      !(next > lo && next < hi) ||
      Math.abs(newtonStep) > 0.5 * Math.abs(stepBefore)
    ) {
      next = 0.5 * (lo + hi); // also catches NaN/Infinity where the price underflowed to 0
    }
    stepBefore = step;
    step = next - x;
    if (Math.abs(step) <= X_TOL || hi - lo <= X_TOL) return Math.exp(next);
    x = next;
  }
  // Unreachable: pure bisection from NEWTON_ITERATIONS on shrinks the bracket below X_TOL.
  return Math.exp(0.5 * (lo + hi));
}

/**
 * Throws NoVolatilityFitsError unless `price` lies strictly between the intrinsic value and the
 * no-arbitrage cap of a live zero-rate European option (the spot for a call, the strike for a
 * put): the ends are the limits σ → 0 and σ → ∞, so no volatility reproduces a price outside.
 * Exported so the book can refuse such a mark whatever the volatility source.
 */
export function assertArbitrageFree(
  right: OptionRight,
  spot: number,
  strike: number,
  years: number,
  price: number,
  field?: string,
): void {
  const intrinsic = intrinsicValue(right, spot, strike);
  if (price <= intrinsic) {
    throw noFit(right, spot, strike, years, price, field, `the price is at or below the intrinsic value ${intrinsic}`);
  }
  const cap = right === 'call' ? spot : strike;
  if (price >= cap) {
    const reason = `the price is at or above the no-arbitrage bound ${cap} (the ${right === 'call' ? 'spot' : 'strike'})`;
    throw noFit(right, spot, strike, years, price, field, reason);
  }
}

function clampVol(vol: number): number {
  return vol < MIN_IMPLIED_VOL ? MIN_IMPLIED_VOL : vol > MAX_IMPLIED_VOL ? MAX_IMPLIED_VOL : vol;
}

function noFit(
  right: OptionRight,
  spot: number,
  strike: number,
  years: number,
  price: number,
  field: string | undefined,
  reason: string,
): NoVolatilityFitsError {
  return new NoVolatilityFitsError(
    `No volatility fits ${right} price ${price} (spot ${spot}, strike ${strike}, years ${years})` +
      `${field === undefined ? '' : ` at ${field}`}: ${reason}`,
    field === undefined ? {} : { field },
  );
}

/**
 * Start near the inflection point σ√T = sqrt(2|ln S/K|) of price in σ, or, near the money,
 * the Brenner–Subrahmanyam estimate σ√T ≈ √(2π)·price/S.
 */
function initialGuess(logMoneyness: number, relativePrice: number, sqrtT: number): number {
  const inflection = Math.sqrt(2 * Math.abs(logMoneyness));
  const atTheMoney = 2.5066282746310002 * relativePrice;
  return Math.max(inflection, atTheMoney) / sqrtT;
}
