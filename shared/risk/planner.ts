import type { LiquidationPlan, LiquidationStep } from '../schemas/assessment.ts';
import { evaluate, type AccountHealth } from './account.ts';
import type { Book } from './book.ts';
import type { AccountState, MarginModel, MarginSession } from './margin/index.ts';
import { executionOf, penaltyRate } from './penalty.ts';
import type { Tier } from './tiers.ts';

/**
 * The liquidation planner (DESIGN §5): the least notional that brings marginRatio
 * back to the target within the tier's caps, verified on the full margin model.
 *
 * Candidates are positions (reduced toward zero, never flipped) and volatile
 * collateral (sold into the quote asset). Each round takes the candidate that
 * removes the most deficit (T·MM − E) per unit of notional, over the whole range
 * its cap allows, so hedge legs, whose closing raises MM, are never chosen. Its
 * size starts from the closed form x = (T·MM − E)/(T·m − c) and is verified, and
 * if need be bisected, on the model itself.
 */

/** A position or collateral balance the planner may reduce. */
interface Candidate {
  readonly kind: 'position' | 'collateral';
  readonly index: number;
  /** +1 for a long position or a balance, −1 for a short position. */
  readonly sign: 1 | -1;
  /** |quantity| or balance at the start. */
  readonly size: number;
  /** Notional per unit closed: the underlying's price, or the asset's price. */
  readonly unitNotional: number;
  /** Value per unit the penalty applies to: the mark, or the asset's price. */
  readonly unitPenaltyBase: number;
  /** Equity gained per unit: the haircut released by selling collateral; 0 for positions. */
  readonly unitHaircutRelease: number;
  /** Underlying whose scenarios the candidate moves, or −1. */
  readonly underlying: number;
  readonly lot: number | undefined;
}

interface Score {
  /** Deficit removed per unit of notional when closing `amount`. */
  readonly efficiency: number;
  /** Deficit removed per unit closed, averaged over `amount`: T·m − c of the closed form. */
  readonly perUnit: number;
}

/** Bisection steps when the closed form falls short on a non-linear book. */
const BISECTION_STEPS = 60;

export function planLiquidation(book: Book, model: MarginModel, state: AccountState, health: AccountHealth): LiquidationPlan | null {
  const cap = capFor(book, health.tier);
  if (cap === null) return null;
  const rate = penaltyRate(book.profile.liquidation.penalty);
  const target = book.profile.targetMarginRatio;
  const candidates = candidatesOf(book, state, rate);
  const work = new Working(book, model, state, health.equity);

  if (cap === 'full') {
    const startMaintenance = work.session.maintenance();
    closeAll(candidates.filter((c) => c.kind === 'position'), work);
    // What is left is volatile collateral against debt (a loan against BTC): sell what restores the target,
    // and at least what brings the requirement back under where it started (closing a hedge can raise it).
    const collateral = candidates.filter((c) => c.kind === 'collateral');
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

function candidatesOf(book: Book, state: AccountState, rate: number): Candidate[] {
  const out: Candidate[] = [];
  book.positions.forEach((p, i) => {
    const q = state.quantities[i]!;
    if (q === 0) return;
    out.push({
      kind: 'position',
      index: i,
      sign: q > 0 ? 1 : -1,
      size: Math.abs(q),
      unitNotional: p.spot,
      unitPenaltyBase: p.mark,
      unitHaircutRelease: 0,
      underlying: p.underlyingIndex,
      lot: p.lotSize,
    });
  });
  book.collateral.forEach((c, i) => {
    const amount = state.amounts[i]!;
    // Selling only pays when the haircut released exceeds the penalty.
    if (i === book.quoteIndex || amount <= 0 || c.haircut <= rate) return;
    out.push({
      kind: 'collateral',
      index: i,
      sign: 1,
      size: amount,
      unitNotional: c.price,
      unitPenaltyBase: c.price,
      unitHaircutRelease: c.price * c.haircut,
      underlying: c.underlyingIndex,
      lot: undefined,
    });
  });
  return out;
}

/** Greedy rounds until the target is met or no candidate helps. */
function closeMinimal(candidates: readonly Candidate[], work: Working, target: number, rate: number, cap: number): void {
  const scores = candidates.map((c) => work.score(c, work.remaining(c, cap), target, rate));
  for (let round = 0; round <= candidates.length; round++) {
    const deficit = work.deficit(target);
    if (deficit <= 0) return;
    let best = -1;
    for (let j = 0; j < candidates.length; j++) {
      const s = scores[j];
      if (s && (best < 0 || s.efficiency > scores[best]!.efficiency)) best = j;
    }
    if (best < 0) return;
    const c = candidates[best]!;
    const room = work.remaining(c, cap);
    const amount = work.sizeStep(c, room, scores[best]!.perUnit, deficit, target, rate);
    if (amount > 0) work.close(c, amount, rate, cap);
    // Closing moves only its own underlying's scenarios: rescore those (and the chosen one).
    for (let j = 0; j < candidates.length; j++) {
      const other = candidates[j]!;
      if (j === best || (c.underlying >= 0 && other.underlying === c.underlying)) {
        scores[j] = j === best && amount === 0 ? undefined : work.score(other, work.remaining(other, cap), target, rate);
      }
    }
  }
}

/**
 * Full liquidation, in an order that keeps the account as safe as possible on the way:
 * each round closes the position whose closing frees the most requirement per notional,
 * so hedge legs go last, once what they hedge is gone.
 */
function closeAll(positions: readonly Candidate[], work: Working): void {
  const relief = (c: Candidate) => (work.session.maintenance() - work.maintenanceAfter(c, work.remaining(c, 1))) / (c.size * c.unitNotional);
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
      const relief = (work.session.maintenance() - work.maintenanceAfter(c, room)) / (room * c.unitNotional);
      if (relief > bestRelief) [best, bestRelief] = [c, relief];
    }
    if (!best) return;
    const room = work.remaining(best, 1);
    let amount = room;
    if (work.maintenanceAfter(best, room) <= limit) {
      // The least amount that gets under the limit (bisection: the requirement falls as more is sold).
      let lo = 0;
      for (let k = 0; k < BISECTION_STEPS; k++) {
        const mid = 0.5 * (lo + amount);
        if (work.maintenanceAfter(best, mid) <= limit) amount = mid;
        else lo = mid;
      }
    }
    work.close(best, amount, rate, 'full');
  }
}

