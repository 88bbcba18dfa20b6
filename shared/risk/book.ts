import type { Collateral, Instrument, Position, Snapshot } from '../schemas/snapshot.ts';
import { intrinsicValue, optionPrice, optionQuote, type OptionQuote, type OptionRight } from './black-scholes.ts';
import { RiskError } from './errors.ts';
import { assertArbitrageFree, impliedVolatility } from './implied-volatility.ts';
import { portfolioFor, type RiskProfile } from './profile-schema.ts';
import { scenarioRangeOf, type ScenarioRange } from './scenario-range.ts';
import type { RangeForecast } from './volatility/forecaster.ts';
import { yearsSince } from './time.ts';

/**
 * A snapshot valued once: every number the margin models and the planner need,
 * per unit of quantity, so that re-evaluating the account with other quantities
 * (a liquidation step) needs no repricing.
 */
export interface Book {
  readonly accountId: string;
  readonly asOf: string;
  readonly profile: RiskProfile;
  readonly positions: readonly BookPosition[];
  readonly collateral: readonly BookCollateral[];
  /** Underlyings of positions, then volatile collateral assets, in order of first appearance. */
  readonly underlyings: readonly string[];
  /** The market's annualised volatility of each underlying, when the snapshot gives one. */
  readonly underlyingVolatilities: readonly (number | undefined)[];
  /** Index of the quote-asset balance in `collateral`, where liquidation proceeds go. */
  readonly quoteIndex: number;
  /** The reach of each underlying's scenario grid (portfolio model): static, or from its volatility forecast. */
  readonly scenarioRanges: readonly ScenarioRange[];
}

export interface BookPosition {
  readonly id: string;
  readonly instrument: Instrument;
  readonly underlyingIndex: number;
  readonly quantity: number;
  /** Price of the underlying. */
  readonly spot: number;
  /** Mark price of one unit (contract). */
  readonly mark: number;
  /** Equity per unit of quantity: mark − entryPrice for perpetuals and futures, mark for options. */
  readonly unitValue: number;
  readonly entryPrice: number | undefined;
  /** Years to expiry (ACT/365); 0 for perpetuals. */
  readonly years: number;
  /** Volatility used for the option (given, implied from the mark, or the market's). */
  readonly volatility: number | undefined;
  /** Greeks of one unit. */
  readonly unitGreeks: Greeks;
  readonly lotSize: number | undefined;
}

export interface BookCollateral {
  readonly asset: string;
  readonly amount: number;
  readonly price: number;
  readonly haircut: number;
  /** Index into `Book.underlyings`; −1 for stable assets, covered by their haircut alone. */
  readonly underlyingIndex: number;
  /** True for the zero quote balance the book adds when the snapshot has none. */
  readonly implicit: boolean;
}

