import type { PlanContext, Solved } from './context.ts';
import { leftAfter } from './reductions.ts';

/** Plans longer than this are ordered by their first units alone (the greedy order costs steps² margin evaluations). */
const GREEDY_ORDER_LIMIT = 64;

/**
 * The order the steps should be executed in: each next step the one that frees the most
 * requirement per weighted dollar given those before it, so the account is as safe as
 * possible on the way and a hedge leg goes with or after what it hedges. Longer plans
 * take the first units' efficiency (liquidationPriority follows the same order). Also the
 * requirement each step frees, executed in that order.
 */
export function executionOrder(context: PlanContext, s: Solved): { order: number[]; relief: Float64Array } {
  const { model, state } = context;
  const byFirstUnits = [...s.amounts.keys()].filter((j) => s.amounts[j]! > 0).sort((a, b) => s.efficiency[b]! - s.efficiency[a]! || a - b);
  const greedy = byFirstUnits.length <= GREEDY_ORDER_LIMIT;
  const session = model.session(state);
  const left = leftAfter(state, s.reductions, s.amounts);
  const maintenanceAfter = (j: number) => {
    const r = s.reductions[j]!;
    return r.kind === 'position' ? session.maintenanceWithPosition(r.index, left(j)) : session.maintenanceWithCollateral(r.index, left(j));
  };
  // Each step is credited the requirement it frees, executed in this order.
  const relief = new Float64Array(s.amounts.length);
  const order: number[] = [];
  const pending = new Set(byFirstUnits);
  for (const next of byFirstUnits) {
    let best = next;
    if (greedy) {
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const j of pending) {
        const score = (session.maintenance() - maintenanceAfter(j)) / s.problem.unitCost[j]! / s.amounts[j]!;
        if (score > bestScore) [best, bestScore] = [j, score];
      }
    }
    const r = s.reductions[best]!;
    const before = session.maintenance();
    if (r.kind === 'position') session.setPosition(r.index, left(best));
    else session.setCollateral(r.index, left(best));
    relief[best] = before - session.maintenance();
    order.push(best);
    pending.delete(best);
  }
  return { order, relief };
}
