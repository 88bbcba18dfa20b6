/** Account books shared by tests and benches. */
import type { AccountBook, SnapshotInput } from '../shared/schemas/snapshot.ts';

/** Short 2 BTC calls and 2 puts at 100,000, a month out, on 30,000 USD: liquidation prices on both sides. */
export function shortStraddle(accountId: string): SnapshotInput {
  return {
    accountId,
    asOf: '2026-11-23T12:00:00Z',
    collateral: [{ asset: 'USD', amount: 30_000 }],
    positions: [
      { id: 'c', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 100_000, expiry: '2026-12-23T12:00:00Z' }, quantity: -2 },
      { id: 'p', instrument: { type: 'option', underlying: 'BTC', right: 'put', strike: 100_000, expiry: '2026-12-23T12:00:00Z' }, quantity: -2 },
    ],
    market: { BTC: { price: 100_000, volatility: 0.5 } },
  };
}

/** One long BTC call struck at 120,000, a month out, and no cash: an account that cannot owe. */
export function longCall(accountId: string): SnapshotInput {
  return {
    accountId,
    asOf: '2026-11-23T12:00:00Z',
    collateral: [{ asset: 'USD', amount: 0 }],
    positions: [{ id: 'c', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 120_000, expiry: '2026-12-23T12:00:00Z' }, quantity: 1 }],
    market: { BTC: { price: 100_000, volatility: 0.5 } },
  };
}

/** The market the perpetual books below are priced in. */
export const PERPETUAL_MARKET = { ETH: { price: 3_000 }, USD: { price: 1 } } as const;

/**
 * Account `i` of a demo book: a long ETH perpetual opened at today's price, with cash from
 * thin to thick (a deterministic spread), so every tier from insolvent to healthy is present.
 */
export function perpetualBook(i: number): AccountBook {
  const quantity = 1 + (i % 7);
  const cushion = 0.1 + ((i * 7919) % 1000) / 1000;
  return { profile: 'default', collateral: [{ asset: 'USD', amount: 3_000 * quantity * cushion }], positions: [{ id: 'perp', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity, entryPrice: 3_000 }] };
}
