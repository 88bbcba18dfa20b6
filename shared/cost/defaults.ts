import { ASSESSMENT_RETENTION_DAYS } from '../store/assessments.ts';
import { TABLES, type TableDefinition } from '../store/tables.ts';
import type { ItemSizes } from './measure.ts';
import type { CostInputs } from './model.ts';

/**
 * Benchmark figures the model starts from (bench/results.json, `npm run bench`); the CLI reads
 * the file when it is there and falls back to these, as committed.
 */
export const BENCH_DEFAULTS = {
  /** One worker, DynamoDB Local, a sweep after a 2% move (reads, assessments, the writes): the conservative rate. */
  sweep_accounts_per_s: 1132,
  /** HTTP POST /v1/assessments, recorded, at p99 (ms). */
  http_assess_p99_ms_persist: 89,
  /** The engine alone, a 10-position book, p50 (µs). */
  assess_full_p50_us_10: 192.825,
} as const;

export type BenchFigures = { -readonly [K in keyof typeof BENCH_DEFAULTS]: number };

/**
 * The API function's billed ms per assessment: the engine (`assess_full_p50_us_10`, 0.2 ms)
 * and two DynamoDB round trips in the region (the tenant's rate-limit counter and the record,
 * ~4 ms each: an estimate to check against the function's REPORT lines), rounded up.
 */
export function apiDurationMs(bench: BenchFigures): number {
  return Math.ceil(bench.assess_full_p50_us_10 / 1000 + 2 * 4 + 1);
}

/**
 * Days an assessment record is kept by default: the store's ASSESSMENT_RETENTION_DAYS when
 * the assessments table has a TTL attribute (shared/store/tables.ts), else null (kept
 * forever). `--retention-days` overrides it, as the stage setting does in a deployment.
 */
export function defaultRetentionDays(table: TableDefinition = TABLES.assessments): number | null {
  return table.timeToLiveAttribute === undefined ? null : ASSESSMENT_RETENTION_DAYS;
}

export interface Scenario {
  readonly accounts: number;
  readonly sweepEverySeconds: number;
  readonly rps: number;
  readonly idempotency: boolean;
  readonly tenants?: number;
  readonly changedShare?: number;
  readonly retentionDays?: number | null;
}

/** The model's inputs for a scenario: the defaults documented in docs/capacity.md, the measured sizes and the bench figures. */
export function inputsFor(scenario: Scenario, sizes: ItemSizes, bench: BenchFigures = { ...BENCH_DEFAULTS }): CostInputs {
  return {
    accounts: scenario.accounts,
    tenants: scenario.tenants ?? 1,
    sweepEverySeconds: scenario.sweepEverySeconds,
    rps: scenario.rps,
    idempotency: scenario.idempotency,
    changedShare: scenario.changedShare ?? 0.01,
    retentionDays: scenario.retentionDays === undefined ? defaultRetentionDays() : scenario.retentionDays,
    storageHorizonMonths: 12,
    sizes,
    workerAccountsPerSecond: bench.sweep_accounts_per_s,
    apiDurationMs: apiDurationMs(bench),
    apiP99Ms: bench.http_assess_p99_ms_persist,
    coordinatorDurationMs: 300,
    logBytesPerRequest: 700,
    logBytesPerInvocation: 600,
    sweepItemBytes: 300,
  };
}
