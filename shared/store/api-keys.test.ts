import { createHash } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import type { Stores } from './index.ts';
import { ApiKeyStore, KEY_CACHE_TTL_MS } from './api-keys.ts';

let stores: Stores;
let db: Awaited<ReturnType<typeof freshStores>>['db'];
let names: Awaited<ReturnType<typeof freshStores>>['names'];
beforeAll(async () => {
  ({ stores, db, names } = await freshStores());
});

/** An item as a version before scopes (or a later one) wrote it. */
async function storeRaw(tenantId: string, secret: string, keyId: string, scope?: string) {
  await db.send(
    new PutItemCommand({
      TableName: names.apiKeys,
      Item: {
        keyHash: { S: createHash('sha256').update(secret, 'utf8').digest('hex') },
        keyId: { S: keyId },
        tenantId: { S: tenantId },
        hint: { S: secret.slice(0, 7) },
        status: { S: 'active' },
        createdAt: { S: '2026-01-01T00:00:00.000Z' },
        ...(scope === undefined ? {} : { scope: { S: scope } }),
      },
    }),
  );
}

describe('API key scopes in the store', () => {
  it('issues admin keys by default, stores the scope given, authenticates and lists it', async () => {
    const { tenantId } = await stores.tenants.create('scoped');
    const admin = await stores.apiKeys.issue(tenantId);
    const liquidator = await stores.apiKeys.issue(tenantId, { scope: 'liquidator' });
    const read = await stores.apiKeys.issue(tenantId, { scope: 'read' });
    expect([admin.scope, liquidator.scope, read.scope]).toEqual(['admin', 'liquidator', 'read']);
    expect(await stores.apiKeys.authenticate(liquidator.secret)).toEqual({ tenantId, keyId: liquidator.keyId, scope: 'liquidator' });
    expect(await stores.apiKeys.authenticate(read.secret)).toEqual({ tenantId, keyId: read.keyId, scope: 'read' });
    expect(await stores.apiKeys.authenticate(admin.secret)).toEqual({ tenantId, keyId: admin.keyId, scope: 'admin' });
    const listed = await stores.apiKeys.list(tenantId);
    expect(Object.fromEntries(listed.map((k) => [k.keyId, k.scope]))).toEqual({ [admin.keyId]: 'admin', [liquidator.keyId]: 'liquidator', [read.keyId]: 'read' });
  });

  it('refuses to issue a key with an unknown scope, storing nothing', async () => {
    const { tenantId } = await stores.tenants.create('bad scope');
    await expect(stores.apiKeys.issue(tenantId, { scope: 'root' as never })).rejects.toThrow(RangeError);
    expect(await stores.apiKeys.list(tenantId)).toEqual([]);
  });

  it('reads a key stored without a scope as admin', async () => {
    const { tenantId } = await stores.tenants.create('legacy');
    const secret = `sk_${'L'.repeat(43)}`;
    await storeRaw(tenantId, secret, 'key_legacy');
    expect(await stores.apiKeys.authenticate(secret)).toEqual({ tenantId, keyId: 'key_legacy', scope: 'admin' });
    expect(await stores.apiKeys.list(tenantId)).toEqual([expect.objectContaining({ keyId: 'key_legacy', scope: 'admin' })]);
  });

  it('authenticates nothing with a key stored under a scope it does not know (fails closed)', async () => {
    const { tenantId } = await stores.tenants.create('future');
    const secret = `sk_${'F'.repeat(43)}`;
    await storeRaw(tenantId, secret, 'key_future', 'billing');
    expect(await stores.apiKeys.authenticate(secret)).toBeUndefined();
    expect(await stores.apiKeys.list(tenantId)).toEqual([expect.objectContaining({ keyId: 'key_future', scope: 'billing' })]);
  });
});

describe('the key cache', () => {
  it('trusts an authenticated key for 30 s: revoked elsewhere, refused once that passes; revoked here, refused at once', async () => {
    let now = Date.parse('2026-11-26T12:00:00Z');
    const clock = () => now;
    const here = new ApiKeyStore(db, names.apiKeys, KEY_CACHE_TTL_MS, clock);
    const elsewhere = new ApiKeyStore(db, names.apiKeys, 0);
    const tenant = await stores.tenants.create('cached');
    const a = await stores.apiKeys.issue(tenant.tenantId);
    const b = await stores.apiKeys.issue(tenant.tenantId);

    expect(await here.authenticate(a.secret)).toMatchObject({ keyId: a.keyId });
    expect(await elsewhere.revoke(tenant.tenantId, a.keyId)).toBe(true);
    now += KEY_CACHE_TTL_MS - 1;
    expect(await here.authenticate(a.secret)).toMatchObject({ keyId: a.keyId }); // within the bound
    expect(await elsewhere.authenticate(a.secret)).toBeUndefined(); // an instance that had not cached it
    now += 1;
    expect(await here.authenticate(a.secret)).toBeUndefined();

    expect(await here.authenticate(b.secret)).toMatchObject({ keyId: b.keyId });
    expect(await here.revoke(tenant.tenantId, b.keyId)).toBe(true);
    expect(await here.authenticate(b.secret)).toBeUndefined();
  });

  it('caches no failure: a key issued after an unknown one was tried works at once', async () => {
    const here = new ApiKeyStore(db, names.apiKeys);
    const tenant = await stores.tenants.create('uncached');
    const secret = `sk_${'A'.repeat(43)}`;
    expect(await here.authenticate(secret)).toBeUndefined();
    await stores.apiKeys.issue(tenant.tenantId, { secret });
    expect(await here.authenticate(secret)).toMatchObject({ tenantId: tenant.tenantId });
  });
});
