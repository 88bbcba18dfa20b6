import { describe, expect, it } from 'vitest';
import { chiSquare1Survival, christoffersen, christoffersenOf, kupiec, transitionsOf } from './statistics.ts';

/**
 * Expected values are written out from the closed forms here (Math.log, not the code
 * under test) or taken from published tables and worked examples.
 */

describe('χ²(1) survival', () => {
  it('gives the textbook critical values', () => {
    // χ²₁ quantiles 0.95 and 0.99 (any table: 3.841, 6.635).
    expect(chiSquare1Survival(3.841458820694124)).toBeCloseTo(0.05, 14);
    expect(chiSquare1Survival(6.634896601021214)).toBeCloseTo(0.01, 14);
    expect(chiSquare1Survival(2.705543454095404)).toBeCloseTo(0.1, 14);
    expect(chiSquare1Survival(3.841)).toBeCloseTo(0.05, 4);
  });

  it('is 1 at 0, falls to 0, and keeps tiny tails', () => {
    expect(chiSquare1Survival(0)).toBe(1);
    expect(chiSquare1Survival(-1)).toBe(1);
    expect(chiSquare1Survival(Infinity)).toBe(0);
    // erfc(√50) = 2·Φ(−10) = 2 × 7.6198530241605e-24 (Φ(−10) from any high-precision table).
    expect(chiSquare1Survival(100) / 1.5239706048321e-23).toBeCloseTo(1, 10);
    expect(chiSquare1Survival(NaN)).toBeNaN();
  });
});

describe('Kupiec proportion of failures', () => {
  /** The closed form, written out independently. */
  const lrPof = (n: number, x: number, p: number) =>
    -2 * ((n - x) * Math.log(1 - p) + x * Math.log(p)) + 2 * ((n - x) * Math.log(1 - x / n) + x * Math.log(x / n));

  it('n = 250, x = 6, p = 1%: LR ≈ 3.5554, not rejected at 5% (too many, though)', () => {
    const k = kupiec(250, 6, 0.01);
    // 244·ln 0.99 + 6·ln 0.01 = −30.083304…; 244·ln 0.976 + 6·ln 0.024 = −28.305624…
    expect(k.lr).toBeCloseTo(lrPof(250, 6, 0.01), 12);
    expect(k.lr).toBeCloseTo(3.55536, 4);
    expect(k.pValue).toBeCloseTo(chiSquare1Survival(3.5553547710617), 12);
    expect(k.pValue).toBeGreaterThan(0.05);
    expect(k.side).toBe('too_many');
  });

  it("Hull's exercise: 1,000 days at 99% with 15 exceptions is not rejected at 5%", () => {
    const k = kupiec(1000, 15, 0.01);
    expect(k.lr).toBeCloseTo(lrPof(1000, 15, 0.01), 12);
    expect(k.lr).toBeCloseTo(2.1892, 4);
    expect(k.pValue).toBeGreaterThan(0.05);
  });

  it('x = 0: −2n·ln(1−p) (0·ln 0 = 0), a failure by too few when n is large enough', () => {
    const k = kupiec(1000, 0, 0.01);
    expect(k.lr).toBeCloseTo(-2 * 1000 * Math.log(0.99), 12);
    expect(k.lr).toBeCloseTo(20.1007, 4);
    expect(k.pValue).toBeLessThan(1e-5);
    expect(k.side).toBe('too_few');
    // With 100 days, no breach at 99% is what one expects more often than not.
    expect(kupiec(100, 0, 0.01).pValue).toBeGreaterThan(0.05);
  });

  it('x = n: −2n·ln(p)', () => {
    const k = kupiec(5, 5, 0.01);
    expect(k.lr).toBeCloseTo(-2 * 5 * Math.log(0.01), 12);
    expect(k.side).toBe('too_many');
  });

  it('x = np exactly: LR 0, p-value 1', () => {
    const k = kupiec(1000, 10, 0.01);
    expect(k.lr).toBeCloseTo(0, 12);
    expect(k.pValue).toBeCloseTo(1, 6);
    expect(k.side).toBe('as_expected');
  });

  it('non-rejection regions at the 5% level (LR < 3.841) for 99%, 97.5% and 95% over 255, 510 and 1,000 days', () => {
    // The regions of Kupiec (1995) as Jorion tabulates them (recalled; see docs/backtest.md),
    // each bound checked against the closed form: [lowest, highest] accepted count.
    const regions: Array<[p: number, n: number, lo: number, hi: number]> = [
      [0.01, 510, 2, 10],
      [0.01, 1000, 5, 16],
      [0.025, 255, 3, 11],
      [0.025, 510, 7, 20],
      [0.025, 1000, 16, 35],
      [0.05, 255, 7, 20],
      [0.05, 510, 17, 35],
      [0.05, 1000, 38, 64],
    ];
    const critical = 3.841458820694124;
    for (const [p, n, lo, hi] of regions) {
      expect([lrPof(n, lo, p) < critical, lrPof(n, hi, p) < critical]).toEqual([true, true]);
      expect(kupiec(n, lo - 1, p).lr).toBeGreaterThan(critical);
      expect(kupiec(n, lo, p).lr).toBeLessThan(critical);
      expect(kupiec(n, hi, p).lr).toBeLessThan(critical);
      expect(kupiec(n, hi + 1, p).lr).toBeGreaterThan(critical);
    }
  });

  it('refuses impossible inputs', () => {
    expect(() => kupiec(0, 0, 0.01)).toThrow(RangeError);
    expect(() => kupiec(10, 11, 0.01)).toThrow(RangeError);
    expect(() => kupiec(10, 1.5, 0.01)).toThrow(RangeError);
    expect(() => kupiec(10, 1, 0)).toThrow(RangeError);
    expect(() => kupiec(10, 1, 1)).toThrow(RangeError);
  });
});

