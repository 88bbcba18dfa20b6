import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASSESSMENT_RETENTION_DAYS } from '../store/assessments.ts';
import { TABLES } from '../store/tables.ts';
import { BENCH_DEFAULTS, defaultRetentionDays, inputsFor } from './defaults.ts';
import { itemBytes, numberBytes } from '../store/item-size.ts';
import { measureItemSizes } from './measure.ts';
import { costModel, DEPLOYMENT, type CostInputs } from './model.ts';
import { apiGatewayRestUsd } from './prices.ts';

/** A scenario small enough to check by hand: 10,000 accounts, one tenant, a sweep a minute, 50 assessments/s. */
const HAND: CostInputs = {
  accounts: 10_000,
  tenants: 1,
  sweepEverySeconds: 60,
  rps: 50,
  idempotency: false,
  changedShare: 0.01,
  retentionDays: null,
  storageHorizonMonths: 12,
  sizes: { accountItemBytes: 661, assessmentItemBytes: 1253, assessmentIndexBytes: 387 },
  workerAccountsPerSecond: 1000,
  apiDurationMs: 10,
  apiP99Ms: 89,
  coordinatorDurationMs: 300,
  logBytesPerRequest: 700,
  logBytesPerInvocation: 600,
  sweepItemBytes: 300,
};

const GIB = 2 ** 30;

