/**
 * `tsx bench/replay.ts [--accounts 1000] [--json]`: the replay on a real crash (targets in
 * README.md, Benchmarks). `replay_s_3d_1000`: three days of hourly BTC and ETH candles
 * (2021-05-18 to 2021-05-21, from ../shared/data/prices), re-assessed every minute, 1,000
 * accounts, all seven policies, in seconds. Baseline, in the same process: the exact replay
 * (`exact: true`, every account at every step) on a tenth of the accounts, scaled up; the two
 * are also compared on that tenth, figure for figure.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadLinearSolver } from '../shared/risk/lp/highs.ts';
import { loadUnderlyings } from '../shared/replay/candle-files.ts';
import { pathsFromCandles } from '../shared/replay/history-paths.ts';
import { findProfile } from '../shared/risk/built-in-profiles.ts';
import { POLICY_NAMES } from '../shared/replay/policies.ts';
import { runReplay, type ReplayReport } from '../shared/replay/replay.ts';
import { fmt, printTable } from './measure.ts';
import { mergeResults } from './results.ts';

const { values } = parseArgs({ options: { accounts: { type: 'string', default: '1000' }, json: { type: 'boolean', default: false } }, strict: true });
const accounts = Number(values.accounts);
if (!Number.isInteger(accounts) || accounts < 10) throw new RangeError(`--accounts must be an integer of at least 10, got "${values.accounts}"`);

const DATA = new URL('../../shared/data/prices/', import.meta.url);
const files = ['binance-BTCUSDT-1h.csv', 'binance-ETHUSDT-1h.csv'];
const loaded = loadUnderlyings(
  files.map((f) => ({ source: f, text: readFileSync(new URL(f, DATA), 'utf8') })),
  findProfile('default')!.market.maxPriceMove,
);
const paths = pathsFromCandles([...loaded.candles.values()].flat(), { from: '2021-05-18T00:00:00Z', to: '2021-05-21T00:00:00Z', stepMinutes: 1 });
const solver = await loadLinearSolver();

function timed(count: number, exact: boolean): { seconds: number; report: ReplayReport } {
  const started = performance.now();
  const report = runReplay(solver, { accounts: count, paths, exact });
  return { seconds: (performance.now() - started) / 1000, report };
}

const tenth = Math.round(accounts / 10);
const exact = timed(tenth, true);
const quietTenth = timed(tenth, false);
const full = timed(accounts, false);
const same = JSON.stringify(exact.report.policies) === JSON.stringify(quietTenth.report.policies) && JSON.stringify(exact.report.perAccount) === JSON.stringify(quietTenth.report.perAccount);
const exactScaled = exact.seconds * (accounts / tenth);

const figures = { replay_s_3d_1000: round(full.seconds * (1000 / accounts)), replay_speedup_vs_exact: round(exactScaled / full.seconds) };
console.log(`Replay, 2021-05-18 to 2021-05-21 (BTC, ETH hourly candles), 1-minute re-assessment, ${paths.steps} steps, ${POLICY_NAMES.length} policies`);
printTable([
  ['run', 'accounts', 'seconds', 'per account-step'],
  ['exact (every account, every step)', String(tenth), fmt(exact.seconds), `${fmt((exact.seconds / tenth / paths.steps) * 1e6)} µs`],
  ['quiet accounts sleep', String(tenth), fmt(quietTenth.seconds), `${fmt((quietTenth.seconds / tenth / paths.steps) * 1e6)} µs`],
  ['quiet accounts sleep', String(accounts), fmt(full.seconds), `${fmt((full.seconds / accounts / paths.steps) * 1e6)} µs`],
]);
console.log(`${fmt(figures.replay_speedup_vs_exact)}× the exact replay (scaled from ${tenth} accounts); same results on those ${tenth}: ${same ? 'yes' : 'NO'}`);
console.log(`${figures.replay_s_3d_1000 <= 60 ? 'meets' : 'MISSES'} target replay_s_3d_1000 ≤ 60 s: ${fmt(figures.replay_s_3d_1000)}`);
if (values.json) console.log(`wrote ${mergeResults(figures)}`);
if (!same) process.exitCode = 1;

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
