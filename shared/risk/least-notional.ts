import type { LinearMargin } from './margin/index.ts';
import { UNBOUNDED, type LinearProgram, type LinearSolver } from './lp/program.ts';

/**
 * The least (weighted) notional liquidation as a linear program (docs/liquidation.md,
 * "The formulation"). Variables: the share y_j of each reduction's allowed amount that is
 * closed (or its number of lots), one L_g per convex group of the margin (the worst
 * scenario loss of an underlying, or a bracketed requirement), and a shortfall s:
 *
 *   minimise   Σ_j w_j·notional_j·x_j
 *   subject to L_g ≥ row_gr(x)                      for every row r of group g, L_g ≥ 0
 *              Σ_j (cost_j + T·linear_j)·x_j + T·Σ_g L_g − s ≤ E − T·constant
 *              lower_j ≤ x_j ≤ upper_j  (whole lots where the position has one)
 *
 * with cost_j the equity a unit closed loses (penalty less the haircut a sale releases).
 * With s fixed at 0 the optimum is the least notional reaching the target ratio T. When
 * no plan reaches it, s is minimised first (the least top-up still needed), then the
 * notional at that shortfall. The penalty cap makes equity concave in x
 * (E − min(penalties, budget)), so it is two convex regions, solved apart: penalties
 * charged in full up to the budget, or the budget spent and closing free beyond it.
 */
export interface SliceProblem {
  readonly margin: LinearMargin;
  /** Per reduction: units that must be closed (full liquidation) and that may be. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Lot size per reduction; 0 without one. */
  readonly lots: Float64Array;
  /** Objective weight per unit closed: weight × notional per unit. */
  readonly unitCost: Float64Array;
  /** Penalty per unit closed before any cap, and haircut released per unit sold. */
  readonly unitPenalty: Float64Array;
  readonly unitRelease: Float64Array;
  readonly equity: number;
  readonly target: number;
  /** Most the penalties may take in total; Infinity when uncapped, 0 when none is charged. */
  readonly penaltyBudget: number;
  /** The requirement after may not exceed this (full liquidation never adds risk); Infinity when free. */
  readonly maintenanceCeiling: number;
}

export interface SliceSolution {
  readonly amounts: Float64Array;
  /** Whether the program reached the target (s = 0); otherwise the least shortfall was taken. */
  readonly reached: boolean;
}

/** Program entries (rows scaled to O(1)) below this are dropped. */
const NEGLIGIBLE = 1e-14;
/** Shortfall slack allowed over the least one when minimising notional at it. */
const SHORTFALL_SLACK = 1e-13;

export function leastSlice(problem: SliceProblem, solver: LinearSolver, integral = true): SliceSolution {
  const programs = regionsOf(problem).map((region) => buildProgram(problem, region, integral));
  let best: { objective: number; x: Float64Array } | undefined;
  for (const program of programs) {
    const solution = solver.solve(withShortfall(program, 0, 0));
    if (solution.status === 'optimal' && (!best || solution.objective < best.objective)) best = solution;
  }
  if (best) return { amounts: amountsOf(problem, best.x, integral), reached: true };

  // Out of reach: the least shortfall over both regions, then the least notional at it.
  let closest: { shortfall: number; program: LinearProgram; x: Float64Array } | undefined;
  for (const program of programs) {
    const solution = solver.solve(shortfallOnly(program));
    if (solution.status !== 'optimal') continue;
    const shortfall = solution.x[program.numCols - 1]!;
    if (!closest || shortfall < closest.shortfall) closest = { shortfall, program, x: solution.x };
  }
  if (!closest) {
    // Only a requirement ceiling can make the bounds infeasible, and only degenerate numbers
    // (a balance of 5e-323) leave a program unclassified: plan without the ceiling, or close only what must go.
    if (Number.isFinite(problem.maintenanceCeiling)) return leastSlice({ ...problem, maintenanceCeiling: Number.POSITIVE_INFINITY }, solver, integral);
    return { amounts: problem.lower.slice(), reached: false };
  }
  const slack = closest.shortfall * (1 + SHORTFALL_SLACK) + SHORTFALL_SLACK;
  const least = solver.solve(withShortfall(closest.program, 0, slack));
  // Within the solver's tolerance the second solve may call the bound infeasible: keep the closest plan.
  const x = least.status === 'optimal' ? least.x : closest.x;
  return { amounts: amountsOf(problem, x, integral), reached: false };
}

type Region = 'uncapped' | 'withinBudget' | 'budgetSpent' | 'free';

/** The convex pieces of the penalty cap that a plan can fall in. */
function regionsOf(p: SliceProblem): Region[] {
  if (!(p.penaltyBudget > 0)) return ['free'];
  let most = 0;
  for (let j = 0; j < p.upper.length; j++) most += p.unitPenalty[j]! * p.upper[j]!;
  return most <= p.penaltyBudget ? ['uncapped'] : ['withinBudget', 'budgetSpent'];
}

/** Units one variable stands for: its whole allowed amount (a share in [0, 1]), or one lot. */
function unitsOf(p: SliceProblem, j: number, integral: boolean): number {
  return integral && p.lots[j]! > 0 ? p.lots[j]! : p.upper[j]!;
}

