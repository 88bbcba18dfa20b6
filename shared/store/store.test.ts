import { randomBytes } from 'node:crypto';
import { GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { assessSnapshot } from '../engine.ts';
import { benchPortfolio } from '../../bench/portfolios.ts';
import type { Stores } from './index.ts';
import { InvalidCursorError, recordPartition } from './assessments.ts';
import { createDynamoClient } from './client.ts';
import { createStores } from './index.ts';
import { mergedFirst } from './table-store.ts';
import { ConflictError, StoreUnavailableError } from './errors.ts';
import { tableNames, type TableNames } from './tables.ts';
import { SWEEP_SEGMENTS } from './accounts.ts';
import type { AccountBook } from '../schemas/snapshot.ts';

let stores: Stores;
let db: DynamoDBClient;
let names: TableNames;
beforeAll(async () => {
  ({ stores, db, names } = await freshStores());
});

/** A cursor as a client could forge it: any JSON, base64url. */
const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

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
    expect(await stores.apiKeys.authenticate(key.secret)).toEqual({ tenantId: tenant.tenantId, keyId: key.keyId, scope: 'admin' });
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
    const assessment = await assessSnapshot(request);
    await stores.assessments.record({ tenantId: 'ten_a', createdAt: '2026-11-23T12:00:01Z', request, assessment });
    expect(await stores.assessments.get('ten_a', assessment.id)).toEqual({ tenantId: 'ten_a', createdAt: '2026-11-23T12:00:01Z', request, assessment });
    expect(await stores.assessments.get('ten_b', assessment.id)).toBeUndefined();
  });

  it('spread a tenant\'s records over its partitions, and still read and list those stored before (under the tenant alone)', async () => {
    const tenantId = 'ten_spread';
    const ids: string[] = [];
    for (let n = 0; n < 24; n++) {
      const request = snapshot('acct-spread');
      const assessment = await assessSnapshot(request);
      ids.push(assessment.id);
      const record = { tenantId, createdAt: '2026-11-23T12:00:01Z', request, assessment };
      if (n % 6 === 5) {
        // As written before the partitions: the tenant's id as the partition key.
        const [main] = stores.assessments.recordItems(record);
        await db.send(new PutItemCommand({ TableName: names.assessments, Item: { ...main!.Put!.Item, tenantId: { S: tenantId } } }));
      } else {
        await stores.assessments.record(record);
      }
    }
    const partitions = new Set<string>();
    for (const [n, id] of ids.entries()) {
      const expected = n % 6 === 5 ? tenantId : recordPartition(tenantId, id);
      const { Item } = await db.send(new GetItemCommand({ TableName: names.assessments, Key: { tenantId: { S: expected }, recordKey: { S: id } } }));
      expect(Item, id).toBeDefined();
      partitions.add(expected);
      expect((await stores.assessments.get(tenantId, id))?.assessment.id).toBe(id);
      expect(await stores.assessments.get('ten_other', id)).toBeUndefined();
    }
    expect(partitions.size).toBeGreaterThan(8);
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stores.assessments.listByAccount(tenantId, 'acct-spread', { limit: 5, ...(cursor ? { cursor } : {}) });
      listed.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(listed).toEqual([...ids].reverse());
    // A cursor is bound to the tenant's own partitions.
    const key = { tenantId: { S: `ten_other#3` }, recordKey: { S: ids[3]! }, accountKey: { S: `${tenantId}#acct-spread` }, assessmentId: { S: ids[3]! } };
    await expect(stores.assessments.listByAccount(tenantId, 'acct-spread', { limit: 5, cursor: forged(key) })).rejects.toBeInstanceOf(InvalidCursorError);
    const own = { ...key, tenantId: { S: recordPartition(tenantId, ids[3]!) } };
    expect((await stores.assessments.listByAccount(tenantId, 'acct-spread', { limit: 50, cursor: forged(own) })).items.map((i) => i.id)).toEqual(ids.slice(0, 3).reverse());
  });

  it('store a 5,000-position assessment across several items', async () => {
    const request = { ...benchPortfolio(5_000), accountId: 'acct-big' };
    const assessment = await assessSnapshot(request);
    await stores.assessments.record({ tenantId: 'ten_a', createdAt: '2026-11-23T12:00:01Z', request, assessment });
    const back = await stores.assessments.get('ten_a', assessment.id);
    // Compared as JSON, as clients see it (JSON has no −0).
    expect(back?.assessment).toEqual(JSON.parse(JSON.stringify(assessment)));
  });

  it('list an account newest first, a page at a time, with cursors bound to the account', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const request = snapshot('acct-list');
      const assessment = await assessSnapshot(request);
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

describe('listings', () => {
  const book: AccountBook = { collateral: [{ asset: 'USDC', amount: 1 }], positions: [], profile: 'default' };
  const ids = (page: { items: { accountId: string }[] }) => page.items.map((a) => a.accountId);

  it('promise a next page only when an item is left for it, by tenant and by tier', async () => {
    for (const [n, tier] of [[1, 'healthy'], [2, null], [3, 'healthy'], [4, null]] as const) await stores.accounts.put('ten_pages', `a${n}`, book, null, tier);

    const all = await stores.accounts.list('ten_pages', { limit: 4 });
    expect([ids(all), all.nextCursor]).toEqual([['a1', 'a2', 'a3', 'a4'], null]);
    const first = await stores.accounts.list('ten_pages', { limit: 2 });
    const last = await stores.accounts.list('ten_pages', { limit: 2, cursor: first.nextCursor! });
    expect([ids(first), ids(last), last.nextCursor]).toEqual([['a1', 'a2'], ['a3', 'a4'], null]);

    const healthy = await stores.accounts.list('ten_pages', { tier: 'healthy', limit: 2 });
    expect([ids(healthy), healthy.nextCursor]).toEqual([['a1', 'a3'], null]);
    const one = await stores.accounts.list('ten_pages', { tier: 'healthy', limit: 1 });
    const two = await stores.accounts.list('ten_pages', { tier: 'healthy', limit: 1, cursor: one.nextCursor! });
    expect([ids(one), ids(two), two.nextCursor]).toEqual([['a1'], ['a3'], null]);
  });

  it('read each partition only as far as the merge needs, and page through every account once, in order', async () => {
    const all = Array.from({ length: 160 }, (_, n) => `acct-${String(n).padStart(3, '0')}`);
    for (let i = 0; i < all.length; i += 32) await Promise.all(all.slice(i, i + 32).map((id) => stores.accounts.put('ten_merge', id, book, null, 'healthy')));
    // Items the table returns to queries on this store's client.
    const counting = createDynamoClient({ endpoint: inject('dynamoEndpoint') });
    let read = 0;
    counting.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        read += ((out.output as { Items?: unknown[] }).Items ?? []).length;
        return out;
      },
      { step: 'initialize' },
    );
    const counted = createStores(counting, names);

    const first = await counted.accounts.list('ten_merge', { limit: 10 });
    expect(ids(first)).toEqual(all.slice(0, 10));
    // 16 partitions of about 10 accounts each: a few from each (4 for a page of 10), not the page's 11 from every one.
    expect(read).toBeLessThanOrEqual(16 * 4 + 11);

    for (const tier of [undefined, 'healthy'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await counted.accounts.list('ten_merge', { tier, limit: 25, ...(cursor ? { cursor } : {}) });
        seen.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all);
    }
  });

  it('merge partitions in order even when a query page comes back empty with more to read', async () => {
    // A filter applies after DynamoDB's Limit: pages whose items all fail it return none, with a LastEvaluatedKey.
    const query = (key: string) => ({
      TableName: names.accounts,
      KeyConditionExpression: 'tenantId = :k',
      FilterExpression: 'attribute_exists(keep)',
      ExpressionAttributeValues: { ':k': { S: key } },
      ConsistentRead: true,
    });
    const keys = ['mf#0', 'mf#1', 'mf#2'];
    // Partition 0: a000…a099, of which only a000 and a030 pass the filter, so the pages between come back empty;
    // partitions 1 and 2: b000…b009 and c000…c009, all passing, all after a030.
    const items = [
      ...Array.from({ length: 100 }, (_, n) => ({ key: 'mf#0', id: `a${String(n).padStart(3, '0')}`, keep: n === 0 || n === 30 })),
      ...Array.from({ length: 10 }, (_, n) => ({ key: 'mf#1', id: `b${String(n).padStart(3, '0')}`, keep: true })),
      ...Array.from({ length: 10 }, (_, n) => ({ key: 'mf#2', id: `c${String(n).padStart(3, '0')}`, keep: true })),
    ];
    for (const { key, id, keep } of items) {
      await db.send(new PutItemCommand({ TableName: names.accounts, Item: { tenantId: { S: key }, accountId: { S: id }, ...(keep ? { keep: { BOOL: true } } : {}) } }));
    }
    const kept = items.filter((i) => i.keep).map((i) => i.id);
    const ids = async (count: number) => (await mergedFirst(db, keys.map(query), 'accountId', count)).map((i) => i['accountId']!.S);
    expect(await ids(kept.length)).toEqual(kept);
    for (const count of [3, 7]) expect(await ids(count)).toEqual(kept.slice(0, count));
    expect(kept.slice(0, 3)).toEqual(['a000', 'a030', 'b000']);
  });

  it("end an account's assessments on its last page", async () => {
    for (let i = 0; i < 4; i++) {
      const request = snapshot('acct-exact');
      await stores.assessments.record({ tenantId: 'ten_a', createdAt: new Date().toISOString(), request, assessment: await assessSnapshot(request) });
    }
    expect((await stores.assessments.listByAccount('ten_a', 'acct-exact', { limit: 4 })).nextCursor).toBeNull();
    const first = await stores.assessments.listByAccount('ten_a', 'acct-exact', { limit: 2 });
    const last = await stores.assessments.listByAccount('ten_a', 'acct-exact', { limit: 2, cursor: first.nextCursor! });
    expect([first.items.length, last.items.length, last.nextCursor]).toEqual([2, 2, null]);
  });

  it('refuse a tampered cursor as InvalidCursorError before DynamoDB sees it', async () => {
    await stores.accounts.put('ten_cur', 'a1', book, null, 'healthy');
    const t = { S: 'ten_cur' };
    for (const key of [
      { tenantId: t },
      { tenantId: t, accountId: { S: 'a1' }, extra: { S: 'x' } },
      { tenantId: t, accountId: { N: '1' } },
      { tenantId: t, accountId: { S: '' } },
      { tenantId: t, accountId: 5 },
      { tenantId: t, accountId: { S: 'a1', N: '1' } },
      { tenantId: t, accountId: { S: 'a'.repeat(1100) } },
      { tenantId: t, accountId: { S: '\ud800' } },
      { tenantId: { S: 'ten_other' }, accountId: { S: 'a1' } },
      { tenantId: t, accountId: { S: 'a1' }, tierKey: { S: 'ten_cur#healthy' } },
      ['tenantId'],
    ]) {
      await expect(stores.accounts.list('ten_cur', { limit: 1, cursor: forged(key) }), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidCursorError);
    }
    await expect(stores.accounts.list('ten_cur', { tier: 'healthy', limit: 1, cursor: forged({ tenantId: t, accountId: { S: 'a1' } }) })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(stores.accounts.list('ten_cur', { tier: 'healthy', limit: 1, cursor: forged({ tenantId: t, accountId: { S: 'a1' }, tierKey: { S: 'ten_cur#tier1' } }) })).rejects.toBeInstanceOf(InvalidCursorError);

    const key = { tenantId: t, recordKey: { S: 'asm_1' }, accountKey: { S: 'ten_cur#a1' }, assessmentId: { S: 'asm_1' } };
    expect((await stores.assessments.listByAccount('ten_cur', 'a1', { limit: 1, cursor: forged(key) })).items).toEqual([]);
    for (const bad of [{ ...key, recordKey: { S: '' } }, { ...key, assessmentId: { N: '1' } }, { ...key, accountKey: { S: 'ten_cur#a2' } }]) {
      await expect(stores.assessments.listByAccount('ten_cur', 'a1', { limit: 1, cursor: forged(bad) }), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidCursorError);
    }
  });
});

