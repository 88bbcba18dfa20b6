import type { Book, BookPosition } from '../book.ts';
import { intrinsicValue, optionPriceAt } from '../black-scholes.ts';
import { portfolioFor, type PortfolioParams } from '../profile-schema.ts';
import { DAYS_PER_YEAR } from '../time.ts';
import type {
  AccountState,
  LinearMargin,
  MarginBreakdown,
  MaxGroup,
  MarginModel,
  MarginSession,
  PositionChange,
  Reduction,
  Requirement,
  UnderlyingMargin,
  WorstScenario,
} from './model.ts';

const VOL_STATES = ['unchanged', 'up', 'down'] as const;
const N_VOL = VOL_STATES.length;



/**
 * Price moves of the grid: −down … 0 … +up in `steps` points, evenly spaced on each side
 * (down = up = priceRange for a static grid; a dynamic one may reach further on one side).
 */
export function priceMoves(p: PortfolioParams, range: { readonly down: number; readonly up: number } = { down: p.priceRange, up: p.priceRange }): Float64Array {
  const moves = new Float64Array(p.priceSteps);
  const half = (p.priceSteps - 1) / 2;
  for (let k = 0; k < p.priceSteps; k++) moves[k] = ((k < half ? range.down : range.up) * (k - half)) / half;
  return moves;
}

/**
 * Volatility multipliers [up, down] for an option `years` from expiry:
 * 1 ± range·(tenor/max(T, 1 day))^p, p short below the tenor and long above (Derive's PMRM).
 */
export function volShocks(p: PortfolioParams, years: number): [up: number, down: number] {
  const days = Math.max(years * DAYS_PER_YEAR, 1);
  const power = days <= p.volTenorDays ? p.volPowerShort : p.volPowerLong;
  const scale = (p.volTenorDays / days) ** power;
  // A down shock can never take volatility to zero or below.
  return [1 + p.volRangeUp * scale, Math.max(1 - p.volRangeDown * scale, 0.01)];
}

/**
 * Portfolio margin (docs/margin.md): per underlying, revalue every position and every
 * collateral balance in that asset under price × volatility scenarios; the
 * requirement is the worst loss, summed over underlyings, plus a contingency
 * for short options. Initial margin = imFactor × maintenance.
 */
export function portfolioMarginModel(book: Book): MarginModel {
  return new PortfolioMargin(book);
}

/** Per-unit scenario PnL of every position and collateral balance, computed once per book. */
class PortfolioMargin implements MarginModel {
  /** Each underlying's grid: its price moves and their log growth (the same points in number for all). */
  readonly grids: readonly Grid[];
  readonly nScen: number;
  /** σ√T of each option in its three volatility states: totalVols[i * 3 + v]. */
  readonly totalVols: Float64Array;
  /** Per-unit scenario PnL, row-major: unitPnl[i * nScen + s]. */
  readonly unitPnl: Float64Array;
  /** Per-unit scenario PnL of collateral before its haircut: collateralPnl[c * nScen + s]. */
  readonly collateralPnl: Float64Array;
  readonly contingencyPerUnit: Float64Array;
  /** Positions and collateral balances of each underlying. */
  readonly positionsOf: number[][];
  readonly collateralOf: number[][];
  readonly scratch: Float64Array;
  private shiftedRow: Float64Array | undefined;

