import type { LiquidationPrices } from '../schemas/assessment.ts';
import { cannotOwe, type AccountHealth } from './account.ts';
import { collateralValue, modelPriceAt, shiftedMark, unitValueAt, type Book } from './book.ts';
import type { AccountState, MarginModel } from './margin/index.ts';
import { brent } from './roots.ts';

/** Furthest moves searched: down to 1% of the price, up to ten times it. */
const MIN_FACTOR = 0.01;
const MAX_FACTOR = 10;
/**
 * First step of the outward march (2%) and its growth per step (2%, 6%, 18%, 54%, …);
 * Brent refines each bracket. Fine near the price, where liquidation prices matter most.
 */
const FIRST_STEP = 0.02;
const STEP_GROWTH = 3;
/** Relative precision of the prices returned. */
const PRICE_TOLERANCE = 1e-9;

/**
 * For each underlying, the nearest prices below and above the current one at which
 * the account would be in tier1 (or worse) and in tier3 (or worse), all else fixed:
 * the "liquidation price" traders ask for. Found by marching outward and then
 * Brent's method on the full margin model, revaluing every position and collateral
 * balance in that underlying at each trial price. `null` when the threshold is not
 * reached within 1%–1000% of the current price.
 */
export function liquidationPrices(book: Book, model: MarginModel, state: AccountState, health: AccountHealth): Record<string, LiquidationPrices> {
  const out: Record<string, LiquidationPrices> = {};
  const { tier1, tier3 } = book.profile.tiers;
  // An account that cannot owe is never liquidated, whatever the price (docs/margin.md).
  const never = cannotOwe(book, state);
  book.underlyings.forEach((u, k) => {
    if (never) {
      const price = book.positions.find((p) => p.underlyingIndex === k)?.spot ?? book.collateral.find((c) => c.underlyingIndex === k)!.price;
      out[u] = { price, down: { tier1: null, tier3: null }, up: { tier1: null, tier3: null } };
      return;
    }
    const { spot, at } = accountAtPrice(book, model, state, health, k);
    // Equity above each threshold's requirement at price × f: negative below it (or in bad debt).
    const gapsOf = (equity: number, maintenance: number): [number, number] =>
      equity < 0 ? [equity, equity] : [equity - tier1 * maintenance, equity - tier3 * maintenance];
    const gaps = (f: number): [number, number] => {
      const s = at(f);
      return gapsOf(s.equity, s.maintenance);
    };
    // At today's price the gaps are the account's own: no revaluation.
    const start = gapsOf(health.equity, health.maintenanceMargin);
    const search = (direction: 1 | -1) => {
      const [f1, f3] = crossings(gaps, direction, start);
      return { tier1: f1 === null ? null : spot * f1, tier3: f3 === null ? null : spot * f3 };
    };
    out[u] = { price: spot, down: search(-1), up: search(1) };
  });
  return out;
}

/**
 * The whole account's equity and maintenance margin with underlying `u` at price × f, all
 * else fixed. Models add up across underlyings, so only that underlying's slice is revalued.
 * `requirementAt` adds the initial margin (what tells `healthy` from `warning`), at the cost
 * of computing it.
 */
export function accountAtPrice(book: Book, model: MarginModel, state: AccountState, health: AccountHealth, u: number) {
  const slice = sliceOf(book, model, state, u);
  const base = slice.evaluate(1);
  const otherEquity = health.equity - base.equity;
  const otherMaintenance = health.maintenanceMargin - base.maintenance;
  let otherInitial: number | undefined;
  return {
    spot: slice.spot,
    at(f: number): { equity: number; maintenance: number } {
      const s = slice.evaluate(f);
      return { equity: otherEquity + s.equity, maintenance: otherMaintenance + s.maintenance };
    },
    requirementAt(f: number): { equity: number; maintenance: number; initial: number } {
      otherInitial ??= health.initialMargin - slice.evaluate(1, true).initial;
      const s = slice.evaluate(f, true);
      return { equity: otherEquity + s.equity, maintenance: otherMaintenance + s.maintenance, initial: otherInitial + s.initial };
    },
  };
}

/** Factors at which each of the gaps first turns negative, marching from 1 in `direction`. */
function crossings(gaps: (f: number) => [number, number], direction: 1 | -1, start: [number, number]): [number | null, number | null] {
  const found: [number | null, number | null] = [null, null];
  for (let t = 0; t < 2; t++) if (start[t]! < 0) found[t] = 1;
  // Every revaluation inside the current bracket: the second threshold's search starts from the first's.
  let inside: Array<[f: number, gaps: [number, number]]> = [];
  const at = (f: number) => {
    const g = gaps(f);
    inside.push([f, g]);
    return g;
  };
  let previous = 1;
  let previousGaps = start;
  for (let step = FIRST_STEP; found[0] === null || found[1] === null; step *= STEP_GROWTH) {
    const f = direction < 0 ? Math.max(1 - step, MIN_FACTOR) : Math.min(1 + step, MAX_FACTOR);
    const g = gaps(f);
    inside = [];
    for (let t = 0; t < 2; t++) {
      if (found[t] !== null || !(g[t]! < 0)) continue;
      // The tightest bracket the revaluations so far give, walking out from the near end.
      let [lo, gLo, hi, gHi] = [previous, previousGaps[t]!, f, g[t]!];
      inside.sort((a, b) => Math.abs(a[0] - 1) - Math.abs(b[0] - 1));
      for (const [x, gx] of inside) {
        if (gx[t]! < 0) {
          [hi, gHi] = [x, gx[t]!];
          break;
        }
        [lo, gLo] = [x, gx[t]!];
      }
      found[t] = gLo === 0 ? lo : brent((x) => at(x)[t]!, lo, hi, PRICE_TOLERANCE * Math.max(lo, hi), 100, [gLo, gHi]);
    }
    if (f === MIN_FACTOR || f === MAX_FACTOR) break;
    previous = f;
    previousGaps = g;
  }
  return found;
}

interface Slice {
  readonly spot: number;
  /** Equity and maintenance margin of the underlying's positions and collateral at price × f (and initial margin, NaN unless `withInitial`). */
  evaluate(f: number, withInitial?: boolean): { equity: number; maintenance: number; initial: number };
}

/** One underlying's share of equity and requirement, at a shifted price. */
function sliceOf(book: Book, model: MarginModel, state: AccountState, u: number): Slice {
  const positions = book.positions.filter((p) => p.underlyingIndex === u);
  const collateral = book.collateral.filter((c) => c.underlyingIndex === u);
  const spot = positions[0]?.spot ?? collateral[0]!.price;
  // Model prices at today's spot, once: every trial price moves the marks from them.
  const priceNow = positions.map((p) => modelPriceAt(p, p.spot));
  const shifted = new Float64Array(positions.length);
  return {
    spot,
    evaluate(f, withInitial = false) {
      // The model values each option at the trial price on its way: its prices serve the marks too.
      shifted.fill(Number.NaN);
      const { maintenance, initial } = withInitial
        ? model.requirementOfUnderlyingAt(u, f, state, shifted)
        : { maintenance: model.maintenanceOfUnderlyingAt(u, f, state, shifted), initial: Number.NaN };
      let equity = 0;
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i]!;
        const then = shifted[i]!;
        equity += p.quantity * unitValueAt(p, shiftedMark(p, f, priceNow[i], Number.isNaN(then) ? undefined : then));
      }
      for (const c of collateral) equity += collateralValue(c.amount, c.price * f, c.haircut);
      return { equity, maintenance, initial };
    },
  };
}
