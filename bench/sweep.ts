/**
 * `tsx bench/sweep.ts [--accounts 10000] [--json]`: accounts per second through one sweep
 * worker against DynamoDB Local (targets in README.md, Benchmarks). Registers the accounts (a mix of
 * perpetual and option books), pushes a market, then runs every segment of one sweep
 * one after the other in this process: read, assess, write, as a worker Lambda does.
 * Then `sweep_writes_per_unchanged_account`: a second sweep with nothing moved, the
 * account writes it made per account (versions compared). Then `reassess_ms_1000`: 1,000
 * accounts on one underlying, one `PUT /v1/market` through the API (segments in process,
 * as `npm start` runs them), until the price sweep is done and its events are in the outbox.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand, TransactWriteItemsCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { ensureTables } from '../shared/store/bootstrap.ts';
import { createDynamoClient } from '../shared/store/client.ts';
import { createStores } from '../shared/store/index.ts';
import { SWEEP_SEGMENTS } from '../shared/store/accounts.ts';
import { tableNames } from '../shared/store/tables.ts';
import { runSegment, startSweep } from '../shared/sweeps/sweep-runs.ts';
import { createApp } from '../functions/api/app.ts';
import type { Stores } from '../shared/store/index.ts';
import type { AccountBook } from '../shared/schemas/snapshot.ts';
import { mergeResults } from './results.ts';
import { accountPartition } from '../shared/store/account-partitions.ts';

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

/** The events in a tenant's outbox (counted, every page). */
async function outboxCount(tenantId: string): Promise<number> {
  let total = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({ TableName: names.events, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: tenantId } }, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    total += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return total;
}