  constructor(readonly book: Book) {
    const params = book.profile.portfolio;
    // Each underlying's settings: the profile's, with its own overrides (price range, vol shocks, contingency).
    const paramsOf = book.underlyings.map((u) => portfolioFor(params, u));
    const grids = (this.grids = book.scenarioRanges.map((r, u) => gridOf(paramsOf[u]!, r)));
    const nScen = (this.nScen = params.priceSteps * N_VOL);
    const nPos = book.positions.length;
    const nCol = book.collateral.length;
    const nU = book.underlyings.length;

    this.unitPnl = new Float64Array(nPos * nScen);
    this.totalVols = new Float64Array(nPos * N_VOL);
    this.contingencyPerUnit = new Float64Array(nPos);
    this.positionsOf = [];
    this.collateralOf = [];
    for (let u = 0; u < nU; u++) {
      this.positionsOf.push([]);
      this.collateralOf.push([]);
    }
    for (let i = 0; i < nPos; i++) {
      const p = book.positions[i]!;
      const own = paramsOf[p.underlyingIndex]!;
      totalVolsOf(p, own, this.totalVols, i * N_VOL);
      const grid = grids[p.underlyingIndex]!;
      fillPositionScenarios(p, 1, this.totalVols, i * N_VOL, grid.moves, grid.logGrowth, this.unitPnl, i * nScen);
      if (p.instrument.type === 'option' && p.years > 0) this.contingencyPerUnit[i] = own.shortOptionContingency * p.spot;
      this.positionsOf[p.underlyingIndex]!.push(i);
    }
    // Collateral moves with its price; the haircut applies on top for positive balances.
    this.collateralPnl = new Float64Array(nCol * nScen);
    for (let c = 0; c < nCol; c++) {
      const col = book.collateral[c]!;
      if (col.underlyingIndex < 0) continue;
      this.collateralOf[col.underlyingIndex]!.push(c);
      const moves = grids[col.underlyingIndex]!.moves;
      for (let s = 0; s < nScen; s++) this.collateralPnl[c * nScen + s] = col.price * moves[Math.floor(s / N_VOL)]!;
    }
    this.scratch = new Float64Array(nScen);
  }

  /** Weight of collateral balance `c` at `amount` in its underlying's scenarios. */
  collateralWeight(c: number, amount: number): number {
    return amount > 0 ? amount * (1 - this.book.collateral[c]!.haircut) : amount;
  }

  contingency(i: number, quantity: number): number {
    return quantity < 0 ? -quantity * this.contingencyPerUnit[i]! : 0;
  }

  /** Writes the underlying's scenario PnL into `out[offset …]`. */
  sumScenarios(u: number, state: AccountState, out: Float64Array, offset: number): void {
    const n = this.nScen;
    out.fill(0, offset, offset + n);
    for (const i of this.positionsOf[u]!) {
      const q = state.quantities[i]!;
      if (q !== 0) addScaled(out, offset, this.unitPnl, i * n, q, n);
    }
    for (const c of this.collateralOf[u]!) {
      const a = state.amounts[c]!;
      if (a !== 0) addScaled(out, offset, this.collateralPnl, c * n, this.collateralWeight(c, a), n);
    }
  }

  /** Fills `scratch` with the underlying's scenario PnL and returns the index of the worst scenario. */
  worstScenario(u: number, state: AccountState): number {
    const scratch = this.scratch;
    this.sumScenarios(u, state, scratch, 0);
    let worst = 0;
    for (let s = 1; s < this.nScen; s++) if (scratch[s]! < scratch[worst]!) worst = s;
    return worst;
  }

  requirement(state: AccountState): Requirement {
    let mm = 0;
    for (let u = 0; u < this.positionsOf.length; u++) mm += Math.max(0, -this.scratch[this.worstScenario(u, state)]!);
    for (let i = 0; i < state.quantities.length; i++) mm += this.contingency(i, state.quantities[i]!);
    return { maintenance: mm, initial: this.book.profile.portfolio.imFactor * mm };
  }

  breakdown(state: AccountState): MarginBreakdown {
    const n = this.nScen;
    const imFactor = this.book.profile.portfolio.imFactor;
    const nPos = state.quantities.length;
    const positionMaintenance = new Float64Array(nPos);
    const collateralMaintenance = new Float64Array(state.amounts.length);
    const underlyings: UnderlyingMargin[] = [];
    let mm = 0;
    for (let u = 0; u < this.positionsOf.length; u++) {
      const worst = this.worstScenario(u, state);
      const loss = -this.scratch[worst]!;
      if (loss <= 0) {
        underlyings.push({ maintenance: 0, worstScenario: null });
        continue;
      }
      mm += loss;
      underlyings.push({ maintenance: loss, worstScenario: describe(worst, this.grids[u]!.moves) });
      // Each leg's share is its own loss in the scenario that sets the requirement.
      for (const i of this.positionsOf[u]!) positionMaintenance[i] = -state.quantities[i]! * this.unitPnl[i * n + worst]!;
      for (const c of this.collateralOf[u]!) {
        collateralMaintenance[c] = -this.collateralWeight(c, state.amounts[c]!) * this.collateralPnl[c * n + worst]!;
      }
    }
    const positionInitial = new Float64Array(nPos);
    for (let i = 0; i < nPos; i++) {
      const k = this.contingency(i, state.quantities[i]!);
      positionMaintenance[i]! += k;
      positionInitial[i] = imFactor * positionMaintenance[i]!;
      mm += k;
    }
    return { maintenance: mm, initial: imFactor * mm, positionMaintenance, positionInitial, collateralMaintenance, underlyings };
  }

