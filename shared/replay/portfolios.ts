import { assessRisk } from '../risk/assess.ts';
import { SnapshotSchema, type Snapshot, type SnapshotInput } from '../schemas/snapshot.ts';
import { findProfile } from '../risk/built-in-profiles.ts';
import { Rng } from './random.ts';

/**
 * Seeded, realistic accounts for the replay: leveraged perpetual traders (long,
 * short, spreads), short-option sellers (strangles, puts, covered calls), hedged
 * books (delta-hedged short volatility, protective puts) and accounts whose
 * collateral is itself volatile (loans against BTC/ETH/SOL, collateral plus perps).
 *
 * Each account is built without cash, assessed once, then given the USD balance
 * (negative: a loan) that puts its marginRatio at a drawn starting level
 * 1.12 + 2.6·u^1.5 (u uniform: 1.12 to 3.72, median about 2): about a sixth start
 * in `warning` (ratio < 1.3, the IM threshold), the rest `healthy`. Under the
 * portfolio model's ±16% grid a leveraged linear long book starting below about
 * 2.2 cannot ride out a −30% crash without liquidation, so many accounts get into
 * trouble during the crash. Sizes are log-uniform between 20,000 and 2,000,000 USD.
 */

export const ACCOUNT_KINDS = [
  'perp-long',
  'perp-short',
  'perp-spread',
  'short-strangle',
  'short-puts',
  'covered-calls',
  'hedged-options',
  'collateral-loan',
  'collateral-perps',
] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export interface ReplayAccount {
  readonly id: string;
  readonly kind: AccountKind;
  /** marginRatio at the start (null when the book has no requirement). */
  readonly startMarginRatio: number | null;
  /** Gross notional of positions and volatile collateral at the start, USD. */
  readonly grossNotional: number;
  readonly snapshot: SnapshotInput;
}

export interface MarketPoint {
  readonly price: number;
  readonly volatility?: number;
}

export interface PortfolioOptions {
  readonly seed: number;
  /** Number of accounts; kinds are dealt in turn so every kind appears. Default 36. */
  readonly count?: number;
  /** Time of the snapshots (the start of the replay). */
  readonly asOf: string;
  /** Starting market per underlying (every one of `symbols`). */
  readonly market: Readonly<Record<string, MarketPoint>>;
  /**
   * The underlyings, the reference asset first (the one alts are spread against); default
   * BTC, ETH, SOL. Collateral kinds use the ones the profile accepts as collateral.
   */
  readonly symbols?: readonly string[];
  /** Option expiries to choose from, all after the replay's end (see `expiriesAfter`). */
  readonly expiries: readonly string[];
  /** Risk profile of every account. Default `default`. */
  readonly profile?: string;
  /** Smallest and largest gross notional per account, USD. Default 20,000 and 2,000,000. */
  readonly notional?: readonly [min: number, max: number];
}

export const DEFAULT_ACCOUNTS = 36;

const MS_PER_DAY = 86_400_000;

/**
 * Friday 08:00 UTC expiries, the first at least two days after `endIso`: a weekly,
 * the next weekly, and about one and three months out.
 */
export function expiriesAfter(endIso: string): string[] {
  const end = Date.parse(endIso) + 2 * MS_PER_DAY;
  const d = new Date(end);
  d.setUTCHours(8, 0, 0, 0);
  while (d.getUTCDay() !== 5 || d.getTime() < end) d.setTime(d.getTime() + MS_PER_DAY);
  const first = d.getTime();
  return [0, 7, 28, 91].map((days) => new Date(first + days * MS_PER_DAY).toISOString().replace('.000Z', 'Z'));
}

type Position = SnapshotInput['positions'][number];
type CollateralBalance = SnapshotInput['collateral'][number];

interface Book {
  positions: Position[];
  collateral: CollateralBalance[];
}

interface Context {
  readonly rng: Rng;
  readonly market: Readonly<Record<string, MarketPoint>>;
  readonly expiries: readonly string[];
  readonly notional: number;
  readonly asOf: string;
  readonly profile: string;
  /** The underlyings, the reference first; the alts; and those the profile accepts as collateral. */
  readonly symbols: readonly string[];
  readonly alts: readonly string[];
  readonly collateralAssets: readonly string[];
  /** Next position id. */
  id: number;
}

