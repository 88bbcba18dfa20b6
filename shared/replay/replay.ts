import { credited } from '../risk/account.ts';
import { assessRisk, assessWith, completeAssessment } from '../risk/assess.ts';
import type { LinearSolver } from '../risk/lp/program.ts';
import { intrinsicValue } from '../risk/black-scholes.ts';
import type { Assessment } from '../schemas/assessment.ts';
import { SnapshotSchema, type Snapshot } from '../schemas/snapshot.ts';
import { DEFAULT_STEPS, generatePaths, type PricePaths } from './paths.ts';
import {
  POLICIES,
  POLICY_NAMES,
  applyTrades,
  closeOutTrades,
  pricesOf,
  profileFor,
  type PolicyName,
  type Trade,
  type TradeResult,
} from './policies.ts';
import { DEFAULT_IMPACT, ImpactState, type ImpactParams } from './impact.ts';
import { quietBand, stillQuiet, type Quiet, type Slopes } from './quiet.ts';
import { findProfile } from '../risk/built-in-profiles.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import { DEFAULT_ACCOUNTS, expiriesAfter, generatePortfolios, type AccountKind, type ReplayAccount } from './portfolios.ts';

/**
 * The policy replay: seeded accounts walked along seeded price paths, re-assessed
 * at every step, each liquidation policy applying its own trades with the same
 * execution and penalty rule. Deterministic for a seed.
 *
 * Per account and step: the market and `asOf` move, expired options settle at
 * intrinsic value into the quote balance, the account is assessed; an insolvent
 * one (equity ≤ 0 with risk open) is closed out the same way under every policy
 * (everything closed and sold, what stays negative is bad debt, the account stops);
 * otherwise the policy chooses its trades. Policies that have not acted yet share
 * one simulated account (their states are identical), so an account is assessed
 * once per step until the policies' actions diverge.
 */

export interface ReplayOptions {
  /** Seed of the paths and the portfolios. Default 42. */
  readonly seed?: number;
  /** Number of accounts. Default 36 (four of each kind). */
  readonly accounts?: number;
  /** Number of steps. Default 1440 (one day of 1-minute steps). */
  readonly steps?: number;
  /** Minutes per step: how often the accounts are re-assessed. Default 1, like the sweeps. */
  readonly stepMinutes?: number;
  /** Risk profile of the accounts (and so of the softland plan). Default `default`. */
  readonly profile?: string;
  /** Fall of BTC over the one-hour crash (0.3 = −30%; ETH and SOL fall further); 0 for no crash. Default 0.3. */
  readonly crashDepth?: number;
  /** Called after each step with (steps done, steps in all). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Replay along these prices (real candles: pathsFromCandles) instead of seeded paths; `steps`, `stepMinutes` and `crashDepth` then come from them. */
  readonly paths?: PricePaths | undefined;
  /**
   * The accounts' gross notional as a share of the underlyings' daily traded value: books are
   * scaled to it, so their liquidations move prices by a realistic amount (docs/replay.md,
   * "Impact"). Default DEFAULT_OPEN_INTEREST_SHARE; 0 keeps the generated sizes and turns impact off.
   */
  readonly openInterestShare?: number;
  /** The square-root law's constant and the impact's half-life. Default DEFAULT_IMPACT. */
  readonly impact?: ImpactParams;
  /**
   * Re-assess every account at every step. Default false: accounts far above the tier1
   * threshold sleep while the market stays near where they were assessed (shared/replay/quiet.ts).
   */
  readonly exact?: boolean;
}

