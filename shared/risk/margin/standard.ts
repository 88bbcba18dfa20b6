import { shiftedPosition, type Book, type BookCollateral, type BookPosition } from '../book.ts';
import type { MarginBracket, RiskProfile } from '../profile.ts';
import type { AccountState, MarginBreakdown, MarginModel, MarginSession, PositionChange, Requirement } from './model.ts';

type StandardParams = RiskProfile['standard'];

/**
 * Bracketed rate: requirement = notional × rate − offset, with offsets chosen so
 * the requirement is continuous at bracket edges (Binance's "maintenance amount").
 */
export function bracketMargin(brackets: readonly MarginBracket[], notional: number, rate: 'maintenanceRate' | 'initialRate'): number {
  let offset = 0;
  let previousRate = brackets[0]![rate];
  let previousEdge = 0;
  for (const b of brackets) {
    offset += previousEdge * (b[rate] - previousRate);
    previousRate = b[rate];
    if (b.notionalUpTo === null || notional <= b.notionalUpTo) break;
    previousEdge = b.notionalUpTo;
  }
  return notional * previousRate - offset;
}

/** Maintenance and initial requirement of one position of quantity `q` under the standard model. */
export function standardPositionMargin(p: BookPosition, q: number, params: StandardParams): [mm: number, im: number] {
  const size = Math.abs(q);
  if (size === 0) return [0, 0];
  const inst = p.instrument;
  if (inst.type !== 'option') {
    const notional = size * p.mark;
    return [bracketMargin(params.brackets, notional, 'maintenanceRate'), bracketMargin(params.brackets, notional, 'initialRate')];
  }
  // Long options and settled options carry no further risk beyond their value.
  if (q > 0 || p.years <= 0) return [0, 0];
  const otm = inst.right === 'call' ? Math.max(inst.strike - p.spot, 0) : Math.max(p.spot - inst.strike, 0);
  const mm = size * (params.optionMaintenanceFactor * p.spot + p.mark);
  const imFactor = Math.max(params.optionInitialFactor - otm / p.spot, params.optionInitialFloor);
  const im = size * (imFactor * p.spot + p.mark);
  return [mm, Math.max(im, mm)];
}

/**
 * A balance owed in a volatile asset is a short position in it: margined like a short
 * perpetual of the same size. Balances held need none (their haircut covers them), and
 * stablecoin debts carry no price risk against the quote currency.
 */
export function standardDebtMargin(c: BookCollateral, amount: number, params: StandardParams, f = 1): [mm: number, im: number] {
  if (amount >= 0 || c.underlyingIndex < 0) return [0, 0];
  const notional = -amount * c.price * f;
  return [bracketMargin(params.brackets, notional, 'maintenanceRate'), bracketMargin(params.brackets, notional, 'initialRate')];
}

/** Standard margin (DESIGN §4): each position on its own, no offsets; collateral held needs none, debts are short positions. */
export function standardMarginModel(book: Book): MarginModel {
  const params = book.profile.standard;
  const nPos = book.positions.length;
  const nCol = book.collateral.length;
  const debt = (c: number, amount: number) => standardDebtMargin(book.collateral[c]!, amount, params);

  const requirement = (state: AccountState): Requirement => {
    let mm = 0;
    let im = 0;
    for (let i = 0; i < nPos; i++) {
      const [m, n] = standardPositionMargin(book.positions[i]!, state.quantities[i]!, params);
      mm += m;
      im += n;
    }
    for (let c = 0; c < nCol; c++) {
      const [m, n] = debt(c, state.amounts[c]!);
      mm += m;
      im += n;
    }
    return { maintenance: mm, initial: im };
  };

  const breakdown = (state: AccountState): MarginBreakdown => {
    const positionMaintenance = new Float64Array(nPos);
    const positionInitial = new Float64Array(nPos);
    const perUnderlying = new Float64Array(book.underlyings.length);
    let mm = 0;
    let im = 0;
    for (let i = 0; i < nPos; i++) {
      const p = book.positions[i]!;
      const [m, n] = standardPositionMargin(p, state.quantities[i]!, params);
      positionMaintenance[i] = m;
      positionInitial[i] = n;
      perUnderlying[p.underlyingIndex]! += m;
      mm += m;
      im += n;
    }
    const collateralMaintenance = new Float64Array(nCol);
    for (let c = 0; c < nCol; c++) {
      const [m, n] = debt(c, state.amounts[c]!);
      collateralMaintenance[c] = m;
      if (m > 0) perUnderlying[book.collateral[c]!.underlyingIndex]! += m;
      mm += m;
      im += n;
    }
    return {
      maintenance: mm,
      initial: im,
      positionMaintenance,
      positionInitial,
      collateralMaintenance,
      underlyings: Array.from(perUnderlying, (m) => ({ maintenance: m, worstScenario: null })),
    };
  };

  const session = (start: AccountState): MarginSession => {
    const quantities = Float64Array.from(start.quantities);
    const amounts = Float64Array.from(start.amounts);
    const own = (i: number, q: number) => standardPositionMargin(book.positions[i]!, q, params)[0];
    const owed = (c: number, a: number) => debt(c, a)[0];
    let total = 0;
    for (let i = 0; i < nPos; i++) total += own(i, quantities[i]!);
    for (let c = 0; c < nCol; c++) total += owed(c, amounts[c]!);
    return {
      maintenance: () => total,
      maintenanceWithPosition: (i, q) => total - own(i, quantities[i]!) + own(i, q),
      maintenanceWithPositions: (changes: readonly PositionChange[]) =>
        changes.reduce((mm, [i, q]) => mm - own(i, quantities[i]!) + own(i, q), total),
      maintenanceWithCollateral: (c, a) => total - owed(c, amounts[c]!) + owed(c, a),
      setPosition: (i, q) => {
        total += own(i, q) - own(i, quantities[i]!);
        quantities[i] = q;
      },
      setCollateral: (c, a) => {
        total += owed(c, a) - owed(c, amounts[c]!);
        amounts[c] = a;
      },
    };
  };

  const maintenanceOfUnderlyingAt = (u: number, f: number, state: AccountState): number => {
    let mm = 0;
    for (let i = 0; i < nPos; i++) {
      const p = book.positions[i]!;
      if (p.underlyingIndex === u) mm += standardPositionMargin(shiftedPosition(p, f), state.quantities[i]!, params)[0];
    }
    for (let c = 0; c < nCol; c++) {
      if (book.collateral[c]!.underlyingIndex === u) mm += standardDebtMargin(book.collateral[c]!, state.amounts[c]!, params, f)[0];
    }
    return mm;
  };

  return { requirement, breakdown, session, maintenanceOfUnderlyingAt };
}
