import { describe, expect, it } from 'vitest';
import { BENCH_DEFAULTS } from '../../shared/cost/defaults.ts';
import { costCommand } from './cost.ts';
import { main } from './main.ts';

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), readStdin: async () => '' } };
}

describe('softland cost', () => {
  it('prints the documented JSON (issue 20 acceptance)', async () => {
    const { out, io } = capture();
    expect(await main(['cost', '--accounts', '10000', '--sweep-every', '1m', '--rps', '50', '--json'], io)).toBe(0);
    const body = JSON.parse(out.stdout);
    for (const key of ['monthlyUsd', 'perMillionAssessmentsUsd', 'sweepMonthlyUsd', 'sweepMonthlyUsdWriteAll']) expect(typeof body[key], key).toBe('number');
    expect(Object.keys(body.breakdown)).toEqual(['sweep', 'api', 'storage', 'fixed']);
    expect(body.limits).toMatchObject({ accountsPerTenant: 10_000, sweepFitsInterval: true, stageThrottleRps: 500, rpsHeadroom: 450 });
    expect(body.assumptions).toMatchObject({ accounts: 10_000, tenants: 1, sweepEverySeconds: 60, rps: 50, idempotency: false, changedShare: 0.01, hoursPerMonth: 730 });
    expect(body.assumptions.prices.table.every((p: any) => p.source.startsWith('https://aws.amazon.com/'))).toBe(true);
    // Writes only on change: at most a tenth of the sweep that wrote every account.
    expect(body.sweepMonthlyUsd).toBeLessThanOrEqual(body.sweepMonthlyUsdWriteAll / 10);
    expect(out.stderr).toBe('');
  });

  it('prints a table, and follows the flags', async () => {
    const { out, io } = capture();
    expect(await costCommand(['--accounts=1000000', '--tenants', '4', '--rps', '100', '--sweep-every', '5m', '--idempotency', '--retention-days', '30'], io, { ...BENCH_DEFAULTS })).toBe(0);
    expect(out.stdout).toMatch(/^Softland cost model: 1,000,000 accounts over 4 tenants, a sweep every 300 s, 100 assessments\/s with idempotency keys/);
    expect(out.stdout).toMatch(/^ {2}sweep total +\$[\d,.]+ {2}\(writing every account: \$[\d,.]+\)$/m);
    expect(out.stdout).toMatch(/^ {2}storage: assessments .*TTL 30 days, steady state/m);
    // 250,000 accounts a tenant: 32 segments of 7,813 accounts (6.9 s at 1,132/s); the 4 tenants' 128 workers in 4 waves of 32.
    expect(out.stdout).toMatch(/^ {2}sweep of one tenant +6\.9 s {2}ok: interval 300 s; 32 segments; all 128 workers 32 at a time: 27\.6 s;/m);
    const json = capture();
    expect(await costCommand(['--accounts', '1000000', '--tenants', '4', '--rps', '100', '--sweep-every', '5m', '--idempotency', '--json'], json.io, { ...BENCH_DEFAULTS })).toBe(0);
    expect(JSON.parse(json.out.stdout).units.writeUnitsPerAssessment).toBe(9);
  });

  it('refuses bad flags with exit 2 and the usage', async () => {
    const bad: string[][] = [
      [],
      ['--rps', '50'],
      ['--accounts', '0'],
      ['--accounts', '1e4'],
      ['--accounts', '10000', '--rps', '-5'],
      ['--accounts', '10000', '--sweep-every', '30s'],
      ['--accounts', '10000', '--sweep-every', '1 minute'],
      ['--accounts', '10000', '--changed-share', '2'],
      ['--accounts', '10', '--tenants', '11'],
      ['--accounts', '10000', '--bogus'],
      ['--accounts', '10000', 'extra'],
      ['--accounts'],
      ['--accounts', '10000', '--json=yes'],
    ];
    for (const args of bad) {
      const { out, io } = capture();
      expect(await main(['cost', ...args], io), args.join(' ')).toBe(2);
      expect(out.stdout, args.join(' ')).toBe('');
      expect(out.stderr, args.join(' ')).toMatch(/^softland cost: .+\n\nUsage: softland cost/);
    }
  });

  it('shows its help, and is listed in the CLI help', async () => {
    const { out, io } = capture();
    expect(await main(['cost', '--help'], io)).toBe(0);
    expect(out.stdout).toContain('Usage: softland cost --accounts N');
    const help = capture();
    expect(await main(['help'], help.io)).toBe(0);
    expect(help.out.stdout).toContain('cost --accounts N [--rps R] [--sweep-every 1m] [--idempotency] [--json]');
  });
});
