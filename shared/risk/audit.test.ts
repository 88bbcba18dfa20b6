/**
 * Regression tests for the findings of the independent risk-core audit. Expected values
 * come from closed forms (intrinsic values, no-arbitrage bounds, textbook Black-Scholes on
 * stdlib's CDF, a linear book's ±16% scenario), never from the code under test.
 */
import { describe, expect, it } from 'vitest';
import { referencePrice } from '../../test/reference-pricing.ts';
import { SnapshotSchema, type SnapshotInput } from '../schemas/snapshot.ts';
import { evaluate, grossNotional, healthOf, initialState, type AccountHealth } from './account.ts';
import { buildBook, type Book } from './book.ts';
import { NoVolatilityFitsError, RiskError } from './errors.ts';
import { marginModelFor, type AccountState } from './margin/index.ts';
import { findProfile } from './built-in-profiles.ts';
import { TIERS } from './tiers.ts';

const AS_OF = '2026-11-23T12:00:00Z';
const EXPIRY = '2026-12-25T08:00:00Z';
const EXPIRED = '2026-11-20T08:00:00Z';
const YEARS = (Date.parse(EXPIRY) - Date.parse(AS_OF)) / (365 * 86_400_000);
const SPOT = 97_000;
const VOL = 0.55;

type PositionInput = SnapshotInput['positions'][number];

function bookOf(positions: PositionInput[], collateral: SnapshotInput['collateral'] = [], spot = SPOT): Book {
  const snapshot = SnapshotSchema.parse({
    accountId: 'audit',
    asOf: AS_OF,
    collateral,
    positions,
    market: { BTC: { price: spot, volatility: VOL }, USDC: { price: 1 } },
  });
  return buildBook(snapshot, findProfile('default')!);
}

function healthOfBook(book: Book, state: AccountState = initialState(book)): AccountHealth {
  return evaluate(book, marginModelFor(book), state);
}

const option = (id: string, right: 'call' | 'put', strike: number, quantity: number, extra: Partial<PositionInput> = {}, expiry = EXPIRY): PositionInput => ({
  id,
  instrument: { type: 'option', underlying: 'BTC', right, strike, expiry },
  quantity,
  ...extra,
});
const perpetual = (id: string, quantity: number): PositionInput => ({ id, instrument: { type: 'perpetual', underlying: 'BTC' }, quantity });
const future = (id: string, quantity: number): PositionInput => ({
  id,
  instrument: { type: 'future', underlying: 'BTC', expiry: '2027-03-26T08:00:00Z' },
  quantity,
});
/** A harmless first position, so that the refused one sits at index 1. */
const filler = perpetual('filler', 0.1);

function refusal(fn: () => unknown): RiskError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NoVolatilityFitsError);
    expect(error).toBeInstanceOf(RiskError);
    return error as RiskError;
  }
  throw new Error('expected the snapshot to be refused');
}

describe('finding 1: an option mark outside the arbitrage-free range is refused whatever the volatility source', () => {
  // Closed forms: intrinsic = max(S − K, 0) for a call, max(K − S, 0) for a put; cap = S (call), K (put).
  const itmCallStrike = 80_000; // intrinsic 17,000
  const itmPutStrike = 110_000; // intrinsic 13,000

  it.each([
    ['below intrinsic, market volatility', option('c', 'call', itmCallStrike, 1, { markPrice: 16_000 }), 'intrinsic'],
    ['at intrinsic, market volatility', option('c', 'call', itmCallStrike, 1, { markPrice: SPOT - itmCallStrike }), 'intrinsic'],
    ['put at intrinsic, market volatility', option('p', 'put', itmPutStrike, -1, { markPrice: itmPutStrike - SPOT }), 'intrinsic'],
    ['below intrinsic, given volatility', option('c', 'call', itmCallStrike, 1, { markPrice: 1, impliedVolatility: 0.5 }), 'intrinsic'],
    ['call above the spot, given volatility', option('c', 'call', 100_000, 1, { markPrice: SPOT + 1, impliedVolatility: 0.5 }), 'bound 97000'],
    ['call at the spot, given volatility', option('c', 'call', 100_000, 1, { markPrice: SPOT, impliedVolatility: 0.5 }), 'bound 97000'],
    ['put above the strike, given volatility', option('p', 'put', 90_000, 1, { markPrice: 90_001, impliedVolatility: 0.5 }), 'bound 90000'],
    ['zero mark in the money, market volatility', option('c', 'call', itmCallStrike, 1, { markPrice: 0 }), 'intrinsic'],
  ])('refuses a mark %s, naming positions[1].markPrice', (_, position, fragment) => {
    const error = refusal(() => bookOf([filler, position]));
    expect(error.field).toBe('positions[1].markPrice');
    expect(error.message).toContain(fragment);
  });

  it.each([
    ['call', 200_000],
    ['put', 40_000],
    ['call', SPOT], // at the money: intrinsic 0 too
  ] as const)('keeps the exchange convention: a %s with no intrinsic value (strike %s) marked 0 uses the market volatility', (right, strike) => {
    const book = bookOf([filler, option('w', right, strike, -2, { markPrice: 0 })]);
    expect(book.positions[1]).toMatchObject({ mark: 0, unitValue: 0, volatility: VOL });
  });

  it('accepts a mark inside the range with a given volatility and values the position at the mark', () => {
    const book = bookOf([option('c', 'call', itmCallStrike, 1, { markPrice: 17_500, impliedVolatility: 0.5 })]);
    expect(book.positions[0]).toMatchObject({ mark: 17_500, volatility: 0.5 });
  });
});

