import { intrinsicValue } from '../black-scholes.ts';
import { shiftedPosition, type Book, type BookCollateral, type BookPosition } from '../book.ts';
import type { MarginBracket, RiskProfile } from '../profile-schema.ts';
import type { AccountState, LinearMargin, MarginBreakdown, MarginModel, MarginSession, MaxGroup, PositionChange, Reduction, Requirement } from './model.ts';

type StandardParams = RiskProfile['standard'];

/** One bracket's line: requirement = notional × rate − offset inside it. */
interface BracketLine {
  readonly rate: number;
  readonly offset: number;
  /** Upper notional edge of the bracket; Infinity for the last. */
  readonly upTo: number;
}

/**
 * Bracket lines with offsets chosen so the requirement is continuous at the edges
 * (Binance's "maintenance amount"). With rates rising from bracket to bracket (the profile
 * schema insists), the requirement is the largest of the lines: convex in notional.
 */
export function bracketLines(brackets: readonly MarginBracket[], rate: 'maintenanceRate' | 'initialRate'): BracketLine[] {
  let offset = 0;
  let previousRate = brackets[0]![rate];
  let previousEdge = 0;
  return brackets.map((b) => {
    offset += previousEdge * (b[rate] - previousRate);
    previousRate = b[rate];
    previousEdge = b.notionalUpTo ?? Number.POSITIVE_INFINITY;
    return { rate: b[rate], offset, upTo: previousEdge };
  });
}

/** Bracketed requirement of a notional: the line of the bracket it falls in. */
export function bracketMargin(brackets: readonly MarginBracket[], notional: number, rate: 'maintenanceRate' | 'initialRate'): number {
  const lines = bracketLines(brackets, rate);
  const line = lines.find((l) => notional <= l.upTo) ?? lines[lines.length - 1]!;
  return notional * line.rate - line.offset;
}

/**
 * Notional per unit that brackets apply to: the mark of a perpetual or future, and the
 * spot of an expired option left in the money (a linear position until it settles);
 * undefined for contracts margined otherwise.
 */
export function bracketBase(p: BookPosition): number | undefined {
  const inst = p.instrument;
  if (inst.type !== 'option') return p.mark;
  if (p.years > 0) return undefined;
  return intrinsicValue(inst.right, p.spot, inst.strike) > 0 ? p.spot : undefined;
}

/** Maintenance and initial requirement of one position of quantity `q` under the standard model. */
export function standardPositionMargin(p: BookPosition, q: number, params: StandardParams): [mm: number, im: number] {
  const size = Math.abs(q);
  if (size === 0) return [0, 0];
  const inst = p.instrument;
  const base = bracketBase(p);
  if (base !== undefined) {
    const notional = size * base;
    return [bracketMargin(params.brackets, notional, 'maintenanceRate'), bracketMargin(params.brackets, notional, 'initialRate')];
  }
  // Long options and options expired out of the money carry no further risk beyond their value.
  if (q > 0 || inst.type !== 'option' || p.years <= 0) return [0, 0];
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

/** Standard margin (docs/margin.md): each position on its own, no offsets; collateral held needs none, debts are short positions. */
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

  const maintenanceOfUnderlyingAt = (u: number, f: number, state: AccountState, _modelPrices?: Float64Array): number => {
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

  const requirementOfUnderlyingAt = (u: number, f: number, state: AccountState, _modelPrices?: Float64Array): Requirement => {
    let mm = 0;
    let im = 0;
    for (let i = 0; i < nPos; i++) {
      const p = book.positions[i]!;
      if (p.underlyingIndex !== u) continue;
      const [m, n] = standardPositionMargin(shiftedPosition(p, f), state.quantities[i]!, params);
      mm += m;
      im += n;
    }
    for (let c = 0; c < nCol; c++) {
      if (book.collateral[c]!.underlyingIndex !== u) continue;
      const [m, n] = standardDebtMargin(book.collateral[c]!, state.amounts[c]!, params, f);
      mm += m;
      im += n;
    }
    return { maintenance: mm, initial: im };
  };

  /**
   * Each reduction's own requirement as a function of the amount closed: linear for short
   * options, and for bracketed contracts whose range stays in one bracket; otherwise a group
   * of the bracket lines (the requirement is the largest of them).
   */
  const maintenanceLines = bracketLines(params.brackets, 'maintenanceRate');
  const linearize = (state: AccountState, reductions: readonly Reduction[], upper: Float64Array): LinearMargin => {
    const linear = new Float64Array(reductions.length);
    const groups: MaxGroup[] = [];
    // Start from the whole requirement; each reduction's own part is then replaced by its function of x.
    let constant = session(state).maintenance();
    reductions.forEach((r, j) => {
      const size = Math.abs(r.kind === 'position' ? state.quantities[r.index]! : state.amounts[r.index]!);
      const own = (x: number) =>
        r.kind === 'position' ? standardPositionMargin(book.positions[r.index]!, r.sign * (size - x), params)[0] : debt(r.index, r.sign * (size - x))[0];
      const col = r.kind === 'collateral' ? book.collateral[r.index]! : undefined;
      const base = col ? (r.sign < 0 && col.underlyingIndex >= 0 ? col.price : undefined) : bracketBase(book.positions[r.index]!);
      const room = upper[j]!;
      constant -= own(0);
      if (base !== undefined && bracketOf(size * base) !== bracketOf((size - room) * base)) {
        const m = maintenanceLines.length;
        const rowConstants = new Float64Array(m);
        const coefficients = new Float64Array(m);
        maintenanceLines.forEach((l, k) => {
          rowConstants[k] = l.rate * base * size - l.offset;
          coefficients[k] = -l.rate * base;
        });
        groups.push({ members: Int32Array.of(j), rowConstants, coefficients });
      } else {
        constant += own(0);
        linear[j] = room > 0 ? (own(room) - own(0)) / room : 0;
      }
    });
    return { constant, linear, groups };
  };
  const bracketOf = (notional: number) => maintenanceLines.findIndex((l) => notional <= l.upTo);

  return { requirement, breakdown, session, maintenanceOfUnderlyingAt, requirementOfUnderlyingAt, linearize };
}
