import { auctionFactorAt } from '../risk/penalty.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import { PROFILES } from '../risk/built-in-profiles.ts';
import type { AuctionSchedule } from '../schemas/liquidations.ts';

/**
 * The Dutch auction each liquidation step runs (docs/liquidations.md). The sale price
 * factor falls linearly from `startFactor` to `endFactor` over `durationMinutes` and stays
 * there; a buy-back's factor mirrors it, rising from 2 − start to 2 − end. So the longer
 * nobody fills, the more the trader gives up, and the liquidator's edge grows.
 */

/** The profile's auction, or the built-in `auction` profile's when the profile charges a fee. */
export function auctionOf(profile: RiskProfile): AuctionSchedule {
  const penalty = profile.liquidation.penalty.kind === 'dutchAuction' ? profile.liquidation.penalty : PROFILES['auction']!.liquidation.penalty;
  if (penalty.kind !== 'dutchAuction') throw new Error('the built-in auction profile has no auction');
  return { startFactor: penalty.startFactor, endFactor: penalty.endFactor, durationMinutes: penalty.durationMinutes };
}

/** Sale price factor `elapsedMs` after the auction started. */
export function saleFactorAt(a: AuctionSchedule, elapsedMs: number): number {
  return auctionFactorAt(a, Math.max(elapsedMs, 0) / 60_000);
}

/** The account's side of a step: it sells (a liquidator buys) or buys back (a liquidator sells). */
export type Side = 'sell' | 'buy';

/** Price factor for the account's side: the sale factor, or its mirror for a buy-back. */
export function factorAt(a: AuctionSchedule, side: Side, elapsedMs: number): number {
  const sale = saleFactorAt(a, elapsedMs);
  return side === 'sell' ? sale : 2 - sale;
}

/** Whether `price` is at least as good for the account as the auction's: no lower for a sale, no higher for a buy-back. */
export function acceptablePrice(side: Side, price: number, auctionPrice: number): boolean {
  return side === 'sell' ? price >= auctionPrice : price <= auctionPrice;
}

/** Whether the auction has reached its end factor (nobody filled in time: the liquidation escalates). */
export function auctionOver(a: AuctionSchedule, elapsedMs: number): boolean {
  return elapsedMs >= a.durationMinutes * 60_000;
}