/** The account while the plan is built: quantities, balances, equity and an incremental margin session. */
class Working {
  readonly quantities: Float64Array;
  readonly amounts: Float64Array;
  readonly closed = new Map<Candidate, number>();
  readonly steps: Array<{ candidate: Candidate; amount: number; penalty: number; relief: number; cap: number | 'full' }> = [];
  readonly session: MarginSession;
  equity: number;

  constructor(
    readonly book: Book,
    readonly model: MarginModel,
    state: AccountState,
    equity: number,
  ) {
    this.quantities = Float64Array.from(state.quantities);
    this.amounts = Float64Array.from(state.amounts);
    this.session = model.session(state);
    this.equity = equity;
  }

  deficit(target: number): number {
    return target * this.session.maintenance() - this.equity;
  }

  /** What the cap still allows for `c` (a fraction of its starting size). */
  remaining(c: Candidate, cap: number): number {
    return Math.max(0, Math.min(c.size * cap, c.size) - (this.closed.get(c) ?? 0));
  }

  maintenanceAfter(c: Candidate, amount: number): number {
    return c.kind === 'position'
      ? this.session.maintenanceWithPosition(c.index, this.quantities[c.index]! - c.sign * amount)
      : this.session.maintenanceWithCollateral(c.index, this.amounts[c.index]! - amount);
  }

  unitCost(c: Candidate, rate: number): number {
    return rate * c.unitPenaltyBase - c.unitHaircutRelease;
  }

  score(c: Candidate, amount: number, target: number, rate: number): Score | undefined {
    if (amount <= 0) return undefined;
    const relief = this.session.maintenance() - this.maintenanceAfter(c, amount);
    if (relief <= 0) return undefined; // a hedge leg: closing it would raise the requirement
    const removed = target * relief - amount * this.unitCost(c, rate);
    if (removed <= 0) return undefined;
    return { efficiency: removed / (amount * c.unitNotional), perUnit: removed / amount };
  }

  /** The least amount (≤ room) that clears `deficit`, on lots, without leaving dust. */
  sizeStep(c: Candidate, room: number, perUnit: number, deficit: number, target: number, rate: number): number {
    const gap = (x: number) => target * this.maintenanceAfter(c, x) - (this.equity - x * this.unitCost(c, rate));
    let x = deficit / perUnit; // closed form, exact when the book is linear in c
    if (x >= room) x = room;
    else if (gap(x) > 0) {
      // Non-linear: the first x (bisection) at which the gap closes, or the whole room.
      let lo = x;
      let hi = room;
      if (gap(hi) > 0) x = room;
      else {
        for (let k = 0; k < BISECTION_STEPS; k++) {
          const mid = 0.5 * (lo + hi);
          if (gap(mid) > 0) lo = mid;
          else hi = mid;
        }
        x = hi;
      }
    }
    x = onLots(x, room, c.lot);
    return this.withoutDust(c, x);
  }

