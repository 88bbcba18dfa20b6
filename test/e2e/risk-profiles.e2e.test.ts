/**
 * Tenant risk profiles end to end, as an exchange's risk team uses them: the real local
 * server over DynamoDB Local, driven only through the generated client, with a real
 * webhook receiver that verifies every signature with the standardwebhooks library.
 * Publishing a stricter version re-assesses the registered accounts (a `profile` sweep),
 * and the tier it changes reaches the receiver as `account.tier_changed`.
 */
import { describe, expect, it } from 'vitest';
import type { components } from '../../openapi/client/index.ts';
import { useTestServer } from '../local-server.ts';
import { useVerifyingReceiver } from '../webhook-receiver.ts';

type AccountBook = components['schemas']['AccountBook'];
type RiskProfileSpec = components['schemas']['RiskProfileSpec'];
interface Delivered {
  type: string;
  data: { accountId: string; from: string | null; to: string; assessment: { assessmentId: string | null; tier: string; marginRatio: number | null } };
}

const { admin } = useTestServer('e2e-rp', { dispatchIntervalMs: 100, allowInsecureWebhooks: true });
const receiver = useVerifyingReceiver<Delivered>();

/** The sweep once it is no longer running (polled through GET /v1/sweeps/{id}). */
async function sweepDone(id: string) {
  for (let i = 0; i < 400; i++) {
    const { data } = await admin.GET('/v1/sweeps/{id}', { params: { path: { id } } });
    if (data && data.status !== 'running') return data;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sweep ${id} did not finish`);
}

/**
 * Long 10 ETH perpetual entered at 3,000 with 6,000 USD. At 3,000 the default grid's worst
 * move (−16%) loses 4,800 = MM, so marginRatio = 6,000 / 4,800 = 1.25; IM = 1.3 × 4,800 = 6,240.
 */
const ethLong = (profile: string): AccountBook => ({
  profile,
  collateral: [{ asset: 'USD', amount: 6_000 }],
  positions: [{ id: 'eth-perp-rp', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
});

const v1Spec: RiskProfileSpec = {
  extends: 'default',
  description: 'tighter tiers for the e2e test',
  tiers: { tier1: 1.2, tier2: 1.1, tier3: 1.0 },
  targetMarginRatio: 1.4,
};
/** Stricter: tier1 at 1.3, so the 1.25 account falls into tier1. */
const v2Spec: RiskProfileSpec = { ...v1Spec, tiers: { tier1: 1.3, tier2: 1.1, tier3: 1.0 } };

const putProfile = (name: string, body: RiskProfileSpec) => admin.PUT('/v1/risk-profiles/{name}', { params: { path: { name } }, body });

describe('tenant risk profiles through the generated client', () => {
  it('a stricter version re-assesses the accounts on the profile; the tier change arrives as a verified webhook; old versions stay readable', async () => {
    const path = '/hooks/risk-profiles';
    const endpoint = await admin.POST('/v1/webhook-endpoints', { body: { url: receiver.url + path, events: ['account.tier_changed'] } });
    expect(endpoint.response.status).toBe(201);
    receiver.secrets.set(path, endpoint.data!.secret!);

    const market = await admin.PUT('/v1/market', { body: { market: { ETH: { price: 3_000 } } } });
    expect(market.response.status).toBe(200);

    const v1 = await putProfile('conservative', v1Spec);
    expect(v1.response.status).toBe(201);
    expect(v1.data).toMatchObject({
      object: 'risk_profile',
      name: 'conservative',
      version: 1,
      builtIn: false,
      extends: 'default',
      profile: { name: 'conservative', version: 1, tiers: { tier1: 1.2, tier2: 1.1, tier3: 1.0 }, targetMarginRatio: 1.4 },
    });

    // A one-off assessment naming the profile records the version it used.
    const snapshot = { accountId: 'acct-rp-oneoff', asOf: new Date().toISOString(), market: { ETH: { price: 3_000 } }, ...ethLong('conservative') };
    const a1 = await admin.POST('/v1/assessments', { body: snapshot });
    expect(a1.response.status).toBe(201);
    expect(a1.data).toMatchObject({ profile: 'conservative', profileVersion: 1, tier: 'warning' });
    expect(a1.data!.marginRatio!).toBeCloseTo(1.25, 9);

    // The same book registered as an account on the profile: assessed at once, warning.
    const registered = await admin.PUT('/v1/accounts/{accountId}', { params: { path: { accountId: 'acct-rp-cons' } }, body: ethLong('conservative') });
    expect(registered.response.status).toBe(201);
    expect(registered.data).toMatchObject({ profile: 'conservative', tier: 'warning' });

    // Version 2: its answer names the re-assessment sweep.
    const v2 = await putProfile('conservative', v2Spec);
    expect(v2.response.status).toBe(201);
    expect(v2.data).toMatchObject({ version: 2, profile: { version: 2, tiers: { tier1: 1.3, tier2: 1.1, tier3: 1.0 } } });
    const sweepId = v2.data!.reassessment!.sweepId;
    expect(await sweepDone(sweepId)).toMatchObject({ status: 'completed', trigger: 'profile', counts: { accounts: 1, errors: 0, tierChanges: 1 } });

    const account = await admin.GET('/v1/accounts/{accountId}', { params: { path: { accountId: 'acct-rp-cons' } } });
    expect(account.data).toMatchObject({ profile: 'conservative', tier: 'tier1' });

    const changed = await receiver.eventAt(path, 'account.tier_changed');
    expect(changed.data).toMatchObject({ accountId: 'acct-rp-cons', from: 'warning', to: 'tier1', assessment: { tier: 'tier1' } });
    // The sweep's assessment behind the event is recorded with the version it used.
    const behind = await admin.GET('/v1/assessments/{id}', { params: { path: { id: changed.data.assessment.assessmentId! } } });
    expect(behind.data).toMatchObject({ accountId: 'acct-rp-cons', profile: 'conservative', profileVersion: 2, tier: 'tier1' });

    // Versions are immutable: v1 is still there as the first assessment recorded it.
    const recorded = await admin.GET('/v1/assessments/{id}', { params: { path: { id: a1.data!.id } } });
    expect(recorded.data).toMatchObject({ profile: 'conservative', profileVersion: 1 });
    const old = await admin.GET('/v1/risk-profiles/{name}/versions/{version}', { params: { path: { name: 'conservative', version: recorded.data!.profileVersion! } } });
    expect(old.response.status).toBe(200);
    expect(old.data).toMatchObject({ name: 'conservative', version: 1, builtIn: false, profile: { version: 1, tiers: { tier1: 1.2, tier2: 1.1, tier3: 1.0 } } });
    expect((await admin.GET('/v1/risk-profiles/{name}', { params: { path: { name: 'conservative' } } })).data).toMatchObject({ version: 2 });

    // A new assessment uses the latest version, and says so.
    const a2 = await admin.POST('/v1/assessments', { body: { ...snapshot, asOf: new Date().toISOString() } });
    expect(a2.response.status).toBe(201);
    expect(a2.data).toMatchObject({ profile: 'conservative', profileVersion: 2, tier: 'tier1' });

    // The same spec again creates nothing: 200, still version 2, no sweep.
    const again = await putProfile('conservative', v2Spec);
    expect(again.response.status).toBe(200);
    expect(again.data).toMatchObject({ version: 2, reassessment: null });

    const list = await admin.GET('/v1/risk-profiles');
    expect(list.data!.data.filter((p) => !p.builtIn).map((p) => [p.name, p.version])).toEqual([['conservative', 2]]);
    expect(receiver.unverified).toEqual([]);
  });

  it('a profile whose tier thresholds do not strictly descend is refused with a problem naming `tiers`, and nothing is stored', async () => {
    const bad = await putProfile('rp-bad-tiers', { extends: 'default', tiers: { tier1: 1.05, tier2: 1.05, tier3: 1.0 } });
    expect(bad.response.status).toBe(400);
    expect(bad.response.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.error).toMatchObject({ status: 400, code: 'invalid_request' });
    const fields = (bad.error as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toContain('tiers');

    const get = await admin.GET('/v1/risk-profiles/{name}', { params: { path: { name: 'rp-bad-tiers' } } });
    expect(get.response.status).toBe(404);
    const version = await admin.GET('/v1/risk-profiles/{name}/versions/{version}', { params: { path: { name: 'rp-bad-tiers', version: 1 } } });
    expect(version.response.status).toBe(404);
  });
});