describe('costModel, by hand', () => {
  const r = costModel(HAND);

  it('prices the sweep', () => {
    // A month is 730 h = 2,628,000 s: 2,628,000 / 60 = 43,800 sweeps.
    expect(r.units.sweepsPerMonth).toBe(43_800);
    // Reads: 10,000 × 661 B / 4,096 / 2 (eventually consistent) = 806.885 RRU, plus per tenant
    // 2 consistent reads, the tenant's size 0.5, 64 bucket queries' rounding 64 × 0.5 = 32 and
    // 8 segments (10,000 accounts: segmentsFor gives 8) × 2 consistent reads = 16: 857.385 RRU a sweep;
    // × 43,800 × $0.125 / 1e6 = $4.694182.
    expect(r.units.readUnitsPerSweep).toBeCloseTo(857.384766, 5);
    expect(r.breakdown.sweep.dynamoReadsUsd).toBeCloseTo(4.694182, 5);
    // Writes: 1% of 10,000 = 100 changed accounts × (item + bySegment + byTier, 661 B → 1 WRU each) = 300,
    // plus the sweep's own items 3 + 8 × 4 = 35: 335 WRU; × 43,800 × $0.625 / 1e6 = $9.170625.
    expect(r.units.writeUnitsPerChangedAccount).toBe(3);
    expect(r.units.writeUnitsPerSweep).toBe(335);
    expect(r.breakdown.sweep.dynamoWritesUsd).toBeCloseTo(9.170625, 5);
    // Lambda: workers 10,000 / 1,000 accounts/s = 10 s × 1 GB × 43,800 = 438,000 GB-s → $5.840029;
    // coordinator 0.3 s × 0.5 GB × 43,800 = 6,570 GB-s → $0.087600; requests (8 + 1) × 43,800 = 394,200
    // × $0.20 / 1e6 = $0.078840. Total $6.006470.
    expect(r.breakdown.sweep.lambdaUsd).toBeCloseTo(6.00647, 5);
    // Scheduler: 2 × 43,800 = 87,600 invocations, inside the 14 M free.
    expect(r.breakdown.sweep.schedulerUsd).toBe(0);
    // Logs: 394,200 × 600 B = 0.220279 GiB × $0.50 = $0.110138.
    expect(r.breakdown.sweep.logsUsd).toBeCloseTo(0.110138, 5);
    // 4.694182 + 9.170625 + 6.00647 + 0.110138 = $19.981415.
    expect(r.sweepMonthlyUsd).toBeCloseTo(19.981415, 4);
    // Writing every account (the code before issue 20): (10,000 × 3 + 35) × 43,800 × $0.625 / 1e6 = $822.208125
    // instead of $9.170625: $833.018915, and the sweep now costs 2.4% of that (≤ one tenth: issue 20).
    expect(r.sweepMonthlyUsdWriteAll).toBeCloseTo(833.018915, 4);
    expect(r.sweepMonthlyUsd / r.sweepMonthlyUsdWriteAll).toBeLessThanOrEqual(0.1);
  });

  it('prices the API, storage and the fixed part', () => {
    // 50 × 2,628,000 = 131,400,000 assessments.
    expect(r.units.assessmentsPerMonth).toBe(131_400_000);
    // API Gateway: 131.4 M × $3.50 / 1e6 = $459.90 (first tier).
    expect(r.breakdown.api.apiGatewayUsd).toBeCloseTo(459.9, 6);
    // Lambda: 131.4 M × 0.010 s × 1 GB = 1,314,000 GB-s → $17.520088; requests 131.4 × $0.20 = $26.28.
    expect(r.breakdown.api.lambdaUsd).toBeCloseTo(43.800088, 5);
    // Writes: rate-limit counter 1 + record 1,253 B → 2 + index entry 387 B → 1 = 4 WRU;
    // 525.6 M WRU × $0.625 / 1e6 = $328.50.
    expect(r.units.writeUnitsPerAssessment).toBe(4);
    expect(r.breakdown.api.dynamoWritesUsd).toBeCloseTo(328.5, 6);
    // Key reads: ceil(50 × 0.010) = 1 instance × 2,628,000 / 30 = 87,600 RRU → $0.01095.
    expect(r.breakdown.api.dynamoReadsUsd).toBeCloseTo(0.01095, 8);
    // Logs: 131.4 M × 700 B = 91.98e9 B = 85.663051 GiB × $0.50 = $42.831525.
    expect(r.breakdown.api.logsUsd).toBeCloseTo(42.831525, 5);
    // Storage: (1,253 + 387 + 2 × 100) B = 1,840 B × 131.4 M = 225.171 GiB a month; no TTL, priced at
    // month 12: 2,702.057 GiB × $0.25 = $675.514. Accounts 10,000 × 3 × 761 B = 0.021262 GiB → $0.005316.
    // Sweeps 9 items × 43,800 × 12 × 400 B = 1.762 GiB → $0.440553.
    expect(r.limits.assessmentGbPerMonth).toBeCloseTo(225.171447, 5);
    expect(r.breakdown.storage.assessmentsUsd).toBeCloseTo((225.171447 * 12) / 4, 4);
    expect(r.breakdown.storage.accountsUsd).toBeCloseTo((30_000 * 761) / GIB / 4, 9);
    expect(r.breakdown.storage.sweepsUsd).toBeCloseTo((9 * 43_800 * 12 * 400) / GIB / 4, 9);
    // Dispatcher: 70 s × 0.5 GB × 43,800 = 1,533,000 GB-s → $20.440102, 43,800 requests → $0.00876,
    // 70 polls × 2 × 17 Queries (16 pending shards and the legacy key) × 0.5 = 1,190 RRU a minute
    // × 43,800 → $6.51525; alarm metrics 49 × $0.10; custom metrics 23 × $0.30.
    expect(DEPLOYMENT.dispatcherReadUnitsPerMinute).toBe(1_190);
    expect(r.breakdown.fixed.dispatcherUsd).toBeCloseTo(26.964112, 5);
    expect(r.breakdown.fixed.alarmsUsd).toBeCloseTo(4.9, 9);
    expect(r.breakdown.fixed.metricsUsd).toBeCloseTo(6.9, 9);
    // 19.981415 + 875.042563 + 675.960209 + (26.964112 + 4.9 + 6.9) = $1,609.748299.
    expect(r.monthlyUsd).toBeCloseTo(1609.748299, 3);
    // Per million: $3.50 + $0.20 + 10 s × 1 GB → $0.133334 + 4 × $0.625 + 700 B × 1 M of logs (0.651926 GiB) $0.325963
    // + one month of 1,840 B × 1 M → $0.428408 = $7.087705.
    expect(r.perMillionAssessmentsUsd).toBeCloseTo(7.087705, 5);
  });

  it('states the limits', () => {
    // At most 64 segments, 32 at a time (the worker's reservation): 1,000 accounts/s × 32 × 60 s = 1,920,000
    // accounts a tenant a minute. 10,000 accounts are 8 segments in one wave: 10,000 / 8 / 1,000 = 1.25 s.
    expect(r.limits.maxAccountsPerTenantPerSweep).toBe(1_920_000);
    expect(r.limits).toMatchObject({ segmentsPerTenant: 8, sweepWaves: 1, workerReservedConcurrency: 32, sweepFitsInterval: true });
    expect(r.limits.sweepSeconds).toBeCloseTo(1.25, 9);
    expect(r.limits.sweepSecondsQueued).toBeCloseTo(1.25, 9);
    // 100 changed accounts × 1 WRU in 1.25 s = 80 WRU/s, 5 on each of the 16 account partitions; 16 × 1,000 × 1.25 s =
    // 20,000 changes fit.
    expect(r.limits.sweepWriteUnitsPerSecondPerTenant).toBeCloseTo(80, 9);
    expect(r.limits.sweepWriteUnitsPerSecondPerPartition).toBeCloseTo(5, 9);
    expect(r.limits.maxChangedAccountsPerTenantPerSweep).toBe(20_000);
    // A tenant's 50 records a second, spread over its 16 record partitions.
    expect(r.limits.assessmentWriteUnitsPerSecondPerPartition).toBeCloseTo(r.limits.assessmentWriteUnitsPerSecondPerTenant / 16, 12);
    expect(r.limits).toMatchObject({ stageThrottleRps: 500, rpsHeadroom: 450, rpsPerTenant: 50, tenantRatePerSecond: 100, sweepWorkersRequested: 8, sweepWorkerConcurrency: 8 });
    // 50 × 0.089 = 4.45 at p99 → 5, + 8 workers + coordinator + 2 dispatchers = 16.
    expect(r.limits.apiConcurrencyAtP99).toBeCloseTo(4.45, 9);
    expect(r.limits.peakConcurrency).toBe(16);
  });

  it('adds the idempotency writes and honours a TTL', () => {
    // Claim put 1 + transaction (record 2 + completion 1) × 2 + rate limit 1 + index 1 = 9 WRU.
    expect(costModel({ ...HAND, idempotency: true }).units.writeUnitsPerAssessment).toBe(9);
    // 365 days = 12 months: the same storage as 12 months without a TTL; 30.4 days one month.
    const ttl = costModel({ ...HAND, retentionDays: 365 });
    expect(ttl.limits.assessmentGbStored).toBeCloseTo(r.limits.assessmentGbStored, 6);
    expect(costModel({ ...HAND, retentionDays: 365 / 12 }).limits.assessmentGbStored).toBeCloseTo(r.limits.assessmentGbPerMonth, 6);
  });

  it('scales a large tenant to 64 segments, through the worker reservation in waves', () => {
    const big = costModel({ ...HAND, accounts: 1_000_000 });
    // 1,000,000 / 15,000 = 66.7 → 64 segments (the most): 1,000,000 / 64 / 1,000 = 15.625 s a segment; 64 workers
    // asked for, 32 at a time: two waves, 31.25 s, inside the 60 s interval (with 8 segments it was 125 s).
    expect(big.limits).toMatchObject({ segmentsPerTenant: 64, sweepWorkersRequested: 64, sweepWorkerConcurrency: 32, sweepWaves: 2 });
    expect(big.limits.sweepSeconds).toBe(15.625);
    expect(big.limits.sweepSecondsQueued).toBe(31.25);
    expect(big.limits).toMatchObject({ sweepFitsInterval: true, segmentFitsWorkerTimeout: true });
    // The tenant's 10,000 changed accounts over its 31.25 s: 320 WRU/s on its partition.
    expect(big.limits.sweepWriteUnitsPerSecondPerTenant).toBe(320);
    // 5 + 32 workers + coordinator + 2 dispatchers.
    expect(big.limits.peakConcurrency).toBe(40);
    // 64 invocations a sweep: 64 × 43,800 a month.
    expect(big.units.workerInvocationsPerMonth).toBe(64 * 43_800);
    // Ten tenants of 100,000: 8 segments each, 80 workers in three waves of 32 (11.25 s): 37.5 s.
    const spread = costModel({ ...HAND, accounts: 1_000_000, tenants: 10 });
    expect(spread.limits).toMatchObject({ segmentsPerTenant: 8, sweepWorkersRequested: 80, sweepWaves: 3, sweepFitsInterval: true });
    expect(spread.limits.sweepSecondsQueued).toBeCloseTo(37.5, 9);
    // Past 1,920,000 accounts a tenant, 64 segments in two waves no longer fit the minute.
    expect(costModel({ ...HAND, accounts: 2_000_000 }).limits).toMatchObject({ segmentsPerTenant: 64, sweepFitsInterval: false, segmentFitsWorkerTimeout: true });
  });
});