export interface PolicyTotals {
  /** Σ |quantity| × underlying price of positions closed, plus amount × price of collateral sold, USD. */
  readonly liquidatedNotional: number;
  /** Penalties paid by traders, USD. */
  readonly penalties: number;
  /** What liquidated traders lost to the policy's own market impact: what they sold, times how far their selling had pushed the price against them, USD. */
  readonly slippage: number;
  /** penalties + slippage. */
  readonly traderLoss: number;
  /** The traders' equity at the end (at the policy's own prices), summed over accounts, USD. */
  readonly equityLeft: number;
  /** Steps at which the policy liquidated something, summed over accounts. */
  readonly events: number;
  /** Negative equity left after closing out accounts that became insolvent, USD. */
  readonly badDebt: number;
  /** Accounts liquidated at least once. */
  readonly accountsLiquidated: number;
  /** Accounts that became insolvent. */
  readonly insolventAccounts: number;
  /** What the liquidations sold of the underlyings, USD at the sale (the delta closed, the collateral sold; an execution's net sale per underlying, its buy-backs not subtracted from other sales). */
  readonly underlyingSold: number;
  /**
   * The underlyings' daily volatility when the policy sold them, averaged over what it sold (0
   * when it sold nothing). Impact per dollar grows with it: on a crash whose volatility keeps
   * rising, what is sold later costs more (docs/replay.md, "What the rest of the acceptance asks").
   */
  readonly saleVolatility: number;
}

export interface AccountOutcome {
  readonly liquidatedNotional: number;
  readonly penalties: number;
  readonly slippage: number;
  /** Equity at the end, or when the account stopped trading (0 after a close-out). */
  readonly equityLeft: number;
  readonly events: number;
  readonly badDebt: number;
  /** Step of the first liquidation, or null. */
  readonly firstEventStep: number | null;
  /** Step at which the account became insolvent, or null. */
  readonly insolventStep: number | null;
  readonly underlyingSold: number;
  /** Σ sold × the daily volatility it was sold at: saleVolatility × underlyingSold. */
  readonly volatilitySold: number;
}

export interface AccountReport {
  readonly id: string;
  readonly kind: AccountKind;
  readonly startMarginRatio: number | null;
  readonly grossNotional: number;
  readonly policies: Readonly<Record<PolicyName, AccountOutcome>>;
}

export interface ReplayReport {
  readonly seed: number;
  readonly accounts: number;
  readonly steps: number;
  readonly stepMinutes: number;
  readonly start: string;
  readonly end: string;
  /** The crash window (steps) and its depth per underlying. */
  readonly crash: PricePaths['crash'];
  readonly policies: Readonly<Record<PolicyName, PolicyTotals>>;
  /** The same totals over option books (strangles, puts, covered calls, hedged) and linear ones (perpetuals, collateral). */
  readonly byBook: { readonly options: Readonly<Record<PolicyName, PolicyTotals>>; readonly linear: Readonly<Record<PolicyName, PolicyTotals>> };
  /**
   * Per policy and underlying: the lowest price it reached with the policy's impact relative
   * to the lowest historical price, minus 1 (−0.02: the policy's own selling took it 2% lower).
   */
  readonly cascadeDrawdown: Readonly<Record<PolicyName, Readonly<Record<string, number>>>>;
  /** The scale the books were given (openInterestShare), and the impact law's parameters. */
  readonly impact: { readonly openInterestShare: number; readonly y: number; readonly halfLifeMinutes: number; readonly scale: number };
  readonly series: {
    /** Cumulative liquidated notional per policy at every point (steps + 1 values, 0 at the start). */
    readonly liquidatedNotional: Readonly<Record<PolicyName, number[]>>;
    /** Cumulative bad debt per policy at every point. */
    readonly badDebt: Readonly<Record<PolicyName, number[]>>;
    /** Price of every underlying at every point. */
    readonly prices: Readonly<Record<string, number[]>>;
    /** The first underlying's price as each policy saw it, with its own impact. */
    readonly impactedPrices: Readonly<Record<PolicyName, number[]>>;
  };
  readonly perAccount: readonly AccountReport[];
}

export const DEFAULT_SEED = 42;
/** The books' gross notional: 2% of the daily traded value of their underlyings (docs/replay.md, "Impact"). */
export const DEFAULT_OPEN_INTEREST_SHARE = 0.02;
export const DEFAULT_CRASH_DEPTH = 0.3;
export { DEFAULT_ACCOUNTS, DEFAULT_STEPS };

const ASSESSMENT_ID = 'asm_replay';
/** Policies act on the tier, the margin and the plan: the liquidation prices are not computed. */
const REPLAY_ASSESSMENT = { id: ASSESSMENT_ID, liquidationPrices: false } as const;

interface MutableOutcome {
  liquidatedNotional: number;
  penalties: number;
  slippage: number;
  equityLeft: number;
  events: number;
  badDebt: number;
  firstEventStep: number | null;
  insolventStep: number | null;
  underlyingSold: number;
  volatilitySold: number;
}