  session(start: AccountState): MarginSession {
    return new PortfolioSession(this, start);
  }

  /**
   * Each underlying with something to close is one group, a row per scenario: its loss
   * there, moved by each reduction's own scenario PnL per unit. Contingency is linear
   * (reductions never flip a position), and so are untouched underlyings.
   */
  linearize(state: AccountState, reductions: readonly Reduction[], _upper: Float64Array): LinearMargin {
    const n = this.nScen;
    const book = this.book;
    const linear = new Float64Array(reductions.length);
    const membersOf: number[][] = this.positionsOf.map(() => []);
    let constant = 0;
    for (let i = 0; i < state.quantities.length; i++) constant += this.contingency(i, state.quantities[i]!);
    reductions.forEach((r, j) => {
      const u = r.kind === 'position' ? book.positions[r.index]!.underlyingIndex : book.collateral[r.index]!.underlyingIndex;
      // Closing a unit of a short option takes its contingency with it.
      if (r.kind === 'position' && r.sign < 0) linear[j] = -this.contingencyPerUnit[r.index]!;
      if (u >= 0) membersOf[u]!.push(j);
    });
    const groups: MaxGroup[] = [];
    for (let u = 0; u < membersOf.length; u++) {
      const worst = this.worstScenario(u, state);
      const members = membersOf[u]!;
      if (members.length === 0) {
        constant += Math.max(0, -this.scratch[worst]!);
        continue;
      }
      const rowConstants = new Float64Array(n);
      for (let s = 0; s < n; s++) rowConstants[s] = -this.scratch[s]!;
      const m = members.length;
      const coefficients = new Float64Array(n * m);
      members.forEach((j, k) => {
        const r = reductions[j]!;
        // Loss change per unit closed: minus the PnL the closed unit carried in each scenario.
        const [source, offset, perUnit] =
          r.kind === 'position'
            ? [this.unitPnl, r.index * n, r.sign]
            : [this.collateralPnl, r.index * n, r.sign > 0 ? 1 - book.collateral[r.index]!.haircut : -1];
        for (let s = 0; s < n; s++) coefficients[s * m + k] = perUnit * source[offset + s]!;
      });
      groups.push({ members: Int32Array.from(members), rowConstants, coefficients });
    }
    return { constant, linear, groups };
  }

  maintenanceOfUnderlyingAt(u: number, f: number, state: AccountState, modelPrices?: Float64Array): number {
    const n = this.nScen;
    const sums = this.scratch.fill(0);
    const row = (this.shiftedRow ??= new Float64Array(n));
    let contingency = 0;
    const positions = this.positionsOf[u]!;
    for (let k = 0; k < positions.length; k++) {
      const i = positions[k]!;
      const q = state.quantities[i]!;
      if (q === 0) continue;
      // At today's price the rows are the ones valued once per book.
      if (f === 1) addScaled(sums, 0, this.unitPnl, i * n, q, n);
      else {
        const grid = this.grids[u]!;
        const price = fillPositionScenarios(this.book.positions[i]!, f, this.totalVols, i * N_VOL, grid.moves, grid.logGrowth, row, 0);
        if (modelPrices) modelPrices[k] = price;
        addScaled(sums, 0, row, 0, q, n);
      }
      contingency += f * this.contingency(i, q);
    }
    for (const c of this.collateralOf[u]!) {
      const a = state.amounts[c]!;
      if (a !== 0) addScaled(sums, 0, this.collateralPnl, c * n, f * this.collateralWeight(c, a), n);
    }
    return worstLoss(sums, 0, n) + contingency;
  }

  requirementOfUnderlyingAt(u: number, f: number, state: AccountState, modelPrices?: Float64Array): Requirement {
    const maintenance = this.maintenanceOfUnderlyingAt(u, f, state, modelPrices);
    // Initial margin is imFactor × maintenance for the account, so for each underlying's share of it.
    return { maintenance, initial: this.book.profile.portfolio.imFactor * maintenance };
  }
}

