import { describe, expect, it } from 'vitest';
import { ewmaNormal, filteredHistoricalSimulation } from './forecaster.ts';
import { filteredHistoricalRanges, standardisedReturns } from './fhs.ts';
import { normals, unitStudentT } from '../../../test/seeded-random.ts';

const PHI_INV_99 = 2.326347874040841; // Φ⁻¹(0.99), published

describe('standardisedReturns', () => {
  it('divides each return by the EWMA σ forecast for it (hand-worked, λ = 0.9, seed r₀²)', () => {
    const { z, nextSigma } = standardisedReturns([0.01, -0.02, 0.03, -0.01, 0.02], { lambda: 0.9, seedSize: 1, window: 3 });
    // σ² for r₁…r₄: 1e-4, 1.3e-4, 2.07e-4, 1.963e-4 (ewma.test.ts); the window keeps the last 3, newest first.
    expect([...z]).toHaveLength(3);
    expect(z[0]).toBeCloseTo(0.02 / Math.sqrt(1.963e-4), 13);
    expect(z[1]).toBeCloseTo(-0.01 / Math.sqrt(2.07e-4), 13);
    expect(z[2]).toBeCloseTo(0.03 / Math.sqrt(1.3e-4), 13);
    expect(nextSigma).toBeCloseTo(Math.sqrt(2.1667e-4), 15);
  });
});

describe('filteredHistoricalRanges', () => {
  it('scales the type-7 quantiles of z by the next σ: a 5-observation example worked by hand', () => {
    // 30 seed returns of ±1% (σ² seed 1e-4), then five returns to standardise, λ = 0.9.
    const seed = Array.from({ length: 30 }, (_, i) => (i % 2 ? 0.01 : -0.01));
    const returns = [...seed, 0.02, -0.03, 0.01, -0.02, 0.005];
    // σ²: 1e-4, 1.3e-4, 2.07e-4, 1.963e-4, 2.1667e-4; next 0.9·2.1667e-4 + 0.1·0.005² = 1.97503e-4.
    const z = [0.02 / 0.01, -0.03 / Math.sqrt(1.3e-4), 0.01 / Math.sqrt(2.07e-4), -0.02 / Math.sqrt(1.963e-4), 0.005 / Math.sqrt(2.1667e-4)];
    const [z0, z1, z2, z3, z4] = [...z].sort((a, b) => a - b) as [number, number, number, number, number];
    // c = 0.9, n = 5: q₀.₁ at h = 0.4 (between the two smallest), q₀.₉ at h = 3.6.
    const lower = z0 + 0.4 * (z1 - z0);
    const upper = z3 + 0.6 * (z4 - z3);
    expect(z2).toBeCloseTo(0.005 / Math.sqrt(2.1667e-4), 12); // the middle one plays no part
    const sigma = Math.sqrt(1.97503e-4);
    const f = filteredHistoricalRanges(returns, 0.9, { lambda: 0.9 })!;
    expect(f.observations).toBe(5);
    expect(f.sigma).toBeCloseTo(sigma, 15);
    expect(f.lowerQuantile).toBeCloseTo(lower, 12);
    expect(f.upperQuantile).toBeCloseTo(upper, 12);
    expect(f.longRange).toBeCloseTo(1 - Math.exp(sigma * lower), 14);
    expect(f.shortRange).toBeCloseTo(Math.exp(sigma * upper) - 1, 14);
  });

  it('keeps only the last `window` standardised returns', () => {
    const draw = normals(5);
    const r = Array.from({ length: 600 }, () => 0.01 * draw());
    expect(filteredHistoricalRanges(r, 0.99, { window: 100 })!.observations).toBe(100);
    expect(filteredHistoricalRanges(r, 0.99)!.observations).toBe(570); // 600 less the 30 seed returns
  });

  // λ = 0.999 and 5,000 standardised returns make the two sampling errors small: σ_next's
  // relative s.d. ≈ √((1 − λ)/(2(1 + λ))) ≈ 1.6%, the 1% quantile's ≈ √(0.0099/5000)/φ(2.326)/2.326 ≈ 2.3%;
  // 10% is about 3 combined standard errors (over 20 seeds the worst was 6.7%).
  it.each([1, 2, 3, 4, 5])('on i.i.d. normal returns (σ = 2%) approaches the normal ranges (seed %i)', (seed) => {
    const sigma = 0.02;
    const draw = normals(seed);
    const r = Array.from({ length: 20_000 }, () => sigma * draw());
    const f = filteredHistoricalRanges(r, 0.99, { lambda: 0.999, window: 5_000 })!;
    const normalLong = 1 - Math.exp(-sigma * PHI_INV_99);
    const normalShort = Math.exp(sigma * PHI_INV_99) - 1;
    expect(Math.abs(f.longRange / normalLong - 1)).toBeLessThan(0.1);
    expect(Math.abs(f.shortRange / normalShort - 1)).toBeLessThan(0.1);
  });

  it('exceeds the normal range on Student-t(3) returns of the same σ (fat tails), and matches it on normal ones', () => {
    // Defaults (λ = 0.94, window 1,000), 3,000 returns. Against ewmaNormal on the same data, so
    // both use the same σ_next and only the tail shape differs: unit-variance t(3) has its 1%
    // point at −4.541/√3 = −2.62 against the normal's −2.33.
    const fhs = filteredHistoricalSimulation();
    const normal = ewmaNormal();
    const ratios = (draw: () => number) => {
      const r = Array.from({ length: 3_000 }, () => 0.02 * draw());
      const a = fhs.forecast(r, 0.99)!;
      const b = normal.forecast(r, 0.99)!;
      expect(a.sigma).toBe(b.sigma);
      return [a.longRange / b.longRange, a.shortRange / b.shortRange];
    };
    const seeds = [1, 2, 3, 4, 5];
    const fat = seeds.flatMap((s) => ratios(unitStudentT(s, 3)));
    const thin = seeds.flatMap((s) => ratios(normals(s)));
    for (const x of fat) expect(x).toBeGreaterThan(1);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(fat)).toBeGreaterThan(1.15);
    // On normal returns FHS is slightly wider (z is divided by an estimated σ, which
    // fattens its tails a little) but close.
    expect(Math.abs(mean(thin) - 1)).toBeLessThan(0.1);
  });

  it('returns null with fewer than two returns (the first seeds σ)', () => {
    expect(filteredHistoricalRanges([], 0.99)).toBeNull();
    expect(filteredHistoricalRanges([0.01], 0.99)).toBeNull();
    expect(filteredHistoricalRanges([0.01, -0.02], 0.99)!.observations).toBe(1);
  });
});
