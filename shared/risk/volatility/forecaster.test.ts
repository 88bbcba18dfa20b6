import { describe, expect, it } from 'vitest';
import { fitGarch, garchVariances, meanSquare } from './garch.ts';
import { GARCH_REFIT_EVERY, MIN_OBSERVATIONS, ewmaNormal, filteredHistoricalSimulation, garchNormal, type VolatilityForecaster } from './forecaster.ts';
import { logReturns } from './returns.ts';
import { normals, simulateGarch } from '../../../test/seeded-random.ts';

const PHI_INV_99 = 2.326347874040841; // Φ⁻¹(0.99), published

const all = (minObservations?: number): VolatilityForecaster[] => [
  filteredHistoricalSimulation({ minObservations }),
  ewmaNormal({ minObservations }),
  garchNormal({ minObservations }),
];

describe('the forecasters', () => {
  it('return null below minObservations (default 250) and a forecast from it on', () => {
    expect(MIN_OBSERVATIONS).toBe(250);
    const draw = normals(3);
    const r = Array.from({ length: 250 }, () => 0.02 * draw());
    for (const f of all()) {
      expect(f.forecast(r.slice(0, 249), 0.99)).toBeNull();
      const g = f.forecast(r, 0.99)!;
      expect(g.sigma).toBeGreaterThan(0);
      expect(g.longRange).toBeGreaterThan(0);
      expect(g.shortRange).toBeGreaterThan(g.longRange); // e^x − 1 > 1 − e^−x
    }
    expect(filteredHistoricalSimulation({ minObservations: 10 }).forecast(r.slice(0, 10), 0.99)).not.toBeNull();
  });

  it('ewmaNormal: σ·Φ⁻¹(c) on the EWMA σ (constant 1% moves keep σ at exactly 1%)', () => {
    const r = Array.from({ length: 300 }, (_, i) => (i % 3 ? 0.01 : -0.01));
    const f = ewmaNormal().forecast(r, 0.99)!;
    expect(f.sigma).toBeCloseTo(0.01, 15);
    expect(f.longRange).toBeCloseTo(1 - Math.exp(-0.01 * PHI_INV_99), 14);
    expect(f.shortRange).toBeCloseTo(Math.exp(0.01 * PHI_INV_99) - 1, 14);
    expect(f.observations).toBe(300);
  });

  it('garchNormal: fits on the first 250 + 20k returns, filters through all; the fit cache never changes an answer', () => {
    const r = simulateGarch(21, 700, { omega: 2e-6, alpha: 0.08, beta: 0.9 });
    const n = 693; // fitted on the first 250 + 22·20 = 690
    const m = MIN_OBSERVATIONS + Math.floor((n - MIN_OBSERVATIONS) / GARCH_REFIT_EVERY) * GARCH_REFIT_EVERY;
    expect(m).toBe(690);
    const fit = fitGarch(r.slice(0, m));
    const sigma = Math.sqrt(garchVariances(r.slice(0, n), fit, meanSquare(r.slice(0, m))).next);

    const fresh = garchNormal().forecast(r.slice(0, n), 0.99)!;
    expect(fresh.sigma).toBeCloseTo(sigma, 15);
    expect(fresh.longRange).toBeCloseTo(1 - Math.exp(-sigma * PHI_INV_99), 14);
    expect(fresh.observations).toBe(n);

    // A forecaster that has seen other series and prefixes first gives the same answer.
    const used = garchNormal();
    for (let k = 250; k <= 700; k += 37) used.forecast(r.slice(0, k), 0.99);
    used.forecast(simulateGarch(22, 693, { omega: 1e-6, alpha: 0.1, beta: 0.85 }), 0.99);
    expect(used.forecast(r.slice(0, n), 0.99)).toEqual(fresh);
  });

  it('give zero ranges, not NaN, for constant prices; null for none or a single return', () => {
    const constant = logReturns(new Array(400).fill(42_000));
    expect(constant.every((x) => x === 0)).toBe(true);
    for (const f of all()) {
      expect(f.forecast(constant, 0.99)).toEqual({ longRange: 0, shortRange: 0, sigma: 0, observations: expect.any(Number) });
      expect(f.forecast([], 0.99)).toBeNull();
      expect(f.forecast([0.03], 0.99)).toBeNull();
    }
  });

  it('with minObservations 1, a single return forecasts (EWMA, GARCH) or is null (FHS needs two), never NaN', () => {
    const [fhs, ewma, garch] = all(1) as [VolatilityForecaster, VolatilityForecaster, VolatilityForecaster];
    expect(fhs.forecast([0.03], 0.99)).toBeNull();
    expect(ewma.forecast([0.03], 0.99)!.sigma).toBeCloseTo(0.03, 15);
    const g = garch.forecast([0.03], 0.99)!;
    for (const v of Object.values(g)) expect(Number.isFinite(v)).toBe(true);
    // A single zero return: no move, no range.
    const flat = { longRange: 0, shortRange: 0, sigma: 0, observations: 1 };
    expect(fhs.forecast([0], 0.99)).toBeNull();
    expect(ewma.forecast([0], 0.99)).toEqual(flat);
    expect(garch.forecast([0], 0.99)).toEqual(flat);
  });

  it('after a flat history, a sudden move widens EWMA and GARCH (FHS needs more than one move in its window)', () => {
    const r = [...new Array(300).fill(0), 0.05];
    expect(ewmaNormal().forecast(r, 0.99)!.sigma).toBeCloseTo(Math.sqrt(0.06) * 0.05, 15);
    expect(garchNormal().forecast(r, 0.99)!.longRange).toBeGreaterThan(0);
    // One infinite z among 271 zeros: the 1% quantile is still 0.
    expect(filteredHistoricalSimulation().forecast(r, 0.99)!.longRange).toBe(0);
  });

  it('reject a confidence outside (0, 1), non-finite returns and bad options', () => {
    const r = new Array(300).fill(0.01);
    for (const f of all()) {
      expect(() => f.forecast(r, 1)).toThrow(RangeError);
      expect(() => f.forecast(r, 0)).toThrow(RangeError);
      expect(() => f.forecast([...r, Number.NaN], 0.99)).toThrow(RangeError);
    }
    expect(() => filteredHistoricalSimulation({ window: 0 })).toThrow(RangeError);
    expect(() => garchNormal({ minObservations: 0 })).toThrow(RangeError);
  });
});
