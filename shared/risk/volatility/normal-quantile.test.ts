import { describe, expect, it } from 'vitest';
import { normalCdf } from '../normal.ts';
import { normalQuantile } from './normal-quantile.ts';

describe('normalQuantile (Wichura AS 241)', () => {
  it('matches published percentage points', () => {
    // Values to 15 digits as tabulated by R's qnorm and in Wichura (1988), Table 1.
    const published: [number, number][] = [
      [0.5, 0],
      [0.975, 1.959963984540054],
      [0.99, 2.326347874040841],
      [0.995, 2.575829303548901],
      [0.999, 3.090232306167814],
      [0.9999, 3.719016485455709],
      [0.01, -2.326347874040841],
      [1e-10, -6.361340902404056],
      [1e-20, -9.262340089798408],
    ];
    for (const [p, x] of published) expect(normalQuantile(p)).toBeCloseTo(x, 12);
  });

  it("inverts Cody's normalCdf (an independent algorithm) to ~1e-15 relative, centre and both tails", () => {
    for (let e = -300; e <= -1; e += 7) {
      const p = 10 ** e;
      expect(Math.abs(normalCdf(normalQuantile(p)) - p) / p).toBeLessThan(1e-12);
    }
    for (let p = 0.001; p < 1; p += 0.0173) {
      const tail = Math.min(p, 1 - p);
      expect(Math.abs(normalCdf(normalQuantile(p)) - p) / tail).toBeLessThan(1e-14);
    }
  });

  it('is ±∞ at 0 and 1 and rejects p outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
  });
});
