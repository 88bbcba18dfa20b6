import { describe, expect, it } from 'vitest';
import { SnapshotSchema } from '../schemas/snapshot.ts';
import { assess } from './assess.ts';
import { PROFILES } from './built-in-profiles.ts';
import type { RiskProfile } from './profile-schema.ts';
import { scenarioRangeOf } from './scenario-range.ts';

const dynamic = PROFILES.dynamic!;
const settings = { mode: 'dynamic' as const, model: 'fhs' as const, confidence: 0.99, horizonHours: 24, floor: 0.05, cap: 0.3, antiProcyclicality: { buffer: 0.25 } };
const portfolio = (over: object = {}): RiskProfile['portfolio'] => ({ ...dynamic.portfolio, scenarioRange: { ...settings, ...over } });
const forecast = { longRange: 0.1, shortRange: 0.12, sigma: 0.04, observations: 1000 };

describe('the scenario range of an underlying', () => {
  it('is the profile priceRange when static', () => {
    expect(scenarioRangeOf(PROFILES.default!.portfolio, forecast)).toEqual({ down: 0.16, up: 0.16, basis: 'static', volatility: null, observations: null });
  });

  it('is the floor with no history, and says so', () => {
    expect(scenarioRangeOf(portfolio(), null)).toEqual({ down: 0.05, up: 0.05, basis: 'floor', volatility: null, observations: null });
  });

  it('is the forecast per side with the buffer on top, its volatility annualised', () => {
    const r = scenarioRangeOf(portfolio(), forecast);
    expect(r.down).toBeCloseTo(0.1 * 1.25, 15);
    expect(r.up).toBeCloseTo(0.12 * 1.25, 15);
    expect(r).toMatchObject({ basis: 'forecast', observations: 1000 });
    expect(r.volatility).toBeCloseTo(0.04 * Math.sqrt(365), 15);
  });

  it('scales a day’s move to the horizon by √(hours/24) in log terms', () => {
    const r = scenarioRangeOf(portfolio({ horizonHours: 6, antiProcyclicality: null }), forecast);
    // ln(0.9) × √(1/4) = ln(0.9)/2: a fall of 1 − √0.9; a rise of √1.12 − 1.
    expect(r.down).toBeCloseTo(1 - Math.sqrt(0.9), 15);
    expect(r.up).toBeCloseTo(Math.sqrt(1.12) - 1, 15);
  });

  it('is clamped to [floor, cap] and names the bound', () => {
    expect(scenarioRangeOf(portfolio(), { ...forecast, longRange: 0.01, shortRange: 0.02 })).toMatchObject({ down: 0.05, up: 0.05, basis: 'floor' });
    expect(scenarioRangeOf(portfolio(), { ...forecast, longRange: 0.5, shortRange: 0.6 })).toMatchObject({ down: 0.3, up: 0.3, basis: 'cap' });
  });
});

describe('a dynamic grid in the portfolio model', () => {
  const snapshot = (quantity: number) =>
    SnapshotSchema.parse({
      accountId: 'a',
      asOf: '2026-11-26T00:00:00Z',
      profile: 'dynamic',
      collateral: [{ asset: 'USD', amount: 100_000 }],
      positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'BTC' }, quantity, entryPrice: 50_000 }],
      market: { BTC: { price: 50_000 } },
    });
  const range = dynamic.portfolio.scenarioRange as typeof settings;

  it('charges a long its fall and a short its rise: MM = |q| × price × range', async () => {
    const forecasts = { BTC: forecast };
    const long = await assess(snapshot(2), { id: 'asm_long', forecasts });
    const short = await assess(snapshot(-2), { id: 'asm_short', forecasts });
    const buffer = 1 + range.antiProcyclicality!.buffer;
    expect(long.maintenanceMargin).toBeCloseTo(2 * 50_000 * 0.1 * buffer, 6);
    expect(short.maintenanceMargin).toBeCloseTo(2 * 50_000 * 0.12 * buffer, 6);
    const r = long.greeks['BTC']!.scenarioRange!;
    expect(r.basis).toBe('forecast');
    expect(r.down).toBeCloseTo(0.1 * buffer, 14);
    expect(r.up).toBeCloseTo(0.12 * buffer, 14);
    expect(long.greeks['BTC']!.worstScenario!.priceMove).toBeCloseTo(-0.1 * buffer, 14);
  });

  it('falls back to the floor without a forecast, and to the static range under a static profile', async () => {
    const a = await assess(snapshot(2), { id: 'asm_floor' });
    expect(a.maintenanceMargin).toBeCloseTo(2 * 50_000 * range.floor, 6);
    expect(a.greeks['BTC']!.scenarioRange).toMatchObject({ basis: 'floor' });
    const s = await assess({ ...snapshot(2), profile: 'default' }, { id: 'asm_static', forecasts: { BTC: forecast } });
    expect(s.maintenanceMargin).toBeCloseTo(2 * 50_000 * 0.16, 6);
  });
});

describe('per-underlying grid settings', () => {
  const base = PROFILES.default!;
  const book = (positions: object[], market: object) =>
    SnapshotSchema.parse({ accountId: 'a', asOf: '2026-11-26T00:00:00Z', profile: 'custom', collateral: [{ asset: 'USD', amount: 100_000 }], positions, market });
  const custom = (portfolio: Partial<RiskProfile['portfolio']>): RiskProfile => ({ ...base, name: 'custom', portfolio: { ...base.portfolio, ...portfolio } });

  it('an underlying with its own price range: MM of a long = q × price × its range, the others keep the profile’s', async () => {
    const profile = custom({ underlyings: { DOGE: { priceRange: 0.4 } } });
    const a = await assess(
      book(
        [
          { id: 'doge', instrument: { type: 'perpetual', underlying: 'DOGE' }, quantity: 1_000, entryPrice: 0.1 },
          { id: 'btc', instrument: { type: 'perpetual', underlying: 'BTC' }, quantity: 1, entryPrice: 50_000 },
        ],
        { DOGE: { price: 0.1 }, BTC: { price: 50_000 } },
      ),
      { id: 'asm_u', profile },
    );
    expect(a.greeks['DOGE']!.maintenanceMargin).toBeCloseTo(1_000 * 0.1 * 0.4, 9);
    expect(a.greeks['BTC']!.maintenanceMargin).toBeCloseTo(50_000 * 0.16, 6);
    expect(a.greeks['DOGE']!.scenarioRange).toMatchObject({ down: 0.4, up: 0.4, basis: 'static' });
  });

  it('vol shocks and contingency set for one underlying charge its options as the same settings profile-wide would', async () => {
    const option = [{ id: 'c', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 55_000, expiry: '2026-12-26T08:00:00Z' }, quantity: -3 }];
    const market = { BTC: { price: 50_000, volatility: 0.6 } };
    const own = await assess(book(option, market), { id: 'asm_own', profile: custom({ underlyings: { BTC: { volRangeUp: 0.8, shortOptionContingency: 0.002 } } }) });
    const wide = await assess(book(option, market), { id: 'asm_wide', profile: custom({ volRangeUp: 0.8, shortOptionContingency: 0.002 }) });
    const plain = await assess(book(option, market), { id: 'asm_plain', profile: custom({}) });
    expect(own.maintenanceMargin).toBeCloseTo(wide.maintenanceMargin, 9);
    expect(own.maintenanceMargin).toBeGreaterThan(plain.maintenanceMargin);
  });
});
