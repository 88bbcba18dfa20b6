/**
 * An independent statement of "the least notional liquidation" of a snapshot
 * (docs/margin.md, docs/liquidation.md), solved with YALPS — a pure-JS
 * simplex with branch and bound — so that the planner (HiGHS, shared/risk/planner.ts)
 * can be checked against a different solver and a different code path.
 *
 * Nothing here calls the engine's book, margin models or planner. The only engine code
 * reused is the pure Black-Scholes price `optionPrice`. Every number of the default risk
 * profiles is restated below from the docs (test (a) of planner.optimality.test.ts
 * checks that this model reproduces `assess` on generated books).
 *
 * The problem, for an account in tier1, tier2 or tier3 (profile `minimal`):
 *   candidates j: each open position, reduced toward zero by x_j ∈ [0, cap·|q_j|];
 *                 each volatile collateral balance, sold (held) or bought back (owed), x_j ∈ [0, cap·|a_j|];
 *   minimise      Σ_j x_j·unitNotional_j                              (underlying price, asset price)
 *   subject to    E(x) ≥ T·MM(x)                                      (T = targetMarginRatio = 1.10)
 *   where         E(x)  = E0 − min(Σ_j x_j·0.005·penaltyBase_j, 0.5·max(E0, 0)) + Σ_{sales} x_j·price_j·haircut_j
 *                 MM(x) = K + Σ_j k_j·x_j + Σ_g max(0, max_r c_gr + Σ_j A_grj·x_j)     (convex piecewise-linear)
 * MM's max-groups become auxiliary variables L_g ≥ 0, L_g ≥ row_r(x). The penalty cap
 * (a min, concave) is handled by solving both regions (penalties below the cap, and at it)
 * and keeping the better. When no x reaches the target, the least shortfall
 * max(0, T·MM(x) − E(x)) is found first, then the least notional at that shortfall.
 * Positions with a `lotSize` close whole lots: integer variables.
 *
 * `bruteForce` checks the LP on books of 2–3 candidates without it: a uniform grid, and an
 * exact derivative-free search, both evaluating the account from its state (`outcome`).
 *
 * Outside this statement, so the generated books avoid them: options valued from a mark
 * alone (implied volatility), expired options, stablecoins other than USD/USDC as collateral
 * (selling USDT or DAI releases a haircut), the dust rule (a remainder under 10 USD is closed
 * too: not a linear constraint), Dutch-auction penalties, and the `full` tier3 mode.
 */
import { solve, type Constraint, type Model } from 'yalps';
import { optionPrice } from '../shared/risk/black-scholes.ts';
import type { Snapshot } from '../shared/schemas/snapshot.ts';

// ---------------------------------------------------------------------------------------
// Profile numbers, restated from docs/margin.md and docs/liquidation.md.
// ---------------------------------------------------------------------------------------

export const RULES = {
  quote: 'USD',
  stable: ['USD', 'USDC', 'USDT', 'DAI'] as readonly string[],
  haircuts: { USD: 0, USDC: 0, USDT: 0.005, DAI: 0.02, BTC: 0.05, ETH: 0.07, SOL: 0.2, BNB: 0.2, XRP: 0.3, DOGE: 0.5 } as Readonly<Record<string, number>>,
  /** Portfolio grid: 9 moves −16% … +16%, vol unchanged / up / down. */
  priceRange: 0.16,
  priceSteps: 9,
  volUp: 0.5,
  volDown: 0.25,
  volPowerShort: 0.3,
  volPowerLong: 0.13,
  volTenorDays: 30,
  shortOptionContingency: 0.001,
  /** Standard: [notional up to, maintenance rate], Binance style, continuous. */
  brackets: [
    [1_000_000, 0.01],
    [5_000_000, 0.025],
    [20_000_000, 0.05],
    [Infinity, 0.1],
  ] as ReadonlyArray<readonly [number, number]>,
  optionMaintenanceFactor: 0.075,
  tiers: { tier1: 1.05, tier2: 1.02, tier3: 1.0 },
  target: 1.1,
  caps: { tier1: 0.1, tier2: 0.25, tier3: 1 },
  feeRate: 0.005,
  maxPenaltyShareOfEquity: 0.5,
  minRemainingNotional: 10,
} as const;

const MS_PER_YEAR = 365 * 86_400_000;
/** YALPS treats numbers below this as zero and rounds its answer to it; money is in units of the account's MM or equity. */
const PRECISION = 1e-11;
const N_VOL = 3;