  /** Closes the rest of a position when what would stay open is below the dust threshold. */
  withoutDust(c: Candidate, amount: number): number {
    if (c.kind !== 'position' || amount <= 0) return amount;
    const left = Math.abs(this.quantities[c.index]!) - amount;
    return left * c.unitNotional < this.book.profile.liquidation.minRemainingNotional ? Math.abs(this.quantities[c.index]!) : amount;
  }

  close(c: Candidate, amount: number, rate: number, cap: number | 'full'): void {
    if (amount <= 0) return;
    const before = this.session.maintenance();
    if (c.kind === 'position') {
      const q = this.quantities[c.index]! - c.sign * amount;
      this.quantities[c.index] = Math.abs(q) < 1e-15 * c.size ? 0 : q;
      this.session.setPosition(c.index, this.quantities[c.index]!);
    } else {
      this.amounts[c.index] = this.amounts[c.index]! - amount;
      this.session.setCollateral(c.index, this.amounts[c.index]!);
    }
    const penalty = rate * amount * c.unitPenaltyBase;
    this.equity += amount * c.unitHaircutRelease - penalty;
    this.closed.set(c, (this.closed.get(c) ?? 0) + amount);
    const relief = before - this.session.maintenance();
    const last = this.steps.at(-1);
    // A second slice of what the last step traded is the same trade: one step, not two.
    if (last?.candidate === c) this.steps[this.steps.length - 1] = { ...last, amount: last.amount + amount, penalty: last.penalty + penalty, relief: last.relief + relief };
    else this.steps.push({ candidate: c, amount, penalty, relief, cap });
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
      const value = c.kind === 'position' ? c.sign * s.amount * book.positions[c.index]!.unitValue : s.amount * book.collateral[c.index]!.price;
      cash += value - s.penalty * scale;
    }
    amounts[book.quoteIndex] = amounts[book.quoteIndex]! + cash;
    const after = evaluate(book, this.model, { quantities: this.quantities, amounts });

    const steps = this.steps.map((s) => this.describe(s, scale));
    const notional = (c: Candidate, amount: number) => amount * c.unitNotional;
    const full = candidates.filter((c) => c.kind === 'position').reduce((sum, c) => sum + notional(c, c.size), 0);
    const reached = after.marginRatio === null ? after.equity > 0 : after.marginRatio >= target * (1 - 1e-12);
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

  describe(s: Working['steps'][number], scale: number): LiquidationStep {
    const c = s.candidate;
    const penalty = s.penalty * scale;
    const perUnitPenalty = penalty / s.amount;
    const book = this.book;
    if (c.kind === 'collateral') {
      const col = book.collateral[c.index]!;
      return {
        asset: col.asset,
        action: 'sell',
        quantity: s.amount,
        fraction: s.amount / c.size,
        estimatedPrice: col.price - perUnitPenalty,
        penalty,
        maintenanceMarginRelief: s.relief,
        reason: `sell ${fmt(s.amount)} ${col.asset} collateral into ${book.profile.quoteAsset}: releases its ${fmt(col.haircut * 100)}% haircut${s.relief > 0 ? ` and ${fmt(s.relief)} of scenario margin` : ''}`,
      };
    }
    const p = book.positions[c.index]!;
    const side = c.sign > 0 ? 'long' : 'short';
    const pnl = p.entryPrice === undefined ? '' : `, ${c.sign * (p.mark - p.entryPrice) < 0 ? 'losing' : 'in profit'}`;
    const why = s.cap === 'full' ? 'full liquidation' : `riskiest per notional, within the ${fmt(s.cap * 100)}% cap`;
    return {
      positionId: p.id,
      action: c.sign > 0 ? 'sell' : 'buy',
      quantity: s.amount,
      fraction: s.amount / c.size,
      estimatedPrice: p.mark - c.sign * perUnitPenalty,
      penalty,
      maintenanceMarginRelief: s.relief,
      reason: `${why}: ${side} ${p.instrument.type} on ${book.underlyings[p.underlyingIndex]}${pnl}; closing ${fmt(s.amount)} frees ${fmt(s.relief)} of maintenance margin`,
    };
  }
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
