/**
 * `tsx bench/neighbour.ts [--duration 10] [--json]`: what one tenant's heavy requests cost
 * another tenant on the local server (targets in README.md, Benchmarks). Tenant H posts the
 * largest allowed snapshot (5,000 positions, 80% options) on 4 connections without pause;
 * tenant N posts the hedged-options example on 1 connection. `neighbour_p99_ms`: N's p99
 * latency with the server's assessment threads (large snapshots off the event loop, tenants
 * taking turns: functions/local/assess-pool.ts). Baseline, in the same process: the same
 * load with every snapshot assessed on the server's own thread (`assessThreads: 0`), and N
 * alone.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLocalServer, type LocalServer } from '../functions/local/server.ts';
import { tableNames } from '../shared/store/tables.ts';
import { fmt, printTable } from './measure.ts';
import { benchPortfolio } from './portfolios.ts';
import { mergeResults } from './results.ts';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } }, strict: true });
const seconds = Number(values.duration);
if (!(seconds > 0)) throw new RangeError(`--duration must be a positive number of seconds, got "${values.duration}"`);

const small = readFileSync(new URL('../examples/healthy-hedged-options.json', import.meta.url), 'utf8');
const heavy = JSON.stringify({ ...benchPortfolio(5_000), accountId: 'acct-heavy' });

interface Latencies {
  readonly neighbour: number[];
  readonly heavy: number[];
  readonly failures: number;
}

async function post(server: LocalServer, key: string, body: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/assessments`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`answered ${res.status}`);
  return performance.now() - started;
}

/** Runs N (and H, unless `alone`) for the duration against `server`. */
async function run(server: LocalServer, alone: boolean): Promise<Latencies> {
  const keyOf = async (name: string) => (await server.stores.apiKeys.issue((await server.stores.tenants.create(name)).tenantId)).secret;
  const [heavyKey, neighbourKey] = [await keyOf('heavy'), await keyOf('neighbour')];
  const until = performance.now() + seconds * 1000;
  const out: Latencies = { neighbour: [], heavy: [], failures: 0 };
  const loop = async (key: string, body: string, into: number[]) => {
    while (performance.now() < until) {
      try {
        into.push(await post(server, key, body));
      } catch {
        (out as { failures: number }).failures++;
      }
    }
  };
  // Warm-up: the engine, the solver and the threads loaded before anything is timed.
  await post(server, neighbourKey, small);
  await Promise.all([post(server, heavyKey, heavy), post(server, heavyKey, heavy)]);
  await Promise.all([loop(neighbourKey, small, out.neighbour), ...(alone ? [] : Array.from({ length: 4 }, () => loop(heavyKey, heavy, out.heavy)))]);
  return out;
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

const prefix = `neighbour-${randomBytes(4).toString('hex')}-`;
const pooled = await startLocalServer({ port: 0, tables: tableNames(`${prefix}pool-`), recordAssessments: false, sweepIntervalMs: 0, dispatchIntervalMs: 0 });
const inline = await startLocalServer({
  port: 0,
  tables: tableNames(`${prefix}inline-`),
  dynamoEndpoint: pooled.dynamoEndpoint,
  recordAssessments: false,
  sweepIntervalMs: 0,
  dispatchIntervalMs: 0,
  assessThreads: 0,
});
let results: Array<[string, Latencies]>;
try {
  results = [
    ['neighbour alone', await run(pooled, true)],
    ['beside heavy tenant, assessment threads', await run(pooled, false)],
    ['beside heavy tenant, one thread (baseline)', await run(inline, false)],
  ];
} finally {
  await inline.stop();
  await pooled.stop();
}

printTable([
  ['tenant N (hedged-options example, 1 connection)', 'N p50', 'N p99', 'N requests', 'H (5,000 positions ×4) p50', 'H requests', 'failures'],
  ...results.map(([name, r]) => [
    name,
    `${fmt(percentile(r.neighbour, 0.5))} ms`,
    `${fmt(percentile(r.neighbour, 0.99))} ms`,
    String(r.neighbour.length),
    r.heavy.length ? `${fmt(percentile(r.heavy, 0.5))} ms` : '-',
    String(r.heavy.length),
    String(r.failures),
  ]),
], true);
const [, withPool, baseline] = results.map(([, r]) => r) as [Latencies, Latencies, Latencies];
const figures = {
  neighbour_p99_ms: Math.round(percentile(withPool.neighbour, 0.99) * 10) / 10,
  neighbour_p99_ms_one_thread: Math.round(percentile(baseline.neighbour, 0.99) * 10) / 10,
};
console.log(`(${seconds} s each, recording off, DynamoDB Local; ${fmt(figures.neighbour_p99_ms_one_thread / figures.neighbour_p99_ms)}× lower neighbour p99 with the threads)`);
if (values.json) console.log(`wrote ${mergeResults(figures)}`);
if (results.some(([, r]) => r.failures > 0)) process.exitCode = 1;