/** The 9 price moves of the grid. */
export const MOVES: readonly number[] = Array.from({ length: RULES.priceSteps }, (_, k) => {
  const half = (RULES.priceSteps - 1) / 2;
  return (RULES.priceRange * (k - half)) / half;
});
const N_SCEN = MOVES.length * N_VOL;

/** Volatility multipliers [up, down] at `years` to expiry: 1 + 0.5·(30d/max(T,1d))^p, 1 − 0.25·(…)^p (Derive). */
export function volMultipliers(years: number): [number, number] {
  const days = Math.max(years * 365, 1);
  const p = days <= RULES.volTenorDays ? RULES.volPowerShort : RULES.volPowerLong;
  const s = (RULES.volTenorDays / days) ** p;
  return [1 + RULES.volUp * s, Math.max(1 - RULES.volDown * s, 0.01)];
}

/** Maintenance margin of a perpetual/future (or a volatile debt) of `notional`: max over brackets of rate·n − offset. */
export function bracketRows(): Array<[rate: number, offset: number]> {
  const rows: Array<[number, number]> = [];
  let offset = 0;
  let previousRate = RULES.brackets[0]![1];
  let previousEdge = 0;
  for (const [edge, rate] of RULES.brackets) {
    offset += previousEdge * (rate - previousRate);
    rows.push([rate, offset]);
    previousRate = rate;
    previousEdge = edge;
  }
  return rows;
}
const BRACKETS = bracketRows();
export function bracketMaintenance(notional: number): number {
  return Math.max(0, ...BRACKETS.map(([r, o]) => r * notional - o));
}

// ---------------------------------------------------------------------------------------
// The snapshot, valued.
// ---------------------------------------------------------------------------------------

export type MarginKind = 'portfolio' | 'standard';

export interface ValuedPosition {
  readonly id: string;
  readonly underlying: string;
  readonly option: boolean;
  /** A live option (before expiry); expired options are worth their payoff. */
  readonly live: boolean;
  readonly quantity: number;
  readonly spot: number;
  /** Mark of one contract: the exchange's, else the model's (options) or the spot (linear). */
  readonly mark: number;
  /** Equity per unit held: mark − entry (linear; 0 without entry), the mark (options). */
  readonly unitValue: number;
  readonly lot: number | undefined;
  /** PnL of one unit held in each scenario (move-major, vol minor: unchanged, up, down). */
  readonly scenarios: Float64Array;
}

export interface ValuedCollateral {
  readonly asset: string;
  readonly amount: number;
  readonly price: number;
  readonly haircut: number;
  readonly volatile: boolean;
}

export interface Valued {
  readonly margin: MarginKind;
  readonly profile: string;
  readonly positions: readonly ValuedPosition[];
  readonly collateral: readonly ValuedCollateral[];
  /** Position underlyings and volatile collateral assets. */
  readonly underlyings: readonly string[];
}

export function value(s: Snapshot): Valued {
  const asOf = Date.parse(s.asOf);
  const margin: MarginKind = s.profile === 'standard' ? 'standard' : 'portfolio';
  const underlyings: string[] = [];
  const see = (u: string) => (underlyings.includes(u) ? undefined : underlyings.push(u));
  const positions = s.positions.map((p): ValuedPosition => {
    const inst = p.instrument;
    const m = s.market[inst.underlying]!;
    const spot = m.price;
    see(inst.underlying);
    const scenarios = new Float64Array(N_SCEN);
    if (inst.type !== 'option') {
      const mark = p.markPrice ?? spot;
      MOVES.forEach((mv, k) => {
        scenarios.fill(mark * mv, k * N_VOL, (k + 1) * N_VOL);
      });
      return { id: p.id, underlying: inst.underlying, option: false, live: false, quantity: p.quantity, spot, mark, unitValue: p.entryPrice === undefined ? 0 : mark - p.entryPrice, lot: p.lotSize, scenarios };
    }
    if (p.markPrice !== undefined && p.impliedVolatility === undefined) throw new Error('the independent model does not solve implied volatilities: give impliedVolatility with markPrice');
    const years = (Date.parse(inst.expiry) - asOf) / MS_PER_YEAR;
    const payoff = (x: number) => Math.max(inst.right === 'call' ? x - inst.strike : inst.strike - x, 0);
    if (years <= 0) {
      MOVES.forEach((mv, k) => {
        scenarios.fill(payoff(spot * (1 + mv)) - payoff(spot), k * N_VOL, (k + 1) * N_VOL);
      });
      return { id: p.id, underlying: inst.underlying, option: true, live: false, quantity: p.quantity, spot, mark: payoff(spot), unitValue: payoff(spot), lot: p.lotSize, scenarios };
    }
    const vol = p.impliedVolatility ?? m.volatility;
    if (vol === undefined) throw new Error(`no volatility for ${p.id}`);
    const price = (x: number, v: number) => optionPrice(inst.right, x, inst.strike, years, v);
    const now = price(spot, vol);
    const [up, down] = volMultipliers(years);
    MOVES.forEach((mv, k) => {
      const x = spot * (1 + mv);
      scenarios[k * N_VOL] = mv === 0 ? 0 : price(x, vol) - now;
      scenarios[k * N_VOL + 1] = price(x, vol * up) - now;
      scenarios[k * N_VOL + 2] = price(x, vol * down) - now;
    });
    const mark = p.markPrice ?? now;
    return { id: p.id, underlying: inst.underlying, option: true, live: true, quantity: p.quantity, spot, mark, unitValue: mark, lot: p.lotSize, scenarios };
  });
  const collateral = s.collateral.map((c): ValuedCollateral => {
    const price = c.asset === RULES.quote ? 1 : s.market[c.asset]!.price;
    const haircut = RULES.haircuts[c.asset];
    if (haircut === undefined) throw new Error(`no haircut for ${c.asset}`);
    const volatile = !RULES.stable.includes(c.asset);
    if (volatile) see(c.asset);
    return { asset: c.asset, amount: c.amount, price, haircut, volatile };
  });
  return { margin, profile: s.profile, positions, collateral, underlyings };
}

