import { describe, expect, it } from 'vitest';
import { longCall, shortStraddle } from '../../test/books.ts';
import { SnapshotSchema, type SnapshotInput } from '../schemas/snapshot.ts';
import { assessRisk } from './assess.ts';
import { liquidationPrices } from './liquidation-prices.ts';

const pricesOf = (input: SnapshotInput) => {
  const { context: c } = assessRisk(SnapshotSchema.parse(input), { id: 'asm_test' });
  return liquidationPrices(c.book, c.model, c.state, c.health);
};
const ratioAt = (input: SnapshotInput, underlying: string, price: number) =>
  assessRisk(SnapshotSchema.parse({ ...input, market: { ...input.market, [underlying]: { ...input.market[underlying]!, price } } }), { id: 'asm_test' }).assessment
    .marginRatio;

describe('liquidation prices', () => {
  it('a lone long perpetual: the closed form f = (q·entry − cash) / (q·S·(1 − threshold·0.16))', () => {
    // Long 10 ETH bought at 3,000, ETH at 3,000, 8,000 USD: equity(P) = 8,000 + 10(P − 3,000), MM(P) = 0.16 × 10P.
    const input: SnapshotInput = {
      accountId: 'a',
      asOf: '2026-11-23T12:00:00Z',
      collateral: [{ asset: 'USD', amount: 8_000 }],
      positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
      market: { ETH: { price: 3_000 } },
    };
    const eth = pricesOf(input)['ETH']!;
    expect(eth.down.tier1).toBeCloseTo((30_000 - 8_000) / (10 * (1 - 1.05 * 0.16)), 4);
    expect(eth.down.tier3).toBeCloseTo((30_000 - 8_000) / (10 * (1 - 0.16)), 4);
    expect(eth.up).toEqual({ tier1: null, tier3: null });
  });

  it('a short straddle: each price is where a fresh assessment at that price crosses the threshold', () => {
    const bare = shortStraddle('b');
    // Cash for a margin ratio of 2.
    const start = assessRisk(SnapshotSchema.parse(bare), { id: 'asm_test' }).assessment;
    const input = { ...bare, collateral: [{ asset: 'USD', amount: 30_000 + 2 * start.maintenanceMargin - start.equity }] };
    const btc = pricesOf(input)['BTC']!;
    for (const [price, threshold, outward] of [
      [btc.down.tier1, 1.05, -1],
      [btc.down.tier3, 1.0, -1],
      [btc.up.tier1, 1.05, 1],
      [btc.up.tier3, 1.0, 1],
    ] as const) {
      expect(price).not.toBeNull();
      // Just inside the price the account is above the threshold; just outside, below it.
      expect(ratioAt(input, 'BTC', price! * (1 - outward * 1e-6))!).toBeGreaterThan(threshold);
      expect(ratioAt(input, 'BTC', price! * (1 + outward * 1e-6))!).toBeLessThan(threshold);
    }
  });

  it('an account that cannot owe (long options, no debt) has no liquidation price', () => {
    const btc = pricesOf(longCall('c'))['BTC']!;
    expect(btc).toEqual({ price: 100_000, down: { tier1: null, tier3: null }, up: { tier1: null, tier3: null } });
  });
});
