import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.ts';
import { keyCaller, sweepDone, tenantCaller, type ApiCall } from '../../test/api-calls.ts';
import { freshStores } from '../../test/dynamo.ts';
import type { Stores } from '../store/index.ts';
import { findProfile } from '../risk/built-in-profiles.ts';
import { assessAccount } from './account-assessment.ts';

let stores: Stores;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, logError: () => {} });
});

/** Long 10 ETH perpetual entered at 3,000 with 6,000 USD: in warning at 3,000 (IM 6,240), tier1 at 2,880 (equity 4,800 against MM 4,608). */
const ethLong = { profile: 'default', collateral: [{ asset: 'USD', amount: 6_000 }], positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }] };

async function pushPrice(call: ApiCall, price: number) {
  const push = await call('PUT', '/v1/market', { market: { ETH: { price } } });
  expect(push.status).toBe(200);
  if (push.body.reassessment) await sweepDone(call, push.body.reassessment.sweepId);
}

/** A tenant with one ETH long registered at 3,000, its liquidator key, and `call` as its admin. */
async function tenantWithAccount(name: string) {
  const { tenantId, call } = await tenantCaller(stores, app, name);
  await pushPrice(call, 3_000);
  expect((await call('PUT', '/v1/accounts/acct-1', ethLong)).body.tier).toBe('warning');
  const liquidator = keyCaller(app, (await stores.apiKeys.issue(tenantId, { scope: 'liquidator' })).secret);
  return { tenantId, call, liquidator };
}

const eventTypes = async (tenantId: string) => (await stores.events.list(tenantId, 100)).map((e) => e.type).sort();

describe('liquidations opened by price pushes', () => {
  it('a push into tier1 opens one liquidation with the plan\'s steps on Dutch auctions; re-running the sweep opens no second', async () => {
    const { tenantId, call, liquidator } = await tenantWithAccount('liq-open');
    await pushPrice(call, 2_880);
    const account = (await call('GET', '/v1/accounts/acct-1')).body;
    expect(account).toMatchObject({ tier: 'tier1', activeLiquidationId: expect.stringMatching(/^liq_/) });

    const list = await liquidator('GET', '/v1/liquidations?status=active');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const l = list.body.data[0];
    expect(l).toMatchObject({ id: account.activeLiquidationId, object: 'liquidation', accountId: 'acct-1', status: 'open', revision: 1, tier: 'tier1', fills: [], closedAt: null });
    expect(l.auction).toEqual({ startFactor: 0.995, endFactor: 0.95, durationMinutes: 15 });
    const [step] = l.steps;
    expect(step).toMatchObject({ stepId: 'step_1_1', positionId: 'p', action: 'sell', referencePrice: 2_880 });
    expect(step.remaining).toBe(step.quantity);
    // Within the first seconds the factor is a hair under 0.995: linear to 0.95 over 15 minutes.
    const elapsedMinutes = (Date.parse(l.pricedAt) - Date.parse(step.auctionStartedAt)) / 60_000;
    expect(step.auctionFactor).toBeCloseTo(0.995 - 0.045 * (elapsedMinutes / 15), 12);
    expect(step.auctionPrice).toBeCloseTo(2_880 * step.auctionFactor, 9);

    // A scheduled sweep (and a retried one) sees the liquidation and opens nothing more.
    const sweep = await call('POST', '/v1/sweeps');
    await sweepDone(call, sweep.body.id);
    expect((await call('GET', '/v1/liquidations')).body.data).toHaveLength(1);
    expect(await eventTypes(tenantId)).toEqual(['account.tier_changed', 'liquidation.opened']);
    const opened = (await stores.events.list(tenantId, 100)).find((e) => e.type === 'liquidation.opened')!;
    expect(opened.data).toMatchObject({ accountId: 'acct-1', liquidation: { id: l.id, status: 'open' } });
  });

  it('a price that recovers before any fill cancels it; the account is free for the next one', async () => {
    const { tenantId, call } = await tenantWithAccount('liq-cancel');
    await pushPrice(call, 2_880);
    const id = (await call('GET', '/v1/accounts/acct-1')).body.activeLiquidationId;
    await pushPrice(call, 3_000);
    expect((await call('GET', `/v1/liquidations/${id}`)).body).toMatchObject({ status: 'cancelled', closedAt: expect.any(String), steps: [{ auctionPrice: null }] });
    expect((await call('GET', '/v1/accounts/acct-1')).body.activeLiquidationId).toBeNull();
    expect(await eventTypes(tenantId)).toContain('liquidation.cancelled');
    await pushPrice(call, 2_880);
    const next = (await call('GET', '/v1/accounts/acct-1')).body.activeLiquidationId;
    expect(next).not.toBe(id);
    expect((await call('GET', '/v1/liquidations?status=cancelled')).body.data.map((l: { id: string }) => l.id)).toEqual([id]);
    expect((await call('GET', '/v1/liquidations?status=open')).body.data.map((l: { id: string }) => l.id)).toEqual([next]);
  });

  it('deleting the account cancels its liquidation in the same write', async () => {
    const { tenantId, call, liquidator } = await tenantWithAccount('liq-delete');
    await pushPrice(call, 2_880);
    const id = (await call('GET', '/v1/accounts/acct-1')).body.activeLiquidationId;
    expect((await call('DELETE', '/v1/accounts/acct-1')).status).toBe(200);
    expect((await liquidator('GET', `/v1/liquidations/${id}`)).body).toMatchObject({ status: 'cancelled', closedAt: expect.any(String) });
    expect((await liquidator('GET', '/v1/liquidations?status=active')).body.data).toEqual([]);
    expect(await eventTypes(tenantId)).toContain('liquidation.cancelled');
  });

  it('a further fall escalates it to a new revision whose steps replace the unfilled ones', async () => {
    const { tenantId, call } = await tenantWithAccount('liq-escalate');
    await pushPrice(call, 2_880);
    // tier2 at 2,862: equity 4,620 against MM 4,579.2 (ratio 1.009).
    await pushPrice(call, 2_862);
    const l = (await call('GET', '/v1/liquidations?status=escalated')).body.data[0];
    expect(l).toMatchObject({ status: 'escalated', revision: 2, tier: 'tier2' });
    expect(l.steps.map((s: { stepId: string }) => s.stepId)).toEqual(['step_2_1']);
    expect(l.steps[0].referencePrice).toBe(2_862);
    expect(await eventTypes(tenantId)).toEqual(expect.arrayContaining(['liquidation.opened', 'liquidation.escalated']));
  });
});

