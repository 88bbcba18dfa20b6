import type { LiquidationPrices } from '../schemas/assessment.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { healthOf } from './account.ts';
import { assessRisk, type AssessOptions, type RiskContext } from './assess.ts';
import { accountAtPrice, liquidationPrices } from './liquidation-prices.ts';
import type { RiskProfile } from './profile-schema.ts';
import type { Tier } from './tiers.ts';

/** The ladder's price grid: `points` prices from price × (1 − range) to price × (1 + range), evenly spaced, the current price in the middle. */
export interface LadderGrid {
  /** An odd number, at least 3. */
  readonly points: number;
  /** The largest move either way, as a fraction of the price: 0 < range < 1. */
  readonly range: number;
}

/** The whole account with one underlying at `price`, everything else unchanged. */
export interface LadderPoint {
  readonly price: number;
  /** price / current price − 1. */
  readonly move: number;
  readonly equity: number;
  readonly maintenanceMargin: number;
  readonly marginRatio: number | null;
  readonly tier: Tier;
}

export interface UnderlyingLadder {
  /** The underlying's current price: the middle point's. */
  readonly price: number;
  /** The assessment's liquidation prices of this underlying. */
  readonly liquidationPrices: LiquidationPrices;
  /** Lowest price first. */
  readonly points: LadderPoint[];
}

/** The liquidation ladder: the account's margin ratio and tier as each underlying's price moves alone. */
export interface Ladder {
  /** The account's own tier and margin ratio, as assessed. */
  readonly tier: Tier;
  readonly marginRatio: number | null;
  /** The profile's margin ratio thresholds of the liquidation tiers. */
  readonly thresholds: RiskProfile['tiers'];
  readonly underlyings: Record<string, UnderlyingLadder>;
}

/** The grid's moves, lowest first: range × (k − half) / half for k = 0 … points − 1, exactly 0 in the middle. */
export function ladderMoves(grid: LadderGrid): number[] {
  const { points, range } = grid;
  if (!Number.isInteger(points) || points < 3 || points % 2 !== 1) throw new RangeError(`a ladder has an odd number of points, at least 3 (got ${points})`);
  if (!(range > 0 && range < 1)) throw new RangeError(`a ladder's range is a fraction of the price between 0 and 1 (got ${range})`);
  const half = (points - 1) / 2;
  return Array.from({ length: points }, (_, k) => (range * (k - half)) / half);
}

/**
 * The ladder of an assessed account (`context` as `assessRisk` gives it, `prices` its
 * liquidation prices): for each underlying, the account revalued with that underlying's
 * price moved along the grid, everything else unchanged — the convention of the liquidation
 * prices, through the same revaluation (`accountAtPrice`). Each point's ratio and tier are
 * the engine's own (`healthOf`: the requirement floor, the tier thresholds, accounts that
 * cannot owe); the middle point is the account's own figures, not a revaluation of them.
 */
export function ladderOf(context: Pick<RiskContext, 'book' | 'model' | 'state' | 'health'>, prices: Readonly<Record<string, LiquidationPrices>>, grid: LadderGrid): Ladder {
  const { book, model, state, health } = context;
  const moves = ladderMoves(grid);
  const underlyings: Record<string, UnderlyingLadder> = {};
  book.underlyings.forEach((u, k) => {
    const account = accountAtPrice(book, model, state, health, k);
    const points = moves.map((move): LadderPoint => {
      const factor = 1 + move;
      let h = health;
      if (move !== 0) {
        const s = account.requirementAt(factor);
        h = healthOf(book, s.equity, s.maintenance, s.initial, state, { underlying: k, factor });
      }
      return { price: account.spot * factor, move, equity: h.equity, maintenanceMargin: h.maintenanceMargin, marginRatio: h.marginRatio, tier: h.tier };
    });
    underlyings[u] = { price: account.spot, liquidationPrices: prices[u]!, points };
  });
  const { tier1, tier2, tier3 } = book.profile.tiers;
  return { tier: health.tier, marginRatio: health.marginRatio, thresholds: { tier1, tier2, tier3 }, underlyings };
}

/**
 * The ladder of a validated snapshot, assessed as `assess` assesses it (the same book,
 * margin model, profile and forecasts; no plan, which the ladder does not need).
 */
export function assessLadder(snapshot: Snapshot, options: Pick<AssessOptions, 'profile' | 'forecasts'>, grid: LadderGrid): Ladder {
  // The id names an assessment answer; the ladder is not one.
  const { context } = assessRisk(snapshot, { ...options, id: '' });
  return ladderOf(context, liquidationPrices(context.book, context.model, context.state, context.health), grid);
}
