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

  it('issues keys with a scope (default admin) and lists each key with its scope', async () => {
    const tenant = (await run('tenant', ['create', 'Exchange Two'])).json;
    const admin = (await run('key', ['create', tenant.tenantId])).json;
    const liquidator = (await run('key', ['create', tenant.tenantId, '--scope', 'liquidator'])).json;
    const read = (await run('key', ['create', '--scope=read', tenant.tenantId])).json;
    const explicitAdmin = (await run('key', ['create', tenant.tenantId, '--scope', 'admin'])).json;
    expect([admin.scope, liquidator.scope, read.scope, explicitAdmin.scope]).toEqual(['admin', 'liquidator', 'read', 'admin']);
    expect(await stores.apiKeys.authenticate(liquidator.secret)).toMatchObject({ tenantId: tenant.tenantId, scope: 'liquidator' });
    expect(await stores.apiKeys.authenticate(read.secret)).toMatchObject({ tenantId: tenant.tenantId, scope: 'read' });
    const listed = (await run('key', ['list', tenant.tenantId])).json as Array<{ keyId: string; scope: string }>;
    expect(Object.fromEntries(listed.map((k) => [k.keyId, k.scope]))).toEqual({
      [admin.keyId]: 'admin',
      [liquidator.keyId]: 'liquidator',
      [read.keyId]: 'read',
      [explicitAdmin.keyId]: 'admin',
    });
  });

  it('refuses an unknown scope, a missing scope value and a scope outside key create, issuing nothing', async () => {
    const tenant = (await run('tenant', ['create', 'Exchange Three'])).json;
    const unknown = await run('key', ['create', tenant.tenantId, '--scope', 'root']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('unknown scope root; use one of admin, liquidator, read');
    expect((await run('key', ['create', tenant.tenantId, '--scope'])).code).toBe(2);
    expect((await run('key', ['create', tenant.tenantId, '--role', 'read'])).code).toBe(2);
    expect((await run('key', ['list', tenant.tenantId, '--scope', 'read'])).code).toBe(2);
    expect(await stores.apiKeys.list(tenant.tenantId)).toEqual([]);
  });

  it('exits 2 with usage or a clear message on bad arguments', async () => {
    expect((await run('tenant', [])).code).toBe(2);
    expect((await run('key', ['create', 'ten_missing'])).stderr).toContain('no tenant ten_missing');
    expect((await run('key', ['revoke', 'ten_missing', 'key_x'])).code).toBe(2);
  });
});
