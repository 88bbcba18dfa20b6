import { assessRisk, assessWith } from '../risk/assess.ts';
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
} from './policies.ts';
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
  /** Called after each account with (accounts done, accounts in all). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Replay along these prices (real candles: pathsFromCandles) instead of seeded paths; `steps`, `stepMinutes` and `crashDepth` then come from them. */
  readonly paths?: PricePaths | undefined;
}

export interface PolicyTotals {
  /** Σ |quantity| × underlying price of positions closed, plus amount × price of collateral sold, USD. */
  readonly liquidatedNotional: number;
  /** Penalties paid by traders, USD. */
  readonly penalties: number;
  /** Steps at which the policy liquidated something, summed over accounts. */
  readonly events: number;
  /** Negative equity left after closing out accounts that became insolvent, USD. */
  readonly badDebt: number;
  /** Accounts liquidated at least once. */
  readonly accountsLiquidated: number;
  /** Accounts that became insolvent. */
  readonly insolventAccounts: number;
}

export interface AccountOutcome {
  readonly liquidatedNotional: number;
  readonly penalties: number;
  readonly events: number;
  readonly badDebt: number;
  /** Step of the first liquidation, or null. */
  readonly firstEventStep: number | null;
  /** Step at which the account became insolvent, or null. */
  readonly insolventStep: number | null;
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
  readonly series: {
    /** Cumulative liquidated notional per policy at every point (steps + 1 values, 0 at the start). */
    readonly liquidatedNotional: Readonly<Record<PolicyName, number[]>>;
    /** Cumulative bad debt per policy at every point. */
    readonly badDebt: Readonly<Record<PolicyName, number[]>>;
    /** Price of every underlying at every point. */
    readonly prices: Readonly<Record<string, number[]>>;
  };
  readonly perAccount: readonly AccountReport[];
}

export const DEFAULT_SEED = 42;
export const DEFAULT_CRASH_DEPTH = 0.3;
export { DEFAULT_ACCOUNTS, DEFAULT_STEPS };

const ASSESSMENT_ID = 'asm_replay';

interface MutableOutcome {
  liquidatedNotional: number;
  penalties: number;
  events: number;
  badDebt: number;
  firstEventStep: number | null;
  insolventStep: number | null;
}

/** Policies whose accounts are still identical, sharing one snapshot. */
interface Group {
  snapshot: Snapshot;
  readonly policies: readonly PolicyName[];
}

/** Runs the replay; `solver` plans every assessment (load it with `loadLinearSolver`). */
export function runReplay(solver: LinearSolver, options: ReplayOptions = {}): ReplayReport {
  const seed = options.seed ?? DEFAULT_SEED;
  const count = options.accounts ?? DEFAULT_ACCOUNTS;
  const steps = options.steps ?? DEFAULT_STEPS;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError('seed must be an integer from 0 to 4294967295');
  if (!Number.isInteger(count) || count < 1) throw new RangeError('accounts must be a positive integer');
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError('steps must be a positive integer');

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
  const accounts = generatePortfolios({
    seed,
    count,
    asOf: paths.start,
    market: markets[0]!,
    symbols: paths.symbols,
    expiries: expiriesAfter(paths.times[paths.steps]!),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });

  const stepNotional = perPolicy(() => new Float64Array(paths.steps + 1));
  const stepBadDebt = perPolicy(() => new Float64Array(paths.steps + 1));
  const perAccount: AccountReport[] = [];
  options.onProgress?.(0, accounts.length);
  accounts.forEach((account, i) => {
    const outcomes = replayAccount(account, paths, markets, stepNotional, stepBadDebt, solver);
    perAccount.push({
      id: account.id,
      kind: account.kind,
      startMarginRatio: account.startMarginRatio,
      grossNotional: account.grossNotional,
      policies: outcomes,
    });
    options.onProgress?.(i + 1, accounts.length);
  });

  const policies = perPolicy((name): PolicyTotals => {
    const all = perAccount.map((a) => a.policies[name]);
    return {
      liquidatedNotional: sum(all.map((o) => o.liquidatedNotional)),
      penalties: sum(all.map((o) => o.penalties)),
      events: sum(all.map((o) => o.events)),
      badDebt: sum(all.map((o) => o.badDebt)),
      accountsLiquidated: all.filter((o) => o.events > 0).length,
      insolventAccounts: all.filter((o) => o.insolventStep !== null).length,
    };
  });

  return {
    seed,
    accounts: accounts.length,
    steps: paths.steps,
    stepMinutes: paths.stepMinutes,
    start: paths.start,
    end: paths.times[paths.steps]!,
    crash: paths.crash,
    policies,
    series: {
      liquidatedNotional: perPolicy((name) => cumulative(stepNotional[name])),
      badDebt: perPolicy((name) => cumulative(stepBadDebt[name])),
      prices: Object.fromEntries(paths.symbols.map((s) => [s, Array.from(paths.prices[s]!)])),
    },
    perAccount,
  };
}