/** Quantities and balances of an account state (the USD balance may be absent from `collateral`: `cash` is added to it). */
export interface State {
  readonly quantities: readonly number[];
  readonly amounts: readonly number[];
  /** Quote cash added to the snapshot's (the USD balance, or an implicit zero one). */
  readonly cash: number;
}

export const stateOf = (v: Valued): State => ({ quantities: v.positions.map((p) => p.quantity), amounts: v.collateral.map((c) => c.amount), cash: 0 });

/** Mark-to-market equity (docs/contract.md). */
export function equityOf(v: Valued, st: State): number {
  let e = st.cash;
  v.collateral.forEach((c, i) => {
    const a = st.amounts[i]!;
    e += a > 0 ? a * c.price * (1 - c.haircut) : a * c.price;
  });
  v.positions.forEach((p, i) => {
    e += st.quantities[i]! * p.unitValue;
  });
  return e;
}

/** Maintenance margin of a state, from its definition. */
export function maintenanceOf(v: Valued, st: State): number {
  return v.margin === 'portfolio' ? portfolioMaintenance(v, st) : standardMaintenance(v, st);
}

const scratch = new Float64Array(N_SCEN);

function portfolioMaintenance(v: Valued, st: State): number {
  let mm = 0;
  const { positions, collateral } = v;
  for (const u of v.underlyings) {
    const pnl = scratch.fill(0);
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i]!;
      if (p.underlying !== u) continue;
      const q = st.quantities[i]!;
      for (let s = 0; s < N_SCEN; s++) pnl[s]! += q * p.scenarios[s]!;
    }
    for (let i = 0; i < collateral.length; i++) {
      const c = collateral[i]!;
      if (!c.volatile || c.asset !== u) continue;
      const a = st.amounts[i]!;
      const weight = a > 0 ? a * (1 - c.haircut) : a;
      for (let s = 0; s < N_SCEN; s++) pnl[s]! += weight * c.price * MOVES[Math.floor(s / N_VOL)]!;
    }
    let worst = 0;
    for (let s = 0; s < N_SCEN; s++) worst = Math.max(worst, -pnl[s]!);
    mm += worst;
  }
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    const q = st.quantities[i]!;
    if (p.option && p.live && q < 0) mm += -q * RULES.shortOptionContingency * p.spot;
  }
  return mm;
}

function standardMaintenance(v: Valued, st: State): number {
  let mm = 0;
  v.positions.forEach((p, i) => {
    const q = st.quantities[i]!;
    if (q === 0) return;
    if (!p.option) mm += bracketMaintenance(Math.abs(q) * p.mark);
    else if (p.live && q < 0) mm += -q * (RULES.optionMaintenanceFactor * p.spot + p.mark);
  });
  v.collateral.forEach((c, i) => {
    const a = st.amounts[i]!;
    if (a < 0 && c.volatile) mm += bracketMaintenance(-a * c.price);
  });
  return mm;
}