/** Keeps each underlying's scenario sums so one-entry changes cost one underlying's scenarios. */
class PortfolioSession implements MarginSession {
  readonly quantities: Float64Array;
  readonly amounts: Float64Array;
  readonly sums: Float64Array;
  readonly losses: Float64Array;
  lossTotal = 0;
  contingencyTotal = 0;

  constructor(
    readonly model: PortfolioMargin,
    start: AccountState,
  ) {
    this.quantities = Float64Array.from(start.quantities);
    this.amounts = Float64Array.from(start.amounts);
    const n = model.nScen;
    const nU = model.positionsOf.length;
    this.sums = new Float64Array(nU * n);
    this.losses = new Float64Array(nU);
    const current: AccountState = { quantities: this.quantities, amounts: this.amounts };
    for (let u = 0; u < nU; u++) {
      model.sumScenarios(u, current, this.sums, u * n);
      this.losses[u] = worstLoss(this.sums, u * n, n);
      this.lossTotal += this.losses[u]!;
    }
    for (let i = 0; i < this.quantities.length; i++) this.contingencyTotal += model.contingency(i, this.quantities[i]!);
  }

  maintenance(): number {
    return this.lossTotal + this.contingencyTotal;
  }

  maintenanceWithPosition(i: number, quantity: number): number {
    const { dLoss, dContingency } = this.positionChange(i, quantity);
    return this.maintenance() + dLoss + dContingency;
  }

  maintenanceWithCollateral(c: number, amount: number): number {
    return this.maintenance() + this.collateralChange(c, amount).dLoss;
  }

  maintenanceWithPositions(changes: readonly PositionChange[]): number {
    const m = this.model;
    const n = m.nScen;
    // The changed underlyings' scenario sums, copied and moved; the others keep their loss.
    const moved = new Map<number, Float64Array>();
    let total = this.maintenance();
    for (const [i, quantity] of changes) {
      const u = m.book.positions[i]!.underlyingIndex;
      let sums = moved.get(u);
      if (!sums) moved.set(u, (sums = this.sums.slice(u * n, (u + 1) * n)));
      addScaled(sums, 0, m.unitPnl, i * n, quantity - this.quantities[i]!, n);
      total += m.contingency(i, quantity) - m.contingency(i, this.quantities[i]!);
    }
    for (const [u, sums] of moved) total += worstLoss(sums, 0, n) - this.losses[u]!;
    return total;
  }

  setPosition(i: number, quantity: number): void {
    const { u, dLoss, dContingency } = this.positionChange(i, quantity);
    const n = this.model.nScen;
    addScaled(this.sums, u * n, this.model.unitPnl, i * n, quantity - this.quantities[i]!, n);
    this.losses[u]! += dLoss;
    this.lossTotal += dLoss;
    this.contingencyTotal += dContingency;
    this.quantities[i] = quantity;
  }

  setCollateral(c: number, amount: number): void {
    const { u, weight, dLoss } = this.collateralChange(c, amount);
    if (u >= 0) {
      const n = this.model.nScen;
      addScaled(this.sums, u * n, this.model.collateralPnl, c * n, weight, n);
      this.losses[u]! += dLoss;
      this.lossTotal += dLoss;
    }
    this.amounts[c] = amount;
  }

  private positionChange(i: number, quantity: number) {
    const m = this.model;
    const n = m.nScen;
    const u = m.book.positions[i]!.underlyingIndex;
    const loss = worstLossWith(this.sums, u * n, m.unitPnl, i * n, quantity - this.quantities[i]!, n);
    return { u, dLoss: loss - this.losses[u]!, dContingency: m.contingency(i, quantity) - m.contingency(i, this.quantities[i]!) };
  }

  private collateralChange(c: number, amount: number) {
    const m = this.model;
    const u = m.book.collateral[c]!.underlyingIndex;
    if (u < 0) return { u, weight: 0, dLoss: 0 };
    const n = m.nScen;
    const weight = m.collateralWeight(c, amount) - m.collateralWeight(c, this.amounts[c]!);
    return { u, weight, dLoss: worstLossWith(this.sums, u * n, m.collateralPnl, c * n, weight, n) - this.losses[u]! };
  }
}

/** out[o + s] += w × v[vo + s] for s < n. */
function addScaled(out: Float64Array, o: number, v: Float64Array, vo: number, w: number, n: number): void {
  for (let s = 0; s < n; s++) out[o + s]! += w * v[vo + s]!;
}