export function generatePortfolios(options: PortfolioOptions): ReplayAccount[] {
  const count = options.count ?? DEFAULT_ACCOUNTS;
  if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
  const symbols = options.symbols ?? DEFAULT_SYMBOLS;
  if (symbols.length === 0) throw new RangeError('symbols must not be empty');
  for (const u of symbols) if (!options.market[u]) throw new RangeError(`market needs ${u}`);
  const haircuts = findProfile(options.profile ?? 'default')?.haircuts ?? {};
  const collateralAssets = symbols.filter((u) => Object.hasOwn(haircuts, u));
  if (options.expiries.length === 0) throw new RangeError('expiries must not be empty');
  const [minNotional, maxNotional] = options.notional ?? [20_000, 2_000_000];
  const root = new Rng(options.seed).fork('portfolios');
  const accounts: ReplayAccount[] = [];
  for (let i = 0; i < count; i++) {
    const kind = ACCOUNT_KINDS[i % ACCOUNT_KINDS.length]!;
    const rng = root.fork(`account-${i}`);
    const ctx: Context = {
      rng,
      market: options.market,
      expiries: options.expiries,
      notional: rng.logUniform(minNotional, maxNotional),
      asOf: options.asOf,
      profile: options.profile ?? 'default',
      symbols,
      alts: symbols.length > 1 ? symbols.slice(1) : symbols,
      collateralAssets: collateralAssets.length > 0 ? collateralAssets : [],
      id: 0,
    };
    const book = BUILDERS[kind](ctx);
    const ratio = 1.12 + 2.6 * rng.next() ** 1.5;
    accounts.push(sized(`${kind}-${String(i + 1).padStart(2, '0')}`, kind, book, ratio, ctx));
  }
  return accounts;
}

export const DEFAULT_SYMBOLS: readonly string[] = ['BTC', 'ETH', 'SOL'];
type Underlying = string;

/** Strike grid per underlying: these, else 5 × 10^(digits − 3) of the price (ETH at 3,000: 50). */
const STRIKE_STEP: Readonly<Record<string, number>> = { BTC: 1000, ETH: 50, SOL: 5 };
const strikeStep = (u: string, price: number) => STRIKE_STEP[u] ?? 5 * 10 ** (Math.floor(Math.log10(price)) - 2);

const BUILDERS: Record<AccountKind, (ctx: Context) => Book> = {
  'perp-long': (ctx) => perpBook(ctx, 1),
  'perp-short': (ctx) => perpBook(ctx, -1),
  'perp-spread': (ctx) => {
    // Long an alt against BTC: correlated, but the alt falls further in a crash.
    const alt = ctx.rng.pick(ctx.alts);
    return {
      positions: [perp(ctx, alt, ctx.notional), perp(ctx, ctx.symbols[0]!, -ctx.notional * ctx.rng.uniform(0.5, 1))],
      collateral: [],
    };
  },
  'short-strangle': (ctx) => {
    const u = weightedUnderlying(ctx);
    const expiry = ctx.rng.pick(ctx.expiries.slice(0, 3));
    const q = -ctx.notional / 2 / price(ctx, u);
    return {
      positions: [
        option(ctx, u, 'call', strike(ctx, u, 1 + ctx.rng.uniform(0.06, 0.2)), expiry, q),
        option(ctx, u, 'put', strike(ctx, u, 1 - ctx.rng.uniform(0.06, 0.2)), expiry, q),
      ],
      collateral: [],
    };
  },
  'short-puts': (ctx) => {
    const u = weightedUnderlying(ctx);
    const legs = ctx.rng.int(1, 2);
    const positions: Position[] = [];
    for (let k = 0; k < legs; k++) {
      const q = -ctx.notional / legs / price(ctx, u);
      positions.push(option(ctx, u, 'put', strike(ctx, u, 1 - ctx.rng.uniform(0.03, 0.15)), ctx.rng.pick(ctx.expiries), q));
    }
    return { positions, collateral: [] };
  },
  'covered-calls': (ctx) => {
    // Coins held as collateral, calls sold against part of them, USD borrowed against the rest.
    const u = ctx.rng.pick(ctx.collateralAssets.slice(0, 2));
    const coins = ctx.notional / price(ctx, u);
    return {
      positions: [
        option(ctx, u, 'call', strike(ctx, u, 1 + ctx.rng.uniform(0.04, 0.15)), ctx.rng.pick(ctx.expiries.slice(0, 3)), -coins * ctx.rng.uniform(0.5, 1)),
      ],
      collateral: [{ asset: u, amount: round(coins, 6) }],
    };
  },
  'hedged-options': (ctx) => {
    const u = weightedUnderlying(ctx);
    const expiry = ctx.rng.pick(ctx.expiries);
    if (ctx.rng.chance(0.3)) {
      // A long perpetual protected by puts.
      const long = perp(ctx, u, ctx.notional);
      const puts = option(ctx, u, 'put', strike(ctx, u, 1 - ctx.rng.uniform(0.05, 0.15)), expiry, long.quantity * ctx.rng.uniform(0.5, 1));
      return { positions: [long, puts], collateral: [] };
    }
    // A short straddle or strangle, delta-hedged with the perpetual.
    const width = ctx.rng.chance(0.5) ? 0 : ctx.rng.uniform(0.04, 0.12);
    const q = -ctx.notional / 2 / price(ctx, u);
    const options = [
      option(ctx, u, 'call', strike(ctx, u, 1 + width), expiry, q),
      option(ctx, u, 'put', strike(ctx, u, 1 - width), expiry, q),
    ];
    const delta = assessed({ positions: options, collateral: [] }, ctx).greeks[u]?.delta ?? 0;
    const hedge: Position = { id: `p${ctx.id++}`, instrument: { type: 'perpetual', underlying: u }, quantity: round(-delta, 6), entryPrice: price(ctx, u) };
    return { positions: hedge.quantity === 0 ? options : [...options, hedge], collateral: [] };
  },
  'collateral-loan': (ctx) => {
    const assets = shuffled(ctx.rng, ctx.collateralAssets).slice(0, ctx.rng.int(1, 2));
    return {
      positions: [],
      collateral: assets.map((a) => ({ asset: a, amount: round(ctx.notional / assets.length / price(ctx, a), 6) })),
    };
  },
  'collateral-perps': (ctx) => {
    const asset = ctx.rng.pick(ctx.collateralAssets.length > 1 ? ctx.collateralAssets.slice(1) : ctx.collateralAssets);
    const u = ctx.rng.pick(ctx.symbols);
    return {
      positions: [perp(ctx, u, ctx.notional)],
      collateral: [{ asset, amount: round((ctx.notional * ctx.rng.uniform(0.3, 1)) / price(ctx, asset), 6) }],
    };
  },
};