export type Tier = 'healthy/warning' | 'tier1' | 'tier2' | 'tier3' | 'insolvent';

/** Tier by margin ratio alone (healthy and warning, which differ by the initial margin, are not told apart). */
export function tierOf(equity: number, mm: number): Tier {
  if (equity < 0 || (equity === 0 && mm > 0)) return 'insolvent';
  if (mm > 0) {
    const r = equity / mm;
    if (r < RULES.tiers.tier3) return 'tier3';
    if (r < RULES.tiers.tier2) return 'tier2';
    if (r < RULES.tiers.tier1) return 'tier1';
  }
  return 'healthy/warning';
}

// ---------------------------------------------------------------------------------------
// Candidates and the plan's effect, from docs/liquidation.md.
// ---------------------------------------------------------------------------------------

export interface Candidate {
  /** Position id, or `collateral:ASSET`. */
  readonly key: string;
  readonly kind: 'position' | 'collateral';
  readonly index: number;
  /** +1 long / held, −1 short / owed. */
  readonly sign: 1 | -1;
  readonly size: number;
  readonly unitNotional: number;
  /** Fee base per unit: |mark| for positions, price for collateral. */
  readonly unitPenaltyBase: number;
  /** Equity a sale releases per unit: price × haircut (0 for buy-backs and positions). */
  readonly unitRelease: number;
  readonly lot: number | undefined;
}

/** Open positions, and non-quote volatile balances (sold when held, bought back when owed). */
export function candidatesOf(v: Valued): Candidate[] {
  const out: Candidate[] = [];
  v.positions.forEach((p, i) => {
    if (p.quantity === 0) return;
    out.push({ key: p.id, kind: 'position', index: i, sign: p.quantity > 0 ? 1 : -1, size: Math.abs(p.quantity), unitNotional: p.spot, unitPenaltyBase: Math.abs(p.mark), unitRelease: 0, lot: p.lot });
  });
  v.collateral.forEach((c, i) => {
    if (c.asset === RULES.quote || c.amount === 0 || !c.volatile) return;
    out.push({
      key: `collateral:${c.asset}`,
      kind: 'collateral',
      index: i,
      sign: c.amount > 0 ? 1 : -1,
      size: Math.abs(c.amount),
      unitNotional: c.price,
      unitPenaltyBase: c.price,
      unitRelease: c.amount > 0 ? c.price * c.haircut : 0,
      lot: undefined,
    });
  });
  return out;
}

export interface Outcome {
  readonly equity: number;
  readonly maintenanceMargin: number;
  readonly notional: number;
  readonly penalty: number;
  /** T·MM − E, negative when the target is passed. */
  readonly deficit: number;
  readonly reached: boolean;
}

/**
 * The account after closing `x[j]` of each candidate, the way docs/liquidation.md says
 * `after` is reproduced: quantities and balances move toward zero, the quote balance takes
 * the realised value (PnL, premium, sale proceeds, minus buy-backs) less the penalties, the
 * penalties capped at maxPenaltyShareOfEquity of the equity before.
 */
export function outcome(v: Valued, cands: readonly Candidate[], x: readonly number[]): Outcome {
  const start = stateOf(v);
  const quantities = [...start.quantities];
  const amounts = [...start.amounts];
  let cash = 0;
  let rawPenalty = 0;
  let notional = 0;
  cands.forEach((c, j) => {
    const xj = x[j] ?? 0;
    if (xj === 0) return;
    notional += xj * c.unitNotional;
    rawPenalty += RULES.feeRate * xj * c.unitPenaltyBase;
    if (c.kind === 'position') {
      quantities[c.index]! -= c.sign * xj;
      cash += c.sign * xj * v.positions[c.index]!.unitValue;
    } else {
      amounts[c.index]! -= c.sign * xj;
      cash += c.sign * xj * v.collateral[c.index]!.price;
    }
  });
  const e0 = equityOf(v, start);
  const penalty = Math.min(rawPenalty, RULES.maxPenaltyShareOfEquity * Math.max(0, e0));
  const st: State = { quantities, amounts, cash: cash - penalty };
  const equity = equityOf(v, st);
  const mm = maintenanceOf(v, st);
  const deficit = RULES.target * mm - equity;
  // Reached as the planner counts it: marginRatio ≥ T within 1e-9 (or no requirement left and equity).
  return { equity, maintenanceMargin: mm, notional, penalty, deficit, reached: mm > 0 ? equity >= RULES.target * mm * (1 - 1e-9) : equity > 0 };
}

