/** Timing helpers for the benchmarks (never used by tests). */

export interface Timing {
  p50: number;
  p99: number;
  mean: number;
}

/** Runs `fn` for at least `warmupMs`, then samples it `samples` times; returns microseconds. */
export function timeMicros(fn: () => unknown, samples: number, warmupMs = 300): Timing {
  const warmUntil = performance.now() + warmupMs;
  while (performance.now() < warmUntil) fn();
  const times = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  times.sort();
  return {
    p50: times[Math.floor(samples * 0.5)]!,
    p99: times[Math.min(samples - 1, Math.floor(samples * 0.99))]!,
    mean: times.reduce((a, b) => a + b, 0) / samples,
  };
}

/** Calls per second of `fn` over about `ms` milliseconds, in batches of `batch`. */
export function throughput(fn: (i: number) => number, ms = 1000, batch = 10_000): number {
  let sink = 0;
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) sink += fn(calls + i);
    calls += batch;
    now = performance.now();
  }
  if (Number.isNaN(sink)) throw new Error('benchmark produced NaN');
  return (calls / (now - start)) * 1000;
}

/** A figure for the tables: whole above 100, three significant digits below. */
export function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toPrecision(3);
}

/** Prints rows as aligned columns; `numbersRight` pads every column but the first on the left. */
export function printTable(table: string[][], numbersRight = false): void {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table) console.log(r.map((cell, c) => (numbersRight && c > 0 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}
