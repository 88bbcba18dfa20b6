import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BENCH_DEFAULTS, inputsFor, type BenchFigures } from '../../shared/cost/defaults.ts';
import { measureItemSizes } from '../../shared/cost/measure.ts';
import { costModel, DEPLOYMENT, type CostInputs, type CostReport } from '../../shared/cost/model.ts';
import { PRICES_REGION, PRICES_TAKEN, priceTable } from '../../shared/cost/prices.ts';
import { flagsOrExit, UsageError, type CommandIo } from './command-line.ts';

export const COST_USAGE = `Usage: softland cost --accounts N [--rps R] [--sweep-every 1m] [--tenants T]
                    [--changed-share F] [--retention-days D] [--idempotency] [--json]

Estimates the monthly AWS cost (${PRICES_REGION}, on-demand list prices of ${PRICES_TAKEN}) and the
capacity limits of this deployment (docs/capacity.md): the stack's configuration, the item
sizes the stores write (measured now, no database) and the benchmark's rates.

Options:
  --accounts N          registered accounts, all tenants (required)
  --rps R               POST /v1/assessments per second, steady (default 0)
  --sweep-every D       interval of the sweep of every account: 1m, 90s, 5m, 1h (at least 1m; default 1m)
  --tenants T           tenants the accounts are spread over, evenly (default 1)
  --changed-share F     share of accounts a sweep writes, 0 ≤ F ≤ 1 (default 0.01)
  --retention-days D    days an assessment is kept (default: the table's TTL policy, or forever)
  --idempotency         every assessment carries an Idempotency-Key
  --json                print the model as JSON
  -h, --help            show this help
`;

interface Flags {
  accounts: number;
  rps: number;
  sweepEverySeconds: number;
  tenants: number;
  changedShare: number;
  retentionDays: number | null | undefined;
  idempotency: boolean;
  json: boolean;
  help: boolean;
}

/** `softland cost`: returns the exit code. */
export async function costCommand(args: readonly string[], io: CommandIo, bench?: BenchFigures): Promise<number> {
  const flags = flagsOrExit('cost', COST_USAGE, io, () => parseFlags(args));
  if (typeof flags === 'number') return flags;
  const sizes = await measureItemSizes();
  const figures = bench ?? (await benchFigures());
  const inputs = inputsFor(
    {
      accounts: flags.accounts,
      sweepEverySeconds: flags.sweepEverySeconds,
      rps: flags.rps,
      idempotency: flags.idempotency,
      tenants: flags.tenants,
      changedShare: flags.changedShare,
      ...(flags.retentionDays !== undefined ? { retentionDays: flags.retentionDays } : {}),
    },
    sizes,
    figures,
  );
  const report = costModel(inputs);
  io.stdout(flags.json ? `${JSON.stringify(jsonOf(report, inputs), null, 2)}\n` : text(report, inputs));
  return 0;
}