describe('fills', () => {
  it('a half fill moves the account by the closed value at the fill price; the rest resolves it; the stored state is a fresh assessment', async () => {
    const { tenantId, call, liquidator } = await tenantWithAccount('liq-fill');
    await pushPrice(call, 2_880);
    const l = (await liquidator('GET', '/v1/liquidations?status=active')).body.data[0];
    const step = l.steps[0];
    const half = step.quantity / 2;
    const first = await liquidator('POST', `/v1/liquidations/${l.id}/fills`, { stepId: step.stepId, quantity: half, price: 2_870 }, { 'Idempotency-Key': 'fill-1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ object: 'liquidation_fill', liquidationId: l.id, stepId: step.stepId, quantity: half, price: 2_870, filledBy: expect.stringMatching(/^key_/) });
    expect(first.body.discount).toBeCloseTo(half * 10, 9);
    expect(first.body.liquidation).toMatchObject({ status: 'partially_filled', steps: [{ remaining: step.quantity - half }] });

    // Closed form: sold `half` of the long at 2,870 → position 10 − half, USD 6,000 + half × (2,870 − 3,000).
    const account = (await call('GET', '/v1/accounts/acct-1')).body;
    expect(account.positions[0].quantity).toBeCloseTo(10 - half, 12);
    expect(account.collateral).toEqual([{ asset: 'USD', amount: expect.closeTo(6_000 + half * -130, 9) }]);
    const market = (await stores.market.get(tenantId))!;
    const fresh = await assessAccount('acct-1', { profile: account.profile, collateral: account.collateral, positions: account.positions }, market, new Date(account.lastAssessment.asOf), 'asm_check', findProfile('default')!);
    expect(account.lastAssessment).toMatchObject({ equity: fresh.equity, maintenanceMargin: fresh.maintenanceMargin, tier: fresh.tier });

    // The same Idempotency-Key answers the same fill, applied once.
    const replay = await liquidator('POST', `/v1/liquidations/${l.id}/fills`, { stepId: step.stepId, quantity: half, price: 2_870 }, { 'Idempotency-Key': 'fill-1' });
    expect(replay.body.fillId).toBe(first.body.fillId);
    expect((await call('GET', '/v1/accounts/acct-1')).body.positions[0].quantity).toBeCloseTo(10 - half, 12);

    const rest = await liquidator('POST', `/v1/liquidations/${l.id}/fills`, { stepId: step.stepId, quantity: step.quantity - half, price: 2_880 });
    expect(rest.status).toBe(201);
    expect(rest.body.liquidation).toMatchObject({ status: 'resolved', closedAt: expect.any(String) });
    expect(rest.body.liquidation.account.marginRatio).toBeGreaterThanOrEqual(l.targetMarginRatio * (1 - 1e-9));
    expect((await call('GET', '/v1/accounts/acct-1')).body).toMatchObject({ activeLiquidationId: null });
    expect(await eventTypes(tenantId)).toEqual(
      expect.arrayContaining(['liquidation.opened', 'liquidation.filled', 'liquidation.filled', 'liquidation.resolved', 'account.recovered']),
    );
    // Closed: further fills are refused, and nothing moved.
    const late = await liquidator('POST', `/v1/liquidations/${l.id}/fills`, { stepId: step.stepId, quantity: 0.001, price: 2_880 });
    expect(late).toMatchObject({ status: 409, body: { code: 'liquidation_closed' } });
  });

  it('refuses a price worse than the auction, more than is left, an unknown step, and ids it does not hold, naming the field', async () => {
    const { call, liquidator } = await tenantWithAccount('liq-refuse');
    await pushPrice(call, 2_880);
    const l = (await liquidator('GET', '/v1/liquidations')).body.data[0];
    const step = l.steps[0];
    const fill = (body: object) => liquidator('POST', `/v1/liquidations/${l.id}/fills`, { stepId: step.stepId, quantity: step.quantity / 4, price: 2_880, ...body });
    expect(await fill({ price: 2_700 })).toMatchObject({ status: 422, body: { code: 'price_worse_than_auction', errors: [{ field: 'price' }] } });
    expect(await fill({ quantity: step.quantity * 2 })).toMatchObject({ status: 409, body: { code: 'quantity_exceeds_remaining', errors: [{ field: 'quantity' }] } });
    expect(await fill({ stepId: 'step_9_9' })).toMatchObject({ status: 422, body: { code: 'unknown_step', errors: [{ field: 'stepId' }] } });
    expect(await fill({ quantity: -1 })).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ field: 'quantity' }] } });
    expect(await liquidator('POST', '/v1/liquidations/liq_01JDZ8X7Q4M5V2N9T3K6P8R1WC/fills', { stepId: 'step_1_1', quantity: 1, price: 1 })).toMatchObject({ status: 404 });
    expect(await liquidator('GET', '/v1/liquidations/nope')).toMatchObject({ status: 400, body: { errors: [{ field: 'id' }] } });
    expect((await liquidator('GET', `/v1/liquidations/${l.id}`)).body).toMatchObject({ status: 'open', fills: [] });

    // Another tenant's liquidation does not exist for this tenant's keys.
    const other = await tenantWithAccount('liq-other');
    expect(await other.liquidator('GET', `/v1/liquidations/${l.id}`)).toMatchObject({ status: 404 });
    expect((await other.liquidator('GET', '/v1/liquidations')).body.data).toEqual([]);
  });

  it('twenty liquidators racing for one step never fill more than it holds, and each accepted fill is applied once', async () => {
    const { call, liquidator } = await tenantWithAccount('liq-race');
    await pushPrice(call, 2_880);
    const l = (await liquidator('GET', '/v1/liquidations')).body.data[0];
    const step = l.steps[0];
    const each = step.quantity / 8; // 20 × 1/8 asks for 2.5 times the step
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) => liquidator('POST', `/v1/liquidations/${l.id}/fills`, { stepId: step.stepId, quantity: each, price: 2_880 }, { 'Idempotency-Key': `race-${n}` })),
    );
    const accepted = answers.filter((a) => a.status === 201);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(8);
    const after = (await call('GET', `/v1/liquidations/${l.id}`)).body;
    expect(new Set(after.fills.map((f: { fillId: string }) => f.fillId))).toEqual(new Set(accepted.map((a) => a.body.fillId)));
    const filled = accepted.length * each;
    expect(after.steps[0].remaining).toBeCloseTo(step.quantity - filled, 9);
    // Each accepted fill moved the account exactly once.
    const account = (await call('GET', '/v1/accounts/acct-1')).body;
    expect(account.positions[0]?.quantity ?? 0).toBeCloseTo(10 - filled, 9);
    expect(account.collateral[0].amount).toBeCloseTo(6_000 + filled * -120, 6);
  });
});
