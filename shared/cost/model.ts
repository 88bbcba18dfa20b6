import { apiGatewayRestUsd, PRICES } from './prices.ts';
import { ACCOUNT_SHARDS } from '../store/account-partitions.ts';
import { RECORD_SHARDS } from '../store/assessments.ts';
import { PENDING_KEYS } from '../store/pending-shards.ts';
import { SEGMENT_BUCKETS, segmentsFor } from '../store/segments.ts';
import type { ItemSizes } from './measure.ts';

/**
 * The monthly AWS cost and the capacity limits of one Softland deployment (docs/capacity.md):
 * pure arithmetic on the stack's configuration (DEPLOYMENT), measured item sizes and
 * benchmark rates (the inputs), and the price table (prices.ts). A month is 730 hours, as
 * AWS prices it.
 */

export const SECONDS_PER_MONTH = 730 * 3600;
const MINUTES_PER_MONTH = 730 * 60;
const KB = 1024;
const GB = 1024 ** 3;

/**
 * What the stack deploys, as infra/ and shared/ set it (a test checks these against the
 * source): memory sizes (infra/stack.ts), the prod stage throttle and tenant rate limit
 * (infra/config.ts), the worker's reserved concurrency (infra/config.ts), the schedules
 * (infra/stack.ts: sweep and dispatcher, each `rate(1 minute)`). Segments per sweep are not
 * here: they follow each tenant's size (shared/store/segments.ts segmentsFor, 8 to 64).
 */
export const DEPLOYMENT = {
  apiMemoryGb: 1,
  workerMemoryGb: 1,
  coordinatorMemoryGb: 0.5,
  dispatcherMemoryGb: 0.5,
  /** The dispatcher loops until 20 s before its 90 s timeout, stopping when under 15 s remain: ~70 s of every minute, busy or not. */
  dispatcherSecondsPerRun: 70,
  /**
   * Its idle loop polls the outbox and the due deliveries once a second, each through one
   * eventually consistent Query per pending key (PENDING_SHARDS shards and the legacy
   * `pending`: 17, shared/store/pending-shards.ts), half a read unit each at least: 70 × 34 × 0.5.
   */
  dispatcherReadUnitsPerMinute: 70 * 2 * PENDING_KEYS.length * 0.5,
  /**
   * The worker's reserved concurrency in prod (infra/config.ts `workerConcurrency`): the
   * most segments swept at once, all tenants together; the rest of a fan-out waits (an
   * asynchronous invocation queues) for a worker to finish.
   */
  workerReservedConcurrency: 32,
  /** The worker's timeout (infra/stack.ts): a segment longer than this fails. */
  workerTimeoutSeconds: 300,
  /** Prod stage throttle (requests/s, all callers) and burst. */
  stageThrottleRps: 500,
  stageThrottleBurst: 1000,
  /** Prod per-tenant limit, counted in the rate-limits table: one 1-WRU update per API request. */
  tenantRatePerSecond: 100,
  /** EventBridge Scheduler schedules firing every minute (sweep and dispatcher). */
  schedules: 2,
  /**
   * Alarm metrics the stack creates (infra/constructs/monitoring.ts; a metric-math alarm is
   * billed per metric it reads): errors and throttles of 5 functions, 5xx, p99, the 429 share
   * (2), DynamoDB throttles of 14 tables (2 each), 2 × 2 dead-letter alarms, sweep lag, 2
   * webhook alarms. infra/stack.test.ts counts them in the template.
   */
  alarms: 49,
  /**
   * Custom metrics the functions publish (functions/observability.ts; one per name and set of
   * dimension values): Assessments × 6 tiers, 3 coordinator, 4 worker and 4 dispatcher counts,
   * ColdStart × 5 functions, and the 429 count of the API's access log.
   */
  customMetrics: 23,
  /** DynamoDB's per-partition ceilings: 1,000 write units/s and 3,000 read units/s. */
  partitionWriteUnitsPerSecond: 1000,
  partitionReadUnitsPerSecond: 3000,
  /** Lambda's default concurrency quota per account and region (ask for more). */
  accountConcurrency: 1000,
} as const;

