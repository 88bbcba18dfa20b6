import type { LiquidationPlan } from '../schemas/assessment.ts';
import type { LinearSolver } from './lp/program.ts';
import { executionOf, penaltyRate, penaltyTerms } from './penalty.ts';
import { liquidationWeights, publishedWeights, reductionEfficiencies } from './priority.ts';
import { reaches, withinTolerance } from './plan/amounts.ts';
import type { FirstUnitsRanked, PlanContext, Solved } from './plan/context.ts';
import { executionOrder } from './plan/order.ts';
import { bestUnused, describeStep, shortfallOf, type Step } from './plan/reasons.ts';
import { afterOf, reductionsOf, sizeOf, unitNotionalOf } from './plan/reductions.ts';
import { capFor, sliceProblem } from './plan/slice-problem.ts';

/**
 * The liquidation planner (docs/liquidation.md): the least priority-weighted notional that
 * brings marginRatio back to the target within the tier's caps, solved exactly as a linear
 * program (least-notional.ts), then cleaned (lots, dust, printable quantities), ordered,
 * explained and re-assessed from scratch. Its parts, in plan/: what may be closed and the
 * account after (reductions.ts), the program's input (slice-problem.ts), the amounts solved
 * and cleaned (amounts.ts), the execution order (order.ts), and the steps' reasons and the
 * shortfall (reasons.ts).
 */

export type { FirstUnitsRanked, PlanContext } from './plan/context.ts';
export { atTarget } from './plan/amounts.ts';

/** Reductions and what their first units do: computed once per assessment, used to rank positions and to order a plan. */
export function firstUnitsOf(context: Omit<PlanContext, 'firstUnits'>): FirstUnitsRanked {
  const { book, state } = context;
  const reductions = reductionsOf(book, state);
  const weights = publishedWeights(book, state, reductions, book.profile.liquidation.priority);
  return { reductions, weights, efficiency: reductionEfficiencies(context, reductions, weights, penaltyRate(book.profile.liquidation.penalty)) };
}

export function planLiquidation(context: PlanContext, solver: LinearSolver): LiquidationPlan | null {
  const { book, state, health } = context;
  const cap = capFor(book, health.tier);
  if (cap === null) return null;
  const { reductions, efficiency } = context.firstUnits;
  const penalty = penaltyTerms(book.profile.liquidation.penalty, health.equity, book.profile.liquidation.maxPenaltyShareOfEquity);
  const weights = liquidationWeights(book, state, reductions, book.profile.liquidation.priority);
  const problem = sliceProblem(context, reductions, cap, penalty, weights);
  const { amounts } = withinTolerance(context, reductions, problem, penalty, solver);
  return finish(context, { reductions, amounts, cap, penalty, efficiency, weights, problem, solver });
}

/** Applies the amounts, re-assesses from scratch, orders and explains the steps. */
function finish(context: PlanContext, s: Solved): LiquidationPlan {
  const { book, state } = context;
  const target = book.profile.targetMarginRatio;
  const { order, relief } = executionOrder(context, s);
  const { after, penalties } = afterOf(context, s.reductions, s.amounts, s.penalty);
  const steps: Step[] = order.map((j) => ({ j, amount: s.amounts[j]!, penalty: penalties[j]!, relief: relief[j]! }));
  const reached = reaches(book, after);

  const notionalOf = (j: number, amount: number) => amount * unitNotionalOf(book, s.reductions[j]!);
  const full = s.reductions.filter((r) => r.kind === 'position').reduce((sum, r) => sum + sizeOf(state, r) * unitNotionalOf(book, r), 0);
  const runnerUp = bestUnused(s, new Set(order));
  return {
    targetMarginRatio: target,
    targetReached: reached,
    shortfall: reached ? null : shortfallOf(context, s, after),
    steps: steps.map((step) => describeStep(context, s, step, runnerUp)),
    after: { equity: after.equity, maintenanceMargin: after.maintenanceMargin, marginRatio: after.marginRatio, tier: after.tier },
    liquidatedNotional: steps.reduce((sum, step) => sum + notionalOf(step.j, step.amount), 0),
    fullLiquidationNotional: full,
    estimatedBadDebt: Math.max(0, -after.equity),
    execution: executionOf(book.profile.liquidation.penalty),
  };
}
