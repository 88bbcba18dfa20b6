import type { Book } from '../book.ts';
import { intrinsicValue, optionPrice } from '../black-scholes.ts';
import type { RiskProfile } from '../profile.ts';
import { DAYS_PER_YEAR } from '../time.ts';
import type {
  AccountState,
  MarginBreakdown,
  MarginModel,
  MarginSession,
  Requirement,
  UnderlyingMargin,
  WorstScenario,
} from './model.ts';

const VOL_STATES = ['unchanged', 'up', 'down'] as const;
const N_VOL = VOL_STATES.length;

type PortfolioParams = RiskProfile['portfolio'];

/** Price moves of the grid: −range … +range in `steps` equal steps. */
export function priceMoves(p: PortfolioParams): Float64Array {
  const moves = new Float64Array(p.priceSteps);
  const half = (p.priceSteps - 1) / 2;
  for (let k = 0; k < p.priceSteps; k++) moves[k] = (p.priceRange * (k - half)) / half;
  return moves;
}

/**
 * Volatility multipliers [up, down] for an option `years` from expiry:
 * 1 ± range·(tenor/max(T, 1 day))^p, p short below the tenor and long above (Derive's PMRM).
 */
export function volShocks(p: PortfolioParams, years: number): [up: number, down: number] {
  const days = Math.max(years * DAYS_PER_YEAR, 1);
  const power = days <= p.volTenorDays ? p.volPowerShort : p.volPowerLong;
  const scale = Math.pow(p.volTenorDays / days, power);
  // A down shock can never take volatility to zero or below.
  return [1 + p.volRangeUp * scale, Math.max(1 - p.volRangeDown * scale, 0.01)];
}

/**
 * Portfolio margin (DESIGN §4): per underlying, revalue every position and every
 * collateral balance in that asset under price × volatility scenarios; the
 * requirement is the worst loss, summed over underlyings, plus a contingency
 * for short options. Initial margin = imFactor × maintenance.
 */
