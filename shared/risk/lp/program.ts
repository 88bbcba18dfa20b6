/**
 * A linear (or mixed-integer) program in the form solvers take:
 *   minimise colCost·x  subject to  rowLower ≤ A·x ≤ rowUpper,  colLower ≤ x ≤ colUpper,
 * with A in compressed sparse rows. Plain data, so the risk core builds programs without
 * knowing which solver runs them.
 */
export interface LinearProgram {
  readonly numCols: number;
  readonly numRows: number;
  readonly colCost: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  /** Row i's entries are at starts[i] … starts[i + 1] − 1 of `indices` (columns) and `values`. */
  readonly starts: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
  /** Columns that must take whole values (lots); absent for a pure LP. */
  readonly integer?: Uint8Array;
}

export type LinearSolution =
  | { readonly status: 'optimal'; readonly x: Float64Array; readonly objective: number }
  | { readonly status: 'infeasible' }
  /** The solver could not classify the program (numerically degenerate input). */
  | { readonly status: 'failed'; readonly detail: string };

/** Solves programs synchronously once loaded (HiGHS: `lp/highs.ts`). */
export interface LinearSolver {
  solve(program: LinearProgram): LinearSolution;
}

/** Solver bound for an absent row or column limit. */
export const UNBOUNDED = Number.POSITIVE_INFINITY;
