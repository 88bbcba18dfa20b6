import { describe, expect, it } from 'vitest';
import { dailyVolatility, ImpactState, impactCost, impactOf } from './impact.ts';

describe('square-root market impact', () => {
  it('one sale moves the price by Y·σ·√(Q/V): selling 1% of a day at 4% daily volatility costs 0.4%', () => {
    expect(impactOf(1e7, 1e9, 0.04, 1)).toBeCloseTo(-0.004, 15);
    expect(impactOf(-1e7, 1e9, 0.04, 1)).toBeCloseTo(0.004, 15); // a buy-back lifts it
    expect(impactOf(4e7, 1e9, 0.04, 1)).toBeCloseTo(2 * -0.004, 15); // four times the size, twice the impact
    expect(impactOf(1e7, 0, 0.04, 1)).toBe(0);
  });

  it('is the law of the whole metaorder: one sale or ten in a row move the price the same; memory fades by half every half-life', () => {
    const once = new ImpactState({ y: 1, halfLifeMinutes: 30 });
    once.trade('BTC', 1e7, 1e9, 0.04);
    expect(once.priceOf('BTC', 50_000)).toBeCloseTo(50_000 * (1 - 0.004), 9);
    const pieces = new ImpactState({ y: 1, halfLifeMinutes: 30 });
    for (let i = 0; i < 10; i++) pieces.trade('BTC', 1e6, 1e9, 0.04);
    expect(pieces.priceOf('BTC', 50_000)).toBeCloseTo(once.priceOf('BTC', 50_000), 9);
    // After a half-life the metaorder counts half: the offset is 1/√2 of what it was.
    once.advance(30);
    expect(once.sizeOf('BTC')).toBeCloseTo(5e6, 6);
    expect(once.priceOf('BTC', 50_000)).toBeCloseTo(50_000 * (1 - 0.004 / Math.SQRT2), 9);
    expect(once.priceOf('ETH', 3_000)).toBe(3_000);
  });

  it('a sale costs the law integrated over it: ⅔ of its final impact on its own, less when it unwinds earlier selling', () => {
    // Alone: Q × ⅔ × Y σ √(Q/V) = 1e7 × ⅔ × 0.004.
    expect(impactCost(0, 1e7, 1e9, 0.04, 1)).toBeCloseTo(1e7 * (2 / 3) * 0.004, 6);
    // On top of 1e7 already sold: (2/3)·(Yσ/√V)·((2e7)^1.5 − (1e7)^1.5), by hand.
    const k = 0.04 / Math.sqrt(1e9);
    expect(impactCost(1e7, 1e7, 1e9, 0.04, 1)).toBeCloseTo(k * (2 / 3) * (2e7 ** 1.5 - 1e7 ** 1.5), 6);
    // Buying back what was sold recovers the same amount.
    expect(impactCost(1e7, -1e7, 1e9, 0.04, 1)).toBeCloseTo(-impactCost(0, 1e7, 1e9, 0.04, 1), 6);
    expect(impactCost(0, 1e7, 0, 0.04, 1)).toBe(0);
  });

  it('prices each sale at the volatility of its time: a later trade at a higher volatility does not re-price the offset of earlier ones', () => {
    const state = new ImpactState({ y: 1, halfLifeMinutes: 30 });
    state.trade('BTC', 1e7, 1e9, 0.04);
    state.advance(30);
    const before = state.offsetOf('BTC'); // −0.004/√2: the size halved
    expect(before).toBeCloseTo(-0.004 / Math.SQRT2, 15);
    // One more dollar at four times the volatility moves the price by that dollar's share only.
    state.trade('BTC', 1, 1e9, 0.16);
    const k = 0.16 / Math.sqrt(1e9);
    expect((state.offsetOf('BTC') - before) / (-k * (Math.sqrt(5e6 + 1) - Math.sqrt(5e6)))).toBeCloseTo(1, 5);
    expect(state.sizeOf('BTC')).toBeCloseTo(5e6 + 1, 6);
  });

  it('charges a sale the offset integrated over it, whatever the volatility of earlier sales: the sum of many small sales', () => {
    const state = () => {
      const s = new ImpactState({ y: 1, halfLifeMinutes: 30 });
      s.trade('BTC', 2e7, 1e9, 0.04);
      s.advance(45);
      return s;
    };
    // Sold in 100,000 pieces, each filling at the offset before it: a Riemann sum of the same integral.
    const pieces = state();
    let summed = 0;
    const piece = 1e7 / 100_000;
    for (let i = 0; i < 100_000; i++) {
      const start = pieces.offsetOf('BTC');
      pieces.trade('BTC', piece, 1e9, 0.1);
      summed += -piece * (start + pieces.offsetOf('BTC')) / 2;
    }
    expect(state().costOf('BTC', 1e7, 1e9, 0.1)).toBeCloseTo(summed, 3);
    expect(pieces.offsetOf('BTC')).toBeLessThan(state().offsetOf('BTC'));
  });

  it('daily volatility from hourly closes: alternating ±1% hourly moves give about 1%·√24', () => {
    const closes = [100];
    for (let i = 0; i < 48; i++) closes.push(closes.at(-1)! * (i % 2 ? 1.01 : 1 / 1.01));
    expect(dailyVolatility(closes)).toBeCloseTo(Math.log(1.01) * Math.sqrt(24) * Math.sqrt(48 / 47), 9);
  });
});
