import type { Book } from './book.ts';
import type { AccountState, MarginBreakdown, Reduction } from './margin/index.ts';
import type { RiskProfile } from './profile-schema.ts';

/**
 * What the planner closes first (docs/liquidation.md, "Priorities"). Every reduction gets a
 * weight on its notional in the planner's objective: under `least_notional` all weights are
 * 1 and the brief's factors only break ties; under `brief` they are the brief's weights, so
 * losing, high-delta and high-gamma positions and volatile collateral are cheaper to close.
 */

export type PriorityMode = RiskProfile['liquidation']['priority'];

export interface Weights {
  /** The weight each reduction got, as published. */
  readonly published: Float64Array;
  /** The weight the solver uses: the published one, plus the tie-break under `least_notional`. */
  readonly objective: Float64Array;
}

/** Tie-break scale: small enough to move the least notional by at most 2e-7 of itself. */
const TIE_BREAK = 1e-7;
/** A losing position's weight relative to a profitable one of the same risk. */
const LOSING = 0.5;
/** A stable coin sold for the quote asset: last among collateral. */
const STABLE = 2;

/**
 * The brief's weight of one reduction: 2 / (1 + intensity) for positions, intensity being
 * |delta| plus the gamma loss over a full grid move per unit of notional (1 for a linear
 * contract), halved when losing; 1 − haircut for volatile collateral; 2 for stable coins;
 * a volatile debt weighs like a linear position.
 */
export function briefWeight(book: Book, state: AccountState, r: Reduction): number {
  if (r.kind === 'collateral') {
    const c = book.collateral[r.index]!;
    if (c.underlyingIndex < 0) return STABLE;
    return r.sign > 0 ? 1 - c.haircut : 1;
  }
  const p = book.positions[r.index]!;
  const range = book.scenarioRanges[p.underlyingIndex]!;
  const move = Math.max(range.down, range.up);
  const intensity = Math.abs(p.unitGreeks.delta) + 0.5 * Math.abs(p.unitGreeks.gamma) * move * move * p.spot;
  const losing = p.entryPrice !== undefined && state.quantities[r.index]! * (p.mark - p.entryPrice) < 0;
  return ((losing ? LOSING : 1) * 2) / (1 + intensity);
}

/** The weights as published: 1 each under `least_notional` (no brief weights computed), the brief's otherwise. */
export function publishedWeights(book: Book, state: AccountState, reductions: readonly Reduction[], mode: PriorityMode): Float64Array {
  return mode === 'brief' ? liquidationWeights(book, state, reductions, mode).published : new Float64Array(reductions.length).fill(1);
}

export function liquidationWeights(book: Book, state: AccountState, reductions: readonly Reduction[], mode: PriorityMode): Weights {
  const n = reductions.length;
  const brief = new Float64Array(n);
  for (let j = 0; j < n; j++) brief[j] = briefWeight(book, state, reductions[j]!);
  if (mode === 'brief') return { published: brief, objective: brief };
  const objective = new Float64Array(n);
  for (let j = 0; j < n; j++) objective[j] = 1 + TIE_BREAK * brief[j]!;
  return { published: new Float64Array(n).fill(1), objective };
}

/** What the first units of each reduction do, from the margin attribution (no extra valuation). */
export interface FirstUnits {
  readonly book: Book;
  readonly state: AccountState;
  readonly margin: MarginBreakdown;
}

/** Requirement freed per unit by the first units closed: the reduction's attributed margin per unit (negative for a hedge). */
export function reliefPerUnit({ state, margin }: FirstUnits, r: Reduction): number {
  return r.kind === 'position'
    ? margin.positionMaintenance[r.index]! / Math.abs(state.quantities[r.index]!)
    : margin.collateralMaintenance[r.index]! / Math.abs(state.amounts[r.index]!);
}

/**
 * Deficit (T × requirement − equity) the first units of each reduction remove per weighted
 * dollar of notional: T × relief − penalty + haircut released, over weight × notional.
 * This orders the plan's steps and ranks the positions.
 */
export function reductionEfficiencies(context: FirstUnits, reductions: readonly Reduction[], weights: Float64Array, penaltyRate: number): Float64Array {
  const { book } = context;
  const target = book.profile.targetMarginRatio;
  const out = new Float64Array(reductions.length);
  for (let j = 0; j < out.length; j++) {
    const r = reductions[j]!;
    const position = r.kind === 'position' ? book.positions[r.index]! : undefined;
    const col = r.kind === 'collateral' ? book.collateral[r.index]! : undefined;
    const notional = position ? position.spot : col!.price;
    const penalty = penaltyRate * (position ? Math.abs(position.mark) : col!.price);
    const release = col && r.sign > 0 ? col.price * col.haircut : 0;
    out[j] = (target * reliefPerUnit(context, r) - penalty + release) / (weights[j]! * notional);
  }
  return out;
}

export interface PositionRanking {
  /** 1-based order in which the planner closes positions; null for a hedge it leaves open. */
  readonly priority: (number | null)[];
  readonly role: ('risk' | 'hedge')[];
}

/**
 * Ranks positions: those a plan closes first, in its step order; then the others by
 * efficiency. A position whose first units would raise the requirement and that no plan
 * closes is a hedge: not ranked.
 */
export function rankPositions(context: FirstUnits, reductions: readonly Reduction[], efficiency: Float64Array, planned: readonly number[] = []): PositionRanking {
  const n = context.book.positions.length;
  const priority = new Array<number | null>(n).fill(null);
  const role = new Array<'risk' | 'hedge'>(n).fill('risk');
  const inPlan = new Uint8Array(reductions.length);
  for (const j of planned) inPlan[j] = 1;
  const rest: number[] = [];
  for (let j = 0; j < reductions.length; j++) if (!inPlan[j] && reductions[j]!.kind === 'position') rest.push(j);
  rest.sort((a, b) => efficiency[b]! - efficiency[a]! || a - b);
  let rank = 0;
  for (const j of planned) if (reductions[j]!.kind === 'position') priority[reductions[j]!.index] = ++rank;
  for (const j of rest) {
    const r = reductions[j]!;
    if (reliefPerUnit(context, r) < 0) role[r.index] = 'hedge';
    else priority[r.index] = ++rank;
  }
  // Closed positions (quantity 0) are last, so every open one has a rank or a role.
  for (let i = 0; i < n; i++) if (priority[i] === null && role[i] === 'risk') priority[i] = ++rank;
  return { priority, role };
}