describe('Christoffersen independence', () => {
  /** The closed form, written out independently. */
  const lrInd = (n00: number, n01: number, n10: number, n11: number) => {
    const l = (k: number, q: number) => (k === 0 ? 0 : k * Math.log(q));
    const p01 = n01 / (n00 + n01);
    const p11 = n11 / (n10 + n11);
    const p = (n01 + n11) / (n00 + n01 + n10 + n11);
    return -2 * (l(n00 + n10, 1 - p) + l(n01 + n11, p)) + 2 * (l(n00, 1 - p01) + l(n01, p01) + l(n10, 1 - p11) + l(n11, p11));
  };

  it('counts transitions of a known sequence', () => {
    //            0  0  1  1  0  0  0  1  0  0
    const seq = [0, 0, 1, 1, 0, 0, 0, 1, 0, 0].map(Boolean);
    // pairs: 00 01 11 10 00 00 01 10 00 → n00 4, n01 2, n10 2, n11 1
    expect(transitionsOf(seq)).toEqual({ n00: 4, n01: 2, n10: 2, n11: 1 });
    const c = christoffersen(seq);
    expect(c.pi01).toBeCloseTo(2 / 6, 15);
    expect(c.pi11).toBeCloseTo(1 / 3, 15);
    expect(c.pi).toBeCloseTo(3 / 9, 15);
    // π01 = π11 = π: the chain adds nothing, LR = 0.
    expect(c.lr).toBeCloseTo(0, 12);
    expect(c.pValue).toBeCloseTo(1, 6);
  });

  it('rejects clustered breaches: ten breaches in three runs over 250 days', () => {
    const seq = Array.from({ length: 250 }, () => false);
    for (const day of [40, 41, 42, 100, 101, 200, 201, 202, 203, 204]) seq[day - 1] = true;
    const c = christoffersen(seq);
    expect(c).toMatchObject({ n00: 236, n01: 3, n10: 3, n11: 7 });
    expect(c.lr).toBeCloseTo(lrInd(236, 3, 3, 7), 10);
    expect(c.lr).toBeCloseTo(39.4437, 3);
    expect(c.pValue).toBeLessThan(1e-9);
  });

  it("reproduces Holton's worked example: −2 log Λ = 6.736", () => {
    // Holton, Value-at-Risk: Theory and Practice, exercise solution 14.6: 1 − π̂01 = 0.9793,
    // 1 − π̂11 = 0.7143, 1 − π̂ = 0.9719, −2 log Λ = 6.736; counts 237, 5, 5, 2 give those ratios.
    const c = christoffersenOf({ n00: 237, n01: 5, n10: 5, n11: 2 });
    expect(1 - c.pi01!).toBeCloseTo(0.9793, 4);
    expect(1 - c.pi11!).toBeCloseTo(0.7143, 4);
    expect(1 - c.pi!).toBeCloseTo(0.9719, 4);
    expect(c.lr).toBeCloseTo(6.736, 3);
    expect(c.lr).toBeCloseTo(lrInd(237, 5, 5, 2), 12);
    expect(c.pValue).toBeLessThan(0.01);
  });

  it('degenerate sequences give LR 0 (nothing to reject)', () => {
    const none = Array.from({ length: 100 }, () => false);
    expect(christoffersen(none)).toMatchObject({ lr: 0, pValue: 1, pi11: null });
    expect(christoffersen(none.map(() => true))).toMatchObject({ lr: 0, pValue: 1, pi01: null });
    expect(christoffersen([])).toMatchObject({ lr: 0, pValue: 1, pi: null });
    expect(christoffersen([true])).toMatchObject({ lr: 0, pValue: 1, pi: null });
    // The only breach is the last observation: π11 undefined, the chain is the independent model.
    const last = [...none.slice(1), true];
    expect(christoffersen(last)).toMatchObject({ n00: 98, n01: 1, n10: 0, n11: 0, pi11: null, lr: 0, pValue: 1 });
  });

  it('a single breach in mid-sequence is not degenerate: π11 = 0, LR small', () => {
    const seq = Array.from({ length: 100 }, (_, i) => i === 50);
    const c = christoffersen(seq);
    expect(c).toMatchObject({ n00: 97, n01: 1, n10: 1, n11: 0, pi11: 0 });
    expect(c.lr).toBeCloseTo(lrInd(97, 1, 1, 0), 12);
    expect(c.lr).toBeGreaterThan(0);
    expect(c.pValue).toBeGreaterThan(0.5);
  });
});
