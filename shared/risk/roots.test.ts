import { describe, expect, it } from 'vitest';
import { brent } from './roots.ts';

describe('brent', () => {
  it('finds closed-form roots', () => {
    expect(brent((x) => x * x - 2, 0, 2, 1e-14)).toBeCloseTo(Math.SQRT2, 13);
    expect(brent((x) => Math.cos(x) - x, 0, 1, 1e-14)).toBeCloseTo(0.7390851332151607, 13);
    expect(brent((x) => Math.exp(x) - 10, -5, 5, 1e-14)).toBeCloseTo(Math.log(10), 13);
  });

  it('handles a step function like bisection would', () => {
    expect(brent((x) => (x < 0.3 ? -1 : 1), 0, 1, 1e-12)).toBeCloseTo(0.3, 10);
  });

  it('refuses an interval without a sign change', () => {
    expect(() => brent((x) => x * x + 1, -1, 1, 1e-12)).toThrow(RangeError);
  });
});
