import { describe, expect, it } from 'vitest';
import { quantileOfSorted } from './empirical-quantile.ts';

describe('quantileOfSorted (Hyndman–Fan type 7)', () => {
  it('interpolates linearly at h = (n − 1)·p, worked by hand (and as R quantile(type = 7) gives)', () => {
    const x = [1, 2, 4, 7, 11];
    expect(quantileOfSorted(x, 0)).toBe(1);
    expect(quantileOfSorted(x, 0.1)).toBeCloseTo(1.4, 12); // h = 0.4: 1 + 0.4·(2 − 1)
    expect(quantileOfSorted(x, 0.5)).toBe(4); // h = 2
    expect(quantileOfSorted(x, 0.9)).toBeCloseTo(9.4, 12); // h = 3.6: 7 + 0.6·(11 − 7)
    expect(quantileOfSorted(x, 1)).toBe(11);
  });

  it('at the FHS default (1,000 values, 1%) lies between the 10th and 11th smallest', () => {
    const x = Float64Array.from({ length: 1_000 }, (_, i) => i + 1); // 1, 2, …, 1000
    // h = 999 × 0.01 = 9.99: x₉ + 0.99·(x₁₀ − x₉) = 10 + 0.99 (0-based).
    expect(quantileOfSorted(x, 0.01)).toBeCloseTo(10.99, 9);
    // h = 999 × 0.99 = 989.01: 990 + 0.01.
    expect(quantileOfSorted(x, 0.99)).toBeCloseTo(990.01, 9);
  });

  it('returns the value of a one-element sample and rejects an empty one or p outside [0, 1]', () => {
    expect(quantileOfSorted([3], 0.01)).toBe(3);
    expect(() => quantileOfSorted([], 0.5)).toThrow(RangeError);
    expect(() => quantileOfSorted([1, 2], 1.01)).toThrow(RangeError);
  });
});
