import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { assessSnapshot } from '../engine.ts';
import { benchPortfolio } from '../../bench/portfolios.ts';
import type { Stores } from './index.ts';
import { InvalidCursorError } from './assessments.ts';
import { createDynamoClient } from './client.ts';
import { createStores } from './index.ts';
import { StoreUnavailableError } from './errors.ts';
import { tableNames } from './tables.ts';

let stores: Stores;
beforeAll(async () => {
  ({ stores } = await freshStores());
});

const snapshot = (accountId: string) => ({
  accountId,
  asOf: '2026-11-23T12:00:00Z',
  collateral: [{ asset: 'USDC', amount: 10_000 }],
  positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1, entryPrice: 3_000 }],
  market: { ETH: { price: 3_000 }, USDC: { price: 1 } },
});

describe('API keys', () => {
  it('authenticate their tenant only while active, and are stored hashed', async () => {
    const tenant = await stores.tenants.create('Exchange A');
    const key = await stores.apiKeys.issue(tenant.tenantId);
    expect(key.secret).toMatch(/^sk_[0-9A-Za-z]{43}$/);
    expect(await stores.apiKeys.authenticate(key.secret)).toEqual({ tenantId: tenant.tenantId, keyId: key.keyId });
    expect(await stores.apiKeys.authenticate(key.secret.slice(0, -1) + (key.secret.endsWith('a') ? 'b' : 'a'))).toBeUndefined();
    expect(await stores.apiKeys.authenticate('Bearer nonsense')).toBeUndefined();
    expect(await stores.apiKeys.list(tenant.tenantId)).toEqual([expect.objectContaining({ keyId: key.keyId, status: 'active', hint: key.secret.slice(0, 7) })]);
    expect(JSON.stringify(await stores.apiKeys.list(tenant.tenantId))).not.toContain(key.secret);

    const other = await stores.tenants.create('Exchange B');
    expect(await stores.apiKeys.revoke(other.tenantId, key.keyId)).toBe(false);
    expect(await stores.apiKeys.revoke(tenant.tenantId, key.keyId)).toBe(true);
    expect(await stores.apiKeys.authenticate(key.secret)).toBeUndefined();
  });
});

describe('assessments', () => {
  it('record request and answer, read back by id within the tenant only', async () => {
    const request = snapshot('acct-1');
    const assessment = assessSnapshot(request);
    await stores.assessments.record({ tenantId: 'ten_a', createdAt: '2026-11-23T12:00:01Z', request, assessment });
    expect(await stores.assessments.get('ten_a', assessment.id)).toEqual({ tenantId: 'ten_a', createdAt: '2026-11-23T12:00:01Z', request, assessment });
    expect(await stores.assessments.get('ten_b', assessment.id)).toBeUndefined();
  });

  it('store a 5,000-position assessment across several items', async () => {
    const request = { ...benchPortfolio(5_000), accountId: 'acct-big' };
    const assessment = assessSnapshot(request);
    await stores.assessments.record({ tenantId: 'ten_a', createdAt: '2026-11-23T12:00:01Z', request, assessment });
    const back = await stores.assessments.get('ten_a', assessment.id);
    // Compared as JSON, as clients see it (JSON has no −0).
    expect(back?.assessment).toEqual(JSON.parse(JSON.stringify(assessment)));
  });

  it('list an account newest first, a page at a time, with cursors bound to the account', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const request = snapshot('acct-list');
      const assessment = assessSnapshot(request);
      ids.push(assessment.id);
      await stores.assessments.record({ tenantId: 'ten_a', createdAt: new Date().toISOString(), request, assessment });
    }
    const first = await stores.assessments.listByAccount('ten_a', 'acct-list', { limit: 2 });
    const second = await stores.assessments.listByAccount('ten_a', 'acct-list', { limit: 2, cursor: first.nextCursor! });
    const third = await stores.assessments.listByAccount('ten_a', 'acct-list', { limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((s) => s.id)).toEqual([...ids].reverse());
    expect(first.items[0]).toMatchObject({ object: 'assessment_summary', accountId: 'acct-list', tier: 'healthy' });
    expect((await stores.assessments.listByAccount('ten_b', 'acct-list', { limit: 10 })).items).toEqual([]);
    await expect(stores.assessments.listByAccount('ten_b', 'acct-list', { limit: 2, cursor: first.nextCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(stores.assessments.listByAccount('ten_a', 'acct-list', { limit: 2, cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('idempotency', () => {
  const ref = { tenantId: 'ten_a', key: 'k-1', requestHash: 'h1' };

  it('claims once, reports in-flight and mismatched requests, and replays the answer', async () => {
    expect(await stores.idempotency.claim(ref)).toEqual({ state: 'claimed' });
    expect(await stores.idempotency.claim(ref)).toEqual({ state: 'in_progress' });
    expect(await stores.idempotency.claim({ ...ref, requestHash: 'h2' })).toEqual({ state: 'mismatch' });
    await stores.idempotency.complete(ref, { status: 201, assessmentId: 'asm_1' });
    expect(await stores.idempotency.claim(ref)).toEqual({ state: 'completed', response: { status: 201, assessmentId: 'asm_1' } });
  });

  it('releases a failed claim so the retry runs, and takes over a stale one', async () => {
    const r = { ...ref, key: 'k-2' };
    await stores.idempotency.claim(r);
    await stores.idempotency.release(r);
    expect(await stores.idempotency.claim(r)).toEqual({ state: 'claimed' });
    expect(await stores.idempotency.claim(r, new Date(Date.now() + 120_000))).toEqual({ state: 'claimed' });
  });
});

describe('an unreachable database', () => {
  it('is reported as StoreUnavailableError', async () => {
    const dead = createStores(createDynamoClient({ endpoint: 'http://127.0.0.1:9' }), tableNames('x-'));
    await expect(dead.assessments.get('t', 'a')).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
