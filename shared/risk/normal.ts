/**
 * Standard normal distribution, accurate to near double precision in both tails.
 *
 * - |x| ≤ 0.674: W. J. Cody's central rational, N(x) = 1/2 + x·R(x²), no exp() (ACM TOMS 715,
 *   as in R's `pnorm_both`).
 * - Otherwise from the tail P[Z > |x|] = exp(−x²/2)·r(|x|). Up to |x| = √32, r is one rational
 *   function of degree 7/8 fitted for this module over the whole of [0, √32]
 *   (scripts/fit-normal-tail.py: linearised least squares, then Lawson's reweighting towards
 *   minimax, in 60-digit arithmetic; relative error 7.4e-17 before rounding). Because it holds
 *   down to 0, the option kernel evaluates d1 and d2 with one test between two paths (both
 *   central, or both by the tail form) instead of one per leg and per range, as Cody's three
 *   ranges would need. Beyond √32, Cody's asymptotic rational.
 * - exp(−x²/2) is evaluated with an exact (Dekker) square, so the rounding of x² is not
 *   amplified by x².
 */

const SQRT_32 = 5.656854249492380195206754896838;
const INV_SQRT_2PI = 0.398942280401432677939946059934;
/** Dekker splitter 2^27 + 1, for exact squares. */
const SPLITTER = 134217729;

/** Standard normal CDF P[Z <= x]. */
export function normalCdf(x: number): number {
  // Beyond |x| ≈ 8.3 the upper tail is below eps/4, so N rounds to 1; beyond 38.5
  // the lower tail is below half the smallest subnormal, so it rounds to 0.
  if (x >= 8.3) return 1;
  if (x <= -38.5) return 0;
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) <= CENTRAL) return centralCdf(x);
  if (x <= -37) return subnormalTail(-x, asymptoticRatio(-x));
  normalCdfPair(x, gaussianExp(x), 0, 1, SCRATCH); // the second slot, N(0), is not read
  return SCRATCH[0]!;
}

const SCRATCH = new Float64Array(2);

/** |x| up to which centralCdf applies. */
export const CENTRAL = 0.67448975;

/**
 * N(x) = 1/2 + x·R(x²) for |x| ≤ CENTRAL, with no exp(): Cody's central rational (ACM TOMS 715),
 * to ~eps absolute.
 */
export function centralCdf(x: number): number {
  const xsq = x * x;
  const xnum = (((0.065682337918207449113 * xsq + 2.2352520354606839287) * xsq +
    161.02823106855587881) * xsq + 1067.6894854603709582) * xsq;
  const xden = (((xsq + 47.20258190468824187) * xsq + 976.09855173777669322) * xsq +
    10260.932208618978205) * xsq;
  return 0.5 + (x * (xnum + 18154.981253343561249)) / (xden + 45507.789335026729956);
}

/**
 * N(x1) and N(x2) into out[0] and out[1], given g = exp(−x²/2) of each (|x| < 37): the option
 * kernel's hot path, which needs N(d1) and N(d2) and gets both exponentials from one exp().
 * When both are within CENTRAL, Cody's central form serves both and g is not read (a caller
 * that needs no density can skip the exp()).
 *
 * The rational is written out for both arguments rather than called twice, so the two run
 * interleaved, its coefficients are literals (a module constant costs a load per use), and
 * this function stays above the 460 bytes of bytecode V8 inlines: optionQuote then stays small
 * enough to be inlined into its callers, where its result object is never allocated. Measured
 * by bench/run.ts (pricing_vs_peer).
 */