function amountsOf(p: SliceProblem, x: Float64Array, integral: boolean): Float64Array {
  const amounts = new Float64Array(p.upper.length);
  for (let j = 0; j < amounts.length; j++) {
    const lot = integral && p.lots[j]! > 0;
    // Whole lots are whole; a share is clamped to its bounds (solvers may step a hair outside).
    const v = lot ? Math.round(x[j]!) * p.lots[j]! : x[j]! * p.upper[j]!;
    amounts[j] = Math.min(p.upper[j]!, Math.max(p.lower[j]!, v));
  }
  return amounts;
}

/** The same program with s bounded to [lo, hi] and the notional objective. */
function withShortfall(p: LinearProgram, lo: number, hi: number): LinearProgram {
  const s = p.numCols - 1;
  const colLower = p.colLower.slice();
  const colUpper = p.colUpper.slice();
  colLower[s] = lo;
  colUpper[s] = hi;
  return { ...p, colLower, colUpper };
}

/** The same program minimising s alone. */
function shortfallOnly(p: LinearProgram): LinearProgram {
  const colCost = new Float64Array(p.numCols);
  colCost[p.numCols - 1] = 1;
  return { ...p, colCost };
}

function buildProgram(p: SliceProblem, region: Region, integral: boolean): LinearProgram {
  const { margin, target } = p;
  const n = p.upper.length;
  const nGroups = margin.groups.length;
  const numCols = n + nGroups + 1;
  const sCol = numCols - 1;
  const units = Float64Array.from({ length: n }, (_, j) => unitsOf(p, j, integral));
  const charged = region === 'uncapped' || region === 'withinBudget';

  // Rows and objective scaled to O(1), so the solver's tolerances are relative ones.
  let start = margin.constant;
  for (const g of margin.groups) start += Math.max(0, ...g.rowConstants);
  let costScale = 0;
  for (let j = 0; j < n; j++) costScale += p.unitCost[j]! * units[j]!;
  costScale ||= 1;
  // A floor of 1e-9 of the notional in play: a hedged book's net requirement can be far below its legs'.
  const scale = Math.max(Math.abs(p.equity), target * start, 1e-9 * costScale, 1e-300);

  const colCost = new Float64Array(numCols);
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols).fill(UNBOUNDED);
  const integer = integral && p.lots.some((l) => l > 0) ? new Uint8Array(numCols) : undefined;
  for (let j = 0; j < n; j++) {
    const cost = (p.unitCost[j]! * units[j]!) / costScale;
    colCost[j] = cost < NEGLIGIBLE ? 0 : cost;
    const lot = integral && p.lots[j]! > 0;
    colUpper[j] = lot ? Math.floor(p.upper[j]! / p.lots[j]! + 1e-9) : 1;
    colLower[j] = lot ? Math.min(colUpper[j]!, Math.ceil(p.lower[j]! / p.lots[j]! - 1e-9)) : p.upper[j]! > 0 ? p.lower[j]! / p.upper[j]! : 0;
    if (lot) integer![j] = 1;
  }

  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  // Rows are O(1): an entry below this moves nothing a solver can resolve, and denormal
  // entries (a balance of 1e-120 BTC) only break its numerics.
  const put = (col: number, v: number) => {
    if (Math.abs(v) < NEGLIGIBLE) return;
    indices.push(col);
    values.push(v);
  };
  const endRow = (lo: number, hi: number) => {
    rowLower.push(lo);
    rowUpper.push(hi);
    starts.push(indices.length);
  };

  margin.groups.forEach((g, k) => {
    const m = g.members.length;
    for (let r = 0; r < g.rowConstants.length; r++) {
      put(n + k, 1);
      for (let i = 0; i < m; i++) put(g.members[i]!, (-g.coefficients[r * m + i]! * units[g.members[i]!]!) / scale);
      // Scaled L_g: the column stands for L_g / scale.
      endRow(g.rowConstants[r]! / scale, UNBOUNDED);
    }
  });

  // The target: equity after ≥ T × requirement after, less the shortfall s.
  for (let j = 0; j < n; j++) {
    const cost = (charged ? p.unitPenalty[j]! : 0) - p.unitRelease[j]!;
    put(j, ((cost + target * margin.linear[j]!) * units[j]!) / scale);
  }
  for (let k = 0; k < nGroups; k++) put(n + k, target);
  put(sCol, -1);
  const equity = region === 'budgetSpent' ? p.equity - p.penaltyBudget : p.equity;
  endRow(-UNBOUNDED, (equity - target * margin.constant) / scale);

  if (region === 'withinBudget' || region === 'budgetSpent') {
    for (let j = 0; j < n; j++) put(j, (p.unitPenalty[j]! * units[j]!) / scale);
    const budget = p.penaltyBudget / scale;
    if (region === 'withinBudget') endRow(-UNBOUNDED, budget);
    else endRow(budget, UNBOUNDED);
  }

  if (Number.isFinite(p.maintenanceCeiling)) {
    for (let j = 0; j < n; j++) put(j, (margin.linear[j]! * units[j]!) / scale);
    for (let k = 0; k < nGroups; k++) put(n + k, 1);
    endRow(-UNBOUNDED, (p.maintenanceCeiling - margin.constant) / scale);
  }

  return {
    numCols,
    numRows: rowLower.length,
    colCost,
    colLower,
    colUpper,
    rowLower: Float64Array.from(rowLower),
    rowUpper: Float64Array.from(rowUpper),
    starts: Int32Array.from(starts),
    indices: Int32Array.from(indices),
    values: Float64Array.from(values),
    ...(integer ? { integer } : {}),
  };
}
