import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stdlibNormalCdf } from '../../test/reference-pricing.ts';
import { normalCdf, normalPdf } from './normal.ts';

const EPS = Number.EPSILON;
const SQRT_32 = Math.sqrt(32);


const relErr = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.abs(expected);

/** fl(√2) and √2 − fl(√2). */
const SQRT2_HI = Math.SQRT2;
const SQRT2_LO = -9.667293313452913e-17;

function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const split = 134217729;
  let c = split * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = split * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/**
 * stdlib evaluates 0.5·erfc(z) with z = fl(−x/√2), i.e. the exact CDF at x' = −√2·z ≠ x.
 * In the lower tail that argument rounding is amplified by ~x² (≈2e-13 relative at x = −37),
 * more than the tolerance, so undo it to first order: N(x) ≈ N(x') + (x − x')·φ(x).
 * The correction is ≤ 2e-13 relative, so its own accuracy hardly matters.
 */
function referenceCdf(x: number): number {
  const z = -x / SQRT2_HI;
  const [p, e] = twoProduct(SQRT2_HI, z);
  const shift = x + p + (e + SQRT2_LO * z); // x − x' in double-double
  return stdlibNormalCdf(x, 0, 1) + (shift * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}

describe('normalCdf', () => {
  it('loads the stdlib reference under ESM', () => {
    expect(typeof stdlibNormalCdf).toBe('function');
    expect(stdlibNormalCdf(0, 0, 1)).toBe(0.5);
  });

  it('matches stdlib (argument-rounding corrected) to 1e-13 relative on a dense grid, -37..8.3', () => {
    let worst = 0;
    let worstAt = 0;
    // Step is not a round number so the grid does not sit on the algorithm's range edges.
    for (let x = -37; x <= 8.3; x += 0.000731) {
      const err = relErr(normalCdf(x), referenceCdf(x));
      if (err > worst) {
        worst = err;
        worstAt = x;
      }
    }
    expect(worst, `worst at x=${worstAt}`).toBeLessThanOrEqual(1e-13);
  });

  it('matches raw stdlib to 1e-13 relative where its argument rounding is negligible (|x| <= 20)', () => {
    for (let x = -20; x <= 8.3; x += 0.00317) {
      expect(relErr(normalCdf(x), stdlibNormalCdf(x, 0, 1))).toBeLessThanOrEqual(1e-13);
    }
  });

  it('matches the range edges of the algorithm and stdlib exactly there', () => {
    for (const x of [-37, -SQRT_32, -0.67448975, 0.67448975, SQRT_32, -37.5, 8.29]) {
      for (const dx of [-1e-12, 0, 1e-12]) {
        expect(relErr(normalCdf(x + dx), referenceCdf(x + dx))).toBeLessThanOrEqual(1e-13);
      }
    }
  });

  // Values from mpmath.ncdf at 40 significant digits of the double x (computed offline, rounded
  // to 20). Non-integer x have inexact squares, which exercises the exp(−x²/2) splitting.
  const highPrecision: [number, number][] = [
    [-37.5, 4.6053530095819548438e-308],
    [-37.3, 8.2054948449307733469e-305],
    [-37, 5.7255712225245768227e-300],
    [-33.3, 1.9305055059278399761e-243],
    [-25.7, 5.844410374380774338e-146],
    [-12.345, 2.5917120678961969852e-35],
    [-6.1, 5.3034232629488415248e-10],
    [-3.3, 0.0004834241423837775071],
    [-30, 4.9067139271481870595e-198],
    [-20, 2.7536241186062336951e-89],
    [-10, 7.619853024160526066e-24],
    [-5, 2.8665157187919391167e-7],
    [-2, 0.0227501319481792072],
    [-1, 0.15865525393145705141],
    [-0.5, 0.30853753872598689636],
    [0, 0.5],
    [0.3, 0.61791142218895263307],
    [1, 0.84134474606854294859],
    [2.5, 0.99379033467422386483],
    [5, 0.99999971334842812081],
    [7, 0.99999999999872018746],
    [8.25, 0.9999999999999999208],
  ];
  it.each(highPrecision)('N(%d) agrees with a 40-digit value to 2 ulp', (x, expected) => {
    expect(relErr(normalCdf(x), expected)).toBeLessThanOrEqual(2 * EPS);
  });

  it('is accurate into the subnormal range and 0 only where the true value rounds to 0', () => {
    // mpmath: N(-38) = 2.8854283600687843e-316, N(-38.4) = 6.6015998543267680e-323 (subnormal:
    // the spacing there is 4.94e-324, so compare absolutely, within a couple of spacings).
    expect(Math.abs(normalCdf(-38) - 2.8854283600687843e-316)).toBeLessThanOrEqual(1e-323);
    expect(Math.abs(normalCdf(-38.4) - 6.601599854326768e-323)).toBeLessThanOrEqual(1e-323);
    // N(-38.5) ≈ 2.4e-324 is below half the smallest subnormal (2.47e-324): rounds to 0.
    expect(normalCdf(-38.5)).toBe(0);
    expect(normalCdf(-100)).toBe(0);
    expect(normalCdf(-Infinity)).toBe(0);
  });

  it('rounds to 1 exactly where the upper tail drops below eps/4 (x ≈ 8.2924)', () => {
    expect(normalCdf(8.29)).toBeLessThan(1);
    expect(normalCdf(8.3)).toBe(1);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(Infinity)).toBe(1);
  });

  it('is exactly 1/2 at 0 and NaN for NaN', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-0)).toBe(0.5);
    expect(normalCdf(NaN)).toBeNaN();
  });

  it('is symmetric: N(x) + N(-x) = 1 to rounding', () => {
    for (let x = 0; x <= 40; x += 0.00913) {
      expect(Math.abs(normalCdf(x) + normalCdf(-x) - 1)).toBeLessThanOrEqual(EPS);
      // Where 1 − N(x) is representable to better than 1e-10 relative, it equals N(−x).
      const upper = normalCdf(-x);
      if (upper > 1e-6) {
        expect(Math.abs(1 - normalCdf(x) - upper)).toBeLessThanOrEqual(EPS);
      }
    }
  });

  it('is non-decreasing and in [0, 1] (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const nLo = normalCdf(lo);
          const nHi = normalCdf(hi);
          return nLo <= nHi && nLo >= 0 && nHi <= 1;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('normalPdf', () => {
  // mpmath.npdf at 40 digits.
  const highPrecision: [number, number][] = [
    [0, 0.39894228040143267794],
    [0.5, 0.35206532676429947777],
    [1, 0.2419707245191433498],
    [2.5, 0.017528300493568537362],
    [5, 1.4867195147342977079e-6],
    [6.1, 3.3178842435473014682e-9],
    [10, 7.6945986267064193463e-23],
    [12.345, 3.2201956822433597803e-34],
    [20, 5.5209483621597631896e-88],
    [25.7, 1.5042807213400903336e-144],
    [30, 1.473646134878547519e-196],
    [37, 2.1200065515246056269e-298],
    [37.3, 3.0628462906956674673e-303],
  ];
  it.each(highPrecision)('φ(±%d) agrees with a 40-digit value to 2 ulp', (x, expected) => {
    expect(relErr(normalPdf(x), expected)).toBeLessThanOrEqual(2 * EPS);
    expect(normalPdf(-x)).toBe(normalPdf(x));
  });

  it('matches the textbook formula for moderate x', () => {
    for (let x = -6; x <= 6; x += 0.0123) {
      // exp(−x²/2) with x² rounded has relative error ≲ x²·eps/2 ≤ 4e-15 here.
      expect(relErr(normalPdf(x), Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI))).toBeLessThanOrEqual(1e-14);
    }
  });

  it('is the derivative of the stdlib CDF (central difference)', () => {
    // Upper tail left out: there N ≈ 1 and the difference quotient is rounding noise.
    for (const x of [-8, -4, -3, -1, -0.2, 0, 0.7]) {
      const h = 1e-5;
      const slope = (stdlibNormalCdf(x + h, 0, 1) - stdlibNormalCdf(x - h, 0, 1)) / (2 * h);
      expect(relErr(normalPdf(x), slope)).toBeLessThanOrEqual(1e-8);
    }
  });

  it('underflows to 0 far out and keeps NaN', () => {
    expect(normalPdf(39)).toBeLessThan(1e-320);
    expect(normalPdf(41)).toBe(0);
    expect(normalPdf(Infinity)).toBe(0);
    expect(normalPdf(-Infinity)).toBe(0);
    expect(normalPdf(NaN)).toBeNaN();
  });
});