/** Walks one account along the path under every policy. */
function replayAccount(
  account: ReplayAccount,
  paths: PricePaths,
  markets: readonly Snapshot['market'][],
  stepNotional: Record<PolicyName, Float64Array>,
  stepBadDebt: Record<PolicyName, Float64Array>,
  solver: LinearSolver,
): Record<PolicyName, AccountOutcome> {
  const outcomes = perPolicy(
    (): MutableOutcome => ({ liquidatedNotional: 0, penalties: 0, events: 0, badDebt: 0, firstEventStep: null, insolventStep: null }),
  );
  const record = (name: PolicyName, k: number, notional: number, penalties: number, executed: boolean) => {
    const o = outcomes[name];
    o.liquidatedNotional += notional;
    o.penalties += penalties;
    stepNotional[name][k]! += notional;
    if (executed) {
      o.events++;
      o.firstEventStep ??= k;
    }
  };

  // Validated once; every later snapshot is derived from it by trades the replay controls.
  let groups: Group[] = [{ snapshot: SnapshotSchema.parse(account.snapshot), policies: POLICY_NAMES }];
  for (let k = 1; k <= paths.steps && groups.length > 0; k++) {
    const next: Group[] = [];
    for (const group of groups) {
      const snapshot = settleExpired({ ...group.snapshot, asOf: paths.times[k]!, market: markets[k]! });
      if (!atRisk(snapshot)) continue; // only cash and unencumbered collateral: nothing can happen any more
      const assessment = assessWith(snapshot, { id: ASSESSMENT_ID }, solver);

      if (assessment.tier === 'insolvent') {
        const result = applyTrades(snapshot, closeOutTrades(snapshot, assessment), pricesOf(snapshot, assessment));
        const badDebt = Math.max(0, -equityOf(result.snapshot));
        for (const name of group.policies) {
          record(name, k, result.liquidatedNotional, result.penalties, result.executed > 0);
          outcomes[name].badDebt += badDebt;
          outcomes[name].insolventStep = k;
          stepBadDebt[name][k]! += badDebt;
        }
        continue; // the account stops trading
      }

      const idle: PolicyName[] = [];
      for (const name of group.policies) {
        const policy = POLICIES[name];
        // A policy on another profile sees the same account assessed under it.
        const seen = policy.profile === undefined ? assessment : assessWith({ ...snapshot, profile: policy.profile }, { id: ASSESSMENT_ID }, solver);
        const trades: Trade[] = policy.decide(snapshot, seen);
        const result = trades.length > 0 ? applyTrades(snapshot, trades, pricesOf(snapshot, assessment)) : undefined;
        if (!result || result.executed === 0) {
          idle.push(name);
          continue;
        }
        record(name, k, result.liquidatedNotional, result.penalties, true);
        next.push({ snapshot: result.snapshot, policies: [name] });
      }
      if (idle.length > 0) next.push({ snapshot, policies: idle });
    }
    groups = next;
  }
  return outcomes;
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
  const quote = profileFor(snapshot).quoteAsset;
  const collateral = snapshot.collateral.some((c) => c.asset === quote)
    ? snapshot.collateral.map((c) => (c.asset === quote ? { ...c, amount: c.amount + cash } : c))
    : [...snapshot.collateral, { asset: quote, amount: cash }];
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
