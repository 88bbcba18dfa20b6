import type { LiquidationPlan, LiquidationStep } from '../schemas/assessment.ts';
import { evaluate, type AccountHealth } from './account.ts';
import type { Book } from './book.ts';
import type { AccountState, MarginModel, MarginSession } from './margin/index.ts';
import { executionOf, penaltyRate } from './penalty.ts';
import { riskScore } from './priority.ts';
import type { Tier } from './tiers.ts';

/**
 * The liquidation planner (DESIGN §5): the least notional that brings marginRatio
 * back to the target within the tier's caps, verified on the full margin model.
 *
 * Candidates are positions (reduced toward zero, never flipped), collateral balances
 * (volatile ones sold into the quote asset, borrowed ones bought back) and, per
 * underlying, a pro-rata slice of all its positions (for books such as a short straddle,
 * where closing either leg alone soon raises the requirement). The deficit a candidate
 * removes, D(x) = T·(MM − MM after closing x) − x·c, is concave in x, because the
 * requirement is convex in it. Each round takes the candidate whose first unit removes
 * the most deficit per unit of notional; so hedge legs, whose closing raises MM, are
 * never chosen. Its size starts from the closed form x = (T·MM − E)/(T·m − c), exact for
 * a linear book; otherwise the least x with D(x) ≥ deficit is bisected on the model, and
 * when none exists the step stops where D peaks (closing more would only add risk).
 */

/** A position, a collateral balance or an underlying's whole book the planner may reduce. */
interface Candidate {
  readonly kind: 'position' | 'collateral' | 'basket';
  /** Position or collateral index; for a basket, its underlying. */
  readonly index: number;
  /** +1 for a long position or a balance, −1 for a short position or a debt; +1 for a basket. */
  readonly sign: 1 | -1;
  /** |quantity| or |balance| at the start; 1 for a basket, whose amounts are fractions of its legs. */
  readonly size: number;
  /** Notional per unit closed: the underlying's price, or the asset's price. */
  readonly unitNotional: number;
  /** Value per unit the penalty applies to: the mark, or the asset's price. */
  readonly unitPenaltyBase: number;
  /** Equity gained per unit: the haircut released by selling collateral; 0 otherwise. */
  readonly unitHaircutRelease: number;
  /** Underlying whose scenarios the candidate moves, or −1. */
  readonly underlying: number;
  readonly lot: number | undefined;
  /** Breaks ties between equally efficient candidates: the position's risk score (priority.ts). */
  readonly risk: number;
  /** A basket's positions: closing x of the basket closes x × the current quantity of each that the cap still allows to trade. */
  readonly members: readonly Candidate[];
}

interface Score {
  /** Deficit removed per unit of notional by the first units closed. */
  readonly efficiency: number;
}

/** Share of a candidate's size its first-unit score is measured over. */
const PROBE = 1e-6;
/** Relative size under which a deficit removed is rounding noise. */
const NOISE = 1e-12;
/** A step stops where its marginal efficiency falls below this share of the runner-up's. */
const SWITCH = 0.9;
/** How closely the closed form must clear the deficit to count as exact (D linear up to it). */
const LINEAR = 1e-9;
/** Bisection steps when the closed form falls short on a non-linear book. */
const BISECTION_STEPS = 60;
/** Golden-section steps for the peak of D: 0.618^90 of the range, below double precision. */
const SEARCH_STEPS = 90;

