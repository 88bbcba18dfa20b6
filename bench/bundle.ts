/**
 * `tsx bench/bundle.ts [--runs 11] [--json]`: the Lambda bundles (targets in README.md, Benchmarks). Builds
 * each function with the stack's own esbuild settings (infra/bundling.ts: ESM, minified,
 * node22, AWS SDK external, source maps) and reports
 * - `bundle_kb_<fn>`: size of the minified bundle (index.mjs, without its .map) in KiB;
 * - `init_ms_<fn>`: module initialisation time, the median over `--runs` fresh Node
 *   processes of `await import(bundle)` with the environment the stack sets (table
 *   prefix, worker name, NODE_OPTIONS=--enable-source-maps) and AWS_REGION. The AWS SDK
 *   is loaded from node_modules, as the runtime loads its own. Node startup is not counted;
 * - `init_ms_<fn>_own`: the same with the SDK clients the bundle imports loaded first:
 *   the share of our own code (the rest is loading the SDK).
 * `--json` merges the figures into bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ENTRIES, shipPackages, esbuildOptions, REPO_ROOT, type FunctionId } from '../infra/bundling.ts';
import { mergeResults } from './results.ts';
import { fmt, printTable } from './measure.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' }, json: { type: 'boolean', default: false } }, strict: true });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got "${values.runs}"`);

const TARGETS: Record<string, [limit: number, unit: string]> = {
  bundle_kb_api: [600, 'KiB'],
  init_ms_api: [150, 'ms'],
};

// Inside node_modules/: the bundle resolves the external @aws-sdk/* from the project's node_modules.
const OUT = join(REPO_ROOT, 'node_modules', '.cache', 'softland-bench-bundle');
rmSync(OUT, { recursive: true, force: true });

/** The environment the stack gives every function, plus what the runtime sets. */
const LAMBDA_ENV: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'],
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  SOFTLAND_TABLE_PREFIX: 'softland-bench-',
  SOFTLAND_SWEEP_WORKER_FUNCTION: 'softland-bench-worker',
  NODE_OPTIONS: '--enable-source-maps',
};

/** Imports BENCH_PRELOAD (JSON list) untimed, then the bundle, in a fresh process; prints the time the bundle's `import()` took, in ms. */
const IMPORT_TIMER = [
  'for (const m of JSON.parse(process.env.BENCH_PRELOAD)) await import(m);',
  'const t = performance.now();',
  'await import(process.env.BENCH_BUNDLE);',
  'process.stdout.write(String(performance.now() - t));',
].join(' ');

const figures: Record<string, number> = {};
const rows: string[][] = [['function', 'bundle', 'init p50', 'init min', 'init max', 'own code p50 (SDK preloaded)']];

for (const id of Object.keys(ENTRIES) as FunctionId[]) {
  const outfile = join(OUT, id, 'index.mjs');
  mkdirSync(join(OUT, id), { recursive: true });
  const { metafile } = await build({ ...esbuildOptions(id, outfile), metafile: true });
  shipPackages(join(OUT, id));
  const kib = statSync(outfile).size / 1024;
  // The external modules the bundle imports: the AWS SDK clients.
  const sdk = [...new Set(Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)))].filter((m) => m.startsWith('@aws-sdk/'));

  const cold = median(initTimes(id, outfile, []));
  const own = median(initTimes(id, outfile, sdk));
  figures[`bundle_kb_${id}`] = round(kib);
  figures[`init_ms_${id}`] = round(cold.p50);
  figures[`init_ms_${id}_own`] = round(own.p50);
  rows.push([id, `${fmt(kib)} KiB`, `${fmt(cold.p50)} ms`, `${fmt(cold.min)} ms`, `${fmt(cold.max)} ms`, `${fmt(own.p50)} ms`]);
}
console.log(`Lambda bundles (esbuild ${(await import('esbuild')).version}, ESM, minified, @aws-sdk/* external; init: median of ${runs} fresh processes, Node ${process.version})`);
printTable(rows);
for (const [name, [limit, unit]] of Object.entries(TARGETS)) {
  const value = figures[name]!;
  console.log(`${value <= limit ? 'meets' : 'MISSES'} target ${name} ≤ ${limit} ${unit}: ${fmt(value)}`);
}
if (values.json) console.log(`wrote ${mergeResults(figures)}`);

/** `runs` import times of the bundle in fresh processes, after one untimed run that warms the file cache. */
function initTimes(id: FunctionId, outfile: string, preload: readonly string[]): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', IMPORT_TIMER], {
      // The working directory resolves the preloaded SDK from the project's node_modules.
      cwd: REPO_ROOT,
      env: { ...LAMBDA_ENV, BENCH_BUNDLE: pathToFileURL(outfile).href, BENCH_PRELOAD: JSON.stringify(preload) },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`importing the ${id} bundle failed (exit ${child.status}):\n${child.stderr}`);
    if (i > 0) samples.push(Number(child.stdout));
  }
  return samples;
}

function median(samples: number[]): { p50: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
}

function round(n: number): number {
  return Number(n.toPrecision(4));
}


