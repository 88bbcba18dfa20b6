import type { LiquidationPlan, LiquidationStep, Shortfall } from '../schemas/assessment.ts';
import { evaluate, type AccountHealth } from './account.ts';
import type { Book } from './book.ts';
import { leastSlice, type SliceProblem } from './least-notional.ts';
import type { LinearSolver } from './lp/program.ts';
import type { AccountState, MarginBreakdown, MarginModel, Reduction } from './margin/index.ts';
import { executionOf, penaltyRate, penaltyTerms, type PenaltyTerms } from './penalty.ts';
import { liquidationWeights, publishedWeights, reductionEfficiencies, type Weights } from './priority.ts';
import type { Tier } from './tiers.ts';

/**
 * The liquidation planner (docs/liquidation.md): the least priority-weighted notional that
 * brings marginRatio back to the target within the tier's caps, solved exactly as a linear
 * program (least-notional.ts), then cleaned (lots, dust, printable quantities), ordered,
 * explained and re-assessed from scratch.
 */

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

/** Reductions and what their first units do: computed once per assessment, used to rank positions and to order a plan. */
export function firstUnitsOf(context: Omit<PlanContext, 'firstUnits'>): FirstUnitsRanked {
  const { book, state } = context;
  const reductions = reductionsOf(book, state);
  const weights = publishedWeights(book, state, reductions, book.profile.liquidation.priority);
  return { reductions, weights, efficiency: reductionEfficiencies(context, reductions, weights, penaltyRate(book.profile.liquidation.penalty)) };
}