/** Every account's version, by id. */
async function versions(stores: Stores, tenantId: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await stores.accounts.list(tenantId, { limit: 100, cursor });
    for (const a of page.items) seen.set(a.accountId, a.version);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

/**
 * 1,000 accounts long ETH perpetuals (warning at 3,000), one push to 2,880 that takes every
 * one of them to tier1: ms from the PUT until its sweep has completed and the 2,000 events (the
 * tier changes, and the liquidations they open) are in the outbox.
 */
async function reassess(stores: Stores, REASSESSED = 1_000): Promise<number> {
  const tenant = await stores.tenants.create('bench-reassess');
  const key = await stores.apiKeys.issue(tenant.tenantId);
  const app = createApp({ stores, logError: (error) => console.error(error) });
  const put = (body: unknown) =>
    app.request('/v1/market', { method: 'PUT', headers: { Authorization: `Bearer ${key.secret}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const first = await put({ market: { ETH: { price: 3_000, volatility: 0.7 } } });
  if (first.status !== 200) throw new Error(`market push answered ${first.status}`);
  for (let i = 0; i < REASSESSED; i += 64) {
    await Promise.all(
      Array.from({ length: Math.min(64, REASSESSED - i) }, (_, k) =>
        // Registered without a market-time assessment: at 3,000 each is in warning.
        stores.accounts.put(
          tenant.tenantId,
          `push-${i + k}`,
          { profile: 'default', collateral: [{ asset: 'USD', amount: 6_000 }], positions: [{ id: 'perp', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }] },
          null,
          'warning',
        ),
      ),
    );
  }
  const start = performance.now();
  const res = await put({ market: { ETH: { price: 2_880, volatility: 0.7 } } });
  const answeredMs = performance.now() - start;
  const { reassessment } = (await res.json()) as { reassessment: { sweepId: string } | null };
  if (!reassessment) throw new Error('the push started no re-assessment');
  for (;;) {
    const sweep = await stores.sweeps.get(tenant.tenantId, reassessment.sweepId);
    if (sweep?.status === 'failed') throw new Error(`the price sweep failed: ${sweep.reason}`);
    if (sweep?.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - start;
  const sweep = (await stores.sweeps.get(tenant.tenantId, reassessment.sweepId))!;
  const events = await outboxCount(tenant.tenantId);
  // Each account: its tier change and the liquidation it opens.
  if (sweep.counts.assessed !== REASSESSED || sweep.counts.events !== 2 * REASSESSED || events !== 2 * REASSESSED) {
    throw new Error(`the price sweep assessed ${sweep.counts.assessed} and emitted ${sweep.counts.events} events (${events} in the outbox) for ${REASSESSED} accounts`);
  }
  console.log(`price push → ${REASSESSED} accounts re-assessed, ${events} events in the outbox: ${ms.toFixed(0)} ms (answered in ${answeredMs.toFixed(0)} ms)`);
  return ms;
}

/**
 * DynamoDB Local's own pace on this machine: conditional updates of a registered account's
 * summary (one per changed account in a sweep), and five-item transactions (a price push's
 * tier change: account, assessment record, two events, liquidation), 16 in flight.
 */
async function writeBaselines(stores: Stores): Promise<{ updatesPerSecond: number; transactionsPerSecond: number }> {
  const tenant = await stores.tenants.create('bench-baseline');
  const N = 2_000;
  const book: AccountBook = { profile: 'default', collateral: [{ asset: 'USD', amount: 6_000 }], positions: [{ id: 'perp', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }] };
  for (let i = 0; i < N; i += 64) await Promise.all(Array.from({ length: Math.min(64, N - i) }, (_, k) => stores.accounts.put(tenant.tenantId, `base-${i + k}`, book, null, 'warning')));
  const summary = JSON.stringify({ assessmentId: null, asOf: new Date().toISOString(), tier: 'warning', marginRatio: 1.25, equity: 6_000, maintenanceMargin: 4_800, initialMargin: 6_240 });
  const update = (i: number, version: number) => ({
    TableName: names.accounts,
    Key: { tenantId: { S: accountPartition(tenant.tenantId, `base-${i}`) }, accountId: { S: `base-${i}` } },
    UpdateExpression: 'SET lastAssessment = :s, version = :next',
    ConditionExpression: 'attribute_exists(version)',
    ExpressionAttributeValues: { ':s': { S: summary }, ':next': { N: String(version) } },
  });
  const put = (i: number, tag: string) => ({
    Put: { TableName: names.events, Item: { tenantId: { S: tenant.tenantId }, eventId: { S: `evt-${tag}-${i}` }, createdKey: { S: `${i}` }, dispatchState: { S: 'baseline' }, data: { S: summary } } },
  });
  const pace = async (n: number, op: (i: number) => Promise<unknown>) => {
    const start = performance.now();
    for (let i = 0; i < n; i += 16) await Promise.all(Array.from({ length: Math.min(16, n - i) }, (_, k) => op(i + k)));
    return n / ((performance.now() - start) / 1000);
  };
  const updatesPerSecond = await pace(N, (i) => client.send(new UpdateItemCommand(update(i, 2))));
  const transactionsPerSecond = await pace(1_000, (i) =>
    client.send(new TransactWriteItemsCommand({ TransactItems: [{ Update: update(i, 3) }, put(i, 'a'), put(i, 'b'), put(i, 'c'), put(i, 'd')] })),
  );
  return { updatesPerSecond, transactionsPerSecond };
}

const db = await startDynamoDbLocal();
const client = createDynamoClient({ endpoint: db.endpoint });
const names = tableNames(`bench-${randomBytes(4).toString('hex')}-`);
try {
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
  let market = (await stores.market.get(tenant.tenantId))!;
  await stores.market.put(tenant.tenantId, { market: { ETH: { price: 2_940, volatility: 0.7 }, BTC: { price: 98_900, volatility: 0.55 } }, asOf: new Date().toISOString(), updatedAt: new Date().toISOString() }, market.version);

  const settled = await versions(stores, tenant.tenantId);
  const sweep = await startSweep(stores, tenant.tenantId, 'api', async () => {});
  const start = performance.now();
  for (let segment = 0; segment < SWEEP_SEGMENTS; segment++) await runSegment(stores, tenant.tenantId, sweep.sweepId, segment);
  const seconds = (performance.now() - start) / 1000;
  const done = await stores.sweeps.get(tenant.tenantId, sweep.sweepId);
  if (done?.counts.assessed !== count) throw new Error(`the sweep assessed ${done?.counts.assessed} of ${count} accounts`);
  const rate = count / seconds;
  const moved = [...(await versions(stores, tenant.tenantId))].filter(([id, v]) => settled.get(id) !== v).length;
  console.log(`sweep, one worker: ${count} accounts in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} accounts/s (${done.counts.tierChanges} tier changes, ${moved} accounts written)`);

  // The same prices again, a little later (options decay a little): writes per account.
  market = (await stores.market.get(tenant.tenantId))!;
  await stores.market.put(tenant.tenantId, { market: market.market, asOf: new Date().toISOString(), updatedAt: new Date().toISOString() }, market.version);
  const before = await versions(stores, tenant.tenantId);
  const unchanged = await startSweep(stores, tenant.tenantId, 'api', async () => {});
  const unchangedStart = performance.now();
  for (let segment = 0; segment < SWEEP_SEGMENTS; segment++) await runSegment(stores, tenant.tenantId, unchanged.sweepId, segment);
  const unchangedSeconds = (performance.now() - unchangedStart) / 1000;
  const after = await versions(stores, tenant.tenantId);
  const writes = [...after].filter(([id, v]) => before.get(id) !== v).length;
  const writesPerAccount = writes / count;
  console.log(`second sweep, nothing moved: ${writes} account writes for ${count} accounts = ${writesPerAccount.toFixed(4)} per account, ${(count / unchangedSeconds).toFixed(0)} accounts/s`);

  // A warm server: the liquidation planner's solver is loaded on the first tier1 assessment, once per process.
  await reassess(stores, 50);
  const reassessMs = await reassess(stores);

  // Baselines in the same process, on the same DynamoDB Local: what it does with the bare
  // writes a sweep and a price push need, at the same 16 in flight, with no engine at all.
  const baseline = await writeBaselines(stores);
  console.log(
    `DynamoDB Local baseline: ${baseline.updatesPerSecond.toFixed(0)} bare updates/s (the sweep: ${(rate / baseline.updatesPerSecond).toFixed(2)}× that), ` +
      `${baseline.transactionsPerSecond.toFixed(0)} five-item transactions/s (1,000 of them: ${(1_000_000 / baseline.transactionsPerSecond).toFixed(0)} ms)`,
  );
  if (values.json) {
    console.log(
      `wrote ${mergeResults({
        sweep_accounts_per_s: Number(rate.toPrecision(4)),
        sweep_unchanged_accounts_per_s: Number((count / unchangedSeconds).toPrecision(4)),
        sweep_writes_per_unchanged_account: Number(writesPerAccount.toPrecision(4)),
        reassess_ms_1000: Math.round(reassessMs),
        ddb_local_updates_per_s: Math.round(baseline.updatesPerSecond),
        ddb_local_transactions5_per_s: Math.round(baseline.transactionsPerSecond),
      })}`,
    );
  }
  client.destroy();
} finally {
  await db.stop();
}