export function normalCdfPair(x1: number, g1: number, x2: number, g2: number, out: Float64Array): void {
  const y1 = Math.abs(x1);
  const y2 = Math.abs(x2);
  if (y1 <= CENTRAL && y2 <= CENTRAL) {
    out[0] = centralCdf(x1);
    out[1] = centralCdf(x2);
    return;
  }
  // Past √32 the rational is out of its range and Cody's asymptotic form takes over; each
  // branch evaluates only its own form.
  const tail1 = y1 <= SQRT_32
    ? (g1 * (((((((1.878947734381942680546e-5 * y1 + 4.279346943116663081101e-4) * y1 +
        4.575101625466962631727e-3) * y1 + 2.955898846228052596838e-2) * y1 + 0.1245378282385553698976) * y1 +
        0.3442405540816072025985) * y1 + 0.5865355117205591360285) * y1 + 0.5)) /
      ((((((((4.709826276146199301751e-5 * y1 + 1.072671521866320612498e-3) * y1 +
        1.151522690333359175018e-2) * y1 + 7.51651287558730398922e-2) * y1 + 0.3235568379509682616204) * y1 +
        0.9346948462123558399604) * y1 + 1.761076138860045717157) * y1 + 1.970955584243974202485) * y1 + 1)
    : g1 * asymptoticRatio(y1);
  const tail2 = y2 <= SQRT_32
    ? (g2 * (((((((1.878947734381942680546e-5 * y2 + 4.279346943116663081101e-4) * y2 +
        4.575101625466962631727e-3) * y2 + 2.955898846228052596838e-2) * y2 + 0.1245378282385553698976) * y2 +
        0.3442405540816072025985) * y2 + 0.5865355117205591360285) * y2 + 0.5)) /
      ((((((((4.709826276146199301751e-5 * y2 + 1.072671521866320612498e-3) * y2 +
        1.151522690333359175018e-2) * y2 + 7.51651287558730398922e-2) * y2 + 0.3235568379509682616204) * y2 +
        0.9346948462123558399604) * y2 + 1.761076138860045717157) * y2 + 1.970955584243974202485) * y2 + 1)
    : g2 * asymptoticRatio(y2);
  // Beyond x ≈ 8.3 the tail is below eps/4 and 1 − tail rounds to 1 by itself.
  out[0] = x1 > 0 ? 1 - tail1 : tail1;
  out[1] = x2 > 0 ? 1 - tail2 : tail2;
}

/**
 * exp(−x²/2) with x² = hi + lo split exactly (Dekker), so the exponent carries no rounding
 * error amplified by x² (Cody/R get the same effect with a second exp()). For |x| < 37; beyond,
 * the result nears the subnormal range (see subnormalTail).
 */
export function gaussianExp(x: number): number {
  const hi = x * x;
  return Math.exp(-0.5 * hi) * (1 - 0.5 * squareError(x, hi));
}

/** x² − hi exactly, for hi = x² rounded: Dekker's split of x into two 26-bit halves. */
function squareError(x: number, hi: number): number {
  const c = SPLITTER * x;
  const xh = c - (c - x);
  const xl = x - xh;
  return xh * xh - hi + 2 * xh * xl + xl * xl;
}

/** φ(x) when g = exp(−x²/2) is already known. */
export function densityGiven(g: number): number {
  return INV_SQRT_2PI * g;
}

/** Standard normal density. */
export function normalPdf(x: number): number {
  if (Math.abs(x) > 40) return 0; // exp(-800) underflows; also keeps the splitter below overflow
  return INV_SQRT_2PI * gaussianExp(x);
}

/** Cody's r(y), with P[Z > y] = exp(−y²/2)·r(y), for y beyond √32. */
function asymptoticRatio(y: number): number {
  const xsq = 1 / (y * y);
  const xnum = ((((0.02307344176494017303 * xsq + 0.21589853405795699) * xsq +
    0.1274011611602473639) * xsq + 0.022235277870649807) * xsq +
    0.001421619193227893466) * xsq;
  const xden = ((((xsq + 1.28426009614491121) * xsq + 0.468238212480865118) * xsq +
    0.0659881378689285515) * xsq + 0.00378239633202758244) * xsq;
  return (INV_SQRT_2PI - (xsq * (xnum + 2.9112874951168792e-5)) / (xden + 7.29751555083966205e-5)) / y;
}

/**
 * exp(−y²/2)·r near the underflow edge (y ≥ 37), where exp(−y²/2) alone would be subnormal
 * and lose bits: applied as two halves so only the final product rounds into that range.
 */
function subnormalTail(y: number, r: number): number {
  const hi = y * y;
  const half = Math.exp(-0.25 * hi);
  return half * (1 - 0.5 * squareError(y, hi)) * r * half;
}
