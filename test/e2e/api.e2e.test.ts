/**
 * End to end: the real local server (`npm start`'s startLocalServer) on a free port, over
 * the run's DynamoDB Local, driven over HTTP only through the generated client
 * (openapi/client), so the committed OpenAPI document is checked against the live API.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSoftlandClient, type components } from '../../openapi/client/index.ts';
import { useTestServer } from '../local-server.ts';

type Snapshot = components['schemas']['Snapshot'];
type AccountBook = components['schemas']['AccountBook'];

const tier1 = JSON.parse(readFileSync(new URL('../../examples/tier1-perpetuals.json', import.meta.url), 'utf8')) as Snapshot;
/** A cursor as a client could forge it: any JSON, base64url. */
const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** The example under another account, so each test reads only its own records. */
const forAccount = (accountId: string): Snapshot => ({ ...tier1, accountId });

const { server, admin: softland } = useTestServer('e2e');

describe('the local server over HTTP, through the generated client', () => {
  it('assesses the tier1 example (201, a liquidation plan) and reads it back by id', async () => {
    const created = await softland.POST('/v1/assessments', { body: tier1 });
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('X-Request-Id')).toMatch(/^req_/);
    const assessment = created.data!;
    expect(assessment).toMatchObject({ object: 'assessment', accountId: 'acct-perp-trader', tier: 'tier1' });
    expect(assessment.id).toMatch(/^asm_[0-9A-Z]{26}$/);
    expect(created.response.headers.get('Location')).toBe(`/v1/assessments/${assessment.id}`);
    expect(assessment.liquidation).not.toBeNull();
    expect(assessment.liquidation!.steps.length).toBeGreaterThan(0);
    expect(assessment.liquidation!.after.marginRatio).toBeGreaterThan(assessment.marginRatio!);

    const read = await softland.GET('/v1/assessments/{id}', { params: { path: { id: assessment.id } } });
    expect(read.response.status).toBe(200);
    expect(read.data).toEqual(assessment);
  });

  it("lists an account's assessments newest first, one per page, following nextCursor", async () => {
    const accountId = `acct-e2e-pages-${randomBytes(3).toString('hex')}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { data, response } = await softland.POST('/v1/assessments', { body: forAccount(accountId) });
      expect(response.status).toBe(201);
      ids.push(data!.id);
    }

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const { data, response } = await softland.GET('/v1/accounts/{accountId}/assessments', {
        params: { path: { accountId }, query: { limit: 1, ...(cursor ? { cursor } : {}) } },
      });
      expect(response.status).toBe(200);
      expect(data!.object).toBe('list');
      // No empty page after the last one: a next page is promised only when an item is left.
      expect(data!.data.length).toBe(1);
      for (const summary of data!.data) {
        expect(summary).toMatchObject({ object: 'assessment_summary', accountId, tier: 'tier1' });
        seen.push(summary.id);
      }
      expect(data!.hasMore).toBe(data!.nextCursor !== null);
      if (data!.nextCursor === null) break;
      cursor = data!.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('answers a 400 problem naming every failing field', async () => {
    const bad = { ...tier1, market: { ...tier1.market, BTC: { price: -1 } } };
    const { data, error, response } = await softland.POST('/v1/assessments', { body: bad });
    expect(data).toBeUndefined();
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', instance: '/v1/assessments', requestId: response.headers.get('X-Request-Id') });
    expect(error!.errors!.map((e) => e.field)).toContain('market.BTC.price');

    const page = await softland.GET('/v1/accounts/{accountId}/assessments', { params: { path: { accountId: 'acct-perp-trader' }, query: { limit: 500 } } });
    expect(page.response.status).toBe(400);
    expect(page.error!.errors!.map((e) => e.field)).toEqual(['limit']);
  });

  it('refuses an unknown key with 401', async () => {
    const stranger = createSoftlandClient({ baseUrl: server.url, apiKey: `sk_${'x'.repeat(43)}` });
    const { data, error, response } = await stranger.GET('/v1/accounts/{accountId}/assessments', { params: { path: { accountId: 'acct-perp-trader' } } });
    expect(data).toBeUndefined();
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('replays an Idempotency-Key: the same assessment, recorded once', async () => {
    const accountId = `acct-e2e-idem-${randomBytes(3).toString('hex')}`;
    const headers = { 'Idempotency-Key': `order-${randomBytes(6).toString('hex')}` };
    const first = await softland.POST('/v1/assessments', { body: forAccount(accountId), headers });
    const second = await softland.POST('/v1/assessments', { body: forAccount(accountId), headers });
    expect(first.response.status).toBe(201);
    expect(second.response.status).toBe(201);
    expect(second.response.headers.get('Idempotent-Replayed')).toBe('true');
    expect(second.data!.id).toBe(first.data!.id);
    expect(second.data).toEqual(first.data);

    const list = await softland.GET('/v1/accounts/{accountId}/assessments', { params: { path: { accountId } } });
    expect(list.data!.data.map((s) => s.id)).toEqual([first.data!.id]);
  });

  it('refuses a tampered cursor with 400 invalid_request naming cursor, never a 5xx', async () => {
    const t = { S: server.tenantId };
    const accountCursors = [
      { tenantId: t },
      { tenantId: t, accountId: { S: 'a' }, extra: { S: 'x' } },
      { tenantId: t, accountId: { N: '1' } },
      { tenantId: t, accountId: { S: '' } },
      { tenantId: t, accountId: 5 },
    ];
    for (const key of accountCursors) {
      const { error, response } = await softland.GET('/v1/accounts', { params: { query: { cursor: forged(key) } } });
      expectCursorProblem(response, error, key);
    }
    const accountId = 'acct-perp-trader';
    const key = { tenantId: t, recordKey: { S: '' }, accountKey: { S: `${server.tenantId}#${accountId}` }, assessmentId: { S: 'asm_1' } };
    const { error, response } = await softland.GET('/v1/accounts/{accountId}/assessments', { params: { path: { accountId }, query: { cursor: forged(key) } } });
    expectCursorProblem(response, error, key);
  });

  it('ends the account listing on its last page: hasMore only when an item is left', async () => {
    const book: AccountBook = { collateral: [{ asset: 'USDC', amount: 1 }], positions: [], profile: 'default' };
    for (const n of [1, 2, 3]) {
      const put = await softland.PUT('/v1/accounts/{accountId}', { params: { path: { accountId: `acct-e2e-list-${n}` } }, body: book });
      expect(put.response.status).toBeLessThan(300);
    }
    const all = (await softland.GET('/v1/accounts', { params: { query: { limit: 100 } } })).data!;
    expect(all.data.length).toBeGreaterThanOrEqual(3);
    expect(all.data.length).toBeLessThan(100);
    expect([all.hasMore, all.nextCursor]).toEqual([false, null]);
    const exact = (await softland.GET('/v1/accounts', { params: { query: { limit: all.data.length } } })).data!;
    expect([exact.data.length, exact.hasMore, exact.nextCursor]).toEqual([all.data.length, false, null]);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < all.data.length; page++) {
      const { data } = await softland.GET('/v1/accounts', { params: { query: { limit: 1, ...(cursor ? { cursor } : {}) } } });
      expect(data!.data.length).toBe(1);
      seen.push(data!.data[0]!.accountId);
      expect(data!.hasMore).toBe(page < all.data.length - 1);
      cursor = data!.nextCursor ?? undefined;
    }
    expect(seen).toEqual(all.data.map((a) => a.accountId));
  });

  it('registers a 5,000-option book with 128-character ids (~1.9 MB), more than one DynamoDB item holds', async () => {
    const book: AccountBook = {
      collateral: [{ asset: 'USDC', amount: 1_000_000 }],
      positions: Array.from({ length: 5_000 }, (_, i) => ({
        id: `p${randomBytes(96).toString('base64url').slice(1)}`,
        instrument: { type: 'option', underlying: 'BTC', right: i % 2 ? 'call' : 'put', strike: 50_000 + i * 10, expiry: '2026-12-25T08:00:00Z' },
        quantity: 1,
        entryPrice: 90,
        markPrice: 100,
        impliedVolatility: 0.55,
      })),
      profile: 'default',
    };
    expect(JSON.stringify(book).length).toBeGreaterThan(1_500_000);
    const accountId = `acct-e2e-big-${randomBytes(3).toString('hex')}`;
    const put = await softland.PUT('/v1/accounts/{accountId}', { params: { path: { accountId } }, body: book });
    expect(put.response.status).toBe(201);
    const read = await softland.GET('/v1/accounts/{accountId}', { params: { path: { accountId } } });
    expect(read.data).toMatchObject({ accountId, positions: book.positions, collateral: book.collateral });
    const deleted = await softland.DELETE('/v1/accounts/{accountId}', { params: { path: { accountId } } });
    expect(deleted.response.status).toBe(200);
  });
});

function expectCursorProblem(response: Response, error: unknown, key: unknown) {
  expect(response.status, JSON.stringify(key)).toBe(400);
  expect(response.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
  expect(error).toMatchObject({ code: 'invalid_request', errors: [{ field: 'cursor' }] });
}