export function planLiquidation(book: Book, model: MarginModel, state: AccountState, health: AccountHealth): LiquidationPlan | null {
  const cap = capFor(book, health.tier);
  if (cap === null) return null;
  const rate = penaltyRate(book.profile.liquidation.penalty);
  const target = book.profile.targetMarginRatio;
  const candidates = candidatesOf(book, state);
  const work = new Working(book, model, state, health.equity, cap === 'full' ? 1 : cap);

  if (cap === 'full') {
    const startMaintenance = work.session.maintenance();
    // Everything that is exposure goes: positions, and balances owed in a volatile asset.
    closeAll(candidates.filter((c) => c.kind === 'position' || (c.kind === 'collateral' && c.sign < 0 && c.underlying >= 0)), work);
    // What is left is volatile collateral against debt (a loan against BTC): sell what restores the target,
    // and at least what brings the requirement back under where it started (closing a hedge can raise it).
    const collateral = candidates.filter((c) => c.kind === 'collateral' && c.sign > 0);
    closeMinimal(collateral, work, target, rate, 1);
    capRequirement(collateral, work, startMaintenance, rate);
  } else {
    closeMinimal(candidates, work, target, rate, cap);
  }
  return work.finish(health, target, candidates);
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

function candidatesOf(book: Book, state: AccountState): Candidate[] {
  const out: Candidate[] = [];
  const byUnderlying = new Map<number, Candidate[]>();
  book.positions.forEach((p, i) => {
    const q = state.quantities[i]!;
    if (q === 0) return;
    const c: Candidate = {
      kind: 'position',
      index: i,
      sign: q > 0 ? 1 : -1,
      size: Math.abs(q),
      unitNotional: p.spot,
      unitPenaltyBase: p.mark,
      unitHaircutRelease: 0,
      underlying: p.underlyingIndex,
      lot: p.lotSize,
      risk: riskScore(book, i, q),
      members: [],
    };
    out.push(c);
    byUnderlying.set(c.underlying, [...(byUnderlying.get(c.underlying) ?? []), c]);
  });
  book.collateral.forEach((c, i) => {
    const amount = state.amounts[i]!;
    if (i === book.quoteIndex || amount === 0) return;
    out.push({
      kind: 'collateral',
      index: i,
      sign: amount > 0 ? 1 : -1,
      size: Math.abs(amount),
      unitNotional: c.price,
      unitPenaltyBase: c.price,
      // A debt is valued at its full price: buying it back releases no haircut.
      unitHaircutRelease: amount > 0 ? c.price * c.haircut : 0,
      underlying: c.underlyingIndex,
      lot: undefined,
      risk: 0,
      members: [],
    });
  });
  for (const [u, members] of byUnderlying) {
    if (members.length < 2) continue;
    out.push({
      kind: 'basket',
      index: u,
      sign: 1,
      size: 1,
      // Per leg, through `legs`: a basket's make-up changes as its legs are traded.
      unitNotional: 0,
      unitPenaltyBase: 0,
      unitHaircutRelease: 0,
      underlying: u,
      lot: undefined,
      risk: 0,
      members,
    });
  }
  return out;
}

/** Greedy rounds until the target is met or no candidate helps. */
function closeMinimal(candidates: readonly Candidate[], work: Working, target: number, rate: number, cap: number): void {
  const scores = candidates.map((c) => work.score(c, work.remaining(c, cap), target, rate));
  // Candidates that can take no further step (less than a lot of room left, or D already at its peak).
  const spent = new Set<number>();
  // Each round clears the deficit, exhausts a candidate's room, or stops it where closing more
  // stops helping or helps less than another candidate; rescoring revives candidates, hence
  // the margin over one round each.
  const rounds = 8 * candidates.length + 8;
  for (let round = 0; round < rounds; round++) {
    const deficit = work.deficit(target);
    if (deficit <= 0) return;
    let best = -1;
    for (let j = 0; j < candidates.length; j++) {
      if (scores[j] && (best < 0 || better(candidates[j]!, scores[j]!, candidates[best]!, scores[best]!))) best = j;
    }
    if (best < 0) return;
    const c = candidates[best]!;
    const room = work.remaining(c, cap);
    // The runner-up's efficiency, a little under it so two candidates do not take turns in
    // ever smaller slices; none in the last rounds, which must clear what they can.
    let floor = 0;
    if (round < rounds - 2 * candidates.length - 2) {
      for (let j = 0; j < candidates.length; j++) if (j !== best && scores[j]) floor = Math.max(floor, SWITCH * scores[j]!.efficiency);
    }
    const amount = work.sizeStep(c, room, deficit, target, rate, floor);
    if (amount > 0) work.close(c, amount, rate, cap);
    else spent.add(best);
    // Closing moves only its own underlying's scenarios: rescore those (and the chosen one).
    for (let j = 0; j < candidates.length; j++) {
      const other = candidates[j]!;
      if (j === best || (c.underlying >= 0 && other.underlying === c.underlying)) {
        scores[j] = spent.has(j) ? undefined : work.score(other, work.remaining(other, cap), target, rate);
      }
    }
  }
}

/** More deficit removed per notional; on a tie, the riskier position (DESIGN §5's priority). */
function better(a: Candidate, sa: Score, b: Candidate, sb: Score): boolean {
  if (sa.efficiency > sb.efficiency * (1 + NOISE)) return true;
  return sa.efficiency >= sb.efficiency * (1 - NOISE) && a.risk > b.risk;
}

/**
 * Full liquidation, in an order that keeps the account as safe as possible on the way:
 * each round closes the position whose closing frees the most requirement per notional,
 * so hedge legs go last, once what they hedge is gone.
 */
function closeAll(positions: readonly Candidate[], work: Working): void {
  const relief = (c: Candidate) => work.reliefPerNotional(c, work.remaining(c, 1));
  const open = new Set(positions);
  const scores = new Map(positions.map((c) => [c, relief(c)]));
  while (open.size > 0) {
    let best: Candidate | undefined;
    for (const c of open) if (!best || scores.get(c)! > scores.get(best)!) best = c;
    work.close(best!, work.remaining(best!, 1), penaltyRate(work.book.profile.liquidation.penalty), 'full');
    open.delete(best!);
    for (const c of open) if (c.underlying === best!.underlying) scores.set(c, relief(c));
  }
}

/** Sells collateral, most relief per notional first, until the requirement is at most `limit`. */
function capRequirement(candidates: readonly Candidate[], work: Working, limit: number, rate: number): void {
  for (let round = 0; round < candidates.length && work.session.maintenance() > limit; round++) {
    let best: Candidate | undefined;
    let bestRelief = 0;
    for (const c of candidates) {
      const room = work.remaining(c, 1);
      if (room <= 0) continue;
      const relief = work.reliefPerNotional(c, room);
      if (relief > bestRelief) [best, bestRelief] = [c, relief];
    }
    if (!best) return;
    const chosen = best;
    const room = work.remaining(chosen, 1);
    // The least amount that gets under the limit (the requirement falls as more is sold), or all of it.
    const under = (x: number) => work.maintenanceAfter(chosen, x) <= limit;
    work.close(chosen, under(room) ? bracket(under, room)[1] : room, rate, 'full');
  }
}

/** One trade of the plan; `basket` when it is a leg of a pro-rata slice of its underlying. */
interface Step {
  readonly candidate: Candidate;
  readonly amount: number;
  readonly penalty: number;
  readonly relief: number;
  readonly cap: number | 'full';
  readonly basket: boolean;
}

/** The account while the plan is built: quantities, balances, equity and an incremental margin session. */
class Working {
  readonly quantities: Float64Array;
  readonly amounts: Float64Array;
  readonly closed = new Map<Candidate, number>();
  readonly steps: Step[] = [];
  readonly session: MarginSession;
  equity: number;
  /** Penalties the cap still allows (maxPenaltyShareOfEquity of the starting equity): beyond it, closing costs none. */
  penaltyLeft: number;

  constructor(
    readonly book: Book,
    readonly model: MarginModel,
    state: AccountState,
    equity: number,
    /** The tier's cap per position: which legs a basket may still trade. */
    readonly cap: number,
  ) {
    this.quantities = Float64Array.from(state.quantities);
    this.amounts = Float64Array.from(state.amounts);
    this.session = model.session(state);
    this.equity = equity;
    this.penaltyLeft = Math.max(0, equity) * book.profile.liquidation.maxPenaltyShareOfEquity;
  }

  deficit(target: number): number {
    return target * this.session.maintenance() - this.equity;
  }

  /** What the cap still allows for `c` (a fraction of its starting size); a basket: the fraction all its live legs allow. */
  remaining(c: Candidate, cap: number): number {
    if (c.kind === 'basket') {
      const live = this.liveLegs(c);
      return live.length < 2 ? 0 : Math.min(...live.map((m) => this.remaining(m, cap) / Math.abs(this.quantities[m.index]!)));
    }
    return Math.max(0, Math.min(c.size * cap, c.size) - (this.closed.get(c) ?? 0));
  }

  /** A basket's legs that are open and below the cap (by more than a bisection's residue). */
  liveLegs(c: Candidate): Candidate[] {
    return c.members.filter((m) => this.quantities[m.index] !== 0 && this.remaining(m, this.cap) > 1e-9 * m.size);
  }

  /** The trades closing `amount` of `c` makes: itself, or each live leg of a basket pro rata to its quantity. */
  legs(c: Candidate, amount: number): Array<[Candidate, number]> {
    return c.kind === 'basket' ? this.liveLegs(c).map((m) => [m, amount * Math.abs(this.quantities[m.index]!)]) : [[c, amount]];
  }

  maintenanceAfter(c: Candidate, amount: number): number {
    switch (c.kind) {
      case 'position':
        return this.session.maintenanceWithPosition(c.index, this.quantities[c.index]! - c.sign * amount);
      case 'collateral':
        return this.session.maintenanceWithCollateral(c.index, this.amounts[c.index]! - c.sign * amount);
      case 'basket':
        return this.session.maintenanceWithPositions(this.legs(c, amount).map(([m, x]) => [m.index, this.quantities[m.index]! - m.sign * x] as const));
    }
  }

  /** Equity lost by closing `amount` of `c`: penalties less the haircut released. */
  cost(c: Candidate, amount: number, rate: number): number {
    // While the cap allows penalties they are charged in full (a step may then reach a little past the target).
    const charged = this.penaltyLeft > 0 ? rate : 0;
    return this.legs(c, amount).reduce((sum, [leg, x]) => sum + x * (charged * leg.unitPenaltyBase - leg.unitHaircutRelease), 0);
  }

  /** Notional traded by closing `amount` of `c`. */
  notional(c: Candidate, amount: number): number {
    return this.legs(c, amount).reduce((sum, [leg, x]) => sum + x * leg.unitNotional, 0);
  }

  /** Requirement freed per unit of notional by closing `amount` of `c` (negative for a hedge leg). */
  reliefPerNotional(c: Candidate, amount: number): number {
    return (this.session.maintenance() - this.maintenanceAfter(c, amount)) / this.notional(c, amount);
  }

  /** Deficit removed by closing `amount` of `c`: T·(MM now − MM after) − amount·c. Concave in `amount`. */
  removed(c: Candidate, amount: number, target: number, rate: number): number {
    return target * (this.session.maintenance() - this.maintenanceAfter(c, amount)) - this.cost(c, amount, rate);
  }

  /**
   * How much deficit the first units of `c` remove; undefined when they remove none, or
   * raise the requirement (a hedge leg, even when its haircut would pay for it).
   */
  score(c: Candidate, room: number, target: number, rate: number): Score | undefined {
    if (room <= 0) return undefined;
    const probe = Math.min(room, PROBE * c.size);
    const now = this.session.maintenance();
    const relief = now - this.maintenanceAfter(c, probe);
    const removed = target * relief - this.cost(c, probe, rate);
    if (relief < -NOISE * now || !(removed > NOISE * target * now)) return undefined;
    return { efficiency: removed / this.notional(c, probe) };
  }

  /** The part of `room` over which closing `c` does not raise the requirement (MM is convex in the amount: an interval from 0). */
  withinRequirement(c: Candidate, room: number): number {
    const now = this.session.maintenance();
    const keeps = (x: number) => this.maintenanceAfter(c, x) <= now;
    return keeps(room) ? room : largestKeeping(keeps, room);
  }

  /**
   * The least amount (≤ room) that clears `deficit`, on lots, without leaving dust; when
   * no amount does, the amount that removes the most (D is concave: one peak).
   */
  sizeStep(c: Candidate, allowed: number, deficit: number, target: number, rate: number, floor: number): number {
    const room = this.withinRequirement(c, allowed);
    const removed = (x: number) => this.removed(c, x, target, rate);
    // The closed form with m and c measured over the whole room: exact when D is linear there.
    const closedForm = (deficit * room) / removed(room);
    let x: number;
    if (closedForm > 0 && closedForm <= room && Math.abs(removed(closedForm) - deficit) <= LINEAR * deficit) {
      x = closedForm;
    } else {
      const peak = removed(room) >= deficit ? room : peakOf(removed, room);
      x = removed(peak) >= deficit ? leastReaching(removed, deficit, peak) : peak;
      // Stop where the last units remove less per notional than another candidate's first ones:
      // the rest of the deficit is cheaper there (D is concave: its marginal only falls).
      const h = PROBE * c.size;
      const marginal = (y: number) => (removed(y) - removed(y - h)) / this.notional(c, h);
      if (floor > 0 && x > h && marginal(x) < floor) x = Math.max(h, largestKeeping((y) => y <= h || marginal(y) >= floor, x));
    }
    x = c.kind === 'basket' ? x : onLots(x, room, c.lot);
    return this.withoutDust(c, x);
  }

  /** Closes the rest of a position when what would stay open is below the dust threshold. */
  withoutDust(c: Candidate, amount: number): number {
    if (c.kind !== 'position' || amount <= 0) return amount;
    const left = Math.abs(this.quantities[c.index]!) - amount;
    return left * c.unitNotional < this.book.profile.liquidation.minRemainingNotional ? Math.abs(this.quantities[c.index]!) : amount;
  }

  /** Closes `amount` of `c` (a basket: each leg pro rata) and records the trades as steps. */
  close(c: Candidate, amount: number, rate: number, cap: number | 'full'): void {
    if (amount <= 0) return;
    // Basket legs go on lots and leave no dust, as single steps do.
    const legs = this.legs(c, amount).map(([m, x]): [Candidate, number] => [m, c.kind === 'basket' ? this.withoutDust(m, onLots(x, this.remaining(m, this.cap), m.lot)) : x]);
    const before = this.session.maintenance();
    for (const [leg, x] of legs) this.apply(leg, x, rate);
    // A basket's legs free margin together (one alone may not): each is credited its share of notional.
    const relief = before - this.session.maintenance();
    const notional = legs.reduce((sum, [leg, x]) => sum + x * leg.unitNotional, 0);
    for (const [leg, x] of legs) if (x > 0) this.record({ candidate: leg, amount: x, penalty: rate * x * leg.unitPenaltyBase, relief: (relief * x * leg.unitNotional) / notional, cap, basket: c.kind === 'basket' });
  }

  private apply(c: Candidate, amount: number, rate: number): void {
    if (amount <= 0) return;
    if (c.kind === 'position') {
      const q = this.quantities[c.index]! - c.sign * amount;
      this.quantities[c.index] = Math.abs(q) < 1e-15 * c.size ? 0 : q;
      this.session.setPosition(c.index, this.quantities[c.index]!);
    } else {
      const a = this.amounts[c.index]! - c.sign * amount;
      this.amounts[c.index] = Math.abs(a) < 1e-15 * c.size ? 0 : a;
      this.session.setCollateral(c.index, this.amounts[c.index]!);
    }
    // The cap as `finish` applies it: in total, penalties never pass the allowance.
    const penalty = Math.min(rate * amount * c.unitPenaltyBase, this.penaltyLeft);
    this.penaltyLeft -= penalty;
    this.equity += amount * c.unitHaircutRelease - penalty;
    this.closed.set(c, (this.closed.get(c) ?? 0) + amount);
  }

  /**
   * A later slice of something already traded the same way is the same trade: one step.
   * A basket leg stays apart from a single trade of the same position, so the steps keep
   * the order they were chosen in.
   */
  private record(step: Step): void {
    const k = this.steps.findIndex((s) => s.candidate === step.candidate && s.basket === step.basket);
    if (k < 0) this.steps.push(step);
    else {
      const s = this.steps[k]!;
      this.steps[k] = { ...s, amount: s.amount + step.amount, penalty: s.penalty + step.penalty, relief: s.relief + step.relief };
    }
  }

  /** Caps penalties, moves proceeds into the quote balance and re-assesses the result from scratch. */
  finish(start: AccountHealth, target: number, candidates: readonly Candidate[]): LiquidationPlan {
    const book = this.book;
    const rawPenalty = this.steps.reduce((sum, s) => sum + s.penalty, 0);
    const allowed = Math.max(0, start.equity) * book.profile.liquidation.maxPenaltyShareOfEquity;
    const scale = rawPenalty > allowed ? allowed / rawPenalty : 1;

    // Closing moves the closed value (realized PnL, option premium, sale proceeds) into quote cash.
    const amounts = Float64Array.from(this.amounts);
    let cash = 0;
    for (const s of this.steps) {
      const c = s.candidate;
      const unit = c.kind === 'position' ? book.positions[c.index]!.unitValue : book.collateral[c.index]!.price;
      const value = c.sign * s.amount * unit;
      cash += value - s.penalty * scale;
    }
    amounts[book.quoteIndex] = amounts[book.quoteIndex]! + cash;
    const after = evaluate(book, this.model, { quantities: this.quantities, amounts });

    const steps = this.steps.map((s) => this.describe(s, scale));
    const notional = (c: Candidate, amount: number) => amount * c.unitNotional;
    const full = candidates.filter((c) => c.kind === 'position').reduce((sum, c) => sum + notional(c, c.size), 0);
    // Within the tolerance a step is sized to (LINEAR): offsetting balances can cost the last digits.
    const reached = after.marginRatio === null ? after.equity > 0 : after.marginRatio >= target * (1 - LINEAR);
    return {
      targetMarginRatio: target,
      targetReached: reached,
      steps,
      after: { equity: after.equity, maintenanceMargin: after.maintenanceMargin, marginRatio: after.marginRatio, tier: after.tier },
      liquidatedNotional: this.steps.reduce((sum, s) => sum + notional(s.candidate, s.amount), 0),
      fullLiquidationNotional: full,
      estimatedBadDebt: Math.max(0, -after.equity),
      execution: executionOf(book.profile.liquidation.penalty),
    };
  }

  describe(s: Step, scale: number): LiquidationStep {
    const c = s.candidate;
    const penalty = s.penalty * scale;
    const perUnitPenalty = penalty / s.amount;
    const book = this.book;
    const trade = { action: c.sign > 0 ? 'sell' : 'buy', quantity: s.amount, fraction: s.amount / c.size, penalty, maintenanceMarginRelief: s.relief } as const;
    if (c.kind === 'collateral') {
      const col = book.collateral[c.index]!;
      const scenario = s.relief > 0 ? ` and ${fmt(s.relief)} of scenario margin` : '';
      return {
        asset: col.asset,
        ...trade,
        estimatedPrice: col.price + c.sign * -perUnitPenalty,
        reason:
          c.sign > 0
            ? `sell ${fmt(s.amount)} ${col.asset} collateral into ${book.profile.quoteAsset}: releases its ${fmt(col.haircut * 100)}% haircut${scenario}`
            : `buy back ${fmt(s.amount)} ${col.asset} owed, paid in ${book.profile.quoteAsset}: frees ${fmt(s.relief)} of maintenance margin`,
      };
    }
    const p = book.positions[c.index]!;
    const side = c.sign > 0 ? 'long' : 'short';
    const pnl = p.entryPrice === undefined ? '' : `, ${c.sign * (p.mark - p.entryPrice) < 0 ? 'losing' : 'in profit'}`;
    const capText = s.cap === 'full' ? '' : `, within the ${fmt(s.cap * 100)}% cap`;
    const why =
      s.cap === 'full'
        ? 'full liquidation'
        : s.basket
          ? `pro-rata with the rest of the ${book.underlyings[p.underlyingIndex]} book (one leg alone would raise the requirement)${capText}`
          : `riskiest per notional${capText}`;
    return {
      positionId: p.id,
      ...trade,
      estimatedPrice: p.mark - c.sign * perUnitPenalty,
      reason: `${why}: ${side} ${p.instrument.type} on ${book.underlyings[p.underlyingIndex]}${pnl}; closing ${fmt(s.amount)} frees ${fmt(s.relief)} of maintenance margin`,
    };
  }
}

/** The peak of a concave `f` on [0, hi] (golden-section search). */
function peakOf(f: (x: number) => number, hi: number): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let a = 0;
  let b = hi;
  let x1 = b - r * (b - a);
  let x2 = a + r * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let k = 0; k < SEARCH_STEPS; k++) {
    if (f1 < f2) {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + r * (b - a);
      f2 = f(x2);
    } else {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - r * (b - a);
      f1 = f(x1);
    }
  }
  return f(b) >= f(a) ? b : a;
}