describe('prices and sizes', () => {
  it('tiers API Gateway requests', () => {
    expect(apiGatewayRestUsd(333e6)).toBeCloseTo(1165.5, 6);
    // 333 M at $3.50 and 67 M at $2.80.
    expect(apiGatewayRestUsd(400e6)).toBeCloseTo(1165.5 + 187.6, 6);
  });

  it('sizes items as DynamoDB bills them', () => {
    expect(numberBytes('12345')).toBe(4);
    expect(numberBytes('-0.00120')).toBe(2);
    expect(itemBytes({ id: { S: 'abc' }, n: { N: '1000' }, b: { B: new Uint8Array(10) }, z: { NULL: true } })).toBe(2 + 3 + 1 + 2 + 1 + 10 + 1 + 1);
  });

  it('measures the items the stores write', async () => {
    const sizes = await measureItemSizes();
    // A small book gzip'd with its summary and keys: under 1 KB (one write unit); a record of a
    // couple of KB; its index entry a few hundred bytes.
    expect(sizes.accountItemBytes).toBeGreaterThan(300);
    expect(sizes.accountItemBytes).toBeLessThan(1024);
    expect(sizes.assessmentItemBytes).toBeGreaterThan(sizes.accountItemBytes);
    expect(sizes.assessmentIndexBytes).toBeLessThan(sizes.assessmentItemBytes);
  });
});

