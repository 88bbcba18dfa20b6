import { beforeAll, describe, expect, it } from 'vitest';
import { keyCaller, tenantCaller } from '../../test/api-calls.ts';
import { freshStores } from '../../test/dynamo.ts';
import { AssessmentSchema } from '../../shared/schemas/assessment.ts';
import type { Stores } from '../../shared/store/index.ts';
import { createApp } from './app.ts';

let stores: Stores;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, logError: () => {} });
});

/** Long 10 ETH perpetual with 6,000 USD (warning at 3,000), and a short call to give the book an option to value. */
const book = (profile = 'default') => ({
  profile,
  collateral: [{ asset: 'USD', amount: 6_000 }],
  positions: [
    { id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 },
    { id: 'call', instrument: { type: 'option', underlying: 'ETH', right: 'call', strike: 3_400, expiry: '2099-12-31T08:00:00Z' }, quantity: -1 },
  ],
});
const market = { ETH: { price: 3_000, volatility: 0.6 } };

/** Everything but the fresh id: an unrecorded assessment and a recorded one of the same book, market and time. */
const withoutId = ({ id: _id, ...rest }: Record<string, unknown>) => rest;

describe('GET /v1/accounts/{accountId}/assessment', () => {
  it('answers the full assessment POST /v1/assessments gives for the same book, market and time', async () => {
    const { call } = await tenantCaller(stores, app, 'read-assessment');
    await call('PUT', '/v1/risk-profiles/tight', { extends: 'default', tiers: { tier1: 1.2, tier2: 1.1, tier3: 1.0 }, targetMarginRatio: 1.4 });
    expect((await call('PUT', '/v1/market', { market })).status).toBe(200);
    for (const profile of ['default', 'standard', 'tight']) {
      const accountId = `acct-${profile}`;
      expect((await call('PUT', `/v1/accounts/${accountId}`, book(profile))).status).toBe(201);
      const read = await call('GET', `/v1/accounts/${accountId}/assessment`);
      expect(read.status).toBe(200);
      const assessment = AssessmentSchema.parse(read.body);
      expect(assessment).toMatchObject({ object: 'assessment', accountId, profile, profileVersion: profile === 'tight' ? 1 : null });
      expect(Date.now() - Date.parse(assessment.asOf)).toBeLessThan(60_000);
      const posted = await call('POST', '/v1/assessments', { accountId, asOf: assessment.asOf, ...book(profile), market });
      expect(posted.status).toBe(201);
      expect(withoutId(read.body)).toEqual(withoutId(posted.body));
      expect(read.body.id).not.toBe(posted.body.id);
    }
  });

  it('records nothing and changes nothing: the account, its assessments and GET /v1/assessments/{id}', async () => {
    const { call } = await tenantCaller(stores, app, 'read-assessment-nothing');
    await call('PUT', '/v1/market', { market });
    await call('PUT', '/v1/accounts/acct-read', { ...book(), positions: book().positions.slice(0, 1) });
    const before = { account: (await call('GET', '/v1/accounts/acct-read')).body, list: (await call('GET', '/v1/accounts/acct-read/assessments')).body };
    const reads = [];
    for (let i = 0; i < 3; i++) reads.push((await call('GET', '/v1/accounts/acct-read/assessment')).body);
    expect(new Set(reads.map((r) => r.id)).size).toBe(3);
    // Long 10 ETH at 3,000 with 6,000 USD: MM = 16% of 30,000 = 4,800, IM = 1.3 × 4,800 (README, "Liquidations").
    expect(reads[0]).toMatchObject({ equity: 6_000, maintenanceMargin: 4_800, initialMargin: 6_240, marginRatio: 1.25, tier: 'warning', liquidation: null });
    expect((await call('GET', '/v1/accounts/acct-read')).body).toEqual(before.account);
    expect((await call('GET', '/v1/accounts/acct-read/assessments')).body).toEqual(before.list);
    expect(await call('GET', `/v1/assessments/${reads[0].id}`)).toMatchObject({ status: 404, body: { code: 'resource_missing' } });
  });

  it('404 for an account that is not registered (or is another tenant’s)', async () => {
    const { call } = await tenantCaller(stores, app, 'read-assessment-404');
    const other = await tenantCaller(stores, app, 'read-assessment-other');
    await other.call('PUT', '/v1/market', { market });
    await other.call('PUT', '/v1/accounts/acct-theirs', book());
    expect((await other.call('GET', '/v1/accounts/acct-theirs/assessment')).status).toBe(200);
    await call('PUT', '/v1/market', { market });
    for (const accountId of ['acct-nobody', 'acct-theirs']) {
      expect(await call('GET', `/v1/accounts/${accountId}/assessment`)).toMatchObject({ status: 404, body: { code: 'resource_missing' } });
    }
    expect(await call('GET', '/v1/accounts/-bad/assessment')).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ field: 'accountId' }] } });
  });

  it('422 account_unassessable naming the field: no market yet, a stale market, an asset the market does not price', async () => {
    const { call } = await tenantCaller(stores, app, 'read-assessment-422');
    await call('PUT', '/v1/accounts/acct-early', book());
    const noMarket = await call('GET', '/v1/accounts/acct-early/assessment');
    expect(noMarket).toMatchObject({ status: 422, body: { code: 'account_unassessable', errors: [{ field: 'market' }] } });
    expect(noMarket.body.detail).toMatch(/no market data/);

    await call('PUT', '/v1/market', { market: { ...market, DOGE: { price: 0.1 } } });
    await call('PUT', '/v1/accounts/acct-doge', { collateral: [{ asset: 'DOGE', amount: 10_000 }], positions: [] });
    expect((await call('GET', '/v1/accounts/acct-doge/assessment')).status).toBe(200);
    expect((await call('GET', '/v1/accounts/acct-early/assessment')).status).toBe(200);
    // The next push no longer prices DOGE: that account cannot be assessed, the other still can.
    await call('PUT', '/v1/market', { market });
    const unpriced = await call('GET', '/v1/accounts/acct-doge/assessment');
    expect(unpriced).toMatchObject({ status: 422, body: { code: 'account_unassessable' } });
    expect(unpriced.body.errors).toEqual([{ field: 'collateral[0].asset', message: 'no market price for "DOGE": add market.DOGE' }]);
    expect((await call('GET', '/v1/accounts/acct-early/assessment')).status).toBe(200);

    const stale = await tenantCaller(stores, app, 'read-assessment-stale');
    await stale.call('PUT', '/v1/market', { market, asOf: new Date(Date.now() - 10 * 60_000).toISOString() });
    await stale.call('PUT', '/v1/accounts/acct-stale', book());
    const refused = await stale.call('GET', '/v1/accounts/acct-stale/assessment');
    expect(refused).toMatchObject({ status: 422, body: { code: 'account_unassessable', errors: [{ field: 'market' }] } });
    expect(refused.body.errors[0].message).toMatch(/older than 300 seconds/);
  });

  it('is a read: a `read` key may call it, a `liquidator` key may not', async () => {
    const { tenantId, call } = await tenantCaller(stores, app, 'read-assessment-scopes');
    await call('PUT', '/v1/market', { market });
    await call('PUT', '/v1/accounts/acct-scoped', book());
    const read = keyCaller(app, (await stores.apiKeys.issue(tenantId, { scope: 'read' })).secret);
    const liquidator = keyCaller(app, (await stores.apiKeys.issue(tenantId, { scope: 'liquidator' })).secret);
    expect(await read('GET', '/v1/accounts/acct-scoped/assessment')).toMatchObject({ status: 200, body: { object: 'assessment', accountId: 'acct-scoped' } });
    expect(await liquidator('GET', '/v1/accounts/acct-scoped/assessment')).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
  });
});
