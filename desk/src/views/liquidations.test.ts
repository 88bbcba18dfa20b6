import { describe, expect, it } from 'vitest';
import { auctionPriceAt } from './liquidations.ts';

const auction = { startFactor: 0.995, endFactor: 0.95, durationMinutes: 15 };
const step = (action: 'buy' | 'sell') => ({
  stepId: 'step_1_0',
  positionId: 'p',
  action,
  quantity: 2,
  remaining: 2,
  referencePrice: 100,
  auctionStartedAt: '2026-11-26T12:00:00.000Z',
  auctionFactor: null,
  auctionPrice: null,
});
const minutes = (m: number) => Date.parse('2026-11-26T12:00:00.000Z') + m * 60_000;

describe("auctionPriceAt: a step's Dutch auction price as the clock runs", () => {
  it('falls linearly for a sale: 0.995 at the start, 0.995 − 0.045 × 6/15 = 0.977 at minute 6, 0.95 from minute 15 on', () => {
    expect(auctionPriceAt(step('sell'), auction, minutes(0))).toBeCloseTo(99.5, 12);
    expect(auctionPriceAt(step('sell'), auction, minutes(6))).toBeCloseTo(97.7, 12);
    expect(auctionPriceAt(step('sell'), auction, minutes(15))).toBeCloseTo(95, 12);
    expect(auctionPriceAt(step('sell'), auction, minutes(60))).toBeCloseTo(95, 12);
  });

  it('rises for a buy-back, at 2 − the sale factor: 102.3 at minute 6', () => {
    expect(auctionPriceAt(step('buy'), auction, minutes(6))).toBeCloseTo(102.3, 12);
  });

  it('holds the start price before the auction starts (a clock behind the server\'s)', () => {
    expect(auctionPriceAt(step('sell'), auction, minutes(-1))).toBeCloseTo(99.5, 12);
  });
});