describe('finding 2: an account that cannot lose more than its equity is never liquidated', () => {
  const wing = option('c', 'call', 200_000, 1);

  it('classifies a fully paid long option at worst warning, although its ratio is in the tier2 band', () => {
    const book = bookOf([wing]);
    const h = healthOfBook(book);
    // Equity is the option's value: textbook Black-Scholes on stdlib's CDF.
    expect(h.equity).toBeCloseTo(referencePrice('call', SPOT, 200_000, YEARS, VOL), 9);
    // Premise: a far wing loses almost all its value in the worst scenario, ratio ≈ 1.
    const profile = findProfile('default')!;
    expect(h.marginRatio!).toBeLessThan(profile.tiers.tier2);
    // Equity below IM (= 1.3 × MM > equity): reduce-only advice, nothing more.
    expect(h.equity).toBeLessThan(h.initialMargin);
    expect(h.tier).toBe('warning');
  });

  it('applies to long options with a flat perpetual and a positive volatile balance', () => {
    const book = bookOf([wing, option('p', 'put', 40_000, 0.5), perpetual('flat', 0)], [{ asset: 'BTC', amount: 1e-8 }]);
    const h = healthOfBook(book);
    expect(h.marginRatio!).toBeLessThan(findProfile('default')!.tiers.tier1);
    expect(['healthy', 'warning']).toContain(h.tier);
  });

  it('still liquidates a long option bought with debt, or hedged with a short perpetual or a short option', () => {
    const itm = option('c', 'call', 60_000, 1);
    const price = referencePrice('call', SPOT, 60_000, YEARS, VOL);
    // Borrowed 95% of its value: equity 5% of it, while a −16% move costs about 0.16 × S × delta.
    const borrowed = healthOfBook(bookOf([itm], [{ asset: 'USDC', amount: -0.95 * price }]));
    expect(borrowed.tier).toBe('tier3');
    const liquidating = TIERS.slice(TIERS.indexOf('tier1'));
    const withPerp = healthOfBook(bookOf([itm, perpetual('p', 0.5)], [{ asset: 'USDC', amount: -0.95 * price }]));
    expect(liquidating).toContain(withPerp.tier);
    // The fully paid wing of the test above plus a sliver of a short wing: its contingency
    // (0.1% of spot per contract) alone exceeds the equity.
    const withShortOption = healthOfBook(bookOf([wing, option('s', 'call', 300_000, -0.001)]));
    expect(liquidating).toContain(withShortOption.tier);
  });

  it('follows the evaluated state: closing the short perpetual makes the account one that cannot owe', () => {
    const book = bookOf([wing, perpetual('p', -0.001)]);
    const state = initialState(book);
    state.quantities[1] = 0;
    expect(['healthy', 'warning']).toContain(healthOfBook(book, state).tier);
  });

  it('healthOf without a state reads the snapshot, as assess calls it', () => {
    const book = bookOf([wing]);
    const model = marginModelFor(book);
    const { maintenance, initial } = model.requirement(initialState(book));
    const h = healthOfBook(book);
    expect(healthOf(book, h.equity, maintenance, initial)).toEqual(h);
  });
});

describe('finding 3: an expired, unsettled option is linear until settled', () => {
  const asOfExpired = (right: 'call' | 'put', strike: number) => bookOf([option('x', right, strike, 2, {}, EXPIRED)]).positions[0]!;

  it.each([
    ['call', 80_000, 1, SPOT - 80_000],
    ['put', 110_000, -1, 110_000 - SPOT],
    ['call', 110_000, 0, 0],
    ['put', 80_000, 0, 0],
    ['call', SPOT, 0, 0],
    ['put', SPOT, 0, 0],
  ] as const)('%s struck at %s: delta %s (d max(±(S − K), 0)/dS), worth its intrinsic %s', (right, strike, delta, intrinsic) => {
    const p = asOfExpired(right, strike);
    expect(p.mark).toBe(intrinsic);
    expect(p.unitGreeks).toEqual({ delta, gamma: 0, vega: 0, theta: 0 });
  });
});

describe('finding 5: a requirement that is rounding residue of a hedge counts as zero', () => {
  // Long 0.1 + 0.2 perpetual, short 0.3 future: the net delta is exactly 0, so every scenario's
  // PnL is 0 and the true requirement is 0 (the sum 0.1 + 0.2 − 0.3 leaves ~5e-13 in doubles).
  const hedge = [perpetual('a', 0.1), perpetual('b', 0.2), future('f', -0.3)];
  const spot = 97_000.1;

  it('reports no requirement and a null ratio on a fully hedged linear book', () => {
    const h = healthOfBook(bookOf(hedge, [{ asset: 'USDC', amount: 1_000 }], spot));
    expect(h).toMatchObject({ equity: 1_000, maintenanceMargin: 0, initialMargin: 0, marginRatio: null, tier: 'healthy' });
  });

  it('does not call a hedged book with no collateral insolvent', () => {
    expect(healthOfBook(bookOf(hedge, [], spot))).toMatchObject({ maintenanceMargin: 0, marginRatio: null, tier: 'healthy' });
  });

  it('keeps a small real requirement: a net 0.001 BTC long needs its −16% loss', () => {
    const h = healthOfBook(bookOf([perpetual('a', 1), future('f', -0.999)], [{ asset: 'USDC', amount: 1_000 }], spot));
    expect(h.maintenanceMargin / (0.16 * 0.001 * spot) - 1).toBeCloseTo(0, 6);
    expect(h.marginRatio).not.toBeNull();
  });

  it('measures gross notional over positions and volatile collateral, not stable balances', () => {
    const book = bookOf(hedge, [{ asset: 'BTC', amount: -2 }, { asset: 'USDC', amount: 1e9 }], spot);
    expect(grossNotional(book, initialState(book))).toBeCloseTo((0.1 + 0.2 + 0.3 + 2) * spot, 6);
  });
});
