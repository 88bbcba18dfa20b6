import fc from 'fast-check';
import type { SnapshotInput } from '../shared/schemas/snapshot.ts';

/** fast-check generators of valid snapshots, shared by the property tests. */

export const AS_OF = '2026-11-23T12:00:00Z';
const AS_OF_MS = Date.parse(AS_OF);

const UNDERLYINGS = {
  BTC: { price: 97_000, volatility: 0.55 },
  ETH: { price: 3_000, volatility: 0.7 },
  SOL: { price: 150, volatility: 0.9 },
} as const;
type Underlying = keyof typeof UNDERLYINGS;

const underlying = fc.constantFrom<Underlying>('BTC', 'ETH', 'SOL');

/** Expiry between one minute and two years ahead (occasionally already expired). */
const expiry = fc
  .oneof(
    { weight: 9, arbitrary: fc.integer({ min: 60_000, max: 2 * 365 * 86_400_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: -86_400_000, max: 0 }) },
  )
  .map((dt) => new Date(AS_OF_MS + dt).toISOString());

/** A price within ±60% of the reference, so marks and strikes are realistic but varied. */
const near = (price: number) => fc.double({ min: 0.4, max: 1.6, noNaN: true }).map((f) => price * f);

const quantity = fc
  .double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true })
  .filter((q) => Math.abs(q) > 1e-6);

const position = (id: number) =>
  fc.oneof(
    fc.record({ u: underlying, q: quantity, entry: fc.option(fc.double({ min: 0.5, max: 1.5, noNaN: true })) }).map(({ u, q, entry }) => ({
      id: `p${id}`,
      instrument: { type: 'perpetual' as const, underlying: u },
      quantity: q,
      ...(entry === null ? {} : { entryPrice: UNDERLYINGS[u].price * entry }),
    })),
    fc.record({ u: underlying, q: quantity, e: expiry }).map(({ u, q, e }) => ({
      id: `p${id}`,
      instrument: { type: 'future' as const, underlying: u, expiry: e },
      quantity: q,
      entryPrice: UNDERLYINGS[u].price,
    })),
    fc
      .record({ u: underlying, q: quantity, e: expiry, right: fc.constantFrom('call' as const, 'put' as const), k: fc.double({ min: 0.5, max: 1.5, noNaN: true }) })
      .map(({ u, q, e, right, k }) => ({
        id: `p${id}`,
        instrument: { type: 'option' as const, underlying: u, right, strike: Math.round(UNDERLYINGS[u].price * k), expiry: e },
        quantity: q,
      })),
  );

export interface SnapshotOptions {
  maxPositions?: number;
}

export function snapshotArbitrary(options: SnapshotOptions = {}): fc.Arbitrary<SnapshotInput> {
  const maxPositions = options.maxPositions ?? 6;
  return fc
    .record({
      usd: fc.double({ min: -1e5, max: 1e6, noNaN: true }),
      btc: fc.double({ min: 0, max: 5, noNaN: true }),
      eth: fc.double({ min: -10, max: 50, noNaN: true }),
      count: fc.integer({ min: 0, max: maxPositions }),
      prices: fc.record({ BTC: near(97_000), ETH: near(3_000), SOL: near(150) }),
    })
    .chain(({ usd, btc, eth, count, prices }) =>
      fc.tuple(...Array.from({ length: count }, (_, i) => position(i))).map((positions) => ({
        accountId: 'acct-prop',
        asOf: AS_OF,
        collateral: [
          { asset: 'USDC', amount: usd },
          { asset: 'BTC', amount: btc },
          { asset: 'ETH', amount: eth },
        ],
        positions,
        market: {
          BTC: { price: prices.BTC, volatility: UNDERLYINGS.BTC.volatility },
          ETH: { price: prices.ETH, volatility: UNDERLYINGS.ETH.volatility },
          SOL: { price: prices.SOL, volatility: UNDERLYINGS.SOL.volatility },
          USDC: { price: 1 },
        },
      })),
    );
}

/** Every number in a JSON-like value, with its path. */
export function* numbersIn(value: unknown, path = ''): Generator<[string, number]> {
  if (typeof value === 'number') yield [path, value];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* numbersIn(value[i], `${path}[${i}]`);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* numbersIn(v, `${path}.${k}`);
}
