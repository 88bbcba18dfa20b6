import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyCaller, sweepAndWait, sweepDone, tenantCaller, type ApiCall } from '../../test/api-calls.ts';
import { freshStores } from '../../test/dynamo.ts';
import { nextTierPrice } from '../../shared/risk/next-tier-price.ts';
import { AccountSchema, LiquidationLadderSchema, RiskSummarySchema } from './schemas/accounts.ts';
import { AssessmentSchema } from '../../shared/schemas/assessment.ts';
import type { Stores } from '../../shared/store/index.ts';
import type { TableNames } from '../../shared/store/tables.ts';
import { createApp } from './app.ts';
import { accountPartition } from '../../shared/store/account-partitions.ts';

let stores: Stores;
let db: DynamoDBClient;
let names: TableNames;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ({ stores, db, names } = await freshStores());
  app = createApp({ stores, logError: () => {} });
});

/** Long 10 ETH perpetuals bought at 3,000 with `cash` USD: at 3,000 equity = cash, MM = 4,800, IM = 6,240. */
const ethLong = (cash: number) => ({
  profile: 'default',
  collateral: [{ asset: 'USD', amount: cash }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
});
const market = { ETH: { price: 3_000 } };

/** Pushes the market and waits for the re-assessment it starts. */
async function pushMarket(call: ApiCall, body: unknown = { market }) {
  const push = await call('PUT', '/v1/market', body);
  expect(push.status).toBe(200);
  if (push.body.reassessment) await sweepDone(call, push.body.reassessment.sweepId);
}

describe('GET /v1/risk-summary', () => {
  it('counts the tenant\'s accounts per reported tier, as the tier listings list them, and those not assessed', async () => {
    const { call } = await tenantCaller(stores, app, 'risk-summary');
    const zeros = { healthy: 0, warning: 0, tier1: 0, tier2: 0, tier3: 0, insolvent: 0 };
    expect((await call('GET', '/v1/risk-summary')).body).toMatchObject({ object: 'risk_summary', accounts: 0, tiers: zeros, unassessed: 0 });

    await pushMarket(call);
    // Ratios at 3,000: 10,000 / 4,800 healthy; 6,000 warning; 4,900 → 1.021 tier1; 4,850 → 1.010 tier2; 4,700 → 0.979 tier3; bad debt.
    const books: Record<string, unknown> = {
      'acct-healthy-1': ethLong(10_000),
      'acct-healthy-2': ethLong(12_000),
      'acct-warning': ethLong(6_000),
      'acct-tier1': ethLong(4_900),
      'acct-tier2': ethLong(4_850),
      'acct-tier3': ethLong(4_700),
      'acct-insolvent': ethLong(-100),
      // Collateral the market does not price: registered, never assessed.
      'acct-doge': { collateral: [{ asset: 'DOGE', amount: 1_000 }], positions: [] },
    };
    for (const [accountId, book] of Object.entries(books)) expect((await call('PUT', `/v1/accounts/${accountId}`, book)).status).toBe(201);

    const before = Date.now();
    const summary = await call('GET', '/v1/risk-summary');
    expect(summary.status).toBe(200);
    const body = RiskSummarySchema.parse(summary.body);
    expect(body).toEqual({
      object: 'risk_summary',
      accounts: 8,
      tiers: { healthy: 2, warning: 1, tier1: 1, tier2: 1, tier3: 1, insolvent: 1 },
      unassessed: 1,
      asOf: expect.any(String),
    });
    expect(Math.abs(Date.parse(body.asOf) - before)).toBeLessThan(60_000);
    for (const [tier, n] of Object.entries(body.tiers)) expect((await call('GET', `/v1/accounts?tier=${tier}&limit=100`)).body.data).toHaveLength(n);

    // Another tenant sees only its own.
    const other = await tenantCaller(stores, app, 'risk-summary-other');
    expect((await other.call('GET', '/v1/risk-summary')).body).toMatchObject({ accounts: 0, tiers: zeros, unassessed: 0 });
  });

  it('takes no parameter; a `read` key may call it, a `liquidator` key may not', async () => {
    const { tenantId, call } = await tenantCaller(stores, app, 'risk-summary-scopes');
    expect(await call('GET', '/v1/risk-summary?tier=tier1')).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ field: 'tier' }] } });
    const read = keyCaller(app, (await stores.apiKeys.issue(tenantId, { scope: 'read' })).secret);
    const liquidator = keyCaller(app, (await stores.apiKeys.issue(tenantId, { scope: 'liquidator' })).secret);
    expect(await read('GET', '/v1/risk-summary')).toMatchObject({ status: 200, body: { object: 'risk_summary' } });
    expect(await liquidator('GET', '/v1/risk-summary')).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
  });
});