// ---------------------------------------------------------------------------------------
// MM as a convex piecewise-linear function of the amounts closed.
// ---------------------------------------------------------------------------------------

/** max(0, max_r rows[r].constant + Σ_j rows[r].coefficients[j]·x_j). */
interface MaxGroup {
  readonly rows: Array<{ constant: number; coefficients: Map<number, number> }>;
}

interface PiecewiseMargin {
  readonly constant: number;
  readonly linear: Float64Array;
  readonly groups: readonly MaxGroup[];
}

function piecewiseMargin(v: Valued, cands: readonly Candidate[]): PiecewiseMargin {
  const linear = new Float64Array(cands.length);
  const groups: MaxGroup[] = [];
  let constant = 0;
  const candOfPosition = new Map<number, number>();
  const candOfCollateral = new Map<number, number>();
  cands.forEach((c, j) => {
    (c.kind === 'position' ? candOfPosition : candOfCollateral).set(c.index, j);
  });

  if (v.margin === 'portfolio') {
    for (const u of v.underlyings) {
      const base = new Float64Array(N_SCEN);
      const slopes = new Map<number, Float64Array>();
      v.positions.forEach((p, i) => {
        if (p.underlying !== u) return;
        for (let s = 0; s < N_SCEN; s++) base[s]! += p.quantity * p.scenarios[s]!;
        const j = candOfPosition.get(i);
        // Closing x of a position moves its quantity by −sign·x.
        if (j !== undefined) slopes.set(j, p.scenarios.map((pnl) => -cands[j]!.sign * pnl));
      });
      v.collateral.forEach((c, i) => {
        if (!c.volatile || c.asset !== u) return;
        const weight = c.amount > 0 ? c.amount * (1 - c.haircut) : c.amount;
        const perUnit = (s: number) => c.price * MOVES[Math.floor(s / N_VOL)]!;
        for (let s = 0; s < N_SCEN; s++) base[s]! += weight * perUnit(s);
        const j = candOfCollateral.get(i);
        // A sale removes (1 − haircut) of scenario weight per unit; a buy-back adds one.
        if (j !== undefined) slopes.set(j, Float64Array.from({ length: N_SCEN }, (_, s) => (c.amount > 0 ? -(1 - c.haircut) : 1) * perUnit(s)));
      });
      // Loss = max over scenarios of −PnL.
      groups.push({
        rows: Array.from({ length: N_SCEN }, (_, s) => ({ constant: -base[s]!, coefficients: new Map([...slopes].map(([j, d]) => [j, -d[s]!])) })),
      });
    }
    v.positions.forEach((p, i) => {
      if (!(p.option && p.live && p.quantity < 0)) return;
      const k = RULES.shortOptionContingency * p.spot;
      constant += -p.quantity * k;
      const j = candOfPosition.get(i);
      if (j !== undefined) linear[j]! -= k;
    });
    return { constant, linear, groups };
  }

  // Standard: each position and volatile debt on its own.
  const bracketGroup = (size: number, unit: number, j: number | undefined) =>
    groups.push({
      rows: BRACKETS.map(([r, o]) => ({ constant: r * size * unit - o, coefficients: new Map(j === undefined ? [] : [[j, -r * unit]]) })),
    });
  v.positions.forEach((p, i) => {
    if (p.quantity === 0) return;
    const j = candOfPosition.get(i);
    if (!p.option) bracketGroup(Math.abs(p.quantity), p.mark, j);
    else if (p.live && p.quantity < 0) {
      const k = RULES.optionMaintenanceFactor * p.spot + p.mark;
      constant += -p.quantity * k;
      if (j !== undefined) linear[j]! -= k;
    }
  });
  v.collateral.forEach((c, i) => {
    if (c.amount < 0 && c.volatile) bracketGroup(-c.amount, c.price, candOfCollateral.get(i));
  });
  return { constant, linear, groups };
}

// ---------------------------------------------------------------------------------------
// The linear program.
// ---------------------------------------------------------------------------------------

export interface LeastNotionalOptions {
  /** Largest fraction of each candidate; default: the tier's (tier3 per the `minimal` profile). */
  readonly cap?: number;
  /** Candidates that may trade (default all); the others stay at 0. */
  readonly allow?: (c: Candidate) => boolean;
  /** Groups of candidate keys closed at one common fraction (a pro-rata basket). */
  readonly proRata?: ReadonlyArray<readonly string[]>;
}

