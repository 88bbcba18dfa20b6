import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceNormalCdf } from '../../test/reference-pricing.ts';
import { intrinsicValue, optionPrice, optionQuote, type OptionQuote, type OptionRight } from './black-scholes.ts';

const N = referenceNormalCdf;
const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

const MINUTE = 1 / 525600;
const DAY = 1 / 365;
const RIGHTS: OptionRight[] = ['call', 'put'];

/**
 * Independent textbook reference (zero rates), on the stdlib CDF. d1 and d2 are each computed
 * from their own formula; put Greeks go through K·φ(d2) instead of S·φ(d1).
 */
interface Reference extends OptionQuote {
  /** Put delta by parity, N(d1) − 1: a different route, exact only to ~eps absolute. */
  deltaByParity: number;
}
function reference(right: OptionRight, S: number, K: number, T: number, vol: number): Reference {
  const sd = vol * Math.sqrt(T);
  const lnSK = Math.log(S / K);
  const d1 = (lnSK + 0.5 * sd * sd) / sd;
  const d2 = (lnSK - 0.5 * sd * sd) / sd;
  if (right === 'call') {
    return {
      price: S * N(d1) - K * N(d2),
      delta: N(d1),
      deltaByParity: N(d1),
      gamma: phi(d1) / (S * sd),
      vega: (S * phi(d1) * Math.sqrt(T)) / 100,
      theta: -(S * phi(d1) * vol) / (2 * Math.sqrt(T)) / 365,
    };
  }
  return {
    price: K * N(-d2) - S * N(-d1),
    delta: -N(-d1),
    deltaByParity: N(d1) - 1,
    gamma: (K * phi(d2)) / (S * S * sd),
    vega: (K * phi(d2) * Math.sqrt(T)) / 100,
    theta: -(K * phi(d2) * vol) / (2 * Math.sqrt(T)) / 365,
  };
}

/**
 * Greeks below this are compared absolutely. Between the two routes the scale factor (K/S, up
 * to 1e13 on the grid) can push one φ into the subnormal range (< 2.2e-308), where doubles
 * lose bits; anything under 1e-280 is economically zero anyway.
 */
const GREEK_FLOOR = 1e-280;
const close = (actual: number, expected: number, rel: number, floor: number): boolean =>
  Math.abs(actual - expected) <= rel * Math.abs(expected) + floor;

const SPOTS = [1e-6, 1e-3, 1, 100, 3e4, 1e7];
const MONEYNESS = [0.01, 0.1, 0.5, 0.8, 0.95, 1, 1.05, 1.25, 2, 10, 100]; // strike / spot
const EXPIRIES = [MINUTE, 1 / 8760, DAY, 0.1, 1, 10];
const VOLS = [0.01, 0.05, 0.2, 0.8, 2, 5, 10];

function* grid(): Generator<[OptionRight, number, number, number, number]> {
  for (const right of RIGHTS)
    for (const S of SPOTS)
      for (const m of MONEYNESS) for (const T of EXPIRIES) for (const vol of VOLS) yield [right, S, S * m, T, vol];
}