describe('GET /v1/accounts/{accountId}/ladder', () => {
  it('answers the ladder of the account as GET …/assessment assesses it now: the middle point is its figures, the tier1 price where the ratio crosses 1.05', async () => {
    const { call } = await tenantCaller(stores, app, 'ladder');
    await pushMarket(call);
    await call('PUT', '/v1/accounts/acct-eth', ethLong(6_000));
    const ladder = await call('GET', '/v1/accounts/acct-eth/ladder');
    expect(ladder.status).toBe(200);
    const body = LiquidationLadderSchema.parse(ladder.body);
    const assessment = AssessmentSchema.parse((await call('GET', '/v1/accounts/acct-eth/assessment')).body);
    expect(body).toMatchObject({ object: 'liquidation_ladder', accountId: 'acct-eth', tier: 'warning', marginRatio: 1.25, thresholds: { tier1: 1.05, tier2: 1.02, tier3: 1.0 } });
    expect(Date.now() - Date.parse(body.asOf)).toBeLessThan(60_000);
    const eth = body.underlyings['ETH']!;
    expect(Object.keys(body.underlyings)).toEqual(['ETH']);
    expect(eth.points).toHaveLength(41);
    expect(eth.points[0]!.price).toBeCloseTo(2_100, 9);
    expect(eth.points[40]!.price).toBeCloseTo(3_900, 9);
    // A book without options: the same figures whatever the moment of each call.
    expect(eth.liquidationPrices).toEqual(assessment.liquidationPrices['ETH']);
    expect(eth.points[20]).toEqual({ price: 3_000, move: 0, equity: assessment.equity, maintenanceMargin: assessment.maintenanceMargin, marginRatio: assessment.marginRatio, tier: assessment.tier });
    const tier1 = eth.liquidationPrices.down.tier1!;
    const i = eth.points.findIndex((p) => p.price > tier1);
    // The point below it is in tier1 or worse (2,865: tier2), the one above it is not.
    expect(eth.points[i - 1]!.marginRatio!).toBeLessThan(1.05);
    expect(eth.points[i - 1]!.tier).toBe('tier2');
    expect(eth.points[i]!.marginRatio!).toBeGreaterThanOrEqual(1.05);
    expect(eth.points[i]!.tier).toBe('warning');

    const fine = await call('GET', '/v1/accounts/acct-eth/ladder?points=5&range=0.1');
    expect(fine.status).toBe(200);
    expect(fine.body.underlyings.ETH.points.map((p: { price: number }) => p.price)).toEqual([2_700, 2_850, 3_000, 3_150, 3_300].map((p) => expect.closeTo(p, 9)));
    expect(fine.body.underlyings.ETH.points.map((p: { move: number }) => p.move)).toEqual([-0.1, -0.05, 0, 0.05, 0.1]);
  });

  it('uses the account\'s profile: its thresholds and tiers', async () => {
    const { call } = await tenantCaller(stores, app, 'ladder-profile');
    await call('PUT', '/v1/risk-profiles/tight', { extends: 'default', tiers: { tier1: 1.3, tier2: 1.1, tier3: 1.0 }, targetMarginRatio: 1.4 });
    await pushMarket(call);
    await call('PUT', '/v1/accounts/acct-tight', { ...ethLong(6_000), profile: 'tight' });
    const body = (await call('GET', '/v1/accounts/acct-tight/ladder?points=3&range=0.01')).body;
    // 6,000 / 4,800 = 1.25: tier1 under `tight`.
    expect(body).toMatchObject({ tier: 'tier1', thresholds: { tier1: 1.3, tier2: 1.1, tier3: 1.0 } });
    expect(body.underlyings.ETH.points[1].tier).toBe('tier1');
  });

  it('400 for a grid it does not draw, naming the parameter; 404 for an account that is not registered', async () => {
    const { call } = await tenantCaller(stores, app, 'ladder-400');
    await pushMarket(call);
    await call('PUT', '/v1/accounts/acct-eth', ethLong(6_000));
    for (const [query, field] of [
      ['points=4', 'points'],
      ['points=1', 'points'],
      ['points=203', 'points'],
      ['points=0x29', 'points'],
      ['points=41.0', 'points'],
      ['range=0', 'range'],
      ['range=0.95', 'range'],
      ['range=1e-1', 'range'],
      ['range=.3', 'range'],
      ['range=-0.1', 'range'],
      ['steps=9', 'steps'],
    ]) {
      expect(await call('GET', `/v1/accounts/acct-eth/ladder?${query}`), query).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ field }] } });
    }
    expect((await call('GET', '/v1/accounts/acct-eth/ladder?points=201&range=0.9')).status).toBe(200);
    expect((await call('GET', '/v1/accounts/acct-eth/ladder?points=3&range=0.01')).status).toBe(200);
    expect(await call('GET', '/v1/accounts/acct-nobody/ladder')).toMatchObject({ status: 404, body: { code: 'resource_missing' } });
    expect(await call('GET', '/v1/accounts/-bad/ladder')).toMatchObject({ status: 400, body: { errors: [{ field: 'accountId' }] } });
  });

  it('422 account_unassessable as GET …/assessment: no market yet, an asset the market does not price', async () => {
    const { call } = await tenantCaller(stores, app, 'ladder-422');
    await call('PUT', '/v1/accounts/acct-early', ethLong(6_000));
    const noMarket = await call('GET', '/v1/accounts/acct-early/ladder');
    expect(noMarket).toMatchObject({ status: 422, body: { code: 'account_unassessable', errors: [{ field: 'market' }] } });
    expect(noMarket.body.errors).toEqual((await call('GET', '/v1/accounts/acct-early/assessment')).body.errors);
    await pushMarket(call);
    await call('PUT', '/v1/accounts/acct-doge', { collateral: [{ asset: 'DOGE', amount: 1_000 }], positions: [] });
    const unpriced = await call('GET', '/v1/accounts/acct-doge/ladder');
    expect(unpriced).toMatchObject({ status: 422, body: { code: 'account_unassessable' } });
    expect(unpriced.body.errors).toEqual([{ field: 'collateral[0].asset', message: 'no market price for "DOGE": add market.DOGE' }]);
  });

  it('is a read: a `read` key may call it, a `liquidator` key may not', async () => {
    const { tenantId, call } = await tenantCaller(stores, app, 'ladder-scopes');
    await pushMarket(call);
    await call('PUT', '/v1/accounts/acct-eth', ethLong(6_000));
    const read = keyCaller(app, (await stores.apiKeys.issue(tenantId, { scope: 'read' })).secret);
    const liquidator = keyCaller(app, (await stores.apiKeys.issue(tenantId, { scope: 'liquidator' })).secret);
    expect(await read('GET', '/v1/accounts/acct-eth/ladder')).toMatchObject({ status: 200, body: { object: 'liquidation_ladder' } });
    expect(await liquidator('GET', '/v1/accounts/acct-eth/ladder')).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
  });
});