export interface CostInputs {
  /** Registered accounts, all tenants together. */
  readonly accounts: number;
  /** Tenants (exchanges) they are spread over, evenly. */
  readonly tenants: number;
  /** Seconds between sweeps of every account (the schedule: 60). */
  readonly sweepEverySeconds: number;
  /** POST /v1/assessments per second, steady, all tenants. */
  readonly rps: number;
  /** Whether every assessment carries an Idempotency-Key. */
  readonly idempotency: boolean;
  /** Share of accounts a sweep writes (tier, liquidation or summary changed, shared/sweeps/account-assessment.ts summaryChanged). */
  readonly changedShare: number;
  /** Days an assessment record is kept (TTL), or null: kept forever. */
  readonly retentionDays: number | null;
  /** Months after which stored assessments (and sweep items) are priced when kept forever; under a TTL, the steady state (retention days / 30.42). */
  readonly storageHorizonMonths: number;
  readonly sizes: ItemSizes;
  /** Accounts one worker sweeps per second (bench/results.json `sweep_accounts_per_s`). */
  readonly workerAccountsPerSecond: number;
  /** Billed API function duration per assessment, ms. */
  readonly apiDurationMs: number;
  /** API duration at p99 for concurrency (bench/results.json `http_assess_p99_ms_persist`). */
  readonly apiP99Ms: number;
  /** Billed coordinator duration per run, ms. */
  readonly coordinatorDurationMs: number;
  /** CloudWatch Logs bytes per API request (access log line and Lambda's platform lines). */
  readonly logBytesPerRequest: number;
  /** CloudWatch Logs bytes per Lambda invocation of the sweep (platform lines and the worker's summary). */
  readonly logBytesPerInvocation: number;
  /** Bytes of a sweep or segment item (sweeps table, kept forever). */
  readonly sweepItemBytes: number;
}

export interface CostReport {
  readonly monthlyUsd: number;
  readonly perMillionAssessmentsUsd: number;
  readonly sweepMonthlyUsd: number;
  /** What the sweep would cost writing every account (item and both index copies) at every sweep: the code before issue 20. */
  readonly sweepMonthlyUsdWriteAll: number;
  readonly breakdown: {
    readonly sweep: { readonly dynamoReadsUsd: number; readonly dynamoWritesUsd: number; readonly lambdaUsd: number; readonly schedulerUsd: number; readonly logsUsd: number };
    readonly api: { readonly apiGatewayUsd: number; readonly lambdaUsd: number; readonly dynamoWritesUsd: number; readonly dynamoReadsUsd: number; readonly logsUsd: number };
    readonly storage: { readonly assessmentsUsd: number; readonly accountsUsd: number; readonly sweepsUsd: number; readonly idempotencyUsd: number };
    readonly fixed: { readonly dispatcherUsd: number; readonly alarmsUsd: number; readonly metricsUsd: number };
  };
  readonly units: {
    readonly sweepsPerMonth: number;
    readonly readUnitsPerSweep: number;
    readonly writeUnitsPerChangedAccount: number;
    readonly writeUnitsPerSweep: number;
    readonly workerGbSecondsPerSweep: number;
    readonly workerInvocationsPerMonth: number;
    readonly assessmentsPerMonth: number;
    readonly writeUnitsPerAssessment: number;
  };
  readonly limits: {
    /**
     * Accounts per tenant: the largest one sweep finishes within its interval, alone, with
     * its 64 segments through the worker reservation (min(64, reserved) at a time).
     */
    readonly maxAccountsPerTenantPerSweep: number;
    readonly accountsPerTenant: number;
    /** Segments (workers) of one tenant's sweep: segmentsFor(accountsPerTenant), 8 to 64. */
    readonly segmentsPerTenant: number;
    /** How long a tenant's sweep runs with all its segments side by side (one segment's time), s. */
    readonly sweepSeconds: number;
    /** Waves the top of the interval's segments (all tenants) go through the worker reservation in. */
    readonly sweepWaves: number;
    /** When the last segment of the interval ends: sweepWaves × sweepSeconds; above the interval the next sweeps start before these end. */
    readonly sweepSecondsQueued: number;
    readonly workerReservedConcurrency: number;
    readonly sweepFitsInterval: boolean;
    readonly segmentFitsWorkerTimeout: boolean;
    /** Write units per second one tenant's sweep puts on its account items while it runs (alone: its own waves). */
    readonly sweepWriteUnitsPerSecondPerTenant: number;
    /** The same on each of the tenant's ACCOUNT_SHARDS account partitions (account-partitions.ts). */
    readonly sweepWriteUnitsPerSecondPerPartition: number;
    /** Changed accounts per tenant per sweep before its account partitions reach 1,000 WRU/s each (the sweep spread over its interval). */
    readonly maxChangedAccountsPerTenantPerSweep: number;
    /** Read units per second on one `bySegment` key while its worker runs. */
    readonly segmentReadUnitsPerSecond: number;
    readonly stageThrottleRps: number;
    readonly rpsHeadroom: number;
    /** Requests per second per tenant against the per-tenant limit. */
    readonly rpsPerTenant: number;
    readonly tenantRatePerSecond: number;
    /** Assessment record writes per second of one tenant. */
    readonly assessmentWriteUnitsPerSecondPerTenant: number;
    /** The same on each of its RECORD_SHARDS record partitions (assessments.ts). */
    readonly assessmentWriteUnitsPerSecondPerPartition: number;
    /** API concurrency: rps × duration, and at p99 duration. */
    readonly apiConcurrency: number;
    readonly apiConcurrencyAtP99: number;
    /** Worker invocations at the top of each interval (tenants × segments). */
    readonly sweepWorkersRequested: number;
    /** Of those, running at once: at most the worker's reserved concurrency. */
    readonly sweepWorkerConcurrency: number;
    /** The above with the coordinator and the dispatcher's two, against the account's default 1,000. */
    readonly peakConcurrency: number;
    readonly accountConcurrency: number;
    /** Assessment storage added each month, GB (item, index entry, 100 bytes of overhead each). */
    readonly assessmentGbPerMonth: number;
    /** Assessment storage when priced: steady state under a TTL, or after storageHorizonMonths. */
    readonly assessmentGbStored: number;
    readonly accountsGb: number;
  };
}

