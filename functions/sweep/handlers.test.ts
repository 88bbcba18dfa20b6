/**
 * The coordinator's and the worker's Lambda handlers (unbundled) against DynamoDB Local:
 * sweep progress published as EMF metrics, and a retried segment counted once.
 */
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_SEGMENTS } from '../../shared/store/accounts.ts';
import { startSweep } from '../../shared/sweeps/sweep-runs.ts';
import { tenantCaller } from '../../test/api-calls.ts';
import { freshStores } from '../../test/dynamo.ts';
import { captureOutput, lambdaContext, metricLines, setLambdaEnv, tablePrefixOf, type JsonLine } from '../../test/lambda.ts';
import { createApp } from '../api/app.ts';
import { METRIC } from '../observability.ts';
import type { SegmentJob } from './lambda-runner.ts';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

let fresh: Awaited<ReturnType<typeof freshStores>>;
/** The coordinator's own tables: its tenants have no market data, so it never invokes a worker Lambda. */
let quiet: Awaited<ReturnType<typeof freshStores>>;
let worker: Handler<SegmentJob, unknown>;
let coordinator: Handler<unknown, { tenants: number; sweeps: Array<{ status: string }> }>;

beforeAll(async () => {
  fresh = await freshStores();
  setLambdaEnv(fresh, { SOFTLAND_SWEEP_WORKER_FUNCTION: 'softland-test-worker' });
  // No POWERTOOLS_SERVICE_NAME: each names itself softland-<function>.
  delete process.env['POWERTOOLS_SERVICE_NAME'];
  ({ handler: worker } = (await import('./worker.ts')) as unknown as { handler: typeof worker });
  quiet = await freshStores();
  process.env['SOFTLAND_TABLE_PREFIX'] = tablePrefixOf(quiet.names);
  ({ handler: coordinator } = (await import('./coordinator.ts')) as unknown as { handler: typeof coordinator });
});

/** Long 10 ETH perpetual with `cash` USD: at 3,000 in warning, at 2,880 in tier1 (6,000 USD). */
const perpBook = (cash: number) => ({
  collateral: [{ asset: 'USD', amount: cash }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
});

const sum = (emf: readonly JsonLine[], metric: string) => metricLines(emf, metric).reduce((total, m) => total + (m.value as number), 0);

describe('the worker handler’s metrics (EMF on stdout)', () => {
  it('publishes each segment’s progress: accounts assessed, tier changes, unassessable; a retry adds nothing', async () => {
    const { stores } = fresh;
    const { tenantId, call } = await tenantCaller(stores, createApp({ stores, logError: () => {} }), 'worker-metrics');
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } });
    for (const id of ['acct-1', 'acct-2']) await call('PUT', `/v1/accounts/${id}`, perpBook(6_000));
    await call('PUT', '/v1/accounts/acct-calm', perpBook(50_000));
    // Prices move with no price sweep: the worker's sweep finds the two tier changes.
    const market = await stores.market.get(tenantId);
    const now = new Date().toISOString();
    await stores.market.put(tenantId, { market: { ETH: { price: 2_880 } }, asOf: now, updatedAt: now }, market!.version);
    const sweep = await startSweep(stores, tenantId, 'api', async () => {});

    const segments = Array.from({ length: SWEEP_SEGMENTS }, (_, segment) => ({ tenantId, sweepId: sweep.sweepId, segment }));
    const { emf } = await captureOutput(async () => {
      for (const job of segments) await worker(job, lambdaContext());
    });
    expect(metricLines(emf, METRIC.sweepSegments)).toHaveLength(SWEEP_SEGMENTS);
    for (const m of metricLines(emf, METRIC.sweepSegments)) expect(m).toMatchObject({ namespace: 'Softland', dimensions: [['service']], line: { service: 'softland-worker' } });
    expect(sum(emf, METRIC.sweepAccountsAssessed)).toBe(3);
    expect(sum(emf, METRIC.sweepTierChanges)).toBe(2);
    expect(sum(emf, METRIC.sweepUnassessable)).toBe(0);
    expect(await stores.sweeps.get(tenantId, sweep.sweepId)).toMatchObject({ status: 'completed', counts: { assessed: 3, tierChanges: 2 } });

    // Lambda retries a segment already recorded: the sweep counts it once, and so do the metrics.
    const retry = await captureOutput(() => worker(segments[0]!, lambdaContext()));
    expect(retry.emf).toEqual([]);
  });
});

describe('the coordinator handler’s metrics (EMF on stdout)', () => {
  it('publishes the sweeps it started and refused, and logs the run', async () => {
    // Tenants without market data: their sweeps are refused at once (market.stale); no worker is invoked.
    for (const name of ['no-market-1', 'no-market-2']) await quiet.stores.tenants.create(name);
    const { result, emf, stdout } = await captureOutput(() => coordinator({ source: 'softland.schedule' }, lambdaContext()));
    expect(result.tenants).toBe(2);
    const refused = 2;
    expect(result.sweeps.map((s) => s.status)).toEqual(['completed', 'completed']);
    expect([METRIC.sweepsStarted, METRIC.sweepsRefused, METRIC.sweepsSkipped].map((m) => sum(emf, m))).toEqual([0, refused, 0]);
    expect(metricLines(emf, METRIC.sweepsStarted)[0]).toMatchObject({ namespace: 'Softland', dimensions: [['service']], line: { service: 'softland-coordinator' } });
    expect(stdout.find((l) => l['message'] === 'scheduled sweeps')).toMatchObject({ level: 'INFO', tenants: result.tenants, refused, service: 'softland-coordinator' });
  });
});
