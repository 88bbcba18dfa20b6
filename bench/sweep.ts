/**
 * `tsx bench/sweep.ts [--accounts 10000] [--json]`: accounts per second through one sweep
 * worker against DynamoDB Local (DESIGN.md §8). Registers the accounts (a mix of
 * perpetual and option books), pushes a market, then runs every segment of one sweep
 * one after the other in this process: read, assess, write, as a worker Lambda does.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { ensureTables } from '../shared/store/bootstrap.ts';
import { createDynamoClient } from '../shared/store/client.ts';
import { createStores } from '../shared/store/index.ts';
import { SWEEP_SEGMENTS } from '../shared/store/accounts.ts';
import { tableNames } from '../shared/store/tables.ts';
import { runSegment, startSweep } from '../shared/sweeps/coordinator.ts';
import type { AccountBook } from '../shared/schemas/snapshot.ts';
import { mergeResults } from './results.ts';

const { values } = parseArgs({ options: { accounts: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false } }, strict: true });
const count = Number(values.accounts);
if (!Number.isInteger(count) || count < 1) throw new RangeError(`--accounts must be a positive integer, got "${values.accounts}"`);

/** Four kinds of book, sized so that a few accounts change tier at the new prices. */
function book(i: number): AccountBook {
  const q = 1 + (i % 7);
  const cash = 2_000 * q + (i % 13) * 200;
  return i % 2 === 0
    ? { profile: 'default', collateral: [{ asset: 'USD', amount: cash }], positions: [{ id: 'perp', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: q, entryPrice: 3_000 }] }
    : {
        profile: 'default',
        collateral: [{ asset: 'USD', amount: cash * 4 }, { asset: 'BTC', amount: 0.1 }],
        positions: [
          { id: 'call', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 110_000, expiry: '2027-03-26T08:00:00Z' }, quantity: -q / 10 },
          { id: 'hedge', instrument: { type: 'perpetual', underlying: 'BTC' }, quantity: q / 40, entryPrice: 97_000 },
        ],
      };
}

const db = await startDynamoDbLocal();
try {
  const client = createDynamoClient({ endpoint: db.endpoint });
  const names = tableNames(`bench-${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, names);
  const stores = createStores(client, names);
  const tenant = await stores.tenants.create('bench');
  await stores.market.put(tenant.tenantId, { market: { ETH: { price: 3_000, volatility: 0.7 }, BTC: { price: 97_000, volatility: 0.55 } }, asOf: new Date().toISOString(), updatedAt: new Date().toISOString() }, null);

  const registerStart = performance.now();
  for (let i = 0; i < count; i += 64) {
    await Promise.all(Array.from({ length: Math.min(64, count - i) }, (_, k) => stores.accounts.put(tenant.tenantId, `acct-${i + k}`, book(i + k), null, null)));
  }
  console.log(`registered ${count} accounts in ${((performance.now() - registerStart) / 1000).toFixed(1)} s`);

  // A first sweep gives every account its tier; the timed one is a steady-state sweep after a 2% move.
  const settle = await startSweep(stores, tenant.tenantId, 'api', async () => {});
  for (let segment = 0; segment < SWEEP_SEGMENTS; segment++) await runSegment(stores, tenant.tenantId, settle.sweepId, segment);
  const market = (await stores.market.get(tenant.tenantId))!;
  await stores.market.put(tenant.tenantId, { market: { ETH: { price: 2_940, volatility: 0.7 }, BTC: { price: 98_900, volatility: 0.55 } }, asOf: new Date().toISOString(), updatedAt: new Date().toISOString() }, market.version);

  const sweep = await startSweep(stores, tenant.tenantId, 'api', async () => {});
  const start = performance.now();
  for (let segment = 0; segment < SWEEP_SEGMENTS; segment++) await runSegment(stores, tenant.tenantId, sweep.sweepId, segment);
  const seconds = (performance.now() - start) / 1000;
  const done = await stores.sweeps.get(tenant.tenantId, sweep.sweepId);
  if (done?.counts.assessed !== count) throw new Error(`the sweep assessed ${done?.counts.assessed} of ${count} accounts`);
  const rate = count / seconds;
  console.log(`sweep, one worker: ${count} accounts in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} accounts/s (${done.counts.tierChanges} tier changes)`);
  if (values.json) console.log(`wrote ${mergeResults({ sweep_accounts_per_s: Number(rate.toPrecision(4)) })}`);
  client.destroy();
} finally {
  await db.stop();
}