export interface Greeks {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

const LINEAR_GREEKS: Greeks = Object.freeze({ delta: 1, gamma: 0, vega: 0, theta: 0 });
const SHORT_LINEAR_GREEKS: Greeks = Object.freeze({ delta: -1, gamma: 0, vega: 0, theta: 0 });
const NO_GREEKS: Greeks = Object.freeze({ delta: 0, gamma: 0, vega: 0, theta: 0 });

type OptionInstrument = Extract<Instrument, { type: 'option' }>;

/**
 * Values a validated snapshot under `profile`, with the volatility forecasts of its
 * underlyings when the profile's grid is dynamic. Throws RiskError naming the field when
 * an option cannot be valued.
 */
export function buildBook(snapshot: Snapshot, profile: RiskProfile, forecasts: Readonly<Record<string, RangeForecast | null>> = {}): Book {
  const underlyings: string[] = [];
  const underlyingIndex = new Map<string, number>();
  const indexOf = (asset: string): number => {
    let i = underlyingIndex.get(asset);
    if (i === undefined) {
      i = underlyings.length;
      underlyings.push(asset);
      underlyingIndex.set(asset, i);
    }
    return i;
  };

  // Books repeat a handful of expiries: parse each once.
  const years: Record<string, number> = Object.create(null);
  const asOfMs = Date.parse(snapshot.asOf);
  const yearsTo = (iso: string) => (years[iso] ??= yearsSince(asOfMs, iso));
  const positions = snapshot.positions.map((p, i) => valuePosition(p, i, snapshot, indexOf(p.instrument.underlying), yearsTo));
  for (const c of snapshot.collateral) if (!profile.stableAssets.includes(c.asset)) indexOf(c.asset);
  const collateral = snapshot.collateral.map((c, i) =>
    valueCollateral(c, `collateral[${i}]`, snapshot, profile, underlyingIndex),
  );
  let quoteIndex = collateral.findIndex((c) => c.asset === profile.quoteAsset);
  if (quoteIndex < 0) {
    quoteIndex = collateral.length;
    collateral.push({ asset: profile.quoteAsset, amount: 0, price: 1, haircut: 0, underlyingIndex: -1, implicit: true });
  }
  const underlyingVolatilities = underlyings.map((u) => snapshot.market[u]?.volatility);
  const scenarioRanges = underlyings.map((u) => scenarioRangeOf(portfolioFor(profile.portfolio, u), forecasts[u]));
  return { accountId: snapshot.accountId, asOf: snapshot.asOf, profile, positions, collateral, underlyings, underlyingVolatilities, quoteIndex, scenarioRanges };
}

function valuePosition(p: Position, i: number, s: Snapshot, underlyingIndex: number, yearsTo: (iso: string) => number): BookPosition {
  const inst = p.instrument;
  const market = s.market[inst.underlying];
  if (!market) throw new RiskError('unknown_reference', `no market for ${inst.underlying}`, { field: `positions[${i}].instrument.underlying` });
  const spot = market.price;
  let mark: number;
  let unitValue: number;
  let years = 0;
  let volatility: number | undefined;
  let unitGreeks = LINEAR_GREEKS;

  if (inst.type !== 'option') {
    // Zero rates: a future's fair price is the spot; an exchange mark overrides it.
    mark = p.markPrice ?? spot;
    if (!(mark > 0)) throw new RiskError('invalid_mark', 'markPrice of a perpetual or future must be positive', { field: `positions[${i}].markPrice` });
    if (inst.type === 'future') years = yearsTo(inst.expiry);
    unitValue = unitValueAt(p, mark);
  } else {
    years = yearsTo(inst.expiry);
    if (years <= 0) {
      mark = intrinsicValue(inst.right, spot, inst.strike);
      unitGreeks = expiredGreeks(inst.right, spot, inst.strike);
    } else {
      if (p.markPrice !== undefined) checkOptionMark(inst, p.markPrice, spot, years, `positions[${i}].markPrice`);
      volatility = optionVolatility(p, i, market.volatility, spot, years);
      const quote: OptionQuote = optionQuote(inst.right, spot, inst.strike, years, volatility);
      // The exchange's mark is the value; the model price only fills in when none is given.
      mark = p.markPrice ?? quote.price;
      unitGreeks = { delta: quote.delta, gamma: quote.gamma, vega: quote.vega, theta: quote.theta };
    }
    unitValue = mark;
  }
  return {
    id: p.id,
    instrument: inst,
    underlyingIndex,
    quantity: p.quantity,
    spot,
    mark,
    unitValue,
    entryPrice: p.entryPrice,
    years,
    volatility,
    unitGreeks,
    lotSize: p.lotSize,
  };
}

/**
 * An unsettled option past expiry is worth its payoff, which moves one-for-one with the spot
 * when in the money: until settlement it is a linear position (delta +1 for a call, −1 for a
 * put), flat out of the money and at the money. The product's original contract gave it zero Greeks; we do not (docs/contract.md).
 */
function expiredGreeks(right: OptionRight, spot: number, strike: number): Greeks {
  if (intrinsicValue(right, spot, strike) === 0) return NO_GREEKS;
  return right === 'call' ? LINEAR_GREEKS : SHORT_LINEAR_GREEKS;
}

/**
 * Exchanges quote an option with no intrinsic value whose time value is below a tick at 0.
 * Such a mark is accepted, and carries no volatility.
 */
function isZeroWingMark(inst: OptionInstrument, mark: number, spot: number): boolean {
  return mark === 0 && intrinsicValue(inst.right, spot, inst.strike) === 0;
}

/**
 * Refuses a live option's mark outside the arbitrage-free range (intrinsic, spot or strike),
 * whatever the volatility source: a given volatility does not make an impossible mark a value,
 * and a volatility fallback must not hide it. The zero wing mark is the one exception.
 */
function checkOptionMark(inst: OptionInstrument, mark: number, spot: number, years: number, field: string): void {
  if (!isZeroWingMark(inst, mark, spot)) assertArbitrageFree(inst.right, spot, inst.strike, years, mark, field);
}

/**
 * Volatility precedence: the position's own, then implied from its mark, then the market's.
 * A zero wing mark implies no volatility: the market's is used when given.
 */
function optionVolatility(p: Position, i: number, marketVol: number | undefined, spot: number, years: number): number {
  if (p.impliedVolatility !== undefined) return p.impliedVolatility;
  const inst = p.instrument;
  if (p.markPrice !== undefined && inst.type === 'option') {
    if (!(isZeroWingMark(inst, p.markPrice, spot) && marketVol !== undefined)) {
      return impliedVolatility(inst.right, spot, inst.strike, years, p.markPrice, `positions[${i}].markPrice`);
    }
  }
  if (marketVol !== undefined) return marketVol;
  throw new RiskError(
    'missing_volatility',
    `option needs a volatility: give impliedVolatility or markPrice, or market.${inst.underlying}.volatility`,
    { field: `positions[${i}].impliedVolatility` },
  );
}

function valueCollateral(
  c: Collateral,
  field: string,
  s: Snapshot,
  profile: RiskProfile,
  underlyingIndex: ReadonlyMap<string, number>,
): BookCollateral {
  const price = c.asset === profile.quoteAsset ? 1 : s.market[c.asset]?.price;
  if (price === undefined) {
    throw new RiskError('unknown_reference', `no market price for "${c.asset}": add market.${c.asset}`, { field: `${field}.asset` });
  }
  const haircut = profile.haircuts[c.asset];
  if (haircut === undefined) {
    throw new RiskError('unknown_reference', `"${c.asset}" is not accepted as collateral by risk profile "${profile.name}"`, {
      field: `${field}.asset`,
    });
  }
  return { asset: c.asset, amount: c.amount, price, haircut, underlyingIndex: underlyingIndex.get(c.asset) ?? -1, implicit: false };
}

/** Equity per unit of quantity at `mark`: the mark for options, mark − entryPrice for linear contracts (0 without an entry price). */
export function unitValueAt(p: { readonly instrument: Instrument; readonly entryPrice?: number | undefined }, mark: number): number {
  if (p.instrument.type === 'option') return mark;
  return p.entryPrice === undefined ? 0 : mark - p.entryPrice;
}

/** The model price of a live option at `spot`; 0 for linear and settled contracts. */
export function modelPriceAt(p: BookPosition, spot: number): number {
  const inst = p.instrument;
  return inst.type === 'option' && p.years > 0 && p.volatility !== undefined ? optionPrice(inst.right, spot, inst.strike, p.years, p.volatility) : 0;
}

/**
 * The mark with the underlying at price × f, all else fixed: linear marks scale with the
 * price; an option's mark moves by the model's price change, keeping the exchange's basis
 * to the model; a settled option stays at its payoff. `priceNow` is the model price at the
 * current spot, for callers that shift the same position many times.
 */
export function shiftedMark(p: BookPosition, f: number, priceNow: number = modelPriceAt(p, p.spot), priceThen?: number): number {
  const inst = p.instrument;
  if (inst.type !== 'option') return p.mark * f;
  const spot = p.spot * f;
  if (p.years <= 0 || p.volatility === undefined) return intrinsicValue(inst.right, spot, inst.strike);
  // `priceThen`: the model price at the shifted spot, when the caller has it already.
  return Math.max(0, p.mark + (priceThen ?? modelPriceAt(p, spot)) - priceNow);
}

/** The position with its underlying at price × f (see `shiftedMark`). */
export function shiftedPosition(p: BookPosition, f: number): BookPosition {
  const mark = shiftedMark(p, f);
  return {
    id: p.id,
    instrument: p.instrument,
    underlyingIndex: p.underlyingIndex,
    quantity: p.quantity,
    spot: p.spot * f,
    mark,
    unitValue: unitValueAt(p, mark),
    entryPrice: p.entryPrice,
    years: p.years,
    volatility: p.volatility,
    unitGreeks: p.unitGreeks,
    lotSize: p.lotSize,
  };
}

/** Equity contribution of a collateral balance: haircut on positive balances, full value on debts. */
export function collateralValue(amount: number, price: number, haircut: number): number {
  return amount > 0 ? amount * price * (1 - haircut) : amount * price;
}
