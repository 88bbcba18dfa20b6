import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { benchPortfolio } from '../../bench/portfolios.ts';
import { assess } from '../../shared/risk/assess.ts';
import { RiskError } from '../../shared/risk/errors.ts';
import { SnapshotSchema, type Snapshot } from '../../shared/schemas/snapshot.ts';
import { AssessPool } from './assess-pool.ts';

const example = (name: string): Snapshot => SnapshotSchema.parse(JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8')));

describe('the assessment pool', () => {
  const pool = new AssessPool({ size: 2, inlineBelow: 100, perTenant: 1 });
  afterAll(() => pool.close());
  const large = SnapshotSchema.parse(benchPortfolio(400));

  it('answers on a thread exactly what the engine answers here', async () => {
    const options = { id: 'asm_01JDZ8X7Q4M5V2N9T3K6P8R1WC' };
    const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
    expect(json(await pool.assess(large, options, 'ten_a'))).toEqual(json(await assess(large, options)));
    const small = example('tier1-perpetuals');
    expect(await pool.assess(small, options, 'ten_a')).toEqual(await assess(small, options));
  });

  it('gives a RiskError back as a RiskError, naming the field', async () => {
    const broken: Snapshot = { ...large, positions: large.positions.map((p, i) => (i === 0 && p.instrument.type === 'option' ? { ...p, markPrice: 1e9 } : p)) };
    const error = await pool.assess(broken, { id: 'asm_x' }, 'ten_a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RiskError);
    expect((error as RiskError).field).toBe('positions[0].markPrice');
  });

  it('lets tenants take turns: a second tenant is served before the first tenant’s queued jobs', async () => {
    // Both threads started (a thread's first job also loads the engine).
    await Promise.all([pool.assess(large, { id: 'asm_w1' }, 'W1'), pool.assess(large, { id: 'asm_w2' }, 'W2')]);
    const order: string[] = [];
    const run = (tenant: string, n: number) => pool.assess(large, { id: `asm_${tenant}${n}` }, tenant).then(() => order.push(`${tenant}${n}`));
    const jobs = [run('A', 1), run('A', 2), run('A', 3), run('A', 4)];
    await new Promise((r) => setTimeout(r, 5));
    jobs.push(run('B', 1));
    await Promise.all(jobs);
    // perTenant 1: A holds one thread at a time, so B's job takes the other as soon as it is asked.
    expect(order.indexOf('B1')).toBeLessThan(order.indexOf('A3'));
  });
});