describe('the account\'s lastAssessment: collateralTopUp and nextTierPrice', () => {
  it('carries the assessment\'s top-up and the nearest price of the next liquidation level', async () => {
    const { call } = await tenantCaller(stores, app, 'summary-figures');
    await pushMarket(call);
    // Warning: equity(P) = 10P − 24,000 against MM 1.6P: tier1 below 24,000 / 8.32; no top-up (ratio 1.25 ≥ 1.10).
    const warning = AccountSchema.parse((await call('PUT', '/v1/accounts/acct-warning', ethLong(6_000))).body);
    expect(warning.lastAssessment).toMatchObject({ tier: 'warning', collateralTopUp: 0, nextTierPrice: { underlying: 'ETH', tier: 'tier1' } });
    expect(warning.lastAssessment!.nextTierPrice!.price).toBeCloseTo(24_000 / 8.32, 5);
    expect(warning.lastAssessment!.nextTierPrice!.move).toBeCloseTo(24_000 / 8.32 / 3_000 - 1, 9);
    // Tier1: equity(P) = 10P − 25,100: tier3 below 25,100 / 8.4; top-up 1.1 × 4,800 − 4,900 = 380.
    const tier1 = AccountSchema.parse((await call('PUT', '/v1/accounts/acct-tier1', ethLong(4_900))).body);
    expect(tier1.lastAssessment).toMatchObject({ tier: 'tier1', nextTierPrice: { underlying: 'ETH', tier: 'tier3' } });
    expect(tier1.lastAssessment!.collateralTopUp).toBeCloseTo(380, 9);
    expect(tier1.lastAssessment!.nextTierPrice!.price).toBeCloseTo(25_100 / 8.4, 5);
    // The same figures as the full assessment's.
    const assessment = AssessmentSchema.parse((await call('GET', '/v1/accounts/acct-tier1/assessment')).body);
    expect(tier1.lastAssessment!.collateralTopUp).toBe(assessment.collateralTopUp);
    expect(tier1.lastAssessment!.nextTierPrice).toEqual(nextTierPrice(assessment.tier, assessment.liquidationPrices));
    // Tier3 and worse: no next level.
    const tier3 = AccountSchema.parse((await call('PUT', '/v1/accounts/acct-tier3', ethLong(4_700))).body);
    expect(tier3.lastAssessment).toMatchObject({ tier: 'tier3', nextTierPrice: null });
  });

  it('a summary stored before the two figures existed reads them as null, and the next sweep fills them', async () => {
    const { tenantId, call } = await tenantCaller(stores, app, 'summary-legacy');
    await pushMarket(call);
    const fresh = (await call('PUT', '/v1/accounts/acct-old', ethLong(6_000))).body.lastAssessment;
    const { collateralTopUp: _t, nextTierPrice: _n, ...legacy } = fresh;
    await db.send(
      new UpdateItemCommand({
        TableName: names.accounts,
        Key: { tenantId: { S: accountPartition(tenantId, 'acct-old') }, accountId: { S: 'acct-old' } },
        UpdateExpression: 'SET lastAssessment = :s',
        ExpressionAttributeValues: { ':s': { S: JSON.stringify(legacy) } },
      }),
    );
    const old = AccountSchema.parse((await call('GET', '/v1/accounts/acct-old')).body);
    expect(old.lastAssessment).toEqual({ ...legacy, collateralTopUp: null, nextTierPrice: null });
    // Nothing else moved, yet the sweep rewrites the summary: a stored null top-up counts as a change.
    await sweepAndWait(call);
    const filled = AccountSchema.parse((await call('GET', '/v1/accounts/acct-old')).body);
    expect(filled.lastAssessment).toMatchObject({ collateralTopUp: 0, nextTierPrice: fresh.nextTierPrice });
    expect(filled.lastAssessment!.asOf > legacy.asOf).toBe(true);
    // And the next sweep leaves it alone again.
    await sweepAndWait(call);
    expect((await call('GET', '/v1/accounts/acct-old')).body.lastAssessment).toEqual(filled.lastAssessment);
  });
});