export interface LeastNotional {
  readonly tier: Tier;
  readonly cap: number;
  readonly equity: number;
  readonly maintenanceMargin: number;
  readonly candidates: readonly Candidate[];
  /** Amount closed per candidate (units), in `candidates` order. */
  readonly amounts: readonly number[];
  readonly reachable: boolean;
  /** The least notional reaching the target; when unreachable, the least at the least shortfall. */
  readonly notional: number;
  /** The least remaining T·MM − E (0 when reachable), of the plan re-evaluated on the model. */
  readonly shortfall: number;
  /** The same, as the LP's objective (agrees with `shortfall` to the solver's precision). */
  readonly lpShortfall: number;
  /** The plan's result, re-evaluated on the model from the state (not from the LP's variables). */
  readonly after: Outcome;
  /** Notional of the largest lot among lotted candidates (0 without lots). */
  readonly lotNotional: number;
}

/** The tier's cap, or null when no partial plan is due (healthy, warning, insolvent). */
export function capOf(tier: Tier): number | null {
  return tier === 'tier1' ? RULES.caps.tier1 : tier === 'tier2' ? RULES.caps.tier2 : tier === 'tier3' ? RULES.caps.tier3 : null;
}

export function leastNotional(snapshot: Snapshot, options: LeastNotionalOptions = {}): LeastNotional {
  const v = value(snapshot);
  const start = stateOf(v);
  const e0 = equityOf(v, start);
  const mm0 = maintenanceOf(v, start);
  const tier = tierOf(e0, mm0);
  const cap = options.cap ?? capOf(tier);
  if (cap === null) throw new Error(`no partial plan in ${tier}`);
  const cands = candidatesOf(v);
  const pm = piecewiseMargin(v, cands);
  const T = RULES.target;
  const penaltyCap = RULES.maxPenaltyShareOfEquity * Math.max(0, e0);
  // Money in units of `scale`, amounts as fractions of each candidate's size (or whole lots).
  const scale = Math.max(mm0, Math.abs(e0), 1);
  const allowed = cands.map((c) => options.allow?.(c) ?? true);
  const lotted = cands.map((c, j) => allowed[j]! && c.lot !== undefined);
  /** Units of the candidate per unit of its LP variable: a lot, or the whole cap (variables in [0, 1], which keeps YALPS's rounding relative). */
  const unit = cands.map((c, j) => (lotted[j] ? c.lot! : cap * c.size));
  const upper = cands.map((c, j) => (!allowed[j] ? 0 : lotted[j] ? Math.floor((cap * c.size) / c.lot! + 1e-9) : 1));
  const lotNotional = Math.max(0, ...cands.filter((_, j) => lotted[j]).map((c) => c.lot! * c.unitNotional));

  type Phase = { region: 'below' | 'capped'; objective: 'notional' | 'shortfall'; maxShortfall?: number };
  const build = (ph: Phase): Model<string, string> => {
    const constraints = new Map<string, Constraint>();
    const variables = new Map<string, Map<string, number>>();
    // target: E(x) − T·MM(x) + s ≥ 0, in units of scale.
    const targetRhs = (T * pm.constant - e0 + (ph.region === 'capped' ? penaltyCap : 0)) / scale;
    constraints.set('target', { min: targetRhs });
    if (ph.region === 'below') constraints.set('penalty', { max: penaltyCap / scale });
    else constraints.set('penalty', { min: penaltyCap / scale });
    if (ph.objective === 'notional' && ph.maxShortfall !== undefined) constraints.set('shortfall', { max: ph.maxShortfall });
    if (ph.objective === 'notional' && ph.maxShortfall === undefined) constraints.set('shortfall', { max: 0 });
    const s = new Map<string, number>([
      ['target', 1],
      ['shortfall', 1],
    ]);
    if (ph.objective === 'shortfall') s.set('obj', 1);
    variables.set('s', s);
    cands.forEach((c, j) => {
      if (!allowed[j] || upper[j] === 0) return;
      const u = unit[j]!;
      const coef = new Map<string, number>();
      const charged = ph.region === 'below' ? RULES.feeRate * c.unitPenaltyBase : 0;
      coef.set('target', (u * (c.unitRelease - charged - T * pm.linear[j]!)) / scale);
      coef.set('penalty', (u * RULES.feeRate * c.unitPenaltyBase) / scale);
      coef.set(`ub:${j}`, 1);
      constraints.set(`ub:${j}`, { max: upper[j]! });
      if (ph.objective === 'notional') coef.set('obj', (u * c.unitNotional) / scale);
      variables.set(`x:${j}`, coef);
    });
    pm.groups.forEach((g, gi) => {
      // L_g − Σ_j A_grj·x_j ≥ c_gr for every row; L_g ≥ 0; −T·L_g in the target.
      const coef = new Map<string, number>([['target', -T]]);
      g.rows.forEach((row, r) => {
        const key = `g:${gi}:${r}`;
        constraints.set(key, { min: row.constant / scale });
        coef.set(key, 1);
        for (const [j, a] of row.coefficients) {
          const xv = variables.get(`x:${j}`);
          if (xv && a !== 0) xv.set(key, (-a * unit[j]!) / scale);
        }
      });
      variables.set(`L:${gi}`, coef);
    });
    for (const [gi, keys] of (options.proRata ?? []).entries()) {
      // Equal fractions: x_a/size_a − x_b/size_b = 0 for consecutive members.
      for (let k = 1; k < keys.length; k++) {
        const a = cands.findIndex((c) => c.key === keys[k - 1]);
        const b = cands.findIndex((c) => c.key === keys[k]);
        const key = `pr:${gi}:${k}`;
        constraints.set(key, { equal: 0 });
        variables.get(`x:${a}`)?.set(key, unit[a]! / cands[a]!.size);
        variables.get(`x:${b}`)?.set(key, -unit[b]! / cands[b]!.size);
      }
    }
    const integers = cands.flatMap((_, j) => (lotted[j] && allowed[j] && upper[j]! > 0 ? [`x:${j}`] : []));
    return { direction: 'minimize', objective: 'obj', constraints, variables, integers };
  };

  const run = (ph: Phase) => {
    const sol = solve(build(ph), { includeZeroVariables: true, maxPivots: 100_000, precision: PRECISION });
    if (sol.status === 'infeasible') return null;
    if (sol.status !== 'optimal') throw new Error(`yalps: ${sol.status}`);
    const x = cands.map(() => 0);
    let shortfall = 0;
    for (const [k, val] of sol.variables) {
      if (k.startsWith('x:')) x[Number(k.slice(2))] = Math.max(0, val) * unit[Number(k.slice(2))]!;
      if (k === 's') shortfall = val;
    }
    return { result: sol.result * scale, x, shortfall: shortfall * scale };
  };
  const regions = ['below', 'capped'] as const;
  const better = <R extends { result: number }>(a: R | null, b: R | null) => (!a ? b : !b ? a : b.result < a.result ? b : a);

  // Reachable: the least notional with no shortfall, over both penalty regions.
  let best = regions.map((region) => run({ region, objective: 'notional' })).reduce(better, null);
  let reachable = best !== null;
  let shortfall = 0;
  if (!best) {
    // Unreachable: the least shortfall, then the least notional within a hair of it.
    const least = regions.map((region) => run({ region, objective: 'shortfall' })).reduce(better, null);
    if (!least) throw new Error('no plan at all: the LP is infeasible even with a shortfall');
    shortfall = least.result;
    const slack = (shortfall / scale) * (1 + 1e-9) + 1e-10;
    best = regions.map((region) => run({ region, objective: 'notional', maxShortfall: slack })).reduce(better, null)!;
    reachable = false;
  }
  const amounts = best.x.map((xj, j) => Math.min(xj, cap * cands[j]!.size));
  const after = outcome(v, cands, amounts);
  return {
    tier,
    cap,
    equity: e0,
    maintenanceMargin: mm0,
    candidates: cands,
    amounts,
    reachable,
    notional: amounts.reduce((sum, xj, j) => sum + xj * cands[j]!.unitNotional, 0),
    shortfall: reachable ? 0 : Math.max(0, after.deficit),
    lpShortfall: reachable ? 0 : Math.max(0, shortfall),
    after,
    lotNotional,
  };
}