/** Worst loss (≥ 0) of the scenario sums at `o`. */
function worstLoss(sums: Float64Array, o: number, n: number): number {
  let worst = 0;
  for (let s = 0; s < n; s++) if (-sums[o + s]! > worst) worst = -sums[o + s]!;
  return worst;
}

/** Worst loss (≥ 0) of the scenario sums at `o` after adding w × v[vo …]. */
function worstLossWith(sums: Float64Array, o: number, v: Float64Array, vo: number, w: number, n: number): number {
  let worst = 0;
  for (let s = 0; s < n; s++) {
    const pnl = sums[o + s]! + w * v[vo + s]!;
    if (-pnl > worst) worst = -pnl;
  }
  return worst;
}

function describe(scenario: number, moves: Float64Array): WorstScenario {
  return { priceMove: moves[Math.floor(scenario / N_VOL)]!, volShock: VOL_STATES[scenario % N_VOL]! };
}

/**
 * Per-unit PnL of position `p` in every scenario at its price × `f`, written at
 * `out[offset …]`; returns an option's model price at price × f (NaN for other contracts).
 */
function fillPositionScenarios(
  p: BookPosition,
  f: number,
  totalVols: Float64Array,
  volOffset: number,
  moves: Float64Array,
  logGrowth: Float64Array,
  out: Float64Array,
  offset: number,
): number {
  const inst = p.instrument;
  const spot = p.spot * f;
  if (inst.type !== 'option') {
    // A linear contract's mark moves one for one with the underlying.
    const mark = p.mark * f;
    for (let k = 0; k < moves.length; k++) {
      const pnl = mark * moves[k]!;
      for (let v = 0; v < N_VOL; v++) out[offset + k * N_VOL + v] = pnl;
    }
    return Number.NaN;
  }
  if (totalVols[volOffset] === 0) {
    const now = intrinsicValue(inst.right, spot, inst.strike);
    for (let k = 0; k < moves.length; k++) {
      const pnl = intrinsicValue(inst.right, spot * (1 + moves[k]!), inst.strike) - now;
      for (let v = 0; v < N_VOL; v++) out[offset + k * N_VOL + v] = pnl;
    }
    return Number.NaN;
  }
  const sd0 = totalVols[volOffset]!;
  const sd1 = totalVols[volOffset + 1]!;
  const sd2 = totalVols[volOffset + 2]!;
  const logMoneyness = Math.log(spot / inst.strike);
  // Measured from the model price so that a mark-derived volatility and a given one agree.
  const now = optionPriceAt(inst.right, spot, inst.strike, logMoneyness, sd0);
  for (let k = 0; k < moves.length; k++) {
    const s = spot * (1 + moves[k]!);
    const lm = logMoneyness + logGrowth[k]!;
    const o = offset + k * N_VOL;
    out[o] = moves[k] === 0 ? 0 : optionPriceAt(inst.right, s, inst.strike, lm, sd0) - now;
    out[o + 1] = optionPriceAt(inst.right, s, inst.strike, lm, sd1) - now;
    out[o + 2] = optionPriceAt(inst.right, s, inst.strike, lm, sd2) - now;
  }
  return now;
}

/** σ√T unchanged, shocked up and shocked down; zeros for linear and expired contracts. */
function totalVolsOf(p: BookPosition, params: PortfolioParams, out: Float64Array, offset: number): void {
  if (p.instrument.type !== 'option' || p.years <= 0 || p.volatility === undefined) return;
  const [up, down] = volShocks(params, p.years);
  const sd = p.volatility * Math.sqrt(p.years);
  out[offset] = sd;
  out[offset + 1] = sd * up;
  out[offset + 2] = sd * down;
}

interface Grid {
  readonly moves: Float64Array;
  readonly logGrowth: Float64Array;
}

/** The static grid, shared by every book of a profile; a dynamic range gets its own. */
const gridCache = new WeakMap<PortfolioParams, Grid>();
function gridOf(params: PortfolioParams, range: { readonly down: number; readonly up: number }): Grid {
  const build = (): Grid => {
    const moves = priceMoves(params, range);
    return { moves, logGrowth: moves.map((m) => Math.log1p(m)) };
  };
  if (range.down !== params.priceRange || range.up !== params.priceRange) return build();
  let grid = gridCache.get(params);
  if (!grid) gridCache.set(params, (grid = build()));
  return grid;
}
