/**
 * Standard normal distribution, accurate to near double precision in both tails.
 *
 * `normalCdf` is W. J. Cody's rational Chebyshev algorithm (ACM TOMS 715, as in R's
 * `pnorm_both`), with its coefficients and ranges. Polynomials are unrolled into Horner form
 * so no arrays are touched: these functions sit in the inner loop of option pricing. One
 * change: exp(−x²/2) is evaluated with an exact (Dekker) square and one exp() instead of
 * Cody's x = xsq + del split and two exp() calls; same accuracy, one exp() cheaper.
 */

const SQRT_32 = 5.656854249492380195206754896838;
const INV_SQRT_2PI = 0.398942280401432677939946059934;
/** Dekker splitter 2^27 + 1, for exact squares. */
const SPLITTER = 134217729;

/** Standard normal CDF P[Z <= x]. */
export function normalCdf(x: number): number {
  const y = Math.abs(x);

  if (y <= 0.67448975) {
    // Central range: N(x) = 1/2 + x·R(x²).
    const xsq = x * x;
    const xnum = (((0.065682337918207449113 * xsq + 2.2352520354606839287) * xsq +
      161.02823106855587881) * xsq + 1067.6894854603709582) * xsq;
    const xden = (((xsq + 47.20258190468824187) * xsq + 976.09855173777669322) * xsq +
      10260.932208618978205) * xsq;
    return 0.5 + (x * (xnum + 18154.981253343561249)) / (xden + 45507.789335026729956);
  }

  let tail: number; // P[Z > y] = N(-y)
  if (y <= SQRT_32) {
    const xnum = (((((((1.0765576773720192317e-8 * y + 0.39894151208813466764) * y +
      8.8831497943883759412) * y + 93.506656132177855979) * y + 597.27027639480026226) * y +
      2494.5375852903726711) * y + 6848.1904505362823326) * y + 11602.651437647350124) * y;
    const xden = (((((((y + 22.266688044328115691) * y + 235.38790178262499861) * y +
      1519.377599407554805) * y + 6485.558298266760755) * y + 18615.571640885098091) * y +
      34900.952721145977266) * y + 38912.003286093271411) * y;
    const r = (xnum + 9842.7148383839780218) / (xden + 19685.429676859990727);
    tail = gaussianTail(y, r);
  } else {
    // Beyond |x| ≈ 8.3 the upper tail is below eps/4, so N rounds to 1; beyond 38.5
    // the lower tail is below half the smallest subnormal, so it rounds to 0.
    if (x >= 8.3) return 1;
    if (x <= -38.5) return 0;
    if (Number.isNaN(x)) return NaN;
    const xsq = 1 / (x * x);
    const xnum = ((((0.02307344176494017303 * xsq + 0.21589853405795699) * xsq +
      0.1274011611602473639) * xsq + 0.022235277870649807) * xsq +
      0.001421619193227893466) * xsq;
    const xden = ((((xsq + 1.28426009614491121) * xsq + 0.468238212480865118) * xsq +
      0.0659881378689285515) * xsq + 0.00378239633202758244) * xsq;
    const r = (INV_SQRT_2PI - (xsq * (xnum + 2.9112874951168792e-5)) / (xden + 7.29751555083966205e-5)) / y;
    tail = gaussianTail(y, r);
  }
  return x > 0 ? 1 - tail : tail;
}

/**
 * exp(-y²/2)·r with y² = hi + lo split exactly (Dekker), so the exponent carries no
 * rounding error amplified by y² (Cody/R get the same effect with a second exp()).
 */
function gaussianTail(y: number, r: number): number {
  const hi = y * y;
  const c = SPLITTER * y;
  const yh = c - (c - y);
  const yl = y - yh;
  const lo = yh * yh - hi + 2 * yh * yl + yl * yl;
  if (y < 37) return Math.exp(-0.5 * hi) * (1 - 0.5 * lo) * r;
  // Near the underflow edge exp(-y²/2) alone would be subnormal and lose bits: apply it
  // as two halves so only the final product rounds into the subnormal range.
  const half = Math.exp(-0.25 * hi);
  return half * (1 - 0.5 * lo) * r * half;
}

/** Standard normal density. */
export function normalPdf(x: number): number {
  const y = Math.abs(x);
  if (y > 40) return 0; // exp(-800) underflows; also keeps the splitter below overflow
  // x² = hi + lo exactly (Dekker), so exp(-x²/2) has no error amplified by x².
  const hi = y * y;
  const c = SPLITTER * y;
  const yh = c - (c - y);
  const yl = y - yh;
  const lo = yh * yh - hi + 2 * yh * yl + yl * yl;
  return INV_SQRT_2PI * Math.exp(-0.5 * hi) * (1 - 0.5 * lo);
}
