/**
 * `npm run bench [-- --json] [-- --duration 10]`: the in-process benchmarks (bench/run.ts),
 * then the HTTP benchmark (bench/http.ts), the sweep benchmark (bench/sweep.ts) and the
 * Lambda bundle benchmark (bench/bundle.ts), the 60 s load test (bench/load.ts), one tenant's heavy
 * requests beside another's (bench/neighbour.ts), the replay on a real crash (bench/replay.ts) and the risk desk's
 * overview in Chromium (bench/desk.ts), each in its own process with the same
 * arguments; stops at the first that fails.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
// bench/run.ts only knows --json; the HTTP options are for bench/http.ts alone.
const suites: Array<[file: string, args: string[]]> = [
  ['./run.ts', args.filter((a) => a === '--json')],
  ['./http.ts', args],
  ['./sweep.ts', args.filter((a) => a === '--json')],
  ['./bundle.ts', args.filter((a) => a === '--json')],
  ['./load.ts', args.filter((a) => a === '--json')],
  ['./neighbour.ts', args.filter((a) => a === '--json')],
  ['./replay.ts', args.filter((a) => a === '--json')],
  ['./desk.ts', args.filter((a) => a === '--json')],
];

for (const [file, suiteArgs] of suites) {
  // process.execArgv carries tsx's loader, so the child runs TypeScript like this process.
  const { status, signal } = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL(file, import.meta.url)), ...suiteArgs], { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`bench: ${file} ${signal ? `was killed by ${signal}` : `exited with code ${status}`}`);
    process.exit(status || 1);
  }
  console.log();
}
