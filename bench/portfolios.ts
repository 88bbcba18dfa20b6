import type { SnapshotInput } from '../shared/schemas/snapshot.ts';

/** Deterministic benchmark portfolios: options-heavy books over three underlyings. */

const AS_OF = '2026-11-23T12:00:00Z';
const MARKET = {
  BTC: { price: 97_000, volatility: 0.55 },
  ETH: { price: 3_000, volatility: 0.7 },
  SOL: { price: 150, volatility: 0.9 },
  USDC: { price: 1 },
};
const UNDERLYINGS = ['BTC', 'ETH', 'SOL'] as const;
const EXPIRIES = ['2026-11-27T08:00:00Z', '2026-12-25T08:00:00Z', '2027-03-26T08:00:00Z', '2027-06-25T08:00:00Z'];

/** Park–Miller generator: the same portfolio on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48_271) % 2_147_483_647) / 2_147_483_647;
}

/**
 * `n` positions: 80% options (or `optionShare`) (calls and puts, strikes ±30%, four expiries, long and
 * short), 20% perpetuals and futures, with collateral sized by `cushion` (× the
 * book's gross notional) to set the account's health.
 */
export function benchPortfolio(n: number, cushion = 0.5, seed = 42, optionShare = 0.8): SnapshotInput {
  const rnd = random(seed);
  const positions: SnapshotInput['positions'] = [];
  let gross = 0;
  for (let i = 0; i < n; i++) {
    const u = UNDERLYINGS[i % 3]!;
    const spot = MARKET[u].price;
    const quantity = Math.round((rnd() - 0.5) * 20 * (97_000 / spot)) / 10 || 0.1;
    gross += Math.abs(quantity) * spot;
    if (rnd() < optionShare) {
      positions.push({
        id: `p${i}`,
        instrument: {
          type: 'option',
          underlying: u,
          right: rnd() < 0.5 ? 'call' : 'put',
          strike: Math.round(spot * (0.7 + 0.6 * rnd())),
          expiry: EXPIRIES[Math.floor(rnd() * EXPIRIES.length)]!,
        },
        quantity,
      });
    } else if (rnd() < 0.5) {
      positions.push({ id: `p${i}`, instrument: { type: 'perpetual', underlying: u }, quantity, entryPrice: spot * (0.9 + 0.2 * rnd()) });
    } else {
      positions.push({ id: `p${i}`, instrument: { type: 'future', underlying: u, expiry: EXPIRIES[3]! }, quantity, entryPrice: spot });
    }
  }
  return {
    accountId: `bench-${n}`,
    asOf: AS_OF,
    collateral: [
      { asset: 'USDC', amount: Math.round(gross * cushion) },
      { asset: 'BTC', amount: 1 },
    ],
    positions,
    market: MARKET,
  };
}
