import type { AssessedPosition, Assessment, UnderlyingRisk } from '../schemas/assessment.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { equityOf, healthOf, initialState, type AccountHealth } from './account.ts';
import { buildBook, collateralValue, type Book } from './book.ts';
import { UnknownReferenceError } from './errors.ts';
import { marginModelFor, type AccountState, type MarginBreakdown, type MarginModel } from './margin/index.ts';
import { liquidationPrices } from './liquidation-prices.ts';
import { planLiquidation } from './planner.ts';
import { liquidationPriorities } from './priority.ts';
import { findProfile } from './profiles.ts';
import type { RiskProfile } from './profile.ts';

export interface AssessOptions {
  /** Identifier of the assessment, chosen by the caller (the core has no randomness). */
  readonly id: string;
}

/** Resolves the snapshot's risk profile or throws naming the field. */
export function profileOf(snapshot: Snapshot): RiskProfile {
  const profile = findProfile(snapshot.profile);
  if (!profile) throw new UnknownReferenceError(`unknown risk profile "${snapshot.profile}"`, { field: 'profile' });
  return profile;
}

/** The risk part of an assessment: everything but the liquidation prices and the plan. */
export type RiskAssessment = Omit<Assessment, 'liquidationPrices' | 'liquidation'>;

/** What the plan and the liquidation prices are computed from. */
export interface RiskContext {
  readonly book: Book;
  readonly model: MarginModel;
  readonly state: AccountState;
  readonly health: AccountHealth;
}

/**
 * Assesses a validated snapshot: equity, margin, ratio, tier, per-position and
 * per-underlying risk, the liquidation prices, and the liquidation plan when one is due. Pure.
 */
export function assess(snapshot: Snapshot, options: AssessOptions): Assessment {
  const { assessment, context } = assessRisk(snapshot, options);
  return {
    ...assessment,
    liquidationPrices: liquidationPrices(context.book, context.model, context.state, context.health),
    liquidation: planLiquidation(context.book, context.model, context.state, context.health),
  };
}

/** The risk core alone (margin, Greeks, tier, top-up), with the context the planner needs. */
export function assessRisk(snapshot: Snapshot, options: AssessOptions): { assessment: RiskAssessment; context: RiskContext } {
  const profile = profileOf(snapshot);
  const book = buildBook(snapshot, profile);
  const model = marginModelFor(book);
  const state = initialState(book);
  const margin = model.breakdown(state);
  const health = healthOf(book, equityOf(book, state), margin.maintenance, margin.initial);

  const assessment: RiskAssessment = {
    id: options.id,
    object: 'assessment',
    accountId: snapshot.accountId,
    asOf: snapshot.asOf,
    profile: profile.name,
    marginModel: profile.marginModel,
    equity: health.equity,
    initialMargin: health.initialMargin,
    maintenanceMargin: health.maintenanceMargin,
    marginRatio: health.marginRatio,
    tier: health.tier,
    collateralTopUp: Math.max(0, profile.targetMarginRatio * health.maintenanceMargin - health.equity),
    collateral: book.collateral
      .map((c, i) => ({
        asset: c.asset,
        amount: c.amount,
        price: c.price,
        haircut: c.haircut,
        value: collateralValue(c.amount, c.price, c.haircut),
        maintenanceMargin: margin.collateralMaintenance[i]!,
      }))
      .filter((_, i) => !book.collateral[i]!.implicit),
    positions: assessPositions(book, state, margin),
    greeks: underlyingRisk(book, margin),
  };
  return { assessment, context: { book, model, state, health } };
}

function assessPositions(book: Book, state: AccountState, margin: MarginBreakdown): AssessedPosition[] {
  const priorities = liquidationPriorities(book, state.quantities);
  return book.positions.map((p, i) => {
    const q = state.quantities[i]!;
    const g = p.unitGreeks;
    return {
      id: p.id,
      instrument: p.instrument,
      quantity: q,
      markPrice: p.mark,
      impliedVolatility: p.volatility ?? null,
      notional: Math.abs(q) * p.spot,
      value: q * p.unitValue,
      unrealizedPnl: p.entryPrice === undefined ? null : q * (p.mark - p.entryPrice),
      greeks: { delta: q * g.delta, gamma: q * g.gamma, vega: q * g.vega, theta: q * g.theta },
      maintenanceMargin: margin.positionMaintenance[i]!,
      initialMargin: margin.positionInitial[i]!,
      liquidationPriority: priorities[i]!,
    };
  });
}

function underlyingRisk(book: Book, margin: MarginBreakdown): Record<string, UnderlyingRisk> {
  const out: Record<string, UnderlyingRisk> = {};
  book.underlyings.forEach((u, k) => {
    out[u] = {
      delta: 0,
      gamma: 0,
      vega: 0,
      theta: 0,
      collateralDelta: 0,
      maintenanceMargin: margin.underlyings[k]!.maintenance,
      worstScenario: margin.underlyings[k]!.worstScenario,
    };
  });
  for (const p of book.positions) {
    const r = out[book.underlyings[p.underlyingIndex]!]!;
    r.delta += p.quantity * p.unitGreeks.delta;
    r.gamma += p.quantity * p.unitGreeks.gamma;
    r.vega += p.quantity * p.unitGreeks.vega;
    r.theta += p.quantity * p.unitGreeks.theta;
  }
  for (const c of book.collateral) {
    if (c.underlyingIndex < 0) continue;
    out[book.underlyings[c.underlyingIndex]!]!.collateralDelta += c.amount > 0 ? c.amount * (1 - c.haircut) : c.amount;
  }
  return out;
}