describe('optionPrice and optionQuote against the textbook reference', () => {
  it('prices agree to 1e-8·spot over the grid, and quote.price equals optionPrice', () => {
    let count = 0;
    for (const [right, S, K, T, vol] of grid()) {
      const ref = reference(right, S, K, T, vol);
      const price = optionPrice(right, S, K, T, vol);
      const ctx = `${right} S=${S} K=${K} T=${T} vol=${vol}: ${price} vs ${ref.price}`;
      expect(Math.abs(price - ref.price), ctx).toBeLessThanOrEqual(1e-8 * S);
      expect(optionQuote(right, S, K, T, vol).price, ctx).toBe(price);
      count++;
    }
    expect(count).toBe(2 * SPOTS.length * MONEYNESS.length * EXPIRIES.length * VOLS.length);
  });

  it('prices keep relative accuracy deep in and out of the money (where the terms cancel < 1e4×)', () => {
    let checked = 0;
    for (const [right, S, K, T, vol] of grid()) {
      const ref = reference(right, S, K, T, vol);
      // Size of the larger term relative to the price: both sides lose that factor × ~1e-13.
      const sd = vol * Math.sqrt(T);
      const d1 = (Math.log(S / K) + 0.5 * sd * sd) / sd;
      const term = right === 'call' ? S * N(d1) : K * N(-(d1 - sd));
      if (!(ref.price > 1e-290) || term / ref.price > 1e4) continue;
      const price = optionPrice(right, S, K, T, vol);
      expect(close(price, ref.price, 1e-8, 0), `${right} S=${S} K=${K} T=${T} vol=${vol}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('Greeks agree to 1e-8 relative over the grid', () => {
    for (const [right, S, K, T, vol] of grid()) {
      const q = optionQuote(right, S, K, T, vol);
      const ref = reference(right, S, K, T, vol);
      const ctx = `${right} S=${S} K=${K} T=${T} vol=${vol}`;
      expect(close(q.delta, ref.delta, 1e-8, GREEK_FLOOR), `delta ${ctx}: ${q.delta} vs ${ref.delta}`).toBe(true);
      // N(d1) − 1 cancels to ~eps absolute, hence the 4·eps floor on this route.
      expect(close(q.delta, ref.deltaByParity, 1e-8, 4 * Number.EPSILON), `delta/parity ${ctx}`).toBe(true);
      expect(close(q.gamma, ref.gamma, 1e-8, GREEK_FLOOR), `gamma ${ctx}: ${q.gamma} vs ${ref.gamma}`).toBe(true);
      expect(close(q.vega, ref.vega, 1e-8, GREEK_FLOOR), `vega ${ctx}: ${q.vega} vs ${ref.vega}`).toBe(true);
      expect(close(q.theta, ref.theta, 1e-8, GREEK_FLOOR), `theta ${ctx}: ${q.theta} vs ${ref.theta}`).toBe(true);
    }
  });

  it('put-call parity C − P = S − K holds to 1e-10·max(S, K)', () => {
    for (const [right, S, K, T, vol] of grid()) {
      if (right === 'put') continue;
      const c = optionPrice('call', S, K, T, vol);
      const p = optionPrice('put', S, K, T, vol);
      expect(Math.abs(c - p - (S - K)), `S=${S} K=${K} T=${T} vol=${vol}`).toBeLessThanOrEqual(1e-10 * Math.max(S, K));
      // Greeks: the two deltas differ by exactly 1 (to rounding); gamma, vega, theta coincide.
      const qc = optionQuote('call', S, K, T, vol);
      const qp = optionQuote('put', S, K, T, vol);
      expect(Math.abs(qc.delta - qp.delta - 1)).toBeLessThanOrEqual(2 * Number.EPSILON);
      expect(qp.gamma).toBe(qc.gamma);
      expect(qp.vega).toBe(qc.vega);
      expect(qp.theta).toBe(qc.theta);
    }
  });
});

describe('against 40-digit reference values (scripts/option-reference.py, mpmath)', () => {
  const reference = JSON.parse(readFileSync(new URL('../../test/fixtures/option-reference.json', import.meta.url), 'utf8')) as {
    grid: { spot: number; moneyness: number[]; years: number[]; vols: number[] };
    rows: string[][];
  };
  const { spot, moneyness, years, vols } = reference.grid;
  const cases = moneyness.flatMap((m) => years.flatMap((T) => vols.map((vol) => ({ K: spot * m, T, vol }))));

  it('price, delta and gamma to 1e-12 relative wherever the value is above 1e-10', () => {
    expect(cases).toHaveLength(reference.rows.length);
    let worst = 0;
    let compared = 0;
    cases.forEach(({ K, T, vol }, i) => {
      const [call, callDelta, put, putDelta, gamma] = reference.rows[i]!.map(Number) as [number, number, number, number, number];
      const c = optionQuote('call', spot, K, T, vol);
      const p = optionQuote('put', spot, K, T, vol);
      const pairs: [number, number][] = [[c.price, call], [c.delta, callDelta], [p.price, put], [p.delta, putDelta], [c.gamma, gamma], [p.gamma, gamma]];
      for (const [actual, expected] of pairs) {
        if (!(Math.abs(expected) > 1e-10)) continue;
        const error = Math.abs(actual - expected) / Math.abs(expected);
        expect(error, `K=${K} T=${T} vol=${vol}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-12);
        worst = Math.max(worst, error);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(3000);
    expect(worst).toBeGreaterThan(0); // the comparison is real, not of a value with itself
  });
});

describe('Greeks are derivatives of the price (Richardson-extrapolated central differences)', () => {
  /** Central difference of f at x with step h, Richardson-extrapolated: error O(h⁴). */
  const slope = (f: (x: number) => number, x: number, h: number): number => {
    const d = (k: number): number => (f(x + k) - f(x - k)) / (2 * k);
    return (4 * d(h / 2) - d(h)) / 3;
  };
  const curvature = (f: (x: number) => number, x: number, h: number): number => {
    const d = (k: number): number => (f(x + k) - 2 * f(x) + f(x - k)) / (k * k);
    return (4 * d(h / 2) - d(h)) / 3;
  };

  const cases: [OptionRight, number, number, number, number][] = [];
  for (const right of RIGHTS)
    for (const K of [70, 95, 100, 110, 140])
      for (const T of [7 * DAY, 0.25, 1, 3]) for (const vol of [0.15, 0.5, 1.2]) cases.push([right, 100, K, T, vol]);

  it.each(cases)('%s S=%s K=%s T=%s vol=%s', (right, S, K, T, vol) => {
    const q = optionQuote(right, S, K, T, vol);
    const byS = (s: number): number => optionPrice(right, s, K, T, vol);
    const byVol = (v: number): number => optionPrice(right, S, K, T, v);
    const byT = (t: number): number => optionPrice(right, S, K, t, vol);
    const tol = 1e-5;
    const hS = 0.05 * S * vol * Math.sqrt(T); // a twentieth of the price's natural scale in S
    expect(q.delta).toBeCloseTo(slope(byS, S, hS), 6); // delta is O(1): absolute 5e-7
    expect(close(q.gamma, curvature(byS, S, hS), tol, 1e-12)).toBe(true);
    expect(close(q.vega, slope(byVol, vol, 1e-2 * vol) * 0.01, tol, 1e-12)).toBe(true);
    expect(close(q.theta, -slope(byT, T, 1e-2 * T) / 365, tol, 1e-12)).toBe(true);
  });

  it('theta is the one-calendar-day decay to first order', () => {
    for (const right of RIGHTS) {
      const q = optionQuote(right, 100, 105, 1, 0.3);
      const decay = optionPrice(right, 100, 105, 1 - DAY, 0.3) - optionPrice(right, 100, 105, 1, 0.3);
      // Second-order term is ~(1 day / 1 year)/2 relative.
      expect(close(q.theta, decay, 2e-3, 0)).toBe(true);
    }
  });
});

describe('published values, converted to zero rates', () => {
  /**
   * A textbook quote with rate r, carry b (b = r for a stock, b = r − q with a dividend yield,
   * b = 0 for a future) is e^{−rT} times our price on the forward F = S·e^{bT}.
   */
  const published = (right: OptionRight, S: number, K: number, T: number, r: number, b: number, vol: number) =>
    optionPrice(right, S * Math.exp(b * T), K, T, vol) * Math.exp(-r * T);
  const toDigits = (value: number, expected: number, decimals: number): void => {
    expect(Math.abs(value - expected)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-12);
  };

  it('Hull: S=42, K=40, r=10%, σ=20%, T=0.5 → call 4.76, put 0.81', () => {
    toDigits(published('call', 42, 40, 0.5, 0.1, 0.1, 0.2), 4.76, 2);
    toDigits(published('put', 42, 40, 0.5, 0.1, 0.1, 0.2), 0.81, 2);
  });

  it('Haug (Black-76): F=19, K=19, T=0.75, r=10%, σ=28% → call = put = 1.7011', () => {
    toDigits(published('call', 19, 19, 0.75, 0.1, 0, 0.28), 1.7011, 4);
    toDigits(published('put', 19, 19, 0.75, 0.1, 0, 0.28), 1.7011, 4);
  });

  it('Haug (Black-Scholes): S=60, K=65, T=0.25, r=8%, σ=30% → call 2.1334', () => {
    toDigits(published('call', 60, 65, 0.25, 0.08, 0.08, 0.3), 2.1334, 4);
  });

  it('Haug (Merton): S=100, K=95, T=0.5, r=10%, q=5%, σ=20% → put 2.4648', () => {
    toDigits(published('put', 100, 95, 0.5, 0.1, 0.05, 0.2), 2.4648, 4);
  });

  it('Hull (futures option): F=20, K=20, T=4/12, r=9%, σ=25% → put 1.12', () => {
    toDigits(published('put', 20, 20, 4 / 12, 0.09, 0, 0.25), 1.12, 2);
  });

  it('Hull (delta hedging): S=49, K=50, r=5%, σ=20%, T=20/52 → 2.40, Δ 0.522, Γ 0.066, vega 12.1, Θ −4.31/yr', () => {
    const S = 49;
    const r = 0.05;
    const T = 20 / 52;
    const q = optionQuote('call', S * Math.exp(r * T), 50, T, 0.2);
    const call = q.price * Math.exp(-r * T);
    toDigits(call, 2.4, 2);
    // C(S) = e^{−rT}·B(S·e^{rT}): ∂C/∂S = ∂B/∂F, ∂²C/∂S² = e^{rT}·∂²B/∂F², ∂C/∂σ = e^{−rT}·∂B/∂σ.
    toDigits(q.delta, 0.522, 3);
    toDigits(q.gamma * Math.exp(r * T), 0.066, 3);
    toDigits(q.vega * 100 * Math.exp(-r * T), 12.1, 1);
    // ∂C/∂t = rC − rS·∂B/∂F − e^{−rT}·∂B/∂T, and our theta is −∂B/∂T per day.
    toDigits(r * call - r * S * q.delta + Math.exp(-r * T) * 365 * q.theta, -4.31, 2);
  });
});

describe('expiry and degenerate inputs', () => {
  /** x + 0 turns −0 into 0: a −0 theta or delta is fine, toEqual just tells them apart. */
  const unsigned = (q: OptionQuote): OptionQuote => ({
    price: q.price + 0,
    delta: q.delta + 0,
    gamma: q.gamma + 0,
    vega: q.vega + 0,
    theta: q.theta + 0,
  });

  it.each([0, -1e-9, -1, -Infinity])('years = %d: intrinsic value and zero Greeks', (years) => {
    for (const right of RIGHTS) {
      for (const [S, K] of [
        [100, 90],
        [100, 110],
        [100, 100],
      ] as const) {
        const expected = right === 'call' ? Math.max(S - K, 0) : Math.max(K - S, 0);
        expect(intrinsicValue(right, S, K)).toBe(expected);
        expect(optionPrice(right, S, K, years, 0.5)).toBe(expected);
        expect(unsigned(optionQuote(right, S, K, years, 0.5))).toEqual({ price: expected, delta: 0, gamma: 0, vega: 0, theta: 0 });
      }
    }
  });

  it('vol·√T so small that d1, d2 overflow: limit values, no NaN', () => {
    // v = 1e-200·1e-5 = 1e-205 > 0, ln(S/K)/v overflows to ±Infinity.
    const T = 1e-10;
    const vol = 1e-200;
    expect(unsigned(optionQuote('call', 100, 90, T, vol))).toEqual({ price: 10, delta: 1, gamma: 0, vega: 0, theta: 0 });
    expect(unsigned(optionQuote('call', 100, 110, T, vol))).toEqual({ price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 });
    expect(unsigned(optionQuote('put', 100, 110, T, vol))).toEqual({ price: 10, delta: -1, gamma: 0, vega: 0, theta: 0 });
    expect(unsigned(optionQuote('put', 100, 90, T, vol))).toEqual({ price: 0, delta: 0, gamma: 0, vega: 0, theta: 0 });
    // vol·√T underflows to 0 (zero-vol limit); at the money delta tends to ±1/2.
    const q = optionQuote('call', 100, 100, 1e-300, 1e-300);
    expect(unsigned(q)).toEqual({ price: 0, delta: 0.5, gamma: 0, vega: 0, theta: 0 });
    expect(optionQuote('put', 100, 100, 1e-300, 1e-300).delta).toBe(-0.5);
    expect(optionPrice('put', 100, 120, 1e-300, 1e-300)).toBe(20);
  });

  it('at the money with tiny vol·√T the price is S·v/√(2π) to first order', () => {
    // N(d1) − N(d2) near 1/2 carries ~eps absolute error, i.e. eps/v relative: 3e-10 here.
    const v = 1e-6;
    const price = optionPrice('call', 100, 100, 1, v);
    expect(close(price, (100 * v) / Math.sqrt(2 * Math.PI), 1e-8, 0)).toBe(true);
    const gamma = optionQuote('put', 100, 100, 1, v).gamma;
    expect(close(gamma, 1 / (Math.sqrt(2 * Math.PI) * 100 * v), 1e-8, 0)).toBe(true);
  });

  it('propagates NaN inputs instead of inventing a value', () => {
    expect(optionPrice('call', NaN, 100, 1, 0.2)).toBeNaN();
    expect(optionPrice('call', 100, 100, NaN, 0.2)).toBeNaN();
    expect(optionPrice('put', 100, 100, 1, NaN)).toBeNaN();
  });
});

describe('no-arbitrage properties (fast-check)', () => {
  const logUniform = (lo: number, hi: number) =>
    fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);
  const inputs = fc.record({
    right: fc.constantFrom<OptionRight>('call', 'put'),
    spot: logUniform(1e-6, 1e7),
    moneyness: logUniform(0.01, 100),
    years: logUniform(MINUTE, 10),
    vol: logUniform(0.01, 10),
  });

  it('price within [intrinsic, S | K]; delta, gamma, vega, theta signs; all finite', () => {
    fc.assert(
      fc.property(inputs, ({ right, spot, moneyness, years, vol }) => {
        const strike = spot * moneyness;
        const q = optionQuote(right, spot, strike, years, vol);
        const values = [q.price, q.delta, q.gamma, q.vega, q.theta];
        if (!values.every(Number.isFinite)) return false;
        const cap = right === 'call' ? spot : strike;
        if (!(q.price >= intrinsicValue(right, spot, strike) && q.price <= cap)) return false;
        if (right === 'call' ? !(q.delta >= 0 && q.delta <= 1) : !(q.delta >= -1 && q.delta <= 0)) return false;
        return q.gamma >= 0 && q.vega >= 0 && q.theta <= 0 && optionPrice(right, spot, strike, years, vol) === q.price;
      }),
      { numRuns: 5000 },
    );
  });

  it('price is non-decreasing in vol and in time to expiry (to rounding)', () => {
    fc.assert(
      fc.property(inputs, fc.double({ min: 1, max: 3, noNaN: true }), ({ right, spot, moneyness, years, vol }, k) => {
        const strike = spot * moneyness;
        const slack = 4 * Number.EPSILON * Math.max(spot, strike);
        const p = optionPrice(right, spot, strike, years, vol);
        return (
          optionPrice(right, spot, strike, years, vol * k) >= p - slack &&
          optionPrice(right, spot, strike, years * k, vol) >= p - slack
        );
      }),
      { numRuns: 3000 },
    );
  });
});