/** bench/results.json's figures where it has them, the committed defaults otherwise. */
async function benchFigures(): Promise<BenchFigures> {
  const figures: BenchFigures = { ...BENCH_DEFAULTS };
  try {
    const results = JSON.parse(await readFile(new URL('../../bench/results.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    for (const key of Object.keys(figures) as Array<keyof BenchFigures>) {
      const value = results[key];
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) figures[key] = value;
    }
  } catch {
    // No results file (an installed CLI): the committed figures.
  }
  return figures;
}

function parseFlags(args: readonly string[]): Flags {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
  const v = parsed.values;
  if (v.help) return { accounts: 0, rps: 0, sweepEverySeconds: 60, tenants: 1, changedShare: 0, retentionDays: undefined, idempotency: false, json: false, help: true };
  if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  if (v.accounts === undefined) throw new UsageError('--accounts is required');
  const accounts = integer('--accounts', v.accounts, 1);
  const tenants = integer('--tenants', v.tenants ?? '1', 1);
  if (tenants > accounts) throw new UsageError(`--tenants (${tenants}) cannot exceed --accounts (${accounts})`);
  const rps = decimal('--rps', v.rps ?? '0');
  const changedShare = decimal('--changed-share', v['changed-share'] ?? '0.01');
  if (changedShare > 1) throw new UsageError(`--changed-share must be between 0 and 1, got "${v['changed-share']}"`);
  return {
    accounts,
    rps,
    sweepEverySeconds: duration(v['sweep-every'] ?? '1m'),
    tenants,
    changedShare,
    retentionDays: v['retention-days'] === undefined ? undefined : integer('--retention-days', v['retention-days'], 1),
    idempotency: v.idempotency ?? false,
    json: v.json ?? false,
    help: false,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: {
      accounts: { type: 'string' },
      rps: { type: 'string' },
      'sweep-every': { type: 'string' },
      tenants: { type: 'string' },
      'changed-share': { type: 'string' },
      'retention-days': { type: 'string' },
      idempotency: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function integer(flag: string, raw: string, min: number): number {
  const n = /^\d+$/.test(raw.replaceAll('_', '')) ? Number(raw.replaceAll('_', '')) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function decimal(flag: string, raw: string): number {
  const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number ≥ 0, got "${raw}"`);
  return n;
}

/** `90s`, `1m`, `5m`, `1h` → seconds; at least a minute (EventBridge Scheduler's finest rate). */
function duration(raw: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(raw);
  const seconds = match ? Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'] : Number.NaN;
  if (!Number.isFinite(seconds)) throw new UsageError(`--sweep-every must be a duration like 1m, 90s, 5m or 1h, got "${raw}"`);
  if (seconds < 60) throw new UsageError(`--sweep-every must be at least 1m (the finest EventBridge Scheduler rate), got "${raw}"`);
  return seconds;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

function roundAll<T>(value: T, digits = 2): T {
  if (typeof value === 'number') return round(value, Math.abs(value) < 1 && value !== 0 ? 6 : digits) as T;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundAll(v, digits)])) as T;
  }
  return value;
}

function jsonOf(r: CostReport, i: CostInputs) {
  return {
    monthlyUsd: round(r.monthlyUsd),
    perMillionAssessmentsUsd: round(r.perMillionAssessmentsUsd),
    sweepMonthlyUsd: round(r.sweepMonthlyUsd),
    sweepMonthlyUsdWriteAll: round(r.sweepMonthlyUsdWriteAll),
    breakdown: roundAll(r.breakdown),
    units: roundAll(r.units),
    limits: roundAll(r.limits),
    assumptions: {
      accounts: i.accounts,
      tenants: i.tenants,
      sweepEverySeconds: i.sweepEverySeconds,
      rps: i.rps,
      idempotency: i.idempotency,
      changedShare: i.changedShare,
      retentionDays: i.retentionDays,
      storageHorizonMonths: i.storageHorizonMonths,
      itemSizes: i.sizes,
      workerAccountsPerSecond: i.workerAccountsPerSecond,
      apiDurationMs: i.apiDurationMs,
      apiP99Ms: i.apiP99Ms,
      coordinatorDurationMs: i.coordinatorDurationMs,
      logBytesPerRequest: i.logBytesPerRequest,
      logBytesPerInvocation: i.logBytesPerInvocation,
      sweepItemBytes: i.sweepItemBytes,
      deployment: DEPLOYMENT,
      hoursPerMonth: 730,
      prices: { region: PRICES_REGION, taken: PRICES_TAKEN, table: priceTable() },
    },
  };
}

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const count = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function text(r: CostReport, i: CostInputs): string {
  const b = r.breakdown;
  const l = r.limits;
  const row = (label: string, value: string, note = '') => `  ${label.padEnd(34)}${value.padStart(14)}${note ? `  ${note}` : ''}\n`;
  const flag = (ok: boolean) => (ok ? 'ok' : 'OVER');
  const stored = i.retentionDays === null ? `kept forever: priced at month ${i.storageHorizonMonths}` : `TTL ${i.retentionDays} days, steady state`;
  return (
    `Softland cost model: ${count(i.accounts)} accounts over ${count(i.tenants)} tenant${i.tenants === 1 ? '' : 's'}, a sweep every ${i.sweepEverySeconds} s, ` +
    `${count(i.rps, 2)} assessments/s${i.idempotency ? ' with idempotency keys' : ''}\n` +
    `(${PRICES_REGION} on-demand list prices of ${PRICES_TAKEN}, 730 h months; estimates, not bills: docs/capacity.md)\n\n` +
    `Monthly cost\n` +
    row('sweep: DynamoDB reads', usd(b.sweep.dynamoReadsUsd), `${count(r.units.readUnitsPerSweep)} RRU a sweep`) +
    row('sweep: DynamoDB writes', usd(b.sweep.dynamoWritesUsd), `${count(i.changedShare * 100, 2)}% of accounts written, ${r.units.writeUnitsPerChangedAccount} WRU each`) +
    row('sweep: Lambda', usd(b.sweep.lambdaUsd), `${count(r.units.workerGbSecondsPerSweep, 1)} GB-s a sweep`) +
    row('sweep: Scheduler and logs', usd(b.sweep.schedulerUsd + b.sweep.logsUsd)) +
    row('sweep total', usd(r.sweepMonthlyUsd), `(writing every account: ${usd(r.sweepMonthlyUsdWriteAll)})`) +
    row('API Gateway', usd(b.api.apiGatewayUsd), `${count(r.units.assessmentsPerMonth)} requests`) +
    row('API Lambda', usd(b.api.lambdaUsd), `${i.apiDurationMs} ms at ${DEPLOYMENT.apiMemoryGb} GB`) +
    row('API DynamoDB', usd(b.api.dynamoWritesUsd + b.api.dynamoReadsUsd), `${r.units.writeUnitsPerAssessment} WRU an assessment`) +
    row('API logs', usd(b.api.logsUsd)) +
    row('storage: assessments', usd(b.storage.assessmentsUsd), `${count(l.assessmentGbStored, 1)} GB (${stored})`) +
    row('storage: accounts, sweeps, keys', usd(b.storage.accountsUsd + b.storage.sweepsUsd + b.storage.idempotencyUsd)) +
    row('fixed: dispatcher, alarms, metrics', usd(b.fixed.dispatcherUsd + b.fixed.alarmsUsd + b.fixed.metricsUsd)) +
    row('total', usd(r.monthlyUsd)) +
    row('per million assessments', usd(r.perMillionAssessmentsUsd)) +
    `\nLimits\n` +
    row(
      'sweep of one tenant',
      `${count(l.sweepSeconds, 1)} s`,
      `${flag(l.sweepFitsInterval)}: interval ${i.sweepEverySeconds} s; ${l.segmentsPerTenant} segments; all ${count(l.sweepWorkersRequested)} workers ` +
        `${l.workerReservedConcurrency} at a time: ${count(l.sweepSecondsQueued, 1)} s; at most ${count(l.maxAccountsPerTenantPerSweep)} accounts a tenant`,
    ) +
    row('sweep writes, one tenant', `${count(l.sweepWriteUnitsPerSecondPerTenant)} WRU/s`, `${flag(l.sweepWriteUnitsPerSecondPerTenant <= DEPLOYMENT.partitionWriteUnitsPerSecond)}: 1,000 a partition; ≤ ${count(l.maxChangedAccountsPerTenantPerSweep)} changed accounts a sweep`) +
    row('API rate', `${count(i.rps, 2)} rps`, `${flag(l.rpsHeadroom >= 0)}: stage throttle ${l.stageThrottleRps}; ${count(l.rpsPerTenant, 2)} per tenant of ${l.tenantRatePerSecond}`) +
    row('Lambda concurrency at peak', count(l.peakConcurrency), `${flag(l.peakConcurrency <= l.accountConcurrency)}: API ${count(l.apiConcurrencyAtP99, 1)} at p99, ${l.sweepWorkerConcurrency} sweep workers; quota ${l.accountConcurrency}`) +
    row('assessment storage', `+${count(l.assessmentGbPerMonth, 1)} GB/mo`, i.retentionDays === null ? 'no TTL: grows for ever' : `steady at ${count(l.assessmentGbStored, 1)} GB`)
  );
}
