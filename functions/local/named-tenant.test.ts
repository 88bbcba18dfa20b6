import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { tenantWithFreshKey } from './named-tenant.ts';

describe('--tenant NAME: the tenant found or created by name, and a fresh key', () => {
  it('creates the tenant when missing, finds it afterwards, and issues a new admin key each time; earlier keys stay valid', async () => {
    const { stores } = await freshStores();
    const first = await tenantWithFreshKey(stores, 'acme');
    expect(first).toMatchObject({ name: 'acme', created: true, apiKey: expect.stringMatching(/^sk_[0-9A-Za-z]{43}$/) });
    const second = await tenantWithFreshKey(stores, 'acme');
    expect(second).toMatchObject({ tenantId: first.tenantId, created: false });
    expect(second.apiKey).not.toBe(first.apiKey);
    for (const { apiKey, keyId } of [first, second]) {
      expect(await stores.apiKeys.authenticate(apiKey)).toEqual({ tenantId: first.tenantId, keyId, scope: 'admin' });
    }
    expect((await stores.apiKeys.list(first.tenantId)).map((k) => k.keyId).sort()).toEqual([first.keyId, second.keyId].sort());
    // Another name is another tenant.
    const other = await tenantWithFreshKey(stores, 'globex');
    expect(other).toMatchObject({ created: true });
    expect(other.tenantId).not.toBe(first.tenantId);
    expect((await stores.tenants.list()).filter((t) => t.name === 'acme')).toHaveLength(1);
  });

  it('takes the oldest tenant of that name when several have it (the CLI does not refuse duplicates), and refuses an empty name', async () => {
    const { stores } = await freshStores();
    const oldest = await stores.tenants.create('dup', new Date('2026-01-01T00:00:00Z'));
    await stores.tenants.create('dup', new Date('2026-02-01T00:00:00Z'));
    expect(await tenantWithFreshKey(stores, 'dup')).toMatchObject({ tenantId: oldest.tenantId, created: false });
    await expect(tenantWithFreshKey(stores, ' ')).rejects.toThrow(/--tenant needs a name/);
  });
});

/** `npm start` itself (functions/local/main.ts), with its own DynamoDB Local on a data directory. */
describe('npm start -- --data DIR --tenant NAME', () => {
  const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

  /**
   * Runs main.ts; once its banner is printed, runs `meanwhile` with it (when given), then stops
   * the server with one SIGINT, as Ctrl-C does. Its output and exit code.
   */
  function start(args: string[], meanwhile?: (banner: string) => Promise<void>): Promise<{ code: number | null; stdout: string; stderr: string; failure?: unknown }> {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    delete env['DYNAMODB_ENDPOINT'];
    delete env['SOFTLAND_DEV_API_KEY'];
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let failure: unknown;
    let stopping = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // Once: a second SIGINT while it stops would kill it outright, as a second Ctrl-C does.
      if (stopping || !stdout.includes('Ctrl-C stops')) return;
      stopping = true;
      void (meanwhile?.(stdout) ?? Promise.resolve())
        .catch((error: unknown) => (failure = error))
        .finally(() => child.kill('SIGINT'));
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, ...(failure === undefined ? {} : { failure }) })));
  }

  const field = (banner: string, label: string) => banner.match(new RegExp(`${label}\\s+(\\S+)`))?.[1];

  it('keeps the tenant and every key it printed across restarts on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'softland-tenant-'));
    try {
      const first = await start(['--data', dataDir, '--tenant', 'acme']);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/Tenant:\s+acme \(ten_\w+, created\)/);
      const firstKey = field(first.stdout, 'Its key:')!;
      expect(firstKey).toMatch(/^sk_/);
      expect(first.stdout).toContain(`SOFTLAND_KEY=${firstKey}`);

      // The second start finds acme again and prints another key; the first one still authenticates.
      const tenantId = first.stdout.match(/Tenant:\s+acme \((ten_\w+)/)![1]!;
      const second = await start(['--data', dataDir, '--tenant', 'acme'], async (banner) => {
        expect(banner).toContain(`Tenant:    acme (${tenantId}, found: its earlier keys still work)`);
        const secondKey = field(banner, 'Its key:')!;
        expect(secondKey).not.toBe(firstKey);
        const url = field(banner, 'Softland is listening on')!;
        for (const key of [firstKey, secondKey]) {
          const res = await fetch(`${url}/v1/accounts`, { headers: { Authorization: `Bearer ${key}` } });
          expect(res.status).toBe(200);
        }
      });
      if (second.failure) throw second.failure;
      expect(second.code, second.stderr).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('stays strict: an unknown option, or --tenant without a name, exits 1 with the reason', async () => {
    const unknown = await start(['--tennant', 'acme']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/softland: .*--tennant/);
    const bare = await start(['--tenant']);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/softland: .*--tenant/);
  }, 30_000);
});