/** Significant digits a quantity without a lot is rounded up to (docs/liquidation.md). */
const QUANTITY_DIGITS = 10;
/** A step whose ratio lands this close under the target counts as reaching it (solver and rounding residue). */
const REACHED = 1e-9;

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
function withinTolerance(context: PlanContext, reductions: readonly Reduction[], problem: SliceProblem, penalty: PenaltyTerms, solver: LinearSolver): Candidate {
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

function reaches(book: Book, after: AccountHealth): boolean {
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
 * The account after closing `amounts`: penalties (scaled to the cap) and closed values
 * moved into quote cash, re-assessed from scratch. Also the penalty of each reduction.
 */
function afterOf(context: PlanContext, reductions: readonly Reduction[], closing: Float64Array, penalty: PenaltyTerms) {
  const { book, model, state } = context;
  const raw = closing.map((x, j) => penalty.rate * x * unitPenaltyBaseOf(book, reductions[j]!));
  const rawTotal = raw.reduce((sum, v) => sum + v, 0);
  const penalties = rawTotal > penalty.budget ? raw.map((v) => (v * penalty.budget) / rawTotal) : raw;
  const quantities = Float64Array.from(state.quantities);
  const amounts = Float64Array.from(state.amounts);
  const left = leftAfter(state, reductions, closing);
  let cash = 0;
  closing.forEach((x, j) => {
    if (x <= 0) return;
    const r = reductions[j]!;
    // Closing moves the closed value (realized PnL, option premium, sale proceeds) into quote cash.
    if (r.kind === 'position') quantities[r.index] = left(j);
    else amounts[r.index] = left(j);
    cash += r.sign * x * (r.kind === 'position' ? book.positions[r.index]!.unitValue : book.collateral[r.index]!.price) - penalties[j]!;
  });
  amounts[book.quoteIndex] = amounts[book.quoteIndex]! + cash;
  return { after: evaluate(book, model, { quantities, amounts }), penalties };
}

/** Largest fraction per position for the tier, 'full' to close everything, or null when nothing is due. */
function capFor(book: Book, tier: Tier): number | 'full' | null {
  const { caps, tier3Mode } = book.profile.liquidation;
  switch (tier) {
    case 'tier1':
      return caps.tier1;
    case 'tier2':
      return caps.tier2;
    case 'tier3':
      return tier3Mode === 'full' ? 'full' : caps.tier3;
    case 'insolvent':
      return 'full';
    default:
      return null;
  }
}

/** Everything a plan may close: open positions, and every balance but the quote asset's. */
function reductionsOf(book: Book, state: AccountState): Reduction[] {
  const out: Reduction[] = [];
  state.quantities.forEach((q, i) => {
    if (q !== 0) out.push({ kind: 'position', index: i, sign: q > 0 ? 1 : -1 });
  });
  state.amounts.forEach((a, c) => {
    if (c !== book.quoteIndex && a !== 0) out.push({ kind: 'collateral', index: c, sign: a > 0 ? 1 : -1 });
  });
  return out;
}

/** Size of a reduction at the start: |quantity| or |balance|. */
function sizeOf(state: AccountState, r: Reduction): number {
  return Math.abs(r.kind === 'position' ? state.quantities[r.index]! : state.amounts[r.index]!);
}

/** Notional per unit: the underlying's price for positions, the asset's price for collateral. */
function unitNotionalOf(book: Book, r: Reduction): number {
  return r.kind === 'position' ? book.positions[r.index]!.spot : book.collateral[r.index]!.price;
}

/** Value per unit the penalty applies to: the contract's mark, or the asset's price (docs/liquidation.md, "Penalties"). */
function unitPenaltyBaseOf(book: Book, r: Reduction): number {
  return r.kind === 'position' ? Math.abs(book.positions[r.index]!.mark) : book.collateral[r.index]!.price;
}

/**
 * Full liquidation closes every position and every volatile debt, and sells what
 * collateral restores the target without leaving more requirement than at the start.
 */
function sliceProblem(context: PlanContext, reductions: readonly Reduction[], cap: number | 'full', penalty: PenaltyTerms, weights: Weights): SliceProblem {
  const { book, model, state, health } = context;
  const n = reductions.length;
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const lots = new Float64Array(n);
  const unitCost = new Float64Array(n);
  const unitPenalty = new Float64Array(n);
  const unitRelease = new Float64Array(n);
  reductions.forEach((r, j) => {
    const size = sizeOf(state, r);
    const col = r.kind === 'collateral' ? book.collateral[r.index]! : undefined;
    const exposure = !col || (r.sign < 0 && col.underlyingIndex >= 0);
    upper[j] = cap === 'full' ? size : size * cap;
    lower[j] = cap === 'full' && exposure ? size : 0;
    lots[j] = col ? 0 : (book.positions[r.index]!.lotSize ?? 0);
    unitCost[j] = weights.objective[j]! * unitNotionalOf(book, r);
    unitPenalty[j] = penalty.rate * unitPenaltyBaseOf(book, r);
    // A debt is valued at its full price: buying it back releases no haircut.
    unitRelease[j] = col && r.sign > 0 ? col.price * col.haircut : 0;
  });
  return {
    margin: model.linearize(state, reductions, upper),
    lower,
    upper,
    lots,
    unitCost,
    unitPenalty,
    unitRelease,
    equity: health.equity,
    target: book.profile.targetMarginRatio,
    penaltyBudget: penalty.budget,
    maintenanceCeiling: cap === 'full' ? health.maintenanceMargin : Number.POSITIVE_INFINITY,
  };
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

interface Solved {
  readonly reductions: readonly Reduction[];
  readonly amounts: Float64Array;
  readonly cap: number | 'full';
  readonly penalty: PenaltyTerms;
  readonly efficiency: Float64Array;
  readonly weights: Weights;
  readonly problem: SliceProblem;
  readonly solver: LinearSolver;
}

/** One trade of the plan, in execution order. */
interface Step {
  readonly j: number;
  readonly amount: number;
  readonly penalty: number;
  readonly relief: number;
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
    steps: steps.map((step) => describe(context, s, step, runnerUp)),
    after: { equity: after.equity, maintenanceMargin: after.maintenanceMargin, marginRatio: after.marginRatio, tier: after.tier },
    liquidatedNotional: steps.reduce((sum, step) => sum + notionalOf(step.j, step.amount), 0),
    fullLiquidationNotional: full,
    estimatedBadDebt: Math.max(0, -after.equity),
    execution: executionOf(book.profile.liquidation.penalty),
  };
}

/** Plans longer than this are ordered by their first units alone (the greedy order costs steps² margin evaluations). */
const GREEDY_ORDER_LIMIT = 64;

/**
 * The order the steps should be executed in: each next step the one that frees the most
 * requirement per weighted dollar given those before it, so the account is as safe as
 * possible on the way and a hedge leg goes with or after what it hedges. Longer plans
 * take the first units' efficiency (liquidationPriority follows the same order). Also the
 * requirement each step frees, executed in that order.
 */
function executionOrder(context: PlanContext, s: Solved): { order: number[]; relief: Float64Array } {
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

/** The quantity or balance each reduction leaves once its amount is closed (each reduction is closed once). */
function leftAfter(state: AccountState, reductions: readonly Reduction[], closing: Float64Array): (j: number) => number {
  return (j) => {
    const r = reductions[j]!;
    return closedTo(r.kind === 'position' ? state.quantities[r.index]! : state.amounts[r.index]!, r.sign * closing[j]!);
  };
}

/** `value` moved toward zero by `closed` (same sign), exactly zero when fully closed. */
function closedTo(value: number, closed: number): number {
  const left = value - closed;
  return Math.abs(left) <= 1e-15 * Math.abs(value) ? 0 : left;
}

/** The most efficient reduction the plan did not use, if any helps at all. */
function bestUnused(s: Solved, used: ReadonlySet<number>): number | undefined {
  let best: number | undefined;
  s.efficiency.forEach((e, j) => {
    if (!used.has(j) && s.problem.upper[j]! > 0 && e > 0 && (best === undefined || e > s.efficiency[best]!)) best = j;
  });
  return best;
}

/** Why the plan stops short of the target, and the deposit that would still be needed. */
function shortfallOf(context: PlanContext, s: Solved, after: AccountHealth): Shortfall {
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

function describe(context: PlanContext, s: Solved, step: Step, runnerUp: number | undefined): LiquidationStep {
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
