import { describe, expect, it } from 'vitest';
import { dailyVolatility, ImpactState, impactOf } from './impact.ts';

describe('square-root market impact', () => {
  it('one sale moves the price by Y·σ·√(Q/V): selling 1% of a day at 4% daily volatility costs 0.4%', () => {
    expect(impactOf(1e7, 1e9, 0.04, 1)).toBeCloseTo(-0.004, 15);
    expect(impactOf(-1e7, 1e9, 0.04, 1)).toBeCloseTo(0.004, 15); // a buy-back lifts it
    expect(impactOf(4e7, 1e9, 0.04, 1)).toBeCloseTo(2 * -0.004, 15); // four times the size, twice the impact
    expect(impactOf(1e7, 0, 0.04, 1)).toBe(0);
  });

  it('decays by half every half-life, and impacts add up', () => {
    const state = new ImpactState({ y: 1, halfLifeMinutes: 30 });
    state.trade('BTC', 1e7, 1e9, 0.04);
    expect(state.priceOf('BTC', 50_000)).toBeCloseTo(50_000 * (1 - 0.004), 9);
    state.advance(30);
    expect(state.priceOf('BTC', 50_000)).toBeCloseTo(50_000 * (1 - 0.002), 9);
    state.trade('BTC', 1e7, 1e9, 0.04);
    expect(state.priceOf('BTC', 50_000)).toBeCloseTo(50_000 * (1 - 0.006), 9);
    expect(state.priceOf('ETH', 3_000)).toBe(3_000);
  });

  it('daily volatility from hourly closes: alternating ±1% hourly moves give about 1%·√24', () => {
    const closes = [100];
    for (let i = 0; i < 48; i++) closes.push(closes.at(-1)! * (i % 2 ? 1.01 : 1 / 1.01));
    expect(dailyVolatility(closes)).toBeCloseTo(Math.log(1.01) * Math.sqrt(24) * Math.sqrt(48 / 47), 9);
  });
});
