import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AssessmentSchema } from '../../shared/schemas/assessment.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/softland.mjs', import.meta.url).pathname;
const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

/** Runs the real CLI in a child process, as a user would. */
async function softland(args: string[], stdin?: string, env: Record<string, string> = {}) {
  const child = exec(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (stdin !== undefined) {
    child.child.stdin!.end(stdin);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('softland assess', () => {
  const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

  it.each(examples)('prints a full assessment of examples/%s', async (file) => {
    const { code, stdout, stderr } = await softland(['assess', EXAMPLES + file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const body = AssessmentSchema.parse(JSON.parse(stdout));
    expect(body.id).toMatch(/^asm_[0-9A-Z]{26}$/);
  });

  it('puts each example in the tier its name promises', async () => {
    const tiers: Record<string, string> = {};
    for (const file of examples) {
      tiers[file] = JSON.parse((await softland(['assess', EXAMPLES + file])).stdout).tier;
    }
    expect(tiers).toMatchObject({
      'healthy-hedged-options.json': 'healthy',
      'tier1-perpetuals.json': 'tier1',
      'insolvent.json': 'insolvent',
    });
  });

  it('reads the snapshot from stdin', async () => {
    const snapshot = { accountId: 'a', asOf: '2026-11-23T12:00:00Z', collateral: [], positions: [], market: {} };
    const { code, stdout } = await softland(['assess', '-'], JSON.stringify(snapshot));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ accountId: 'a', tier: 'healthy', marginRatio: null });
  });

  it('names the failing field on stderr, exits 2 and prints nothing on stdout', async () => {
    const snapshot = { accountId: 'a', asOf: '2026-11-23T12:00:00Z', collateral: [{ asset: 'USDC', amount: 1 }], positions: [], market: { USDC: { price: -1 } } };
    const { code, stdout, stderr } = await softland(['assess', '-'], JSON.stringify(snapshot));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('market.USDC.price');
  });

  it('reports malformed JSON and an unknown command with exit code 2', async () => {
    expect(await softland(['assess', '-'], '{"accountId":')).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('not valid JSON') });
    expect(await softland(['frobnicate'])).toMatchObject({ code: 2, stdout: '' });
  });

  it('reports an option whose mark no volatility fits, naming the field', async () => {
    const snapshot = {
      accountId: 'a',
      asOf: '2026-11-23T12:00:00Z',
      collateral: [],
      positions: [{ id: 'c', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 50000, expiry: '2026-12-25T08:00:00Z' }, quantity: 1, markPrice: 10 }],
      market: { BTC: { price: 97000 } },
    };
    const { code, stdout, stderr } = await softland(['assess', '-'], JSON.stringify(snapshot));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('positions[0].markPrice');
  });
});

describe('softland against an unreachable database', () => {
  it('says so in one line and exits 1, with no stack trace and no AWS SDK Node-version notice', async () => {
    const { code, stdout, stderr } = await softland(['tenant', 'create', 'X'], undefined, {
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('softland: the database is unavailable: connect ECONNREFUSED 127.0.0.1:9 (DYNAMODB_ENDPOINT=http://127.0.0.1:9)\n');
  });
});