describe('a large account book', () => {
  /** 5,000 options with 128-character random ids: ~1.9 MB of JSON, ~0.6 MB compressed, more than one item holds. */
  const bigBook = (): AccountBook => ({
    collateral: [{ asset: 'USDC', amount: 1_000_000 }],
    positions: Array.from({ length: 5_000 }, (_, i) => ({
      id: `p${randomBytes(96).toString('base64url').slice(1)}`,
      instrument: { type: 'option' as const, underlying: 'BTC', right: i % 2 ? ('call' as const) : ('put' as const), strike: 50_000 + i * 10, expiry: '2026-12-25T08:00:00Z' },
      quantity: 1,
      entryPrice: 90,
      markPrice: 100,
      impliedVolatility: 0.55,
    })),
    profile: 'default',
  });
  const small: AccountBook = { collateral: [{ asset: 'USDC', amount: 1 }], positions: [], profile: 'default' };
  /** How many overflow items the tenant's books have: none may outlive the book it belongs to. */
  const overflowItems = async (tenantId: string) =>
    (await db.send(new QueryCommand({ TableName: names.accounts, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: `${tenantId}#book` } }, Select: 'COUNT', ConsistentRead: true }))).Count;

  it('is stored across items, read back whole by get, list and sweeps, and replaced and deleted with its parts', async () => {
    const book = bigBook();
    expect(JSON.stringify(book).length).toBeGreaterThan(1_500_000);
    await stores.accounts.put('ten_big', 'acct-big', book, null, 'healthy');
    expect((await stores.accounts.get('ten_big', 'acct-big'))?.book).toEqual(book);
    expect((await stores.accounts.list('ten_big', { limit: 10 })).items.map((a) => a.book)).toEqual([book]);
    expect((await stores.accounts.list('ten_big', { tier: 'healthy', limit: 10 })).items.map((a) => a.book)).toEqual([book]);
    const swept = [];
    for (let s = 0; s < SWEEP_SEGMENTS; s++) for await (const a of stores.accounts.segment('ten_big', s)) swept.push(a.book);
    expect(swept).toEqual([book]);
    const parts = await overflowItems('ten_big');
    expect(parts).toBeGreaterThan(0);

    const next = bigBook();
    const before = (await stores.accounts.get('ten_big', 'acct-big'))!.version;
    const { account } = await stores.accounts.put('ten_big', 'acct-big', next, null, null);
    expect(account.version).toBe(before + 1);
    expect((await stores.accounts.get('ten_big', 'acct-big'))?.book).toEqual(next);
    expect(await overflowItems('ten_big')).toBe(parts);

    await stores.accounts.put('ten_big', 'acct-big', small, null, null);
    expect((await stores.accounts.get('ten_big', 'acct-big'))?.book).toEqual(small);
    expect(await overflowItems('ten_big')).toBe(0);

    await stores.accounts.put('ten_big', 'acct-big', bigBook(), null, null);
    expect(await stores.accounts.delete('ten_big', 'acct-big')).toBe(true);
    expect(await stores.accounts.get('ten_big', 'acct-big')).toBeUndefined();
    expect(await overflowItems('ten_big')).toBe(0);
    expect(await stores.accounts.delete('ten_big', 'acct-big')).toBe(false);
  });

  it('written concurrently: each write wins whole or answers ConflictError, and leaves no stray parts', async () => {
    const books = [bigBook(), bigBook(), bigBook(), bigBook()];
    const outcomes = await Promise.allSettled(books.map((b) => stores.accounts.put('ten_race', 'acct-race', b, null, null)));
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ConflictError);
    const stored = await stores.accounts.get('ten_race', 'acct-race');
    expect(books).toContainEqual(stored?.book);
    const one = await overflowItems('ten_race');
    await stores.accounts.put('ten_race', 'acct-race', bigBook(), null, null);
    expect(await overflowItems('ten_race')).toBe(one);
  });
});