// ---------------------------------------------------------------------------------------
// Brute force, for books of 2–3 candidates.
// ---------------------------------------------------------------------------------------

export interface BruteForce {
  /** The uniform grid: `steps` per candidate over [0, cap·size], every point evaluated. */
  readonly grid: Found;
  /** The search that refines it (see `bruteForce`). */
  readonly search: Found;
  /** Notional of one step of the grid, summed over candidates. */
  readonly gridStep: number;
}

export interface Found {
  readonly reachable: boolean;
  /** Least notional reaching the target (when reachable). */
  readonly notional: number;
  /** Least remaining T·MM − E (0 when reachable). */
  readonly shortfall: number;
  readonly amounts: readonly number[];
}

/** Better: reaching the target beats not; then less notional, or less shortfall. */
const improves = (a: Found, b: Found | null) =>
  !b || (a.reachable && !b.reachable) || (a.reachable && b.reachable && a.notional < b.notional) || (!a.reachable && !b.reachable && a.shortfall < b.shortfall);

/**
 * Brute force on a book of 2–3 candidates, evaluating every point on the model from the
 * state (`outcome`), not through the LP's matrix:
 * - the grid: every point of `steps` per candidate over [0, cap·size];
 * - the search: for the last candidate, the exact least amount reaching the target given
 *   the others (the deficit T·MM − E is convex in it: golden section for its least value,
 *   then bisection for where it crosses 0), nested in golden-section searches over the
 *   other candidates (what that leaves is unimodal in each: decreasing, convex, increasing).
 * Best: the least notional among points that reach the target; when none does, the least shortfall.
 */
