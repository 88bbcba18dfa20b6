import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceNormalCdf } from '../../test/reference-pricing.ts';
import { intrinsicValue, optionPrice, type OptionRight } from './black-scholes.ts';
import { NoVolatilityFitsError, RiskError } from './errors.ts';
import { assertArbitrageFree, impliedVolatility } from './implied-volatility.ts';

const N = referenceNormalCdf;

const MINUTE = 1 / 525600;
const HOUR = 1 / 8760;
const DAY = 1 / 365;
const RIGHTS: OptionRight[] = ['call', 'put'];

/** Textbook zero-rate price on the stdlib CDF, so round trips do not start from our own output. */
function referencePrice(right: OptionRight, S: number, K: number, T: number, vol: number): number {
  const sd = vol * Math.sqrt(T);
  const d1 = (Math.log(S / K) + 0.5 * sd * sd) / sd;
  const d2 = d1 - sd;
  return right === 'call' ? S * N(d1) - K * N(d2) : K * N(-d2) - S * N(-d1);
}

/**
 * Whether σ can be recovered to 1e-8 from a double-precision price: the price carries ~eps·max(S, K)
 * of rounding, worth eps·max(S, K)/(σ·∂V/∂σ) in relative vol. Also require the time value (the
 * out-of-the-money price) to be well above 1e-12·S.
 */
function recoverable(right: OptionRight, S: number, K: number, T: number, vol: number): boolean {
  const sd = vol * Math.sqrt(T);
  const d1 = (Math.log(S / K) + 0.5 * sd * sd) / sd;
  const vegaTimesVol = (S * Math.exp(-0.5 * d1 * d1) * sd) / Math.sqrt(2 * Math.PI);
  const timeValue = referencePrice(right, S, K, T, vol) - intrinsicValue(right, S, K);
  return timeValue >= 1e-10 * S && vegaTimesVol >= 1e-6 * Math.max(S, K);
}

const FIELD = 'positions[2].markPrice';

