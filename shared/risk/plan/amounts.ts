import type { AccountHealth } from '../account.ts';
import type { Book } from '../book.ts';
import { leastSlice, type SliceProblem } from '../least-notional.ts';
import type { LinearSolver } from '../lp/program.ts';
import type { AccountState, Reduction } from '../margin/index.ts';
import type { PenaltyTerms } from '../penalty.ts';
import type { PlanContext } from './context.ts';
import { afterOf, sizeOf, unitNotionalOf } from './reductions.ts';

/**
 * The amounts a plan closes: the program solved, its answer cleaned (lots, dust, printable
 * quantities) and solved again where the cleaning or the solver's tolerance costs the target.
 */

/** Significant digits a quantity without a lot is rounded up to (docs/liquidation.md). */
const QUANTITY_DIGITS = 10;
/** A step whose ratio lands this close under the target counts as reaching it (solver and rounding residue). */
const REACHED = 1e-9;

/** Cleaned amounts and the account they leave. */
interface Candidate {
  readonly amounts: Float64Array;
  readonly after: AccountHealth;
  /** Positions the dust rule closed beyond what the program chose. */
  readonly dusty: readonly number[];
  /** Whether the program reached the target (before cleaning and re-assessment). */
  readonly solvedReached: boolean;
}

/** Largest relative miss of the target that is put down to the solver's tolerance and solved again. */
const TOLERANCE_MISS = 1e-5;

/**
 * A plan the program says reaches the target can land a hair under it on the fresh
 * assessment (a mixed-integer solve's feasibility tolerance, rounding at a kink): it is
 * solved once more for the target raised by twice the miss.
 */
export function withinTolerance(context: PlanContext, reductions: readonly Reduction[], problem: SliceProblem, penalty: PenaltyTerms, solver: LinearSolver): Candidate {
  const first = withoutDust(context, reductions, problem, penalty, solver);
  const ratio = first.after.marginRatio;
  if (!first.solvedReached || reaches(context.book, first.after) || ratio === null) return first;
  const miss = 1 - ratio / problem.target;
  if (!(miss > 0 && miss < TOLERANCE_MISS)) return first;
  const again = withoutDust(context, reductions, { ...problem, target: problem.target * (1 + 2 * miss + REACHED) }, penalty, solver);
  return reaches(context.book, again.after) ? again : first;
}

/**
 * The dust rule (a position left under `minRemainingNotional` is closed entirely) is not
 * convex, so it is applied after the program. When closing such a remainder costs the
 * target (it was a hedge), the program is solved twice more, with those positions kept out
 * of the dust zone and with them closed entirely, and the better plan is kept.
 */
function withoutDust(context: PlanContext, reductions: readonly Reduction[], problem: SliceProblem, penalty: PenaltyTerms, solver: LinearSolver): Candidate {
  const { book, state, model } = context;
  const attempt = (p: SliceProblem): Candidate => {
    const solved = leastSlice(p, solver);
    const { amounts, dusty } = cleanAmounts(book, state, reductions, p, solved.amounts);
    return { amounts, dusty, solvedReached: solved.reached, after: afterOf(context, reductions, amounts, penalty).after };
  };
  const first = attempt(problem);
  if (first.dusty.length === 0 || reaches(book, first.after)) return first;
  const dust = book.profile.liquidation.minRemainingNotional;
  const kept = problem.upper.slice();
  const closed = { lower: problem.lower.slice(), upper: problem.upper.slice() };
  for (const j of first.dusty) {
    const size = sizeOf(state, reductions[j]!);
    kept[j] = Math.max(problem.lower[j]!, Math.min(kept[j]!, size - (dust * (1 + 1e-9)) / unitNotionalOf(book, reductions[j]!)));
    closed.lower[j] = closed.upper[j] = size;
  }
  const variants = [
    attempt({ ...problem, upper: kept, margin: model.linearize(state, reductions, kept) }),
    attempt({ ...problem, ...closed, margin: model.linearize(state, reductions, closed.upper) }),
  ];
  return [first, ...variants].reduce((best, c) => (better(book, problem, c, best) ? c : best));
}

export function reaches(book: Book, after: AccountHealth): boolean {
  return atTarget(after, book.profile.targetMarginRatio);
}

/** Whether an account is at `target` (within REACHED), or carries no requirement with positive equity. */
export function atTarget(account: { readonly marginRatio: number | null; readonly equity: number }, target: number): boolean {
  return account.marginRatio === null ? account.equity > 0 : account.marginRatio >= target * (1 - REACHED);
}

/** Reaching the target first; then the least weighted notional, or the least shortfall. */
function better(book: Book, p: SliceProblem, a: Candidate, b: Candidate): boolean {
  const [ra, rb] = [reaches(book, a.after), reaches(book, b.after)];
  if (ra !== rb) return ra;
  if (ra) return weighted(p, a.amounts) < weighted(p, b.amounts);
  const shortfall = (c: Candidate) => book.profile.targetMarginRatio * c.after.maintenanceMargin - c.after.equity;
  return shortfall(a) < shortfall(b);
}

function weighted(p: SliceProblem, amounts: Float64Array): number {
  return amounts.reduce((sum, x, j) => sum + x * p.unitCost[j]!, 0);
}

/**
 * Printable amounts that keep `after` exact: lots stay whole, a position left below the
 * dust threshold is closed entirely, and any other amount is rounded up to
 * QUANTITY_DIGITS significant digits within its bound (so 3.9999999999999973 is 4).
 */
function cleanAmounts(book: Book, state: AccountState, reductions: readonly Reduction[], p: SliceProblem, raw: Float64Array) {
  const dust = book.profile.liquidation.minRemainingNotional;
  const dusty: number[] = [];
  const amounts = raw.map((x, j) => {
    const r = reductions[j]!;
    const size = sizeOf(state, r);
    // Solver residue: a share below 1e-9 of the bound is nothing.
    if (x <= 1e-9 * p.upper[j]!) return p.lower[j]!;
    let amount = p.lots[j]! > 0 ? x : Math.min(p.upper[j]!, roundUp(x));
    // Within the solver's tolerance of the bound is the bound.
    if (amount >= p.upper[j]! * (1 - 1e-9)) amount = p.upper[j]!;
    if (r.kind === 'position' && amount < size && (size - amount) * unitNotionalOf(book, r) < dust) {
      dusty.push(j);
      amount = size;
    }
    return amount;
  });
  return { amounts, dusty };
}

function roundUp(x: number): number {
  const rounded = Number(x.toPrecision(QUANTITY_DIGITS));
  const step = 10 ** (Math.floor(Math.log10(x)) - QUANTITY_DIGITS + 1);
  // Float noise just above a clean number (0.1000000000000001) is that number; a subnormal has no finer step.
  if (rounded >= x || !(step > 0) || x - rounded <= 1e-6 * step) return rounded;
  return Number((rounded + step).toPrecision(QUANTITY_DIGITS));
}