export function portfolioMarginModel(book: Book): MarginModel {
  const params = book.profile.portfolio;
  const moves = priceMoves(params);
  const nScen = moves.length * N_VOL;
  const nPos = book.positions.length;
  const nCol = book.collateral.length;

  // Per-unit scenario PnL, row-major: unitPnl[i * nScen + s].
  const unitPnl = new Float64Array(nPos * nScen);
  const contingencyPerUnit = new Float64Array(nPos);
  for (let i = 0; i < nPos; i++) {
    fillPositionScenarios(book.positions[i]!, params, moves, unitPnl, i * nScen);
    const p = book.positions[i]!;
    if (p.instrument.type === 'option' && p.years > 0) contingencyPerUnit[i] = params.shortOptionContingency * p.spot;
  }
  // Collateral moves with its price; the haircut applies on top for positive balances.
  const collateralPnl = new Float64Array(nCol * nScen);
  for (let c = 0; c < nCol; c++) {
    const col = book.collateral[c]!;
    if (col.underlyingIndex < 0) continue;
    for (let k = 0; k < moves.length; k++) {
      for (let v = 0; v < N_VOL; v++) collateralPnl[c * nScen + k * N_VOL + v] = col.price * moves[k]!;
    }
  }

  const nU = book.underlyings.length;
  const positionsOf: number[][] = Array.from({ length: nU }, () => []);
  book.positions.forEach((p, i) => positionsOf[p.underlyingIndex]!.push(i));
  const collateralOf: number[][] = Array.from({ length: nU }, () => []);
  book.collateral.forEach((c, i) => {
    if (c.underlyingIndex >= 0) collateralOf[c.underlyingIndex]!.push(i);
  });
  const haircutFactor = (c: number, amount: number) => (amount > 0 ? 1 - book.collateral[c]!.haircut : 1);

  const scratch = new Float64Array(nScen);

  /** Writes the underlying's scenario PnL into `out[offset …]`. */
  const sumScenarios = (u: number, state: AccountState, out: Float64Array, offset: number): void => {
    out.fill(0, offset, offset + nScen);
    for (const i of positionsOf[u]!) {
      const q = state.quantities[i]!;
      if (q !== 0) addScaled(out, offset, unitPnl, i * nScen, q, nScen);
    }
    for (const c of collateralOf[u]!) {
      const a = state.amounts[c]!;
      if (a !== 0) addScaled(out, offset, collateralPnl, c * nScen, a * haircutFactor(c, a), nScen);
    }
  };

  /** Fills `scratch` with the underlying's scenario PnL and returns the index of the worst scenario. */
  const scenarioPnl = (u: number, state: AccountState): number => {
    sumScenarios(u, state, scratch, 0);
    let worst = 0;
    for (let s = 1; s < nScen; s++) if (scratch[s]! < scratch[worst]!) worst = s;
    return worst;
  };

  const contingencyOf = (i: number, q: number) => (q < 0 ? -q * contingencyPerUnit[i]! : 0);
  const contingency = (state: AccountState, i: number) => contingencyOf(i, state.quantities[i]!);

  const requirement = (state: AccountState): Requirement => {
    let mm = 0;
    for (let u = 0; u < nU; u++) mm += Math.max(0, -scratch[scenarioPnl(u, state)]!);
    for (let i = 0; i < nPos; i++) mm += contingency(state, i);
    return { maintenance: mm, initial: params.imFactor * mm };
  };

  const breakdown = (state: AccountState): MarginBreakdown => {
    const positionMaintenance = new Float64Array(nPos);
    const collateralMaintenance = new Float64Array(nCol);
    const underlyings: UnderlyingMargin[] = [];
    let mm = 0;
    for (let u = 0; u < nU; u++) {
      const worst = scenarioPnl(u, state);
      const loss = -scratch[worst]!;
      if (loss <= 0) {
        underlyings.push({ maintenance: 0, worstScenario: null });
        continue;
      }
      mm += loss;
      underlyings.push({ maintenance: loss, worstScenario: describe(worst, moves) });
      // Each leg's share is its own loss in the scenario that sets the requirement.
      for (const i of positionsOf[u]!) positionMaintenance[i] = -state.quantities[i]! * unitPnl[i * nScen + worst]!;
      for (const c of collateralOf[u]!) {
        const a = state.amounts[c]!;
        collateralMaintenance[c] = -a * haircutFactor(c, a) * collateralPnl[c * nScen + worst]!;
      }
    }
    for (let i = 0; i < nPos; i++) {
      const k = contingency(state, i);
      positionMaintenance[i]! += k;
      mm += k;
    }
    const positionInitial = positionMaintenance.map((m) => params.imFactor * m);
    return { maintenance: mm, initial: params.imFactor * mm, positionMaintenance, positionInitial, collateralMaintenance, underlyings };
  };

  const session = (start: AccountState): MarginSession => {
    const quantities = Float64Array.from(start.quantities);
    const amounts = Float64Array.from(start.amounts);
    const current: AccountState = { quantities, amounts };
    const sums = new Float64Array(nU * nScen);
    const losses = new Float64Array(nU);
    let lossTotal = 0;
    let contingencyTotal = 0;
    for (let u = 0; u < nU; u++) {
      sumScenarios(u, current, sums, u * nScen);
      losses[u] = worstLossWith(sums, u * nScen, unitPnl, 0, 0, nScen);
      lossTotal += losses[u]!;
    }
    for (let i = 0; i < nPos; i++) contingencyTotal += contingency(current, i);

    const collateralWeight = (c: number, a: number) => a * haircutFactor(c, a);
    const positionChange = (i: number, q: number) => {
      const u = book.positions[i]!.underlyingIndex;
      const loss = worstLossWith(sums, u * nScen, unitPnl, i * nScen, q - quantities[i]!, nScen);
      return { u, dLoss: loss - losses[u]!, dContingency: contingencyOf(i, q) - contingencyOf(i, quantities[i]!) };
    };
    const collateralChange = (c: number, a: number) => {
      const u = book.collateral[c]!.underlyingIndex;
      if (u < 0) return { u, weight: 0, dLoss: 0 };
      const weight = collateralWeight(c, a) - collateralWeight(c, amounts[c]!);
      return { u, weight, dLoss: worstLossWith(sums, u * nScen, collateralPnl, c * nScen, weight, nScen) - losses[u]! };
    };

    return {
      maintenance: () => lossTotal + contingencyTotal,
      maintenanceWithPosition: (i, q) => {
        const { dLoss, dContingency } = positionChange(i, q);
        return lossTotal + contingencyTotal + dLoss + dContingency;
      },
      maintenanceWithCollateral: (c, a) => lossTotal + contingencyTotal + collateralChange(c, a).dLoss,
      setPosition: (i, q) => {
        const { u, dLoss, dContingency } = positionChange(i, q);
        addScaled(sums, u * nScen, unitPnl, i * nScen, q - quantities[i]!, nScen);
        losses[u]! += dLoss;
        lossTotal += dLoss;
        contingencyTotal += dContingency;
        quantities[i] = q;
      },
      setCollateral: (c, a) => {
        const { u, weight, dLoss } = collateralChange(c, a);
        if (u >= 0) {
          addScaled(sums, u * nScen, collateralPnl, c * nScen, weight, nScen);
          losses[u]! += dLoss;
          lossTotal += dLoss;
        }
        amounts[c] = a;
      },
    };
  };

  return { requirement, breakdown, session };
}

/** out[o + s] += w × v[vo + s] for s < n. */
function addScaled(out: Float64Array, o: number, v: Float64Array, vo: number, w: number, n: number): void {
  for (let s = 0; s < n; s++) out[o + s]! += w * v[vo + s]!;
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

/** Per-unit PnL of one position in every scenario, written at `out[offset …]`. */
function fillPositionScenarios(
  p: Book['positions'][number],
  params: PortfolioParams,
  moves: Float64Array,
  out: Float64Array,
  offset: number,
): void {
  const inst = p.instrument;
  if (inst.type !== 'option') {
    // A linear contract's mark moves one for one with the underlying.
    for (let k = 0; k < moves.length; k++) {
      const pnl = p.mark * moves[k]!;
      for (let v = 0; v < N_VOL; v++) out[offset + k * N_VOL + v] = pnl;
    }
    return;
  }
  if (p.years <= 0 || p.volatility === undefined) {
    const now = intrinsicValue(inst.right, p.spot, inst.strike);
    for (let k = 0; k < moves.length; k++) {
      const pnl = intrinsicValue(inst.right, p.spot * (1 + moves[k]!), inst.strike) - now;
      for (let v = 0; v < N_VOL; v++) out[offset + k * N_VOL + v] = pnl;
    }
    return;
  }
  const [up, down] = volShocks(params, p.years);
  const vols = [p.volatility, p.volatility * up, p.volatility * down] as const;
  // Measured from the model price so that a mark-derived volatility and a given one agree.
  const now = optionPrice(inst.right, p.spot, inst.strike, p.years, p.volatility);
  for (let k = 0; k < moves.length; k++) {
    const spot = p.spot * (1 + moves[k]!);
    for (let v = 0; v < N_VOL; v++) {
      out[offset + k * N_VOL + v] = optionPrice(inst.right, spot, inst.strike, p.years, vols[v]!) - now;
    }
  }
}
