import type { AssessedPosition, Assessment, UnderlyingRisk } from '../schemas/assessment.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { equityOf, healthOf, initialState } from './account.ts';
import { buildBook, collateralValue, type Book } from './book.ts';
import { UnknownReferenceError } from './errors.ts';
import { marginModelFor, type AccountState, type MarginBreakdown } from './margin/index.ts';
import { liquidationPrices } from './liquidation-prices.ts';
import { adaptiveTarget } from './adaptive-target.ts';
import { loadLinearSolver } from './lp/highs.ts';
import type { LinearSolver } from './lp/program.ts';
import { firstUnitsOf, planLiquidation, type PlanContext } from './planner.ts';
import { rankPositions, type PositionRanking } from './priority.ts';
import { findProfile } from './built-in-profiles.ts';
import { liquidationDue } from './tiers.ts';
import type { RiskProfile } from './profile-schema.ts';
import type { RangeForecast } from './volatility/forecaster.ts';

export interface AssessOptions {
  /** Identifier of the assessment, chosen by the caller (the core has no randomness). */
  readonly id: string;
  /** Where the planner's solver comes from; HiGHS, loaded on the first plan, by default. */
  readonly solver?: () => Promise<LinearSolver>;
  /** The snapshot's profile when the caller resolved it (a tenant's own, by name); default the built-in of that name. */
  readonly profile?: RiskProfile | undefined;
  /** 24-hour volatility forecasts by underlying, for a profile whose scenario range is dynamic (null or absent: no history yet, the floor applies). */
  readonly forecasts?: Readonly<Record<string, RangeForecast | null>> | undefined;
  /** Compute the liquidation prices (default). The replay, which acts on the tier and the plan alone, turns them off: they are most of an assessment's time. */
  readonly liquidationPrices?: boolean;
}

/** The snapshot's risk profile: the one resolved by the caller, else the built-in of that name; throws naming the field. */
export function profileOf(snapshot: Snapshot, resolved?: RiskProfile): RiskProfile {
  if (resolved) {
    if (resolved.name !== snapshot.profile) throw new Error(`the resolved profile ${resolved.name} is not the snapshot's ${snapshot.profile}`);
    return resolved;
  }
  const profile = findProfile(snapshot.profile);
  if (!profile) throw new UnknownReferenceError(`unknown risk profile "${snapshot.profile}"`, { field: 'profile' });
  return profile;
}

/** The risk part of an assessment: everything but the liquidation prices and the plan. */
export type RiskAssessment = Omit<Assessment, 'liquidationPrices' | 'liquidation'>;

/** What the plan and the liquidation prices are computed from. */
export type RiskContext = PlanContext;

/**
 * Assesses a validated snapshot: equity, margin, ratio, tier, per-position and
 * per-underlying risk, the liquidation prices, and the liquidation plan when one is due.
 * No I/O of its own: asynchronous only because the solver is loaded on the first plan.
 */
export async function assess(snapshot: Snapshot, options: AssessOptions): Promise<Assessment> {
  const { assessment, context } = assessRisk(snapshot, options);
  const solver = liquidationDue(context.health.tier) ? await (options.solver ?? loadLinearSolver)() : undefined;
  return completeAssessment(assessment, context, solver, options.liquidationPrices);
}

/** `assess` with a solver already loaded: for loops that assess many snapshots (the replay). */
export function assessWith(snapshot: Snapshot, options: AssessOptions, solver: LinearSolver): Assessment {
  const { assessment, context } = assessRisk(snapshot, options);
  return completeAssessment(assessment, context, solver, options.liquidationPrices);
}

/** The risk part completed with liquidation prices (unless `withPrices` is false: none) and, when one is due (and `solver` given), the plan. */
export function completeAssessment(assessment: RiskAssessment, context: RiskContext, solver: LinearSolver | undefined, withPrices = true): Assessment {
  const liquidation = solver && liquidationDue(context.health.tier) ? planLiquidation(context, solver) : null;
  return {
    ...assessment,
    positions: liquidation ? rankedByPlan(assessment.positions, context, liquidation.steps) : assessment.positions,
    liquidationPrices: withPrices ? liquidationPrices(context.book, context.model, context.state, context.health) : {},
    liquidation,
  };
}

/** Positions re-ranked so the plan's steps come first, in their order. */
function rankedByPlan(positions: AssessedPosition[], context: RiskContext, steps: readonly { positionId?: string | undefined }[]): AssessedPosition[] {
  const { reductions, efficiency } = context.firstUnits;
  const indexOf = new Map(reductions.map((r, j) => [r.kind === 'position' ? context.book.positions[r.index]!.id : '', j]));
  const planned = steps.flatMap((s) => (s.positionId === undefined ? [] : [indexOf.get(s.positionId)!]));
  const { priority, role } = rankPositions(context, reductions, efficiency, planned);
  return positions.map((p, i) => ({ ...p, liquidationPriority: priority[i]!, role: role[i]! }));
}

/** The risk core alone (margin, Greeks, tier, top-up), with the context the planner needs. */
export function assessRisk(snapshot: Snapshot, options: AssessOptions): { assessment: RiskAssessment; context: RiskContext } {
  const valued = buildBook(snapshot, profileOf(snapshot, options.profile), options.forecasts);
  const model = marginModelFor(valued);
  const state = initialState(valued);
  const margin = model.breakdown(state);
  const health = healthOf(valued, equityOf(valued, state), margin.maintenance, margin.initial);
  // An adaptive profile's target is resolved once here; the plan and the top-up aim for it.
  const book = valued.profile.adaptiveTarget
    ? { ...valued, profile: { ...valued.profile, targetMarginRatio: adaptiveTarget(valued, model, state, health) } }
    : valued;
  const profile = book.profile;

  const firstUnits = firstUnitsOf({ book, model, state, health, margin });
  const context: RiskContext = { book, model, state, health, margin, firstUnits };
  const { reductions, weights, efficiency } = firstUnits;
  const ranking = rankPositions(context, reductions, efficiency);
  // Closed positions weigh 1; the quote balance, never sold, has none.
  const positionWeight = new Float64Array(book.positions.length).fill(1);
  const collateralWeight = new Array<number | null>(book.collateral.length).fill(null);
  reductions.forEach((r, j) => {
    if (r.kind === 'position') positionWeight[r.index] = weights[j]!;
    else collateralWeight[r.index] = weights[j]!;
  });
  const assessment: RiskAssessment = {
    id: options.id,
    object: 'assessment',
    accountId: snapshot.accountId,
    asOf: snapshot.asOf,
    profile: profile.name,
    profileVersion: profile.version ?? null,
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
        liquidationWeight: collateralWeight[i] ?? null,
      }))
      .filter((_, i) => !book.collateral[i]!.implicit),
    positions: assessPositions(book, state, margin, ranking, positionWeight),
    greeks: underlyingRisk(book, margin),
  };
  return { assessment, context };
}

function assessPositions(
  book: Book,
  state: AccountState,
  margin: MarginBreakdown,
  ranking: PositionRanking,
  weights: Float64Array,
): AssessedPosition[] {
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
      liquidationPriority: ranking.priority[i]!,
      role: ranking.role[i]!,
      liquidationWeight: weights[i]!,
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
      // The grid's reach is the portfolio model's; the standard model has no grid.
      scenarioRange: book.profile.marginModel === 'portfolio' ? book.scenarioRanges[k]! : null,
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
