/**
 * A liquidation end to end, as an exchange and its liquidators run it: the real local
 * server over DynamoDB Local, driven only through the generated client, with a real
 * webhook receiver that verifies every signature with the standardwebhooks library.
 */
import { describe, expect, it } from 'vitest';
import { createSoftlandClient, type components, type SoftlandClient } from '../../openapi/client/index.ts';
import { useTestServer } from '../local-server.ts';
import { useVerifyingReceiver } from '../webhook-receiver.ts';

type AccountBook = components['schemas']['AccountBook'];
interface Delivered {
  type: string;
  data: { accountId: string; liquidation: components['schemas']['Liquidation']; fill?: components['schemas']['LiquidationFillRequest'] };
}

const { server, admin } = useTestServer('e2e-liq', { dispatchIntervalMs: 100, allowInsecureWebhooks: true });
const receiver = useVerifyingReceiver<Delivered>();

/** Long 10 ETH perpetual with 6,000 USD: warning at 3,000, tier1 at 2,880. */
const ethLong: AccountBook = {
  profile: 'default',
  collateral: [{ asset: 'USD', amount: 6_000 }],
  positions: [{ id: 'eth-perp', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
};

async function pushEth(price: number) {
  const { response } = await admin.PUT('/v1/market', { body: { market: { ETH: { price } } } });
  expect(response.status).toBe(200);
}

async function liquidatorClient(): Promise<SoftlandClient> {
  const key = await server.stores.apiKeys.issue(server.tenantId, { scope: 'liquidator' });
  return createSoftlandClient({ baseUrl: server.url, apiKey: key.secret });
}

/** The account's active liquidation once the price push's re-assessment has opened it. */
async function activeLiquidationOf(accountId: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const { data } = await admin.GET('/v1/accounts/{accountId}', { params: { path: { accountId } } });
    if (data?.activeLiquidationId) return data.activeLiquidationId;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no liquidation opened on ${accountId}`);
}

describe('a liquidation run through the generated client', () => {
  it('opens on a price push, is filled by a liquidator in two parts, resolves; every step reaches a verified webhook', async () => {
    const path = '/hooks/liquidations';
    const endpoint = await admin.POST('/v1/webhook-endpoints', {
      body: { url: receiver.url + path, events: ['liquidation.opened', 'liquidation.filled', 'liquidation.resolved', 'account.recovered'] },
    });
    expect(endpoint.response.status).toBe(201);
    receiver.secrets.set(path, endpoint.data!.secret!);

    await pushEth(3_000);
    expect((await admin.PUT('/v1/accounts/{accountId}', { params: { path: { accountId: 'acct-liq' } }, body: ethLong })).data!.tier).toBe('warning');
    await pushEth(2_880);
    const id = await activeLiquidationOf('acct-liq');
    const opened = await receiver.eventAt(path, 'liquidation.opened');
    expect(opened.data).toMatchObject({ accountId: 'acct-liq', liquidation: { id, status: 'open', revision: 1 } });

    const liquidator = await liquidatorClient();
    const list = await liquidator.GET('/v1/liquidations', { params: { query: { status: 'active' } } });
    expect(list.data!.data.map((l) => l.id)).toContain(id);
    const step = list.data!.data.find((l) => l.id === id)!.steps[0]!;
    expect(step).toMatchObject({ positionId: 'eth-perp', action: 'sell', referencePrice: 2_880 });
    expect(step.auctionPrice!).toBeLessThan(2_880);

    const fill = (quantity: number, key: string) =>
      liquidator.POST('/v1/liquidations/{id}/fills', {
        params: { path: { id }, header: { 'idempotency-key': key } },
        body: { stepId: step.stepId, quantity, price: step.referencePrice },
      });
    const half = await fill(step.quantity / 2, `half-${id}`);
    expect(half.response.status).toBe(201);
    expect(half.data!.liquidation.status).toBe('partially_filled');
    expect((await receiver.eventAt(path, 'liquidation.filled')).data.fill).toMatchObject({ stepId: step.stepId, quantity: step.quantity / 2 });

    const rest = await fill(half.data!.liquidation.steps[0]!.remaining, `rest-${id}`);
    expect(rest.response.status).toBe(201);
    expect(rest.data!.liquidation).toMatchObject({ status: 'resolved' });
    expect((await receiver.eventAt(path, 'liquidation.resolved')).data.liquidation).toMatchObject({ id, status: 'resolved' });
    await receiver.eventAt(path, 'liquidation.filled', 2);
    await receiver.eventAt(path, 'account.recovered');

    // The stored account is what a fresh assessment of its book says.
    const account = (await admin.GET('/v1/accounts/{accountId}', { params: { path: { accountId: 'acct-liq' } } })).data!;
    expect(account.activeLiquidationId).toBeNull();
    expect(account.positions[0]!.quantity).toBeCloseTo(10 - step.quantity, 9);
    const market = (await admin.GET('/v1/market')).data!.market;
    const fresh = await admin.POST('/v1/assessments', {
      body: { accountId: 'acct-liq', asOf: account.lastAssessment!.asOf, collateral: account.collateral, positions: account.positions, profile: account.profile, market },
    });
    expect(fresh.data).toMatchObject({ tier: account.tier, equity: account.lastAssessment!.equity, maintenanceMargin: account.lastAssessment!.maintenanceMargin });
    expect(fresh.data!.marginRatio!).toBeGreaterThanOrEqual(rest.data!.liquidation.targetMarginRatio * (1 - 1e-9));
    expect(receiver.unverified).toEqual([]);
  });

  it('a liquidator key reads and fills liquidations, and nothing else', async () => {
    const liquidator = await liquidatorClient();
    const refused = [
      await liquidator.GET('/v1/accounts'),
      await liquidator.GET('/v1/accounts/{accountId}', { params: { path: { accountId: 'acct-liq' } } }),
      await liquidator.GET('/v1/accounts/{accountId}/assessments', { params: { path: { accountId: 'acct-liq' } } }),
      await liquidator.GET('/v1/webhook-endpoints'),
      await liquidator.GET('/v1/market'),
      await liquidator.POST('/v1/assessments', { body: { accountId: 'x', asOf: new Date().toISOString(), collateral: [], positions: [], market: {} } }),
    ];
    for (const { response, error } of refused) {
      expect(response.status).toBe(403);
      expect(error).toMatchObject({ code: 'insufficient_scope' });
    }
  });

  it('twenty liquidators racing over HTTP for one step fill at most what it holds, each accepted fill once', async () => {
    await pushEth(3_000);
    await admin.PUT('/v1/accounts/{accountId}', { params: { path: { accountId: 'acct-race' } }, body: ethLong });
    await pushEth(2_880);
    const id = await activeLiquidationOf('acct-race');
    const l = (await admin.GET('/v1/liquidations/{id}', { params: { path: { id } } })).data!;
    const step = l.steps[0]!;
    const liquidators = await Promise.all(Array.from({ length: 20 }, () => liquidatorClient()));
    // Three fit (0.9 of the step); the rest find too little left: the step never resolves the liquidation here.
    const each = step.quantity * 0.3;
    const answers = await Promise.all(
      liquidators.map((c, n) =>
        c.POST('/v1/liquidations/{id}/fills', {
          params: { path: { id }, header: { 'idempotency-key': `race-${n}` } },
          body: { stepId: step.stepId, quantity: each, price: step.referencePrice },
        }),
      ),
    );
    const accepted = answers.filter((a) => a.response.status === 201);
    const refusals = new Set(answers.filter((a) => a.response.status !== 201).map((a) => `${a.response.status} ${(a.error as { code: string }).code}`));
    expect([...refusals].every((r) => ['409 quantity_exceeds_remaining', '409 conflict'].includes(r))).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(3);
    const after = (await admin.GET('/v1/liquidations/{id}', { params: { path: { id } } })).data!;
    expect(after.fills.map((f) => f.fillId).sort()).toEqual(accepted.map((a) => a.data!.fillId).sort());
    const filled = after.fills.reduce((sum, f) => sum + f.quantity, 0);
    expect(filled).toBeLessThanOrEqual(step.quantity * (1 + 1e-12));
    const account = (await admin.GET('/v1/accounts/{accountId}', { params: { path: { accountId: 'acct-race' } } })).data!;
    expect(account.positions[0]!.quantity).toBeCloseTo(10 - filled, 9);
    // Sold at 2,880 against an entry of 3,000: −120 per unit sold, once per accepted fill.
    expect(account.collateral.find((c) => c.asset === 'USD')!.amount).toBeCloseTo(6_000 - 120 * filled, 6);
  });
});