/** One to three perpetuals on distinct underlyings, all long (+1) or all short (−1). */
function perpBook(ctx: Context, side: 1 | -1): Book {
  const picked = shuffled(ctx.rng, ctx.symbols).slice(0, ctx.rng.int(1, 3));
  const weights = picked.map(() => ctx.rng.uniform(0.3, 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return { positions: picked.map((u, k) => perp(ctx, u, (side * ctx.notional * weights[k]!) / total)), collateral: [] };
}

/** A perpetual of `notional` USD (signed), entered within a few percent of today's price. */
function perp(ctx: Context, u: Underlying, notional: number): Position & { quantity: number } {
  const p = price(ctx, u);
  return {
    id: `p${ctx.id++}`,
    instrument: { type: 'perpetual', underlying: u },
    quantity: round(notional / p, 6),
    entryPrice: round(p * Math.exp(0.04 * ctx.rng.normal()), 2),
  };
}

function option(ctx: Context, u: Underlying, right: 'call' | 'put', k: number, expiry: string, quantity: number): Position {
  return { id: `p${ctx.id++}`, instrument: { type: 'option', underlying: u, right, strike: k, expiry }, quantity: round(quantity, 4) };
}

function strike(ctx: Context, u: Underlying, moneyness: number): number {
  const step = strikeStep(u, price(ctx, u));
  return Math.max(step, Math.round((price(ctx, u) * moneyness) / step) * step);
}

function price(ctx: Context, u: string): number {
  return ctx.market[u]!.price;
}

/**
 * The reference asset half the time, the others sharing the rest in falling shares (×3/7
 * each: with BTC, ETH, SOL that is 50%, 35%, 15%): where option volume is.
 */
function weightedUnderlying(ctx: Context): Underlying {
  const x = ctx.rng.next();
  const rest = ctx.symbols.slice(1);
  if (rest.length === 0 || x < 0.5) return ctx.symbols[0]!;
  const shares = rest.map((_, k) => (3 / 7) ** k);
  const total = shares.reduce((a, b) => a + b, 0);
  let edge = 0.5;
  for (let k = 0; k < rest.length; k++) {
    edge += (0.5 * shares[k]!) / total;
    if (x < edge) return rest[k]!;
  }
  return rest.at(-1)!;
}

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function inputOf(book: Book, ctx: Context, usd: number): SnapshotInput {
  const market: Record<string, MarketPoint> = {};
  for (const [u, m] of Object.entries(ctx.market)) market[u] = m.volatility === undefined ? { price: m.price } : { price: m.price, volatility: m.volatility };
  return {
    accountId: 'sizing',
    asOf: ctx.asOf,
    collateral: [{ asset: 'USD', amount: usd }, ...book.collateral],
    positions: book.positions,
    market,
    profile: ctx.profile,
  };
}

function assessed(book: Book, ctx: Context, usd = 0) {
  const snapshot: Snapshot = SnapshotSchema.parse(inputOf(book, ctx, usd));
  return assessRisk(snapshot, { id: 'sizing' }).assessment;
}

/** Gives the book the USD balance that sets its marginRatio to `ratio` (USD carries no margin). */
function sized(id: string, kind: AccountKind, book: Book, ratio: number, ctx: Context): ReplayAccount {
  const bare = assessed(book, ctx);
  const gross =
    bare.positions.reduce((s, p) => s + p.notional, 0) + bare.collateral.reduce((s, c) => s + (c.asset === 'USD' ? 0 : Math.abs(c.amount * c.price)), 0);
  // A book with no requirement (fully hedged) gets a tenth of its notional in cash.
  const usd = bare.maintenanceMargin > 0 ? ratio * bare.maintenanceMargin - bare.equity : 0.1 * gross;
  const snapshot = { ...inputOf(book, ctx, round(usd, 2)), accountId: id };
  const start = assessRisk(SnapshotSchema.parse(snapshot), { id: 'sizing' }).assessment;
  return { id, kind, startMarginRatio: start.marginRatio, grossNotional: gross, snapshot };
}