describe('impliedVolatility round trip', () => {
  const SPOTS = [1e-6, 1, 100, 1e7];
  const MONEYNESS = [0.2, 0.5, 0.8, 0.95, 1, 1.05, 1.25, 2, 5];
  const EXPIRIES = [MINUTE, HOUR, DAY, 0.25, 1, 10];
  const VOLS = [0.01, 0.05, 0.2, 0.8, 2, 5];

  it('recovers σ to 1e-8 relative over a grid (deep OTM/ITM, one minute to 10 years, σ up to 5)', () => {
    let solved = 0;
    let deepOtm = 0;
    let oneMinute = 0;
    let highVol = 0;
    for (const right of RIGHTS)
      for (const S of SPOTS)
        for (const m of MONEYNESS)
          for (const T of EXPIRIES)
            for (const vol of VOLS) {
              const K = S * m;
              if (!recoverable(right, S, K, T, vol)) continue;
              const price = referencePrice(right, S, K, T, vol);
              const iv = impliedVolatility(right, S, K, T, price, FIELD);
              const ctx = `${right} S=${S} K=${K} T=${T} vol=${vol} price=${price}: ${iv}`;
              expect(Math.abs(iv - vol) / vol, ctx).toBeLessThanOrEqual(1e-8);
              expect(Math.abs(optionPrice(right, S, K, T, iv) - price), ctx).toBeLessThanOrEqual(1e-12 * Math.max(S, K));
              solved++;
              if ((m <= 0.5 || m >= 2) && price - intrinsicValue(right, S, K) < 1e-3 * S) deepOtm++;
              if (T === MINUTE) oneMinute++;
              if (vol === 5) highVol++;
            }
    // The filter must not quietly drop the hard cases.
    expect(solved).toBeGreaterThan(1000);
    expect(deepOtm).toBeGreaterThan(50);
    expect(oneMinute).toBeGreaterThan(30);
    expect(highVol).toBeGreaterThan(50);
  });

  it.each([
    ['call', 100, 300, 1, 0.3], // deep OTM call, price ~1.6e-3
    ['put', 100, 50, 0.25, 0.25], // deep OTM put, price ~2.2e-8 = 2.2e-10·S
    ['call', 100, 40, 0.25, 0.35], // deep ITM call: 60 + 1.6e-7 of time value
    ['call', 100, 100.5, MINUTE, 0.6], // one minute to expiry
    ['put', 30000, 29000, MINUTE, 1.5],
    ['call', 1e7, 2e7, 1, 5], // σ = 500% (over 10 years σ√T ≈ 16 and the price is ~S: ill-posed)
    ['put', 1e-6, 1e-6, 1, 5],
  ] as [OptionRight, number, number, number, number][])('%s S=%s K=%s T=%s σ=%s', (right, S, K, T, vol) => {
    const price = referencePrice(right, S, K, T, vol);
    expect(Math.abs(impliedVolatility(right, S, K, T, price) - vol) / vol).toBeLessThanOrEqual(1e-8);
  });

  it('gives the same σ for a call and the parity-consistent put', () => {
    for (const K of [50, 90, 100, 110, 200]) {
      const call = referencePrice('call', 100, K, 0.5, 0.4);
      const put = call - 100 + K; // C − P = S − K
      const fromCall = impliedVolatility('call', 100, K, 0.5, call);
      const fromPut = impliedVolatility('put', 100, K, 0.5, put);
      expect(Math.abs(fromCall - fromPut) / 0.4).toBeLessThanOrEqual(1e-10);
    }
  });

  it('returns the ends of the search range for prices exactly there', () => {
    const top = optionPrice('call', 100, 100, DAY, 20);
    expect(impliedVolatility('call', 100, 100, DAY, top)).toBeCloseTo(20, 10);
    const bottom = optionPrice('put', 100, 100, 1, 1e-6);
    expect(impliedVolatility('put', 100, 100, 1, bottom)).toBeCloseTo(1e-6, 14);
  });

  const logUniform = (lo: number, hi: number) =>
    fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);

  it('round trips random recoverable inputs (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<OptionRight>('call', 'put'),
        logUniform(1e-6, 1e7),
        logUniform(0.2, 5),
        logUniform(MINUTE, 10),
        logUniform(0.01, 5),
        (right, S, m, T, vol) => {
          const K = S * m;
          fc.pre(recoverable(right, S, K, T, vol));
          const iv = impliedVolatility(right, S, K, T, referencePrice(right, S, K, T, vol));
          return Math.abs(iv - vol) / vol <= 1e-8;
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('converges for any arbitrage-free price, or says no vol in [1e-6, 20] fits (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<OptionRight>('call', 'put'),
        logUniform(1e-6, 1e7),
        logUniform(0.01, 100),
        logUniform(MINUTE, 10),
        fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true, maxExcluded: true }),
        (right, S, m, T, u) => {
          const K = S * m;
          const lo = intrinsicValue(right, S, K);
          const hi = right === 'call' ? S : K;
          const price = lo + u * (hi - lo);
          fc.pre(price > lo && price < hi);
          let iv: number;
          try {
            iv = impliedVolatility(right, S, K, T, price);
          } catch (error) {
            // Legitimate only outside the price range spanned by σ ∈ [1e-6, 20].
            expect(error).toBeInstanceOf(NoVolatilityFitsError);
            const outside =
              price < referencePrice(right, S, K, T, 1e-6) || price > referencePrice(right, S, K, T, 20);
            return outside;
          }
          expect(iv).toBeGreaterThanOrEqual(1e-6);
          expect(iv).toBeLessThanOrEqual(20);
          return Math.abs(optionPrice(right, S, K, T, iv) - price) <= 1e-12 * Math.max(S, K);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('impliedVolatility errors', () => {
  const expectNoFit = (fn: () => unknown, ...fragments: string[]): NoVolatilityFitsError => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NoVolatilityFitsError);
    const error = caught as NoVolatilityFitsError;
    expect(error).toBeInstanceOf(RiskError);
    expect(error.code).toBe('no_volatility_fits');
    for (const fragment of fragments) expect(error.message).toContain(fragment);
    return error;
  };

  it('rejects a price below or at intrinsic value, naming the field', () => {
    const error = expectNoFit(() => impliedVolatility('call', 100, 90, 0.5, 9.5, FIELD), '9.5', '100', '90', '10', FIELD);
    expect(error.field).toBe(FIELD);
    expectNoFit(() => impliedVolatility('call', 100, 90, 0.5, 10, FIELD), 'intrinsic');
    expectNoFit(() => impliedVolatility('put', 90, 100, 0.5, 9.99, FIELD), 'intrinsic');
    expectNoFit(() => impliedVolatility('call', 100, 110, 0.5, 0, FIELD), 'intrinsic');
    expectNoFit(() => impliedVolatility('put', 100, 90, 0.5, -1, FIELD), 'intrinsic');
  });

  it('rejects a price at or above the no-arbitrage bound (spot for calls, strike for puts)', () => {
    expectNoFit(() => impliedVolatility('call', 100, 90, 0.5, 100, FIELD), 'bound 100', FIELD);
    expectNoFit(() => impliedVolatility('call', 100, 90, 0.5, 150, FIELD), 'bound 100');
    expectNoFit(() => impliedVolatility('put', 100, 90, 0.5, 90, FIELD), 'bound 90');
    expectNoFit(() => impliedVolatility('put', 100, 90, 0.5, 95, FIELD), 'bound 90');
  });

  it('assertArbitrageFree (shared with the book) accepts exactly the open range (intrinsic, cap)', () => {
    expect(() => assertArbitrageFree('call', 100, 90, 0.5, 10.000001, FIELD)).not.toThrow();
    expect(() => assertArbitrageFree('call', 100, 90, 0.5, 99.999999, FIELD)).not.toThrow();
    expect(() => assertArbitrageFree('put', 100, 110, 0.5, 10.000001, FIELD)).not.toThrow();
    expect(() => assertArbitrageFree('call', 100, 110, 0.5, 1e-12, FIELD)).not.toThrow();
    expectNoFit(() => assertArbitrageFree('call', 100, 90, 0.5, 10, FIELD), 'intrinsic', FIELD);
    expectNoFit(() => assertArbitrageFree('put', 100, 110, 0.5, 110, FIELD), 'bound 110', FIELD);
    expectNoFit(() => assertArbitrageFree('call', 100, 110, 0.5, 0, FIELD), 'intrinsic value 0');
  });

  it.each([0, -0.5])('rejects an expired option (years = %s)', (years) => {
    const error = expectNoFit(() => impliedVolatility('call', 100, 100, years, 5, FIELD), 'expired', FIELD);
    expect(error.field).toBe(FIELD);
  });

  it('rejects prices that need a vol outside [1e-6, 20]', () => {
    // ATM, one minute: even σ = 20 is worth only ~1.1.
    expectNoFit(() => impliedVolatility('call', 100, 100, MINUTE, 10, FIELD), 'maximum', '20', FIELD);
    // ATM, one year: σ = 1e-6 is already worth ~4e-5.
    expectNoFit(() => impliedVolatility('put', 100, 100, 1, 1e-6, FIELD), 'minimum', FIELD);
  });

  it('rejects non-finite or non-positive inputs', () => {
    expectNoFit(() => impliedVolatility('call', 100, 100, 1, NaN, FIELD), FIELD);
    expectNoFit(() => impliedVolatility('call', 0, 100, 1, 5, FIELD), FIELD);
    expectNoFit(() => impliedVolatility('call', 100, -1, 1, 5, FIELD), FIELD);
    expectNoFit(() => impliedVolatility('call', 100, 100, NaN, 5, FIELD), FIELD);
  });

  it('leaves field undefined when none is given', () => {
    const error = expectNoFit(() => impliedVolatility('call', 100, 90, 0.5, 9.5));
    expect(error.field).toBeUndefined();
    expect(error.message).not.toContain('undefined');
  });
});
