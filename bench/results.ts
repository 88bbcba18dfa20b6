import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const RESULTS = new URL('./results.json', import.meta.url);

/** Adds `figures` to bench/results.json (one object: figure name → number), keeping the others' figures. */
export function mergeResults(figures: Readonly<Record<string, number>>): string {
  let existing: Record<string, number> = {};
  try {
    existing = JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch {
    // First suite of the run.
  }
  mkdirSync(new URL('.', RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ ...existing, ...figures }, null, 2)}\n`);
  return RESULTS.pathname;
}
