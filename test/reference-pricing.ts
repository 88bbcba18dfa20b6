import stdlibCdf from '@stdlib/stats-base-dists-normal-cdf';

/** stdlib's normal CDF (fdlibm erf), unwrapped from a possible `{ default }` CommonJS interop wrapper. */
const cdfExport: unknown = stdlibCdf;
export const stdlibNormalCdf = (typeof cdfExport === 'function' ? cdfExport : (cdfExport as { default: unknown }).default) as (
  x: number,
  mu: number,
  sigma: number,
) => number;

/** Standard normal CDF from stdlib: the reference the pricing tests check against. */
export const referenceNormalCdf = (x: number): number => stdlibNormalCdf(x, 0, 1);

/**
 * Textbook Black-Scholes with zero rates on stdlib's normal CDF (fdlibm erf):
 * an implementation independent of shared/risk, for checking it.
 */
export function referencePrice(right: 'call' | 'put', spot: number, strike: number, years: number, vol: number): number {
  if (years <= 0) return right === 'call' ? Math.max(spot - strike, 0) : Math.max(strike - spot, 0);
  const sd = vol * Math.sqrt(years);
  const d1 = Math.log(spot / strike) / sd + sd / 2;
  const d2 = d1 - sd;
  const N = referenceNormalCdf;
  return right === 'call' ? spot * N(d1) - strike * N(d2) : strike * N(-d2) - spot * N(-d1);
}
