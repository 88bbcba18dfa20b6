import { describe, expect, it } from 'vitest';
import { ewmaVolatility } from './ewma.ts';

describe('ewmaVolatility', () => {
  it('runs σ²ₜ₊₁ = λσ²ₜ + (1 − λ)r²ₜ: a 4-step example worked by hand (λ = 0.9, seed r₀²)', () => {
    const { seedSize, sigma, next } = ewmaVolatility([0.01, -0.02, 0.03, -0.01, 0.02], { lambda: 0.9, seedSize: 1 });
    // σ²₁ = 0.01² = 1e-4
    // σ²₂ = 0.9·1e-4 + 0.1·0.02² = 1.3e-4
    // σ²₃ = 0.9·1.3e-4 + 0.1·0.03² = 2.07e-4
    // σ²₄ = 0.9·2.07e-4 + 0.1·0.01² = 1.963e-4
    // σ²₅ = 0.9·1.963e-4 + 0.1·0.02² = 2.1667e-4 (the forecast)
    expect(seedSize).toBe(1);
    const expected = [1e-4, 1.3e-4, 2.07e-4, 1.963e-4];
    expect(sigma).toHaveLength(4);
    expected.forEach((v, i) => {
      expect(sigma[i]).toBeCloseTo(Math.sqrt(v), 15);
    });
    expect(next).toBeCloseTo(Math.sqrt(2.1667e-4), 15);
  });

  it('defaults to λ = 0.94 and seeds with the mean square of the first 30 returns', () => {
    const returns = [...Array.from({ length: 30 }, (_, i) => (i % 2 ? 0.01 : -0.03)), 0.05];
    const { seedSize, sigma, next } = ewmaVolatility(returns);
    expect(seedSize).toBe(30);
    // Seed: (15·0.03² + 15·0.01²) / 30 = 5e-4; then 0.94·5e-4 + 0.06·0.05² = 6.2e-4.
    expect(sigma[0]).toBeCloseTo(Math.sqrt(5e-4), 15);
    expect(next).toBeCloseTo(Math.sqrt(6.2e-4), 15);
  });

  it('is a forecast: σₜ does not move with rₜ', () => {
    const a = [0.01, 0.02, -0.01, 0.03, 0.0];
    const b = [...a];
    b[3] = 0.5;
    const sa = ewmaVolatility(a, { seedSize: 2 }).sigma;
    const sb = ewmaVolatility(b, { seedSize: 2 }).sigma;
    expect(sb[1]).toBe(sa[1]); // σ₃
    expect(sb[2]).not.toBe(sa[2]); // σ₄ has seen r₃
  });

  it('gives no NaN for zero returns or a single return; rejects bad input', () => {
    const zeros = ewmaVolatility(new Array(50).fill(0));
    expect([...zeros.sigma, zeros.next].every((s) => s === 0)).toBe(true);
    expect(ewmaVolatility([-0.02])).toEqual({ seedSize: 1, sigma: new Float64Array(0), next: 0.02 });
    expect(() => ewmaVolatility([])).toThrow(RangeError);
    expect(() => ewmaVolatility([0.01], { lambda: 1 })).toThrow(RangeError);
    expect(() => ewmaVolatility([0.01, Number.NaN])).toThrow(RangeError);
  });
});
