/**
 * `tsx bench/http.ts [--duration 10] [--connections 16] [--warmup 3] [--json]`: assessments
 * per second over local HTTP (targets in README.md, Benchmarks), with and without persistence. The real local server
 * (startLocalServer, its own DynamoDB Local) answers POST /v1/assessments for a realistic
 * options book (examples/healthy-hedged-options.json) under autocannon, which runs in a
 * worker thread so the load generator does not share the server's event loop. Two runs:
 * every assessment recorded in DynamoDB Local, then a second server on the same database
 * with recording off (the engine behind HTTP; the API-key lookup still reads DynamoDB). Any non-2xx answer, connection error
 * or timeout fails the benchmark. `--json` merges the figures into bench/results.json.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startLocalServer, type LocalServer } from '../functions/local/server.ts';
import { tableNames } from '../shared/store/tables.ts';
import { mergeResults } from './results.ts';
import { fmt, printTable } from './measure.ts';

const SNAPSHOT_FILE = new URL('../examples/healthy-hedged-options.json', import.meta.url);

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const duration = positive('duration', values.duration);
const connections = positive('connections', values.connections);
const warmup = Number(values.warmup);
if (!(warmup >= 0)) throw new RangeError(`--warmup must be a number of seconds ≥ 0, got "${values.warmup}"`);

const body = readFileSync(SNAPSHOT_FILE, 'utf8');
const { accountId } = JSON.parse(body) as { accountId: string };

interface Run {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** Share of the run the server's event loop was busy (1 = CPU-bound on the main thread). */
  readonly loopBusy: number;
  readonly failures: string[];
}

const runs: Run[] = [];
const prefix = `bench-${randomBytes(4).toString('hex')}-`;
// No scheduled sweeps: only the benchmark's requests load the server and the database.
const persist = await startLocalServer({ port: 0, tables: tableNames(`${prefix}persist-`), recordAssessments: true, sweepIntervalMs: 0, dispatchIntervalMs: 0 });
let noPersist: LocalServer | undefined;
try {
  noPersist = await startLocalServer({
    port: 0,
    tables: tableNames(`${prefix}nopersist-`),
    dynamoEndpoint: persist.dynamoEndpoint,
    recordAssessments: false,
    sweepIntervalMs: 0,
    dispatchIntervalMs: 0,
  });
  runs.push(await measure('persistence on', persist, true));
  runs.push(await measure('persistence off', noPersist, false));
} finally {
  await noPersist?.stop();
  await persist.stop();
}

printTable([
  ['POST /v1/assessments', 'req/s', 'p50', 'p99', 'requests', 'failures', 'server loop busy'],
  ...runs.map((r) => [r.name, fmt(r.rps), `${fmt(r.p50)} ms`, `${fmt(r.p99)} ms`, String(r.requests), String(r.failures.length), `${(r.loopBusy * 100).toFixed(0)}%`]),
], true);
console.log(`(${duration} s each, ${connections} connections, ${JSON.parse(body).positions.length}-position options book, DynamoDB Local)`);

const failed = runs.filter((r) => r.failures.length > 0);
if (failed.length > 0) {
  for (const r of failed) console.error(`FAILED ${r.name}: ${r.failures.join('; ')}`);
  throw new Error('HTTP benchmark failed: some requests did not answer 2xx (see above); no figures written');
}

const [on, off] = runs as [Run, Run];
const figures: Record<string, number> = {
  http_assess_rps_persist: on.rps,
  http_assess_p50_ms_persist: on.p50,
  http_assess_p99_ms_persist: on.p99,
  http_assess_rps_nopersist: off.rps,
  http_assess_p50_ms_nopersist: off.p50,
  http_assess_p99_ms_nopersist: off.p99,
};
for (const name of Object.keys(figures)) figures[name] = Number(figures[name]!.toPrecision(6));
if (values.json) {
  console.log(`wrote ${mergeResults(figures)}`);
}

/** One autocannon run against `server` (after a warm-up), checked for failures and for what was recorded. */
async function measure(name: string, server: LocalServer, recorded: boolean): Promise<Run> {
  // The server listens on 127.0.0.1; `localhost` may resolve to ::1 first.
  const url = new URL('/v1/assessments', server.url.replace('//localhost:', '//127.0.0.1:')).href;
  const headers = { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' };

  const probe = await fetch(url, { method: 'POST', headers, body });
  if (probe.status !== 201) throw new Error(`${name}: POST /v1/assessments answered ${probe.status}: ${await probe.text()}`);
  await probe.body?.cancel();

  const options = { url, method: 'POST' as const, headers, body, connections, workers: 1 };
  if (warmup > 0) await autocannon({ ...options, duration: warmup });
  const loopBefore = performance.eventLoopUtilization();
  const result = await autocannon({ ...options, duration });
  const loopBusy = performance.eventLoopUtilization(loopBefore).utilization;

  const failures: string[] = [];
  if (result.non2xx > 0) failures.push(`${result.non2xx} non-2xx answers (${statusCounts(result)})`);
  if (result.errors > 0) failures.push(`${result.errors} connection errors`);
  if (result.timeouts > 0) failures.push(`${result.timeouts} timeouts`);
  if (result['2xx'] === 0) failures.push('no 2xx answer at all');
  const page = await server.stores.assessments.listByAccount(server.tenantId, accountId, { limit: 1 });
  if (recorded !== page.items.length > 0) failures.push(recorded ? 'nothing was recorded' : 'assessments were recorded with recording off');

  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result['2xx'] + result.non2xx, loopBusy, failures };
}

function statusCounts(result: autocannon.Result): string {
  const stats = (result as autocannon.Result & { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  return Object.entries(stats).map(([status, { count }]) => `${status}: ${count}`).join(', ') || 'statuses unknown';
}

function positive(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${flag} must be a positive integer, got "${raw}"`);
  return n;
}