export function bruteForce(snapshot: Snapshot, cap: number, steps: number, iterations = 40): BruteForce {
  const v = value(snapshot);
  const cands = candidatesOf(v);
  if (cands.length < 2 || cands.length > 3) throw new Error('brute force is for 2–3 candidates');
  const n = cands.length;
  const hi = cands.map((c) => cap * c.size);
  // Reached with no slack to speak of (the planner's 1e-9 on the ratio would let a point pass a hair under the target).
  const slack = 1e-12 * RULES.target * maintenanceOf(v, stateOf(v));
  const at = (x: readonly number[]): Found => {
    const o = outcome(v, cands, x);
    const reachable = o.deficit <= slack;
    return { reachable, notional: o.notional, shortfall: reachable ? 0 : Math.max(0, o.deficit), amounts: [...x] };
  };

  let grid: Found | null = null;
  const x = new Array<number>(n).fill(0);
  const sweep = (d: number): void => {
    if (d === n) {
      const f = at(x);
      if (improves(f, grid)) grid = f;
      return;
    }
    for (let i = 0; i <= steps; i++) {
      x[d] = (hi[d]! * i) / steps;
      sweep(d + 1);
    }
  };
  sweep(0);

  const golden = <T>(f: (t: number) => T, lo: number, up: number, better: (a: T, b: T) => boolean): [number, T] => {
    const r = (Math.sqrt(5) - 1) / 2;
    let [a, b] = [lo, up];
    let [t1, t2] = [b - r * (b - a), a + r * (b - a)];
    let [f1, f2] = [f(t1), f(t2)];
    for (let k = 0; k < iterations; k++) {
      if (better(f1, f2)) {
        [b, t2, f2] = [t2, t1, f1];
        t1 = b - r * (b - a);
        f1 = f(t1);
      } else {
        [a, t1, f1] = [t1, t2, f2];
        t2 = a + r * (b - a);
        f2 = f(t2);
      }
    }
    // The ends too: the best may sit on a bound.
    let best: [number, T] = better(f1, f2) ? [t1, f1] : [t2, f2];
    for (const t of [lo, up]) {
      const ft = f(t);
      if (better(ft, best[1])) best = [t, ft];
    }
    return best;
  };
  const better = (a: Found, b: Found) => improves(a, b);
  /** The least amount of the last candidate reaching the target, given the others. */
  const last = (outer: readonly number[]): Found => {
    const deficitAt = (t: number) => outcome(v, cands, [...outer, t]).deficit;
    if (deficitAt(0) <= slack) return at([...outer, 0]);
    let up = hi[n - 1]!;
    // Convex, above the slack at 0: where it is not at the bound, it crosses the slack once before.
    if (deficitAt(up) > slack) {
      const [tMin, dMin] = golden(deficitAt, 0, up, (a, b) => a < b);
      if (dMin > slack) return at([...outer, tMin]);
      up = tMin;
    }
    let lo = 0;
    for (let k = 0; k < 52; k++) {
      const mid = 0.5 * (lo + up);
      if (deficitAt(mid) <= slack) up = mid;
      else lo = mid;
    }
    return at([...outer, up]);
  };
  const search =
    n === 2
      ? golden((a) => last([a]), 0, hi[0]!, better)[1]
      : golden((a) => golden((b) => last([a, b]), 0, hi[1]!, better)[1], 0, hi[0]!, better)[1];
  return {
    grid: grid!,
    search: improves(grid!, search) ? grid! : search,
    gridStep: hi.reduce((sum, h, d) => sum + (h / steps) * cands[d]!.unitNotional, 0),
  };
}