/**
 * Bisection on [0, hi] for where `holds` starts to hold, when it fails below one point and
 * holds above it: the bracket [last x where it fails, first x where it holds].
 */
function bracket(holds: (x: number) => boolean, hi: number): [below: number, above: number] {
  let lo = 0;
  for (let k = 0; k < BISECTION_STEPS; k++) {
    const mid = 0.5 * (lo + hi);
    if (holds(mid)) hi = mid;
    else lo = mid;
  }
  return [lo, hi];
}

/** The largest x in [0, hi] with keeps(x), when keeps holds from 0 up to one point and not at hi. */
function largestKeeping(keeps: (x: number) => boolean, hi: number): number {
  return bracket((x) => !keeps(x), hi)[0];
}

/** The least x in [0, hi] with f(x) ≥ level, for f concave with f(hi) ≥ level (f crosses level once). */
function leastReaching(f: (x: number) => number, level: number, hi: number): number {
  return bracket((x) => f(x) >= level, hi)[1];
}

/** Rounds up to whole lots (to reach the target), or down when up would pass the room. */
function onLots(x: number, room: number, lot: number | undefined): number {
  if (lot === undefined || x <= 0) return x;
  const up = Math.ceil(x / lot - 1e-9) * lot;
  if (up <= room * (1 + 1e-12)) return Math.min(up, room);
  return Math.floor(room / lot + 1e-9) * lot;
}

function fmt(n: number): string {
  return Number(n.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}
