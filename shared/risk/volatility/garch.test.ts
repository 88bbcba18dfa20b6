import { describe, expect, it } from 'vitest';
import { fitGarch, garchForecast, garchLogLikelihood, garchVariances, meanSquare } from './garch.ts';
import { normals, simulateGarch, unitStudentT } from '../../../test/seeded-random.ts';

const p = { omega: 1e-5, alpha: 0.1, beta: 0.8 };
const returns = [0.01, -0.02, 0.015];

describe('GARCH(1,1) recursion and likelihood', () => {
  it('filters σ²ₜ = ω + αr²ₜ₋₁ + βσ²ₜ₋₁: worked by hand from σ²₀ = 2e-4', () => {
    // σ²₁ = 1e-5 + 0.1·1e-4 + 0.8·2e-4 = 1.8e-4
    // σ²₂ = 1e-5 + 0.1·4e-4 + 0.8·1.8e-4 = 1.94e-4
    // σ²₃ = 1e-5 + 0.1·2.25e-4 + 0.8·1.94e-4 = 1.877e-4
    const { variances, next } = garchVariances(returns, p, 2e-4);
    [2e-4, 1.8e-4, 1.94e-4].forEach((v, i) => {
      expect(variances[i]).toBeCloseTo(v, 16);
    });
    expect(next).toBeCloseTo(1.877e-4, 16);
  });

  it('has the Gaussian log-likelihood −½Σ(ln 2π + ln σ²ₜ + r²ₜ/σ²ₜ), and σ²₀ the mean square by default', () => {
    const expected = -0.5 * (3 * Math.log(2 * Math.PI) +
      Math.log(2e-4) + 1e-4 / 2e-4 +
      Math.log(1.8e-4) + 4e-4 / 1.8e-4 +
      Math.log(1.94e-4) + 2.25e-4 / 1.94e-4);
    expect(garchLogLikelihood(returns, p, 2e-4)).toBeCloseTo(expected, 12);
    expect(meanSquare(returns)).toBeCloseTo((1e-4 + 4e-4 + 2.25e-4) / 3, 18);
    expect(garchLogLikelihood(returns, p)).toBe(garchLogLikelihood(returns, p, meanSquare(returns)));
  });

  it('forecasts h steps: V + (α+β)ᵏ⁻¹(σ²ₜ₊₁ − V), summed; worked by hand', () => {
    // V = 1e-5 / 0.1 = 1e-4; from 1.877e-4: 1.877e-4, 1e-4 + 0.9·0.877e-4, 1e-4 + 0.81·0.877e-4.
    const sum3 = 1.877e-4 + (1e-4 + 0.9 * 0.877e-4) + (1e-4 + 0.81 * 0.877e-4);
    expect(garchForecast(p, 1.877e-4, 3).sum).toBeCloseTo(sum3, 16);
    expect(garchForecast(p, 1.877e-4, 1)).toEqual({ next: 1.877e-4, sum: 1.877e-4 });
    expect(() => garchForecast(p, 1e-4, 0)).toThrow(RangeError);
  });
});

describe('fitGarch', () => {
  const truth = { omega: 2e-6, alpha: 0.08, beta: 0.9 };

  // 5,000 returns: over 30 seeds the estimates' spread was about 0.007 (α) and 0.01 (β),
  // so the tolerances are ~3.5 standard errors; α + β within 0.03 as asked.
  it.each([1, 2, 3])('recovers ω = 2e-6, α = 0.08, β = 0.9 from 5,000 simulated returns (seed %i)', (seed) => {
    const r = simulateGarch(seed, 5_000, truth);
    const fit = fitGarch(r);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.alpha - truth.alpha)).toBeLessThan(0.025);
    expect(Math.abs(fit.beta - truth.beta)).toBeLessThan(0.035);
    expect(Math.abs(fit.alpha + fit.beta - (truth.alpha + truth.beta))).toBeLessThan(0.03);
    // The long-run variance ω/(1 − α − β) = 1e-4 within 30%.
    expect(fit.omega / (1 - fit.alpha - fit.beta) / 1e-4).toBeGreaterThan(0.7);
    expect(fit.omega / (1 - fit.alpha - fit.beta) / 1e-4).toBeLessThan(1.3);
  });

  it('is a maximum: no worse than the true parameters, and better than every nearby point', () => {
    const r = simulateGarch(7, 5_000, truth);
    const fit = fitGarch(r);
    expect(fit.logLikelihood).toBeCloseTo(garchLogLikelihood(r, fit), 10);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(garchLogLikelihood(r, truth));
    for (const [dw, da, db] of [[1.05, 0, 0], [0.95, 0, 0], [1, 0.003, 0], [1, -0.003, 0], [1, 0, 0.003], [1, 0, -0.003]] as const) {
      const near = { omega: fit.omega * dw, alpha: fit.alpha + da, beta: fit.beta + db };
      expect(garchLogLikelihood(r, near)).toBeLessThan(fit.logLikelihood + 1e-6);
    }
  });

  it('keeps ω > 0, α, β ≥ 0, α + β < 1 on data far from GARCH (i.i.d. normal, Student-t(3), one return)', () => {
    const iid = normals(11);
    const t3 = unitStudentT(12, 3);
    const samples = [
      Array.from({ length: 1_000 }, () => 0.02 * iid()),
      Array.from({ length: 1_000 }, () => 0.02 * t3()),
      [0.03],
    ];
    for (const r of samples) {
      const fit = fitGarch(r);
      expect(fit.omega).toBeGreaterThan(0);
      expect(fit.alpha).toBeGreaterThanOrEqual(0);
      expect(fit.beta).toBeGreaterThanOrEqual(0);
      expect(fit.alpha + fit.beta).toBeLessThan(1);
      expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    }
  });

  it('refuses returns that are all zero (there is no variance to fit)', () => {
    expect(() => fitGarch(new Array(300).fill(0))).toThrow(RangeError);
  });
});
