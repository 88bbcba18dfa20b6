import { describe, expect, it } from 'vitest';
import type { LiquidationPrices } from '../schemas/assessment.ts';
import { nextTierPrice } from './next-tier-price.ts';

/** Liquidation prices as an assessment gives them, by hand. */
const prices: Record<string, LiquidationPrices> = {
  // tier1 8% down, 25% up; tier3 12% down, 40% up.
  BTC: { price: 100_000, down: { tier1: 92_000, tier3: 88_000 }, up: { tier1: 125_000, tier3: 140_000 } },
  // tier1 10% down, 6% up; tier3 only up, 9%.
  ETH: { price: 3_000, down: { tier1: 2_700, tier3: null }, up: { tier1: 3_180, tier3: 3_270 } },
  // Never reached within the search.
  SOL: { price: 150, down: { tier1: null, tier3: null }, up: { tier1: null, tier3: null } },
};

describe('nextTierPrice', () => {
  it('healthy or warning: the nearest tier1 price over every underlying and both directions', () => {
    for (const tier of ['healthy', 'warning'] as const) {
      const next = nextTierPrice(tier, prices);
      expect(next).toMatchObject({ underlying: 'ETH', tier: 'tier1', price: 3_180 });
      expect(next!.move).toBeCloseTo(0.06, 12);
    }
  });

  it('tier1 or tier2: the nearest tier3 price, a fall as a negative move', () => {
    const onlyDown = { BTC: prices['BTC']!, SOL: prices['SOL']! };
    for (const tier of ['tier1', 'tier2'] as const) {
      expect(nextTierPrice(tier, prices)).toMatchObject({ underlying: 'ETH', tier: 'tier3', price: 3_270 });
      const next = nextTierPrice(tier, onlyDown);
      expect(next).toMatchObject({ underlying: 'BTC', tier: 'tier3', price: 88_000 });
      expect(next!.move).toBeCloseTo(-0.12, 12);
    }
  });

  it('null in tier3 and insolvent, and when no underlying reaches the level within the search', () => {
    expect(nextTierPrice('tier3', prices)).toBeNull();
    expect(nextTierPrice('insolvent', prices)).toBeNull();
    expect(nextTierPrice('healthy', { SOL: prices['SOL']! })).toBeNull();
    expect(nextTierPrice('tier1', { SOL: prices['SOL']! })).toBeNull();
    expect(nextTierPrice('warning', {})).toBeNull();
  });

  it('compares moves, not prices: a 5% fall of one underlying beats a 6% rise of another', () => {
    const next = nextTierPrice('healthy', { ETH: prices['ETH']!, BTC: { ...prices['BTC']!, down: { tier1: 95_000, tier3: 88_000 } } });
    expect(next).toMatchObject({ underlying: 'BTC', tier: 'tier1', price: 95_000 });
    expect(next!.move).toBeCloseTo(-0.05, 12);
  });

  it('on a tie, the first found: underlyings in order, down before up', () => {
    const even = { X: { price: 100, down: { tier1: 90, tier3: null }, up: { tier1: 110, tier3: null } }, Y: { price: 10, down: { tier1: 9, tier3: null }, up: { tier1: null, tier3: null } } };
    expect(nextTierPrice('healthy', even)).toMatchObject({ underlying: 'X', price: 90 });
  });
});
