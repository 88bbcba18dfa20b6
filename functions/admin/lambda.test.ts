/**
 * The admin function (unbundled) against DynamoDB Local: tenants and keys administered by
 * invoking it, as an operator or a pipeline does with `aws lambda invoke`.
 */
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../shared/store/client.ts';
import { createStores } from '../../shared/store/index.ts';
import { freshStores, storeAsBeforePartitions } from '../../test/dynamo.ts';
import { captureOutput, lambdaContext, setLambdaEnv } from '../../test/lambda.ts';
import type { AdminOutcome } from './commands.ts';

let fresh: Awaited<ReturnType<typeof freshStores>>;
let handler: (event: unknown, context: Context) => Promise<AdminOutcome>;

beforeAll(async () => {
  fresh = await freshStores();
  setLambdaEnv(fresh);
  ({ handler } = (await import('./lambda.ts')) as unknown as { handler: typeof handler });
});

const invoke = (event: unknown) => captureOutput(() => handler(event, lambdaContext(10_000, 'softland-test-admin')));

describe('the admin function', () => {
  it('creates a tenant, issues a key that works, lists it and revokes it', async () => {
    const tenant = (await invoke({ command: 'tenant.create', name: 'Exchange One' })).result;
    expect(tenant).toMatchObject({ ok: true, result: { name: 'Exchange One', tenantId: expect.stringMatching(/^ten_/) } });
    const tenantId = (tenant as { result: { tenantId: string } }).result.tenantId;

    const issued = await invoke({ command: 'key.create', tenantId, scope: 'read' });
    const key = (issued.result as { ok: true; result: { keyId: string; secret: string; scope: string } }).result;
    expect(key).toMatchObject({ keyId: expect.stringMatching(/^key_/), secret: expect.stringMatching(/^sk_/), scope: 'read' });
    expect(await fresh.stores.apiKeys.authenticate(key.secret)).toMatchObject({ tenantId, scope: 'read' });
    // What was done is logged; the secret never is.
    expect(JSON.stringify([...issued.stdout, ...issued.stderr])).not.toContain(key.secret);
    expect(issued.stdout.find((l) => l['message'] === 'admin request')).toMatchObject({ command: 'key.create', tenantId, ok: true });

    const listed = (await invoke({ command: 'key.list', tenantId })).result as { ok: true; result: { keyId: string }[] };
    expect(listed.result.map((k) => k.keyId)).toEqual([key.keyId]);
    expect((await invoke({ command: 'key.revoke', tenantId, keyId: key.keyId })).result).toEqual({ ok: true, result: { keyId: key.keyId, status: 'revoked' } });
    // Another instance, with no key cache of its own (an instance that had the key trusts it for up to 30 s: docs/SECURITY.md).
    expect(await createStores(createDynamoClient({ endpoint: fresh.endpoint }), fresh.names).apiKeys.authenticate(key.secret)).toBeUndefined();
  });

  it('moves a tenant\'s accounts stored before the account partitions to them (accounts.migrate)', async () => {
    const tenantId = ((await invoke({ command: 'tenant.create', name: 'Exchange Two' })).result as { result: { tenantId: string } }).result.tenantId;
    const book = { profile: 'default', collateral: [{ asset: 'USDC', amount: 10_000 }], positions: [] };
    for (const id of ['a', 'b', 'c']) await fresh.stores.accounts.put(tenantId, id, book, null, 'healthy');
    // 'a' and 'b' as stored before the partitions: under the tenant's own key.
    for (const id of ['a', 'b']) await storeAsBeforePartitions(fresh.db, fresh.names.accounts, tenantId, id);
    expect((await fresh.stores.accounts.get(tenantId, 'a'))?.storedUnderTenant).toBe(true);
    expect((await invoke({ command: 'accounts.migrate', tenantId })).result).toEqual({ ok: true, result: { moved: 2, left: 0 } });
    for (const id of ['a', 'b', 'c']) expect(await fresh.stores.accounts.get(tenantId, id)).toMatchObject({ accountId: id, storedUnderTenant: false, tier: 'healthy' });
    expect((await invoke({ command: 'accounts.migrate', tenantId })).result).toEqual({ ok: true, result: { moved: 0, left: 0 } });
    expect((await invoke({ command: 'accounts.migrate', tenantId: 'ten_nobody' })).result).toMatchObject({ ok: false, error: 'no tenant ten_nobody' });
  });

  it('refuses a malformed request naming the field, and a tenant or key that does not exist, changing nothing', async () => {
    expect((await invoke({ command: 'key.create', tenantId: 'ten_x', scope: 'root' })).result).toMatchObject({ ok: false, error: expect.stringContaining('scope') });
    expect((await invoke({ command: 'tenant.drop' })).result).toMatchObject({ ok: false, error: expect.stringContaining('command') });
    expect((await invoke({ command: 'tenant.create', name: 'x', extra: 1 })).result).toMatchObject({ ok: false });
    expect((await invoke({ command: 'key.create', tenantId: 'ten_missing' })).result).toEqual({ ok: false, error: 'no tenant ten_missing' });
    expect((await invoke({ command: 'key.revoke', tenantId: 'ten_missing', keyId: 'key_x' })).result).toEqual({ ok: false, error: 'tenant ten_missing has no key key_x' });
  });
});
