import type { Penalty } from './profile.ts';
import type { LiquidationPlan } from '../schemas/assessment.ts';

/** Price factor a Dutch auction is expected to fill at (linear decay from start to end). */
export function expectedAuctionFactor(p: Extract<Penalty, { kind: 'dutchAuction' }>): number {
  const t = Math.min(p.expectedFillMinutes / p.durationMinutes, 1);
  return p.startFactor + (p.endFactor - p.startFactor) * t;
}

/** Share of the closed value lost to the penalty: the fee rate, or the expected auction discount. */
export function penaltyRate(p: Penalty): number {
  return p.kind === 'fee' ? p.rate : 1 - expectedAuctionFactor(p);
}

/** The execution schedule published with a plan. */
export function executionOf(p: Penalty): LiquidationPlan['execution'] {
  if (p.kind === 'fee') return { kind: 'fee', rate: p.rate };
  const minutes = Math.ceil(p.durationMinutes);
  const schedule = Array.from({ length: minutes + 1 }, (_, k) => {
    const minute = Math.min(k, p.durationMinutes);
    return { minute, priceFactor: p.startFactor + ((p.endFactor - p.startFactor) * minute) / p.durationMinutes };
  });
  return { kind: 'dutchAuction', schedule, expectedPriceFactor: expectedAuctionFactor(p) };
}
