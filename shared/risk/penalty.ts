import type { LiquidationPlan } from '../schemas/assessment.ts';
import type { Penalty } from './profile-schema.ts';

type Auction = Extract<Penalty, { kind: 'dutchAuction' }>;

/** Minutes into the auction a fill is expected: the profile's, or half the duration. */
export function expectedFillMinutes(p: Auction): number {
  return Math.min(p.expectedFillMinutes ?? p.durationMinutes / 2, p.durationMinutes);
}

/** Sale price factor at `minute` (linear decay from start to end, then flat); a buy-back pays 2 − this (rising). */
export function auctionFactorAt(p: Pick<Auction, 'startFactor' | 'endFactor' | 'durationMinutes'>, minute: number): number {
  return p.startFactor + ((p.endFactor - p.startFactor) * Math.min(minute, p.durationMinutes)) / p.durationMinutes;
}

/** How a plan is charged: a share of the closed value, and the most all penalties may take. */
export interface PenaltyTerms {
  /** Share of the closed value lost: the fee rate, or the auction's expected discount. */
  readonly rate: number;
  /** Most the penalties may take in total (quote currency); Infinity when uncapped. */
  readonly budget: number;
}

/**
 * A fee is the exchange's and capped at a share of the equity before liquidation, so a fee
 * alone never makes a solvent account insolvent (an insolvent one pays none). An auction's
 * discount is the price liquidators pay, a market cost no one can waive: never capped.
 */
export function penaltyTerms(p: Penalty, equity: number, maxShareOfEquity: number): PenaltyTerms {
  const budget = p.kind === 'fee' ? Math.max(0, equity) * maxShareOfEquity : Number.POSITIVE_INFINITY;
  return { rate: penaltyRate(p), budget };
}

/** Share of the closed value lost: the fee rate, or the discount at the expected fill. */
export function penaltyRate(p: Penalty): number {
  return p.kind === 'fee' ? p.rate : 1 - auctionFactorAt(p, expectedFillMinutes(p));
}

/** The execution schedule published with a plan: sales fall from the start factor, buy-backs rise mirror-wise. */
export function executionOf(p: Penalty): LiquidationPlan['execution'] {
  if (p.kind === 'fee') return { kind: 'fee', rate: p.rate };
  const minutes = Math.ceil(p.durationMinutes);
  const schedule = Array.from({ length: minutes + 1 }, (_, k) => {
    const minute = Math.min(k, p.durationMinutes);
    const factor = auctionFactorAt(p, minute);
    return { minute, priceFactor: factor, buyPriceFactor: 2 - factor };
  });
  const expected = auctionFactorAt(p, expectedFillMinutes(p));
  return { kind: 'dutchAuction', schedule, expectedFillMinutes: expectedFillMinutes(p), expectedPriceFactor: expected, expectedBuyPriceFactor: 2 - expected };
}
