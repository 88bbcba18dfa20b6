import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import type { Stores } from '../../shared/store/index.ts';
import { adminCommand } from './admin.ts';

let stores: Stores;
beforeAll(async () => {
  ({ stores } = await freshStores());
});

async function run(command: 'tenant' | 'key', args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await adminCommand(command, args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, stores);
  return { code, stdout, stderr, json: stdout ? JSON.parse(stdout) : undefined };
}

describe('softland tenant / key', () => {
  it('creates a tenant, issues, lists and revokes its keys', async () => {
    const tenant = (await run('tenant', ['create', 'Exchange One'])).json;
    expect(tenant).toMatchObject({ tenantId: expect.stringMatching(/^ten_/), name: 'Exchange One' });
    const issued = await run('key', ['create', tenant.tenantId]);
    expect(issued.json.secret).toMatch(/^sk_/);
    expect(issued.stderr).toContain('cannot be shown again');
    expect(await stores.apiKeys.authenticate(issued.json.secret)).toMatchObject({ tenantId: tenant.tenantId });
    const listed = (await run('key', ['list', tenant.tenantId])).json;
    expect(listed).toEqual([expect.objectContaining({ keyId: issued.json.keyId, status: 'active' })]);
    expect(JSON.stringify(listed)).not.toContain(issued.json.secret);
    expect((await run('key', ['revoke', tenant.tenantId, issued.json.keyId])).code).toBe(0);
    expect(await stores.apiKeys.authenticate(issued.json.secret)).toBeUndefined();
  });

  it('exits 2 with usage or a clear message on bad arguments', async () => {
    expect((await run('tenant', [])).code).toBe(2);
    expect((await run('key', ['create', 'ten_missing'])).stderr).toContain('no tenant ten_missing');
    expect((await run('key', ['revoke', 'ten_missing', 'key_x'])).code).toBe(2);
  });
});