/** Write units of an item of `bytes` (1 KB each, rounded up). */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));

/** Per-item storage overhead DynamoDB adds (table and index alike). */
const ITEM_OVERHEAD = 100;
/** An idempotency item (key, hash, status, lock, expiry, answer reference): about 200 bytes, kept a day. */
const IDEMPOTENCY_ITEM_BYTES = 200;

export function costModel(i: CostInputs): CostReport {
  const p = PRICES;
  const d = DEPLOYMENT;
  const wru = (units: number) => units * p.dynamoWriteRequestUnit.usd;
  const rru = (units: number) => units * p.dynamoReadRequestUnit.usd;
  const gbs = (gbSeconds: number) => gbSeconds * p.lambdaArmGbSecond.usd;
  const invocations = (n: number) => n * p.lambdaRequest.usd;
  const logs = (bytes: number) => (bytes / GB) * p.logsIngestedGb.usd;

  // --- Sweep. Every account read each sweep through bySegment Queries: eventually consistent,
  // half a read unit per 4 KB of items read, and each of the 64 buckets' Query rounded up to
  // 4 KB (at most half a unit more each). A changed account is one UpdateItem: its item and
  // its copies in bySegment and byTier (both project ALL) at 1 KB each. Per tenant and sweep:
  // the tenant's size (one eventually consistent read), the sweep item (create, finish, and the
  // size written when it completes), and per segment a transaction (segment item and the
  // sweep's counts: 2 × 2 WRU) and two consistent reads (sweep, market).
  const sweepsPerMonth = SECONDS_PER_MONTH / i.sweepEverySeconds;
  const accountsPerTenant = i.accounts / i.tenants;
  const segments = segmentsFor(accountsPerTenant);
  const accountWrite = writeUnits(i.sizes.accountItemBytes);
  const writeUnitsPerChangedAccount = 3 * accountWrite;
  const readUnitsPerSweep = (i.accounts * i.sizes.accountItemBytes) / (4 * KB) / 2 + i.tenants * (2 + 0.5 + SEGMENT_BUCKETS * 0.5 + segments * 2);
  const bookkeepingWrites = i.tenants * (3 + segments * 4);
  const writeUnitsPerSweep = i.accounts * i.changedShare * writeUnitsPerChangedAccount + bookkeepingWrites;
  const workerSecondsPerSweep = i.accounts / i.workerAccountsPerSecond;
  const workerGbSecondsPerSweep = workerSecondsPerSweep * d.workerMemoryGb;
  const workerInvocationsPerMonth = i.tenants * segments * sweepsPerMonth;
  const sweepSchedulerShare = sweepsPerMonth / (sweepsPerMonth + MINUTES_PER_MONTH);
  const schedulerUsd = Math.max(0, sweepsPerMonth + MINUTES_PER_MONTH - p.schedulerFreePerMonth) * p.schedulerInvocation.usd * sweepSchedulerShare;
  const sweep = {
    dynamoReadsUsd: rru(readUnitsPerSweep * sweepsPerMonth),
    dynamoWritesUsd: wru(writeUnitsPerSweep * sweepsPerMonth),
    lambdaUsd:
      gbs(workerGbSecondsPerSweep * sweepsPerMonth) +
      gbs((i.coordinatorDurationMs / 1000) * d.coordinatorMemoryGb * sweepsPerMonth) +
      invocations(workerInvocationsPerMonth + sweepsPerMonth),
    schedulerUsd,
    logsUsd: logs((workerInvocationsPerMonth + sweepsPerMonth) * i.logBytesPerInvocation),
  };
  const sweepMonthlyUsd = sum(sweep);
  const writeAllUsd = wru((i.accounts * writeUnitsPerChangedAccount + bookkeepingWrites) * sweepsPerMonth);
  const sweepMonthlyUsdWriteAll = sweepMonthlyUsd - sweep.dynamoWritesUsd + writeAllUsd;

  // --- API: per POST /v1/assessments, the tenant's rate-limit counter (one small update), the
  // record (1 KB units) and its byAccount entry; with an Idempotency-Key, the claim (a put) and
  // the record written in one transaction with the claim's completion (two units per KB each).
  const assessmentsPerMonth = i.rps * SECONDS_PER_MONTH;
  const recordUnits = writeUnits(i.sizes.assessmentItemBytes);
  const indexUnits = writeUnits(i.sizes.assessmentIndexBytes);
  const writeUnitsPerAssessment = 1 + indexUnits + (i.idempotency ? 1 + 2 * (recordUnits + 1) : recordUnits);
  const apiConcurrency = (i.rps * i.apiDurationMs) / 1000;
  // Keys are cached 30 s per instance: one consistent read per instance every 30 s.
  const keyReadsPerMonth = Math.ceil(apiConcurrency) * (SECONDS_PER_MONTH / 30);
  const api = {
    apiGatewayUsd: apiGatewayRestUsd(assessmentsPerMonth),
    lambdaUsd: gbs(assessmentsPerMonth * (i.apiDurationMs / 1000) * d.apiMemoryGb) + invocations(assessmentsPerMonth),
    dynamoWritesUsd: wru(assessmentsPerMonth * writeUnitsPerAssessment),
    dynamoReadsUsd: rru(keyReadsPerMonth),
    logsUsd: logs(assessmentsPerMonth * i.logBytesPerRequest),
  };

  // --- Storage. An assessment: its item and its index entry, 100 bytes of overhead each.
  const assessmentBytes = i.sizes.assessmentItemBytes + i.sizes.assessmentIndexBytes + 2 * ITEM_OVERHEAD;
  const assessmentGbPerMonth = (assessmentsPerMonth * assessmentBytes) / GB;
  const storedMonths = i.retentionDays === null ? i.storageHorizonMonths : i.retentionDays / (365 / 12);
  const assessmentGbStored = assessmentGbPerMonth * storedMonths;
  const accountsGb = (i.accounts * 3 * (i.sizes.accountItemBytes + ITEM_OVERHEAD)) / GB;
  const sweepsGb = (i.tenants * (1 + segments) * sweepsPerMonth * i.storageHorizonMonths * (i.sweepItemBytes + ITEM_OVERHEAD)) / GB;
  const idempotencyGb = i.idempotency ? (i.rps * 86_400 * (IDEMPOTENCY_ITEM_BYTES + ITEM_OVERHEAD)) / GB : 0;
  const storageGbMonth = p.dynamoStorageGbMonth.usd;
  const storage = {
    assessmentsUsd: assessmentGbStored * storageGbMonth,
    accountsUsd: accountsGb * storageGbMonth,
    sweepsUsd: sweepsGb * storageGbMonth,
    idempotencyUsd: idempotencyGb * storageGbMonth,
  };

  // --- Fixed: the dispatcher runs ~70 s of every minute whatever the load; the alarms and custom metrics.
  const fixed = {
    dispatcherUsd: gbs(d.dispatcherSecondsPerRun * d.dispatcherMemoryGb * MINUTES_PER_MONTH) + invocations(MINUTES_PER_MONTH) + rru(d.dispatcherReadUnitsPerMinute * MINUTES_PER_MONTH),
    alarmsUsd: d.alarms * p.alarmMonth.usd,
    metricsUsd: d.customMetrics * p.metricMonth.usd,
  };

  // Per million assessments: the API's variable cost and one month of the records' storage.
  const perAssessmentUsd =
    p.apiGatewayRest.usd +
    p.lambdaRequest.usd +
    gbs((i.apiDurationMs / 1000) * d.apiMemoryGb) +
    wru(writeUnitsPerAssessment) +
    logs(i.logBytesPerRequest) +
    (assessmentBytes / GB) * storageGbMonth;

  // --- Limits.
  const sweepSeconds = accountsPerTenant / segments / i.workerAccountsPerSecond;
  // A tenant's writes spread over its own sweep: its segments in as many waves as the reservation needs for them alone.
  const busySeconds = Math.max(sweepSeconds * Math.ceil(segments / d.workerReservedConcurrency), 1);
  const sweepWriteUnitsPerSecondPerTenant = (accountsPerTenant * i.changedShare * accountWrite) / busySeconds;
  // Every tenant's sweep starts at the top of the interval; the reservation runs its segments in waves.
  const sweepWorkersRequested = i.tenants * segments;
  const sweepWorkerConcurrency = Math.min(sweepWorkersRequested, d.workerReservedConcurrency);
  const sweepWaves = Math.ceil(sweepWorkersRequested / d.workerReservedConcurrency);
  const sweepSecondsQueued = sweepWaves * sweepSeconds;
  const limits = {
    maxAccountsPerTenantPerSweep: Math.floor(i.workerAccountsPerSecond * Math.min(SEGMENT_BUCKETS, d.workerReservedConcurrency) * i.sweepEverySeconds),
    accountsPerTenant,
    segmentsPerTenant: segments,
    sweepSeconds,
    sweepWaves,
    sweepSecondsQueued,
    workerReservedConcurrency: d.workerReservedConcurrency,
    sweepFitsInterval: sweepSecondsQueued <= i.sweepEverySeconds,
    segmentFitsWorkerTimeout: sweepSeconds <= d.workerTimeoutSeconds,
    sweepWriteUnitsPerSecondPerTenant,
    sweepWriteUnitsPerSecondPerPartition: sweepWriteUnitsPerSecondPerTenant / ACCOUNT_SHARDS,
    maxChangedAccountsPerTenantPerSweep: Math.floor((ACCOUNT_SHARDS * d.partitionWriteUnitsPerSecond * Math.min(busySeconds, i.sweepEverySeconds)) / accountWrite),
    segmentReadUnitsPerSecond: (i.workerAccountsPerSecond * i.sizes.accountItemBytes) / (4 * KB) / 2,
    stageThrottleRps: d.stageThrottleRps,
    rpsHeadroom: d.stageThrottleRps - i.rps,
    rpsPerTenant: i.rps / i.tenants,
    tenantRatePerSecond: d.tenantRatePerSecond,
    assessmentWriteUnitsPerSecondPerTenant: (i.rps / i.tenants) * (recordUnits * (i.idempotency ? 2 : 1)),
    assessmentWriteUnitsPerSecondPerPartition: ((i.rps / i.tenants) * (recordUnits * (i.idempotency ? 2 : 1))) / RECORD_SHARDS,
    apiConcurrency,
    apiConcurrencyAtP99: (i.rps * i.apiP99Ms) / 1000,
    sweepWorkersRequested,
    sweepWorkerConcurrency,
    peakConcurrency: Math.ceil((i.rps * i.apiP99Ms) / 1000) + sweepWorkerConcurrency + 1 + 2,
    accountConcurrency: d.accountConcurrency,
    assessmentGbPerMonth,
    assessmentGbStored,
    accountsGb,
  };

  const breakdown = { sweep, api, storage, fixed };
  return {
    monthlyUsd: sweepMonthlyUsd + sum(api) + sum(storage) + sum(fixed),
    perMillionAssessmentsUsd: perAssessmentUsd * 1e6,
    sweepMonthlyUsd,
    sweepMonthlyUsdWriteAll,
    breakdown,
    units: {
      sweepsPerMonth,
      readUnitsPerSweep,
      writeUnitsPerChangedAccount,
      writeUnitsPerSweep,
      workerGbSecondsPerSweep,
      workerInvocationsPerMonth,
      assessmentsPerMonth,
      writeUnitsPerAssessment,
    },
    limits,
  };
}

function sum(costs: Readonly<Record<string, number>>): number {
  return Object.values(costs).reduce((a, b) => a + b, 0);
}
