import type { AccountHealth } from '../account.ts';
import type { Book } from '../book.ts';
import type { SliceProblem } from '../least-notional.ts';
import type { LinearSolver } from '../lp/program.ts';
import type { AccountState, MarginBreakdown, MarginModel, Reduction } from '../margin/index.ts';
import type { PenaltyTerms } from '../penalty.ts';
import type { Weights } from '../priority.ts';

/** A plan's input: the account as assessed. */
export interface PlanContext {
  readonly book: Book;
  readonly model: MarginModel;
  readonly state: AccountState;
  readonly health: AccountHealth;
  readonly margin: MarginBreakdown;
  /** What can be closed and what its first units do (`firstUnitsOf`), as the assessment ranked them. */
  readonly firstUnits: FirstUnitsRanked;
}

/** The reductions of an account, their published weights, and what their first units remove per weighted dollar. */
export interface FirstUnitsRanked {
  readonly reductions: readonly Reduction[];
  readonly weights: Float64Array;
  readonly efficiency: Float64Array;
}

/** The amounts the program chose (cleaned), and what they were solved from: what the plan is ordered and explained with. */
export interface Solved {
  readonly reductions: readonly Reduction[];
  readonly amounts: Float64Array;
  readonly cap: number | 'full';
  readonly penalty: PenaltyTerms;
  readonly efficiency: Float64Array;
  readonly weights: Weights;
  readonly problem: SliceProblem;
  readonly solver: LinearSolver;
}
