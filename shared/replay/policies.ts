import { penaltyRate, penaltyTerms } from '../risk/penalty.ts';
import { findProfile } from '../risk/built-in-profiles.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import type { Tier } from '../risk/tiers.ts';
import type { Assessment } from '../schemas/assessment.ts';
import type { Snapshot } from '../schemas/snapshot.ts';

/**
 * The liquidation policies the replay compares. Each looks at the snapshot and its
 * assessment and chooses trades; `applyTrades` executes them all with one rule,
 * the planner's (shared/risk/planner.ts): the closed value moves into the quote
 * asset, the penalty (the profile's rate on the closed value) is debited, capped
 * at the profile's share of the equity. So the policies differ only in what they
 * choose to close.
 */

export const POLICY_NAMES = ['full', 'aave_v3', 'hyperliquid', 'deribit_incremental', 'fixed_tiers', 'softland', 'softland_adaptive'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** A reduction of a position toward zero, or a sale of collateral into the quote asset. */
export type Trade =
  | {
      readonly kind: 'position';
      readonly positionId: string;
      /** Units to close (> 0): sold when long, bought back when short; never flips the position. */
      readonly quantity: number;
    }
  | {
      readonly kind: 'collateral';
      readonly asset: string;
      /** Units of the asset to trade (> 0): sold from a balance, bought back against a debt. */
      readonly quantity: number;
    };

/** Prices trades execute at: the assessment's marks. */
export interface ExecutionPrices {
  /** Mark price of one unit, per position id. */
  readonly marks: Readonly<Record<string, number>>;
  /** Price per asset: underlyings and collateral. The quote asset is 1. */
  readonly assets: Readonly<Record<string, number>>;
  /** Equity before the trades; penalties are capped at the profile's share of it. */
  readonly equity: number;
  /** Delta of one unit of each position (1 for a linear long unit): what closing it sells of the underlying. */
  readonly unitDeltas?: Readonly<Record<string, number>>;
}

export interface TradeResult {
  /** The account after the trades (closed positions removed). */
  readonly snapshot: Snapshot;
  /** Σ |quantity| × underlying price for positions, amount × price for collateral sold. */
  readonly liquidatedNotional: number;
  /** Penalties debited, quote currency. */
  readonly penalties: number;
  /** Trades that changed something (after clamping to what was there). */
  readonly executed: number;
  /**
   * What the trades sold of each underlying, USD at today's price, signed (a buy-back is
   * negative): closing a position sells its delta, selling collateral sells the asset. What
   * moves the price in the replay's impact model.
   */
  readonly flow: Readonly<Record<string, number>>;
}

export interface Policy {
  readonly name: PolicyName;
  readonly description: string;
  /** The risk profile the policy's assessments use, when not the account's own. */
  readonly profile?: string;
  /** Reads the assessment's liquidation plan: the replay solves one only for these policies. */
  readonly usesPlan?: boolean;
  /** Trades to apply now, or none. Pure. */
  decide(snapshot: Snapshot, assessment: Assessment): Trade[];
}

/** A position is closed when less than this share of its size would stay open. */
const CLOSED_TOLERANCE = 1e-9;

export function profileFor(snapshot: Snapshot): RiskProfile {
  const profile = findProfile(snapshot.profile);
  if (!profile) throw new RangeError(`unknown risk profile "${snapshot.profile}"`);
  return profile;
}

/** The prices an assessment valued the snapshot at. */
export function pricesOf(snapshot: Snapshot, assessment: Assessment): ExecutionPrices {
  const marks: Record<string, number> = {};
  const unitDeltas: Record<string, number> = {};
  for (const p of assessment.positions) {
    marks[p.id] = p.markPrice;
    unitDeltas[p.id] = p.quantity === 0 ? 0 : p.greeks.delta / p.quantity;
  }
  const assets: Record<string, number> = { [profileFor(snapshot).quoteAsset]: 1 };
  for (const [asset, m] of Object.entries(snapshot.market)) assets[asset] = m.price;
  return { marks, assets, equity: assessment.equity, unitDeltas };
}

/**
 * Executes `trades` on `snapshot` with the planner's rule, the same for every
 * policy: closing q units of a position moves q × (mark − entry) (perpetuals and
 * futures; 0 without an entry price) or q × mark (options) into the quote balance;
 * selling collateral moves amount × price in (buying back a debt, out); the penalty is the profile's rate on the
 * closed value (|q| × mark, or amount × price), scaled down when the batch's total
 * would exceed maxPenaltyShareOfEquity × max(0, equity). Pure.
 */
export function applyTrades(snapshot: Snapshot, trades: readonly Trade[], prices: ExecutionPrices): TradeResult {
  const profile = profileFor(snapshot);
  const rate = penaltyRate(profile.liquidation.penalty);
  const quote = profile.quoteAsset;
  const quantities = new Map(snapshot.positions.map((p) => [p.id, p.quantity]));
  const byId = new Map(snapshot.positions.map((p) => [p.id, p]));
  const amounts = new Map(snapshot.collateral.map((c) => [c.asset, c.amount]));

  let proceeds = 0;
  let rawPenalty = 0;
  let notional = 0;
  let executed = 0;
  const flow: Record<string, number> = {};
  const sell = (asset: string, usd: number) => (flow[asset] = (flow[asset] ?? 0) + usd);
  for (const t of trades) {
    if (!(t.quantity > 0)) continue;
    if (t.kind === 'position') {
      const p = byId.get(t.positionId);
      const q = quantities.get(t.positionId);
      if (!p || q === undefined || q === 0) continue;
      const mark = priceOf(prices.marks, t.positionId);
      const spot = priceOf(prices.assets, p.instrument.underlying);
      const amount = Math.min(t.quantity, Math.abs(q));
      const sign = Math.sign(q);
      const unitValue = p.instrument.type === 'option' ? mark : p.entryPrice === undefined ? 0 : mark - p.entryPrice;
      const left = q - sign * amount;
      quantities.set(t.positionId, Math.abs(left) <= CLOSED_TOLERANCE * Math.abs(p.quantity) ? 0 : left);
      proceeds += sign * amount * unitValue;
      rawPenalty += rate * amount * mark;
      notional += amount * spot;
      sell(p.instrument.underlying, sign * amount * (prices.unitDeltas?.[t.positionId] ?? (p.instrument.type === 'option' ? 0 : 1)) * spot);
    } else {
      if (t.asset === quote) continue;
      const balance = amounts.get(t.asset) ?? 0;
      if (balance === 0) continue;
      const price = priceOf(prices.assets, t.asset);
      const amount = Math.min(t.quantity, Math.abs(balance));
      const sign = Math.sign(balance);
      const left = balance - sign * amount;
      amounts.set(t.asset, Math.abs(left) <= CLOSED_TOLERANCE * Math.abs(balance) ? 0 : left);
      proceeds += sign * amount * price;
      rawPenalty += rate * amount * price;
      notional += amount * price;
      sell(t.asset, sign * amount * price);
    }
    executed++;
  }

  // The planner's cap: a fee takes at most its share of the equity; an auction's discount is uncapped.
  const { budget } = penaltyTerms(profile.liquidation.penalty, prices.equity, profile.liquidation.maxPenaltyShareOfEquity);
  const penalties = rawPenalty > budget ? budget : rawPenalty;
  amounts.set(quote, (amounts.get(quote) ?? 0) + proceeds - penalties);

  const collateral = snapshot.collateral.map((c) => ({ ...c, amount: amounts.get(c.asset)! }));
  if (!snapshot.collateral.some((c) => c.asset === quote)) collateral.push({ asset: quote, amount: amounts.get(quote)! });
  const positions = snapshot.positions.filter((p) => quantities.get(p.id) !== 0).map((p) => ({ ...p, quantity: quantities.get(p.id)! }));
  return { snapshot: { ...snapshot, positions, collateral }, liquidatedNotional: notional, penalties, executed, flow };
}

function priceOf(prices: Readonly<Record<string, number>>, key: string): number {
  const p = prices[key];
  if (p === undefined || !Number.isFinite(p)) throw new RangeError(`no execution price for "${key}"`);
  return p;
}

/** Below maintenance (marginRatio < 1) or out of equity. */
function belowMaintenance(tier: Tier): boolean {
  return tier === 'tier3' || tier === 'insolvent';
}

/** Closes `fraction` of a position, or all of it when what would stay is dust (the profile's minRemainingNotional). */
function closeFraction(snapshot: Snapshot, assessment: Assessment, positionId: string, fraction: number): Trade | undefined {
  const p = assessment.positions.find((x) => x.id === positionId);
  if (!p || p.quantity === 0) return undefined;
  const size = Math.abs(p.quantity);
  const dust = (1 - fraction) * p.notional < profileFor(snapshot).liquidation.minRemainingNotional;
  return { kind: 'position', positionId, quantity: dust ? size : size * fraction };
}

/** Volatile collateral (not the quote asset, not a stablecoin) with a positive balance, most haircut first. */
function volatileCollateral(snapshot: Snapshot, assessment: Assessment): Assessment['collateral'] {
  const profile = profileFor(snapshot);
  return assessment.collateral
    .filter((c) => c.amount > 0 && c.asset !== profile.quoteAsset && !profile.stableAssets.includes(c.asset))
    .sort((a, b) => b.haircut - a.haircut || a.asset.localeCompare(b.asset));
}

/**
 * Collateral sales that repay `share` of the quote debt left after `positionTrades`
 * (closed values in, penalties out), most volatile asset first.
 */
function repayDebt(snapshot: Snapshot, assessment: Assessment, positionTrades: readonly Trade[], share: number): Trade[] {
  const profile = profileFor(snapshot);
  const rate = penaltyRate(profile.liquidation.penalty);
  let cash = snapshot.collateral.find((c) => c.asset === profile.quoteAsset)?.amount ?? 0;
  for (const t of positionTrades) {
    const p = assessment.positions.find((x) => t.kind === 'position' && x.id === t.positionId);
    if (!p || p.quantity === 0) continue;
    const f = Math.min(1, t.quantity / Math.abs(p.quantity));
    cash += f * p.value - rate * f * Math.abs(p.quantity) * p.markPrice;
  }
  let need = share * Math.max(0, -cash);
  const out: Trade[] = [];
  for (const c of volatileCollateral(snapshot, assessment)) {
    if (need <= 0) break;
    const perUnit = c.price * (1 - rate);
    const amount = Math.min(c.amount, need / perUnit);
    out.push({ kind: 'collateral', asset: c.asset, quantity: amount });
    need -= amount * perUnit;
  }
  return out;
}

/** Close every position (and repay the quote debt from collateral) once marginRatio < 1. */
export const fullPolicy: Policy = {
  name: 'full',
  description: 'below maintenance (marginRatio < 1): close every position, sell volatile collateral to repay any USD debt',
  decide(snapshot, assessment) {
    if (!belowMaintenance(assessment.tier)) return [];
    const positions: Trade[] = assessment.positions
      .filter((p) => p.quantity !== 0)
      .map((p) => ({ kind: 'position', positionId: p.id, quantity: Math.abs(p.quantity) }));
    return [...positions, ...repayDebt(snapshot, assessment, positions, 1)];
  },
};

/** Aave v3.3's `CLOSE_FACTOR_HF_THRESHOLD`: below this health factor (here marginRatio) the close factor is 100%. */
export const AAVE_FULL_CLOSE_BELOW = 0.95;

/**
 * Aave v3: below maintenance, half of every position and half of the USD debt at a time
 * (close factor 50%); below a ratio of 0.95, all of it.
 */
export const aaveV3Policy: Policy = {
  name: 'aave_v3',
  description: 'below maintenance: close 50% of every position and repay 50% of any USD debt each step; 100% below marginRatio 0.95',
  decide(snapshot, assessment) {
    if (!belowMaintenance(assessment.tier)) return [];
    const ratio = assessment.marginRatio;
    if (assessment.tier === 'insolvent' || (ratio !== null && ratio < AAVE_FULL_CLOSE_BELOW)) return fullPolicy.decide(snapshot, assessment);
    const positions = assessment.positions
      .map((p) => closeFraction(snapshot, assessment, p.id, 0.5))
      .filter((t): t is Trade => t !== undefined);
    return [...positions, ...repayDebt(snapshot, assessment, positions, 0.5)];
  },
};

/** Hyperliquid: positions above this notional are closed in slices, not at once. */
export const HYPERLIQUID_LARGE_NOTIONAL = 100_000;
/** …of this share each (with a 30-second cooldown: one slice per evaluation here). */
export const HYPERLIQUID_SLICE = 0.2;

/** Hyperliquid: below maintenance, market-close every position, except large ones, which go 20% at a time. */
export const hyperliquidPolicy: Policy = {
  name: 'hyperliquid',
  description: 'below maintenance: market-close every position; positions above 100,000 USD notional 20% at a time; repay USD debt from collateral',
  decide(snapshot, assessment) {
    if (!belowMaintenance(assessment.tier)) return [];
    const positions = assessment.positions
      .map((p) => closeFraction(snapshot, assessment, p.id, p.notional > HYPERLIQUID_LARGE_NOTIONAL ? HYPERLIQUID_SLICE : 1))
      .filter((t): t is Trade => t !== undefined);
    return [...positions, ...repayDebt(snapshot, assessment, positions, 1)];
  },
};

/**
 * Deribit's incremental liquidation: below maintenance, close the positions with the
 * largest maintenance margin in increments sized to bring marginRatio back to exactly
 * 1.00 (no buffer: the next move below maintenance triggers the next increment); each
 * unit frees its maintenance margin and costs its penalty.
 */
export const deribitIncrementalPolicy: Policy = {
  name: 'deribit_incremental',
  description: 'below maintenance: reduce the positions with the largest maintenance margin just enough to bring marginRatio back to 1.00',
  decide(snapshot, assessment) {
    if (!belowMaintenance(assessment.tier)) return [];
    if (assessment.tier === 'insolvent') return fullPolicy.decide(snapshot, assessment);
    const rate = penaltyRate(profileFor(snapshot).liquidation.penalty);
    let deficit = assessment.maintenanceMargin - assessment.equity;
    const trades: Trade[] = [];
    const risky = assessment.positions.filter((p) => p.quantity !== 0 && p.maintenanceMargin > 0).sort((a, b) => b.maintenanceMargin - a.maintenanceMargin);
    for (const p of risky) {
      if (deficit <= 0) break;
      const size = Math.abs(p.quantity);
      const perUnit = p.maintenanceMargin / size - rate * p.markPrice;
      if (!(perUnit > 0)) continue;
      const units = Math.min(size, deficit / perUnit);
      const trade = closeFraction(snapshot, assessment, p.id, units / size);
      if (trade) trades.push(trade);
      deficit -= units * perUnit;
    }
    return deficit > 0 ? [...trades, ...repayDebt(snapshot, assessment, trades, 1)] : trades;
  },
};

/** Share of the riskiest position the fixed-tier policy closes in each tier (the product brief's 10/25/100). */
export const FIXED_TIER_FRACTIONS: Readonly<Partial<Record<Tier, number>>> = { tier1: 0.1, tier2: 0.25, tier3: 1, insolvent: 1 };

/**
 * The brief's fixed tiers: 10% / 25% / 100% of the single riskiest holding in
 * tier1 / tier2 / tier3, no buffer target. Riskiest: the largest maintenance-margin
 * contribution (positions, and volatile collateral, which is a loan's risk);
 * when nothing contributes, the position of liquidation priority 1.
 */
export const fixedTiersPolicy: Policy = {
  name: 'fixed_tiers',
  description: 'tier1/tier2/tier3: close 10%/25%/100% of the position (or collateral) with the largest maintenance margin',
  decide(snapshot, assessment) {
    const fraction = FIXED_TIER_FRACTIONS[assessment.tier];
    if (fraction === undefined) return [];
    let best: { mm: number; trade: () => Trade | undefined } | undefined;
    const open = assessment.positions.filter((p) => p.quantity !== 0);
    for (const p of open) {
      if (!best || p.maintenanceMargin > best.mm) best = { mm: p.maintenanceMargin, trade: () => closeFraction(snapshot, assessment, p.id, fraction) };
    }
    for (const c of volatileCollateral(snapshot, assessment)) {
      if (!best || c.maintenanceMargin > best.mm) best = { mm: c.maintenanceMargin, trade: () => ({ kind: 'collateral', asset: c.asset, quantity: c.amount * fraction }) };
    }
    if (best && best.mm <= 0) {
      const first = open.find((p) => p.liquidationPriority === 1) ?? open[0];
      if (first) best = { mm: 0, trade: () => closeFraction(snapshot, assessment, first.id, fraction) };
    }
    const trade = best?.trade();
    return trade ? [trade] : [];
  },
};

/** Softland: exactly the assessment's liquidation plan, whenever there is one (tier1 and worse). */
export const softlandPolicy: Policy = {
  name: 'softland',
  description: "apply the assessment's liquidation plan (tier1 and worse): the least notional that restores the target ratio",
  usesPlan: true,
  decide(_snapshot, assessment) {
    const plan = assessment.liquidation;
    if (!plan) return [];
    return plan.steps.map((s): Trade =>
      s.positionId !== undefined
        ? { kind: 'position', positionId: s.positionId, quantity: s.quantity }
        : { kind: 'collateral', asset: s.asset!, quantity: s.quantity },
    );
  },
};

/** Softland with the `adaptive` profile: the target sized to the next minute's 99% move instead of a fixed 1.10. */
export const softlandAdaptivePolicy: Policy = {
  name: 'softland_adaptive',
  description: "apply the plan of the `adaptive` profile: the least notional that restores a target sized to the next evaluation's 99% move",
  profile: 'adaptive',
  usesPlan: true,
  decide: softlandPolicy.decide,
};

export const POLICIES: Readonly<Record<PolicyName, Policy>> = {
  full: fullPolicy,
  aave_v3: aaveV3Policy,
  hyperliquid: hyperliquidPolicy,
  deribit_incremental: deribitIncrementalPolicy,
  fixed_tiers: fixedTiersPolicy,
  softland: softlandPolicy,
  softland_adaptive: softlandAdaptivePolicy,
};

/**
 * What every policy does with an insolvent account (equity ≤ 0 with risk open):
 * close every position, sell every non-quote balance and buy back every non-quote debt;
 * what stays negative is bad debt.
 */
export function closeOutTrades(snapshot: Snapshot, assessment: Assessment): Trade[] {
  const quote = profileFor(snapshot).quoteAsset;
  return [
    ...assessment.positions.filter((p) => p.quantity !== 0).map((p): Trade => ({ kind: 'position', positionId: p.id, quantity: Math.abs(p.quantity) })),
    ...assessment.collateral.filter((c) => c.asset !== quote && c.amount !== 0).map((c): Trade => ({ kind: 'collateral', asset: c.asset, quantity: Math.abs(c.amount) })),
  ];
}
