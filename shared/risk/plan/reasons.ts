import type { LiquidationStep, Shortfall } from '../../schemas/assessment.ts';
import type { AccountHealth } from '../account.ts';
import type { Book } from '../book.ts';
import { leastSlice } from '../least-notional.ts';
import type { PlanContext, Solved } from './context.ts';
import { sizeOf, unitNotionalOf } from './reductions.ts';

/** What a plan says about itself: each step's trade and reason, and why it stops short of the target. */

/** One trade of the plan, in execution order. */
export interface Step {
  readonly j: number;
  readonly amount: number;
  readonly penalty: number;
  readonly relief: number;
}

/** The most efficient reduction the plan did not use, if any helps at all. */
export function bestUnused(s: Solved, used: ReadonlySet<number>): number | undefined {
  let best: number | undefined;
  s.efficiency.forEach((e, j) => {
    if (!used.has(j) && s.problem.upper[j]! > 0 && e > 0 && (best === undefined || e > s.efficiency[best]!)) best = j;
  });
  return best;
}

/** Why the plan stops short of the target, and the deposit that would still be needed. */
export function shortfallOf(context: PlanContext, s: Solved, after: AccountHealth): Shortfall {
  const target = context.book.profile.targetMarginRatio;
  const remainingTopUp = Math.max(0, target * after.maintenanceMargin - after.equity);
  const reason = ((): Shortfall['reason'] => {
    if (context.health.tier === 'insolvent' || after.equity <= 0) return 'insolvent';
    if (![...s.efficiency.keys()].some((j) => s.efficiency[j]! > 0 && s.problem.upper[j]! > 0)) return 'hedges_only';
    if (s.problem.lots.some((l) => l > 0) && leastSlice(s.problem, s.solver, false).reached) return 'lot_size';
    return 'tier_cap';
  })();
  return { reason, remainingTopUp };
}

export function describeStep(context: PlanContext, s: Solved, step: Step, runnerUp: number | undefined): LiquidationStep {
  const { book, state } = context;
  const r = s.reductions[step.j]!;
  const size = sizeOf(state, r);
  const notional = step.amount * unitNotionalOf(book, r);
  const perUnitPenalty = step.penalty / step.amount;
  const trade = {
    action: r.sign > 0 ? 'sell' : 'buy',
    quantity: step.amount,
    fraction: Number((step.amount / size).toPrecision(12)),
    penalty: step.penalty,
    maintenanceMarginRelief: step.relief,
  } as const;
  const freed = freedText(step.relief, notional, s.cap === 'full');
  const why = s.cap === 'full' ? 'full liquidation' : chosenText(s, step.j, runnerUp, book);
  if (r.kind === 'collateral') {
    const col = book.collateral[r.index]!;
    const quote = book.profile.quoteAsset;
    return {
      asset: col.asset,
      ...trade,
      estimatedPrice: col.price - r.sign * perUnitPenalty,
      reason:
        r.sign > 0
          ? `${why}: sell ${fmt(step.amount)} ${col.asset} collateral into ${quote}, releasing its ${fmt(col.haircut * 100)}% haircut; ${freed}`
          : `${why}: buy back ${fmt(step.amount)} ${col.asset} owed, paid in ${quote}; ${freed}`,
    };
  }
  const p = book.positions[r.index]!;
  const side = r.sign > 0 ? 'long' : 'short';
  const pnl = p.entryPrice === undefined ? 0 : r.sign * (p.mark - p.entryPrice);
  const standing = p.entryPrice === undefined || pnl === 0 ? '' : pnl < 0 ? ', losing' : ', in profit';
  return {
    positionId: p.id,
    ...trade,
    estimatedPrice: p.mark - r.sign * perUnitPenalty,
    reason: `${why}: ${side} ${p.instrument.type} on ${book.underlyings[p.underlyingIndex]}${standing}; closing ${fmt(step.amount)} ${freed}`,
  };
}

/** What a step frees, per dollar closed; a hedge leg closed with what it hedges (or in a full close) adds requirement. */
function freedText(relief: number, notional: number, full: boolean): string {
  const perDollar = Math.abs(relief) / notional;
  if (relief >= 0) return `frees ${fmt(relief)} of maintenance margin (${fmt(perDollar)} per dollar closed)`;
  const why = full ? 'a hedge, closed with everything else' : 'a hedge leg, closed with the legs it hedges, which free more';
  return `adds ${fmt(-relief)} of maintenance margin (${fmt(perDollar)} per dollar closed): ${why}`;
}

/** Why the program closes this much: the cap, or the least amount that reaches (or nears) the target; and what was left open. */
function chosenText(s: Solved, j: number, runnerUp: number | undefined, book: Book): string {
  const full = s.amounts[j]! >= s.problem.upper[j]!;
  const extent = full ? `up to the ${fmt((s.cap as number) * 100)}% cap` : 'as far as the least-notional plan needs';
  const weight = s.weights.published[j]! === 1 ? '' : ` (weight ${fmt(s.weights.published[j]!)})`;
  if (runnerUp === undefined) return `closed ${extent}${weight}`;
  const other = s.reductions[runnerUp]!;
  const name = other.kind === 'position' ? `position ${book.positions[other.index]!.id}` : `${book.collateral[other.index]!.asset} collateral`;
  const perDollar = s.efficiency[runnerUp]! * s.weights.published[runnerUp]!;
  return `closed ${extent}${weight}; cheaper per dollar than ${name}, left open, whose first units remove ${fmt(perDollar)} of deficit per dollar`;
}

/** Six significant digits, at most six decimals, thousands separated (toLocaleString's output, without its cost per call). */
function fmt(n: number): string {
  const r = Number(n.toPrecision(6));
  if (!Number.isFinite(r) || Math.abs(r) >= 1e21) return String(r);
  const [whole, fraction = ''] = Math.abs(r).toFixed(6).split('.');
  const decimals = fraction.replace(/0+$/, '');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const text = decimals ? `${grouped}.${decimals}` : grouped;
  return r < 0 && text !== '0' ? `-${text}` : text;
}