describe('the deployment the model assumes', () => {
  it('matches the code and the stack', () => {
    expect(defaultRetentionDays()).toBe(TABLES.assessments.timeToLiveAttribute ? ASSESSMENT_RETENTION_DAYS : null);
    const stack = readFileSync(new URL('../../infra/stack.ts', import.meta.url), 'utf8');
    const memory = (fn: string) => Number(new RegExp(`make\\('${fn}', \\{[\\s\\S]*?memorySize: (\\d+)`).exec(stack)?.[1]) / 1024;
    expect({ api: memory('api'), worker: memory('worker'), coordinator: memory('coordinator'), dispatcher: memory('dispatcher') }).toEqual({
      api: DEPLOYMENT.apiMemoryGb,
      worker: DEPLOYMENT.workerMemoryGb,
      coordinator: DEPLOYMENT.coordinatorMemoryGb,
      dispatcher: DEPLOYMENT.dispatcherMemoryGb,
    });
    expect(stack).toMatch(/timeout: Duration\.minutes\(5\)/);
    const config = readFileSync(new URL('../../infra/config.ts', import.meta.url), 'utf8');
    expect(config).toContain(`numberContext(node, 'throttleRate', isProd ? ${DEPLOYMENT.stageThrottleRps} : 50)`);
    expect(config).toContain(`numberContext(node, 'tenantRate', isProd ? ${DEPLOYMENT.tenantRatePerSecond} : 20)`);
    expect(config).toContain(`positive(node, 'workerConcurrency', isProd ? ${DEPLOYMENT.workerReservedConcurrency} : 8)`);
  });

  it('starts from bench figures: the last quiet run (bench/results.json is per machine and not committed)', () => {
    for (const [key, value] of Object.entries(BENCH_DEFAULTS)) expect(Number.isFinite(value) && value > 0, key).toBe(true);
    const inputs = inputsFor({ accounts: 10, sweepEverySeconds: 60, rps: 1, idempotency: false }, { accountItemBytes: 1, assessmentItemBytes: 1, assessmentIndexBytes: 1 });
    // 0.19 ms of engine + 2 × 4 ms of DynamoDB + 1 ms, rounded up.
    expect(inputs.apiDurationMs).toBe(10);
  });
});
