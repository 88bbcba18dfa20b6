/**
 * `tsx bench/load.ts [--duration 60] [--connections 16] [--json]`: the sustained load test
 * (issue: "Prove it"). Fails unless every request answered 2xx and every 201 has its record.
 */
import { parseArgs } from 'node:util';
import { runLoad } from './load-test.ts';
import { mergeResults } from './results.ts';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '60' }, connections: { type: 'string', default: '16' }, json: { type: 'boolean', default: false } },
  strict: true,
});
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);
if (!(durationSeconds > 0) || !(connections > 0)) throw new RangeError('--duration and --connections must be positive');

const r = await runLoad({ durationSeconds, connections });
console.log(
  `load, ${durationSeconds} s, ${connections} connections, persistence on: ${r.rps.toFixed(0)} assessments/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ` +
    `${r.answered} answered, ${r.errors} errors, ${r.lost} lost`,
);
if (values.json) console.log(`wrote ${mergeResults({ load_rps: Number(r.rps.toPrecision(4)), load_p99_ms: r.p99Ms, load_lost: r.lost, load_errors: r.errors })}`);
if (r.errors > 0 || r.lost > 0) {
  console.error('load test FAILED: errors or lost records');
  process.exit(1);
}
