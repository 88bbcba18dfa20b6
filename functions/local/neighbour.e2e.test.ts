import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchPortfolio } from '../../bench/portfolios.ts';
import { useTestServer } from '../../test/local-server.ts';
import type { LocalServer } from './server.ts';

/**
 * The heavy-snapshot neighbour (issue 17, found by an outside tester): one tenant posts the
 * largest allowed snapshot four times at once; another tenant's small request must not
 * wait behind them. Compared, not timed: the neighbour's slowest answer against the heavy
 * tenant's typical one, on the same machine in the same run.
 */

const small = readFileSync(new URL('../../examples/healthy-hedged-options.json', import.meta.url), 'utf8');
const heavy = JSON.stringify({ ...benchPortfolio(5_000), accountId: 'acct-heavy' });

async function post(server: LocalServer, key: string, body: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/assessments`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body });
  await res.arrayBuffer();
  expect(res.status).toBe(201);
  return performance.now() - started;
}

async function attack(server: LocalServer): Promise<{ neighbourWorst: number; heavyMedian: number }> {
  const keyOf = async (name: string) => (await server.stores.apiKeys.issue((await server.stores.tenants.create(name)).tenantId)).secret;
  const heavyKey = await keyOf('heavy');
  const neighbourKey = await keyOf('neighbour');
  await post(server, neighbourKey, small);
  await Promise.all([post(server, heavyKey, heavy), post(server, heavyKey, heavy)]); // warm: engine, solver, threads
  let done = false;
  const heavies = Promise.all(Array.from({ length: 4 }, () => post(server, heavyKey, heavy))).finally(() => (done = true));
  const neighbour: number[] = [];
  while (!done) neighbour.push(await post(server, neighbourKey, small));
  const times = (await heavies).sort((a, b) => a - b);
  return { neighbourWorst: Math.max(...neighbour), heavyMedian: times[2]! };
}

describe('one tenant posting the largest snapshots four at a time', () => {
  const { server } = useTestServer('nb', { dispatchIntervalMs: 0, recordAssessments: false });

  it("does not hold another tenant's small requests behind them", async () => {
    // Measured on this machine: with the assessment threads the neighbour's slowest answer is
    // 0.19-0.27 of the heavy median; without them it waits out whole heavy assessments, 0.45-0.56,
    // every time. Up to three rounds: one answer slowed by a garbage collection or a busy machine
    // (0.36 seen once under a full CI run) is not a queue, and does not repeat.
    const ratios: number[] = [];
    for (let round = 0; round < 3 && !(ratios.at(-1)! < 0.35); round++) {
      const { neighbourWorst, heavyMedian } = await attack(server);
      ratios.push(neighbourWorst / heavyMedian);
    }
    expect(Math.min(...ratios), `neighbour's slowest ÷ heavy median, by round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`).toBeLessThan(0.35);
  }, 120_000);
});
