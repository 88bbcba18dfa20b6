import type { Book } from './book.ts';

/** Weight of a losing position relative to a winning one of the same risk. */
const LOSING_WEIGHT = 2;

/**
 * How risky a position is to keep, in quote currency: its delta exposure plus the
 * gamma loss over a full grid move, doubled when the position is losing
 * (DESIGN §5: high |delta| and gamma first, losers before winners).
 */
export function riskScore(book: Book, i: number, quantity: number): number {
  const p = book.positions[i]!;
  const move = book.profile.portfolio.priceRange * p.spot;
  const exposure = Math.abs(quantity) * (Math.abs(p.unitGreeks.delta) * p.spot + 0.5 * Math.abs(p.unitGreeks.gamma) * move * move);
  const losing = p.entryPrice !== undefined && quantity * (p.mark - p.entryPrice) < 0;
  return losing ? LOSING_WEIGHT * exposure : exposure;
}

/** 1-based rank per position: 1 is the riskiest; ties keep snapshot order. */
export function liquidationPriorities(book: Book, quantities: Float64Array): Int32Array {
  const n = book.positions.length;
  const scores = new Float64Array(n);
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    scores[i] = riskScore(book, i, quantities[i]!);
    order[i] = i;
  }
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const ranks = new Int32Array(n);
  for (let rank = 0; rank < n; rank++) ranks[order[rank]!] = rank + 1;
  return ranks;
}