describe('a late registration after the account was deleted and registered again', () => {
  // (A late delete re-reads on conflict and deletes what is there, parts included: DELETE means the account as it is.)
  it('cannot overwrite the new account: versions never repeat across registrations', async () => {
    // The late writer reads the first account, then waits while it is deleted and registered again.
    let resume!: () => void;
    let paused!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    const reading = new Promise<void>((r) => (paused = r));
    let armed = true;
    const slow = Object.assign(Object.create(db) as DynamoDBClient, {
      send: async (command: Parameters<DynamoDBClient['send']>[0]) => {
        const result = await db.send(command as never);
        if (armed && command instanceof GetItemCommand) {
          armed = false;
          paused();
          await gate;
        }
        return result;
      },
    });
    const late = createStores(slow, names);
    const [tenant, id] = ['ten_aba', 'acct-aba'];
    const first: AccountBook = { collateral: [{ asset: 'USDC', amount: 1 }], positions: [], profile: 'default' };
    const second: AccountBook = { collateral: [{ asset: 'USDC', amount: 2 }], positions: [], profile: 'default' };
    await stores.accounts.put(tenant, id, first, null, null, new Date(Date.now() - 60_000));
    const pending = late.accounts.put(tenant, id, first, null, null);
    await reading;
    await stores.accounts.delete(tenant, id);
    await stores.accounts.put(tenant, id, second, null, null);
    resume();
    await expect(pending).rejects.toBeInstanceOf(ConflictError);
    expect((await stores.accounts.get(tenant, id))?.book).toEqual(second);
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