/** Policies whose accounts are still identical, sharing one snapshot. */
interface Group {
  snapshot: Snapshot;
  readonly policies: readonly PolicyName[];
  /** Set while the copy is away from liquidation: it skips steps until the market leaves its band. */
  readonly quiet?: Quiet | null;
  /** No policy acted on the copy at its last assessment: a book that calm is worth measuring slopes for. */
  readonly calm?: boolean;
}

/** Runs the replay; `solver` plans every assessment (load it with `loadLinearSolver`). */
export function runReplay(solver: LinearSolver, options: ReplayOptions = {}): ReplayReport {
  const seed = options.seed ?? DEFAULT_SEED;
  const count = options.accounts ?? DEFAULT_ACCOUNTS;
  const steps = options.steps ?? DEFAULT_STEPS;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError('seed must be an integer from 0 to 4294967295');
  if (!Number.isInteger(count) || count < 1) throw new RangeError('accounts must be a positive integer');
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError('steps must be a positive integer');
  const share = options.openInterestShare ?? DEFAULT_OPEN_INTEREST_SHARE;
  if (!(share >= 0 && share <= 1)) throw new RangeError('openInterestShare must be from 0 to 1');
  const impactParams = options.impact ?? DEFAULT_IMPACT;

  const crashDepth = options.crashDepth ?? DEFAULT_CRASH_DEPTH;
  if (!(crashDepth >= 0 && crashDepth < 1)) throw new RangeError('crashDepth must be at least 0 and below 1');
  const paths =
    options.paths ??
    generatePaths({
      seed,
      steps,
      crash: crashDepth === 0 ? null : { depth: crashDepth },
      ...(options.stepMinutes === undefined ? {} : { stepMinutes: options.stepMinutes }),
    });
  const markets = marketsOf(paths);
  const generated = generatePortfolios({
    seed,
    count,
    asOf: paths.start,
    market: markets[0]!,
    symbols: paths.symbols,
    expiries: expiriesAfter(paths.times[paths.steps]!),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
  // Books sized to the market they trade in: impact is then neither zero nor absurd.
  const volume = paths.symbols.reduce((sum, u) => sum + (paths.dailyVolume[u] ?? 0), 0);
  const gross = generated.reduce((sum, a) => sum + a.grossNotional, 0);
  const scale = share > 0 && volume > 0 && gross > 0 ? (share * volume) / gross : 1;
  const accounts = generated.map((a) => scaled(a, scale));
  const impactOn = share > 0;

  const stepNotional = perPolicy(() => new Float64Array(paths.steps + 1));
  const stepBadDebt = perPolicy(() => new Float64Array(paths.steps + 1));
  const walkers: Walker[] = accounts.map((account) => ({
    account,
    // Validated once; every later snapshot is derived from it by trades the replay controls.
    groups: [{ snapshot: SnapshotSchema.parse(account.snapshot), policies: POLICY_NAMES }],
    outcomes: perPolicy((): MutableOutcome => ({ liquidatedNotional: 0, penalties: 0, slippage: 0, equityLeft: 0, events: 0, badDebt: 0, firstEventStep: null, insolventStep: null, underlyingSold: 0, volatilitySold: 0 })),
    slopes: new WeakMap(),
  }));
  const impact = perPolicy(() => new ImpactState(impactParams));
  const exact = options.exact ?? false;
  const times = paths.times.map((t) => Date.parse(t));
  const reference = paths.symbols[0]!;
  const impactedPrices = perPolicy(() => [markets[0]![reference]!.price]);
  const lowest = perPolicy(() => new Map<string, number>());
  options.onProgress?.(0, paths.steps);
  for (let k = 1; k <= paths.steps; k++) {
    // A policy that has moved no price sees the historical market, and may share accounts with the others.
    const moved = new Set(POLICY_NAMES.filter((name) => impact[name].moved));
    const marketOf = perPolicy((name) => (moved.has(name) ? impactedMarket(markets[k]!, impact[name]) : markets[k]!));
    const flows = perPolicy((): Record<string, number> => ({}));
    const fills = perPolicy((): Fill[] => []);
    const step: StepContext = { k, time: paths.times[k]!, marketOf, moved, flows, impact, stepNotional, stepBadDebt, solver, fills, exact, times, dailyVolatility: (u) => dailyVolatilityAt(paths, u, k) };
    for (const walker of walkers) stepAccount(walker, step);
    if (impactOn) for (const name of POLICY_NAMES) chargeImpact(fills[name], flows[name], impact[name], paths, k, stepBadDebt[name]);
    for (const name of POLICY_NAMES) {
      for (const u of paths.symbols) {
        const seen = marketOf[name][u]!.price;
        lowest[name].set(u, Math.min(lowest[name].get(u) ?? Infinity, seen));
      }
      impactedPrices[name].push(marketOf[name][reference]!.price);
      const state = impact[name];
      if (impactOn) {
        for (const [u, usd] of Object.entries(flows[name])) state.trade(u, usd, paths.dailyVolume[u] ?? 0, dailyVolatilityAt(paths, u, k));
      }
      state.advance(paths.stepMinutes);
    }
    options.onProgress?.(k, paths.steps);
  }
  // What each policy left its traders: every copy still trading, valued at the policy's last prices.
  const last = paths.steps;
  for (const walker of walkers) {
    for (const group of walker.groups) {
      for (const name of group.policies) {
        const market = impact[name].moved ? impactedMarket(markets[last]!, impact[name]) : markets[last]!;
        walker.outcomes[name].equityLeft += equityOf(settleExpired({ ...group.snapshot, asOf: paths.times[last]!, market }));
      }
    }
  }

  const perAccount: AccountReport[] = walkers.map((w) => ({
    id: w.account.id,
    kind: w.account.kind,
    startMarginRatio: w.account.startMarginRatio,
    grossNotional: w.account.grossNotional,
    policies: w.outcomes,
  }));
  const historicalLow = new Map(paths.symbols.map((u) => [u, Math.min(...paths.prices[u]!)]));
  return {
    seed,
    accounts: accounts.length,
    steps: paths.steps,
    stepMinutes: paths.stepMinutes,
    start: paths.start,
    end: paths.times[paths.steps]!,
    crash: paths.crash,
    policies: totals(perAccount),
    byBook: {
      options: totals(perAccount.filter((a) => OPTION_BOOKS.has(a.kind))),
      linear: totals(perAccount.filter((a) => !OPTION_BOOKS.has(a.kind))),
    },
    cascadeDrawdown: perPolicy((name) => Object.fromEntries(paths.symbols.map((u) => [u, lowest[name].get(u)! / historicalLow.get(u)! - 1]))),
    impact: { openInterestShare: share, y: impactParams.y, halfLifeMinutes: impactParams.halfLifeMinutes, scale },
    series: {
      liquidatedNotional: perPolicy((name) => cumulative(stepNotional[name])),
      badDebt: perPolicy((name) => cumulative(stepBadDebt[name])),
      prices: Object.fromEntries(paths.symbols.map((s) => [s, Array.from(paths.prices[s]!)])),
      impactedPrices,
    },
    perAccount,
  };
}

/** Books whose outcome depends on choosing what to close: the option kinds. */
const OPTION_BOOKS: ReadonlySet<AccountKind> = new Set(['short-strangle', 'short-puts', 'covered-calls', 'hedged-options']);

function totals(accounts: readonly AccountReport[]): Record<PolicyName, PolicyTotals> {
  return perPolicy((name): PolicyTotals => {
    const all = accounts.map((a) => a.policies[name]);
    const penalties = sum(all.map((o) => o.penalties));
    const slippage = sum(all.map((o) => o.slippage));
    const sold = sum(all.map((o) => o.underlyingSold));
    return {
      equityLeft: sum(all.map((o) => o.equityLeft)),
      liquidatedNotional: sum(all.map((o) => o.liquidatedNotional)),
      penalties,
      slippage,
      traderLoss: penalties + slippage,
      events: sum(all.map((o) => o.events)),
      badDebt: sum(all.map((o) => o.badDebt)),
      accountsLiquidated: all.filter((o) => o.events > 0).length,
      insolventAccounts: all.filter((o) => o.insolventStep !== null).length,
      underlyingSold: sold,
      saleVolatility: sold > 0 ? sum(all.map((o) => o.volatilitySold)) / sold : 0,
    };
  });
}

/** One account walked under every policy: groups of policies whose copies of it are still identical. */
interface Walker {
  readonly account: ReplayAccount;
  groups: Group[];
  readonly outcomes: Record<PolicyName, MutableOutcome>;
  /** Slopes per book (by identity): copies under policies that have not traded it share them. */
  readonly slopes: WeakMap<Snapshot['positions'], Slopes>;
}

interface StepContext {
  readonly k: number;
  readonly time: string;
  readonly marketOf: Record<PolicyName, Snapshot['market']>;
  /** Policies whose impact has moved a price: they no longer share a market with the others. */
  readonly moved: ReadonlySet<PolicyName>;
  /** What each policy's trades sold this step, per underlying (USD, signed). */
  readonly flows: Record<PolicyName, Record<string, number>>;
  readonly impact: Record<PolicyName, ImpactState>;
  readonly stepNotional: Record<PolicyName, Float64Array>;
  readonly stepBadDebt: Record<PolicyName, Float64Array>;
  readonly solver: LinearSolver;
  /** Every execution of this step, per policy: charged its share of the step's own impact once all are known. */
  readonly fills: Record<PolicyName, Fill[]>;
  /** Assess every copy at every step (no quiet skipping). */
  readonly exact: boolean;
  /** Every point's time, epoch ms. */
  readonly times: readonly number[];
  /** Daily volatility of an underlying at this step. */
  readonly dailyVolatility: (u: string) => number;
}

/** One copy's trades in a step: what they sold, and the copy that pays for it (null: closed out, the cost is bad debt). */
interface Fill {
  readonly outcome: MutableOutcome;
  readonly flow: Readonly<Record<string, number>>;
  readonly group: Group | null;
}


/**
 * One step of one account under every policy: the account is assessed once per group of
 * policies that hold identical copies of it and see the same market; an insolvent copy is
 * closed out the same way under every policy (what stays negative is bad debt, the copy
 * stops); otherwise each policy chooses its trades, and a policy that acts gets its own copy.
 */
function stepAccount(walker: Walker, step: StepContext): void {
  const { k } = step;
  const { outcomes } = walker;
  const record = (name: PolicyName, result: TradeResult, executed: boolean, group: Group | null) => {
    const o = outcomes[name];
    step.fills[name].push({ outcome: o, flow: result.flow, group });
    o.liquidatedNotional += result.liquidatedNotional;
    o.penalties += result.penalties;
    for (const [u, usd] of Object.entries(result.flow)) {
      if (!(usd > 0)) continue;
      o.underlyingSold += usd;
      o.volatilitySold += usd * step.dailyVolatility(u);
    }
    step.stepNotional[name][k]! += result.liquidatedNotional;
    const flow = step.flows[name];
    for (const [u, usd] of Object.entries(result.flow)) flow[u] = (flow[u] ?? 0) + usd;
    if (executed) {
      o.events++;
      o.firstEventStep ??= k;
    }
  };
  const next: Group[] = [];
  for (const group of walker.groups) {
    // A quiet copy sleeps while one market, its policies' own, stays in its band.
    if (group.quiet && oneMarket(group.policies, step.moved) && stillQuiet(group.quiet, step.marketOf[group.policies[0]!], k)) {
      next.push(group);
      continue;
    }
    const shared = group.policies.filter((name) => !step.moved.has(name));
    const subgroups = [...(shared.length > 0 ? [shared] : []), ...group.policies.filter((name) => step.moved.has(name)).map((name) => [name])];
    for (const policies of subgroups) {
      const snapshot = settleExpired({ ...group.snapshot, asOf: step.time, market: step.marketOf[policies[0]!] });
      if (!atRisk(snapshot)) {
        // Only cash and unencumbered collateral: nothing can happen any more; what it holds is the traders'.
        const equity = equityOf(snapshot);
        for (const name of policies) outcomes[name].equityLeft += equity;
        continue;
      }
      const assessment = assessFor(snapshot, policies.some((name) => POLICIES[name].usesPlan && POLICIES[name].profile === undefined), step.solver);

      if (assessment.tier === 'insolvent') {
        const result = applyTrades(snapshot, closeOutTrades(snapshot, assessment), pricesOf(snapshot, assessment));
        const badDebt = Math.max(0, -equityOf(result.snapshot));
        for (const name of policies) {
          record(name, result, result.executed > 0, null);
          outcomes[name].badDebt += badDebt;
          outcomes[name].insolventStep = k;
          step.stepBadDebt[name][k]! += badDebt;
        }
        continue; // the copy stops trading
      }

      const idle: PolicyName[] = [];
      let calm = !step.exact && CALM_TIERS.has(assessment.tier);
      let lowestRatio = assessment.marginRatio ?? Infinity;
      for (const name of policies) {
        const policy = POLICIES[name];
        // A policy on another profile sees the same account assessed under it.
        const seen = policy.profile === undefined ? assessment : assessFor({ ...snapshot, profile: policy.profile }, policy.usesPlan === true, step.solver);
        calm &&= CALM_TIERS.has(seen.tier);
        lowestRatio = Math.min(lowestRatio, seen.marginRatio ?? Infinity);
        const trades: Trade[] = policy.decide(snapshot, seen);
        const result = trades.length > 0 ? applyTrades(snapshot, trades, pricesOf(snapshot, assessment)) : undefined;
        if (!result || result.executed === 0) {
          idle.push(name);
          continue;
        }
        const copy: Group = { snapshot: result.snapshot, policies: [name] };
        record(name, result, true, copy);
        next.push(copy);
      }
      if (idle.length === 0) continue;
      calm &&= idle.length === policies.length;
      // A book a policy just traded is likely traded again: its slopes are measured once it stays calm.
      const previous = walker.slopes.get(snapshot.positions);
      const quiet = calm ? quietBand(snapshot, lowestRatio, profilesOf(snapshot, idle), { k, expiryStep: expiryStep(snapshot, step.times), previous, mayMeasure: group.calm === true }) : null;
      if (quiet && quiet.slopes !== previous) walker.slopes.set(snapshot.positions, quiet.slopes);
      next.push({ snapshot, policies: idle, quiet, calm });
    }
  }
  walker.groups = next;
}

/** The snapshot assessed, with its liquidation plan only when a policy will read it (solving it is most of the cost). */
function assessFor(snapshot: Snapshot, withPlan: boolean, solver: LinearSolver): Assessment {
  if (withPlan) return assessWith(snapshot, REPLAY_ASSESSMENT, solver);
  const { assessment, context } = assessRisk(snapshot, REPLAY_ASSESSMENT);
  return completeAssessment(assessment, context, undefined, false);
}

/** Whether the policies see one market: a lone policy, or policies none of whose impact has moved a price. */
function oneMarket(policies: readonly PolicyName[], moved: ReadonlySet<PolicyName>): boolean {
  if (policies.length === 1) return true;
  for (const name of policies) if (moved.has(name)) return false;
  return true;
}

/** Tiers in which no policy acts. */
const CALM_TIERS: ReadonlySet<string> = new Set(['healthy', 'warning']);

/** The profiles the policies assess a copy under: its own, and any a policy brings. */
function profilesOf(snapshot: Snapshot, policies: readonly PolicyName[]): RiskProfile[] {
  const own = profileFor(snapshot);
  return [own, ...policies.flatMap((name) => {
    const named = POLICIES[name].profile;
    return named === undefined ? [] : [findProfile(named)!];
  })];
}

/** The first step at or after the book's first option expiry (Infinity without options). */
function expiryStep(snapshot: Snapshot, times: readonly number[]): number {
  let first = Infinity;
  for (const p of snapshot.positions) if (p.instrument.type === 'option') first = Math.min(first, Date.parse(p.instrument.expiry));
  if (first === Infinity) return Infinity;
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < first) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What a step's liquidations lost to impact. Together a policy's executions of the step
 * sold flows[u] of each underlying on top of its running metaorder; against the historical
 * price that costs ImpactState.costOf (the square-root law integrated over the sale). The part due
 * to the price already pushed down is in the marks they executed at; the rest — the price
 * their own selling moves while it fills — is taken from each copy's quote balance in
 * proportion to what it sold (a closed-out copy's share is bad debt). Both count as slippage.
 */
function chargeImpact(fills: readonly Fill[], flows: Readonly<Record<string, number>>, state: ImpactState, paths: PricePaths, k: number, stepBadDebt: Float64Array): void {
  for (const [u, flow] of Object.entries(flows)) {
    if (flow === 0) continue;
    const total = state.costOf(u, flow, paths.dailyVolume[u] ?? 0, dailyVolatilityAt(paths, u, k));
    const inMarks = -flow * state.offsetOf(u);
    for (const fill of fills) {
      const share = (fill.flow[u] ?? 0) / flow;
      if (share === 0) continue;
      fill.outcome.slippage += total * share;
      const extra = (total - inMarks) * share;
      if (fill.group) fill.group.snapshot = debited(fill.group.snapshot, extra);
      else {
        fill.outcome.badDebt += extra;
        stepBadDebt[k]! += extra;
      }
    }
  }
}

/** The snapshot with `usd` taken from its quote balance. */
function debited(snapshot: Snapshot, usd: number): Snapshot {
  return { ...snapshot, collateral: credited(snapshot.collateral, profileFor(snapshot).quoteAsset, -usd) };
}

/** The market a policy sees: every price moved by its impact offset. */
function impactedMarket(market: Snapshot['market'], impact: ImpactState): Snapshot['market'] {
  const out: Snapshot['market'] = {};
  for (const [symbol, entry] of Object.entries(market)) out[symbol] = { ...entry, price: impact.priceOf(symbol, entry.price) };
  return out;
}

/** Daily volatility of `u` at step k, from the path's annualised volatility. */
function dailyVolatilityAt(paths: PricePaths, u: string, k: number): number {
  return paths.volatilities[u]![k]! / Math.sqrt(365);
}

/** The account with every quantity and balance multiplied by `factor`: the same margin ratio, a bigger book. */
function scaled(account: ReplayAccount, factor: number): ReplayAccount {
  if (factor === 1) return account;
  const s = account.snapshot;
  return {
    ...account,
    grossNotional: account.grossNotional * factor,
    snapshot: {
      ...s,
      positions: s.positions.map((p) => ({ ...p, quantity: p.quantity * factor })),
      collateral: s.collateral.map((c) => ({ ...c, amount: c.amount * factor })),
    },
  };
}

/** The market of every point: each underlying's price and volatility. */
function marketsOf(paths: PricePaths): Snapshot['market'][] {
  return paths.times.map((_, k) => {
    const market: Snapshot['market'] = {};
    for (const s of paths.symbols) market[s] = { price: paths.prices[s]![k]!, volatility: paths.volatilities[s]![k]! };
    return market;
  });
}

/** Settles options at or past expiry: quantity × intrinsic value into the quote balance. */
function settleExpired(snapshot: Snapshot): Snapshot {
  const now = Date.parse(snapshot.asOf);
  const expired = snapshot.positions.filter((p) => p.instrument.type === 'option' && Date.parse(p.instrument.expiry) <= now);
  if (expired.length === 0) return snapshot;
  let cash = 0;
  for (const p of expired) {
    const inst = p.instrument;
    if (inst.type !== 'option') continue;
    cash += p.quantity * intrinsicValue(inst.right, snapshot.market[inst.underlying]!.price, inst.strike);
  }
  const collateral = credited(snapshot.collateral, profileFor(snapshot).quoteAsset, cash);
  return { ...snapshot, positions: snapshot.positions.filter((p) => !expired.includes(p)), collateral };
}

/** Open positions or a debt: something a price move can turn into a loss. */
function atRisk(snapshot: Snapshot): boolean {
  return snapshot.positions.length > 0 || snapshot.collateral.some((c) => c.amount < 0);
}

function equityOf(snapshot: Snapshot): number {
  return assessRisk(snapshot, { id: ASSESSMENT_ID }).assessment.equity;
}

function perPolicy<T>(make: (name: PolicyName) => T): Record<PolicyName, T> {
  return Object.fromEntries(POLICY_NAMES.map((name) => [name, make(name)])) as Record<PolicyName, T>;
}

function cumulative(values: Float64Array): number[] {
  const out = new Array<number>(values.length);
  let total = 0;
  for (let i = 0; i < values.length; i++) out[i] = total += values[i]!;
  return out;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
