import { beforeAll, describe, expect, it } from 'vitest';
import { sweepDone, tenantCaller } from '../../test/api-calls.ts';
import { freshStores } from '../../test/dynamo.ts';
import type { Stores } from '../../shared/store/index.ts';
import { PROFILES } from '../../shared/risk/built-in-profiles.ts';
import { createApp } from './app.ts';

let stores: Stores;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, logError: () => {} });
});

/** Long 10 ETH perpetual entered at 3,000 with `cash` USD: at 3,000, MM = 0.16 × 30,000 = 4,800, so marginRatio = cash / 4,800. */
const ethLong = (cash: number, profile: string) => ({
  profile,
  collateral: [{ asset: 'USD', amount: cash }],
  positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
});

const conservative = { extends: 'default', description: 'tighter tiers', tiers: { tier1: 1.2, tier2: 1.1, tier3: 1.0 }, targetMarginRatio: 1.4, haircuts: { ETH: 0.1, DOGE: null } };

describe('tenant risk profiles', () => {
  it('publishes immutable versions merged over their base; the same spec again creates nothing', async () => {
    const { call } = await tenantCaller(stores, app, 'profiles');
    const v1 = await call('PUT', '/v1/risk-profiles/conservative', conservative);
    expect(v1).toMatchObject({ status: 201, body: { object: 'risk_profile', name: 'conservative', version: 1, builtIn: false, extends: 'default', description: 'tighter tiers' } });
    const base = PROFILES['default']!;
    // Merged field by field: the given ones replaced, the rest the base's.
    expect(v1.body.profile).toMatchObject({ name: 'conservative', version: 1, tiers: { tier1: 1.2, tier2: 1.1, tier3: 1.0 }, targetMarginRatio: 1.4, portfolio: base.portfolio, liquidation: base.liquidation });
    expect(v1.body.profile.haircuts).toEqual(Object.fromEntries(Object.entries({ ...base.haircuts, ETH: 0.1 }).filter(([asset]) => asset !== 'DOGE')));

    expect(await call('PUT', '/v1/risk-profiles/conservative', conservative)).toMatchObject({ status: 200, body: { version: 1, reassessment: null } });
    const v2 = await call('PUT', '/v1/risk-profiles/conservative', { ...conservative, tiers: { tier1: 1.3 } });
    expect(v2).toMatchObject({ status: 201, body: { version: 2, profile: { tiers: { tier1: 1.3, tier2: 1.02, tier3: 1.0 } } } });
    expect((await call('GET', '/v1/risk-profiles/conservative')).body).toMatchObject({ version: 2 });
    expect((await call('GET', '/v1/risk-profiles/conservative/versions/1')).body).toMatchObject({ version: 1, profile: { tiers: { tier1: 1.2 } } });
    expect((await call('GET', '/v1/risk-profiles/conservative/versions/3')).status).toBe(404);

    const list = (await call('GET', '/v1/risk-profiles')).body.data.map((p: { name: string; version: number | null; builtIn: boolean }) => [p.name, p.version, p.builtIn]);
    expect(list).toEqual([...Object.keys(PROFILES).map((n) => [n, null, true]), ['conservative', 2, false]]);
    expect((await call('GET', '/v1/risk-profiles/default')).body).toMatchObject({ builtIn: true, version: null, profile: { name: 'default' } });
  });

  it('refuses a profile that breaks a rule, naming each field, and stores nothing', async () => {
    const { call } = await tenantCaller(stores, app, 'profiles-bad');
    const refused = async (spec: object, fields: string[]) => {
      const answer = await call('PUT', '/v1/risk-profiles/bad', { extends: 'default', ...spec });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('invalid_request');
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(fields));
    };
    await refused({ tiers: { tier1: 1.0, tier2: 1.02 } }, ['tiers']); // not strictly descending
    await refused({ liquidation: { caps: { tier1: 0.5, tier2: 0.25, tier3: 1 } } }, ['liquidation.caps']);
    await refused({ haircuts: { ETH: 1 } }, ['haircuts.ETH']);
    await refused({ portfolio: { priceRange: 1.5 } }, ['portfolio.priceRange']);
    await refused({ targetMarginRatio: 1.01 }, ['targetMarginRatio']); // below the tier1 threshold
    await refused(
      { standard: { brackets: [{ notionalUpTo: 5e6, maintenanceRate: 0.02, initialRate: 0.04 }, { notionalUpTo: 1e6, maintenanceRate: 0.03, initialRate: 0.06 }, { notionalUpTo: null, maintenanceRate: 0.1, initialRate: 0.2 }] } },
      ['standard.brackets'],
    );
    await refused({ standard: { brackets: [{ notionalUpTo: null, maintenanceRate: 0.1, initialRate: 0.05 }] } }, ['standard.brackets[0].initialRate']);
    await refused({ leverage: 100 }, ['leverage']);
    await refused({ targetMarginRatio: 'fast' }, ['targetMarginRatio']);
    await refused({ targetMarginRatio: 'adaptive', adaptiveTarget: null }, ['targetMarginRatio']);
    await refused({ targetMarginRatio: 'adaptive', adaptiveTarget: null, tiers: { tier1: 1.0, tier2: 1.02 } }, ['targetMarginRatio', 'tiers']); // both at once
    await refused({ targetMarginRatio: 'adaptive', tiers: { tier1: 2.5 } }, ['adaptiveTarget.cap']); // the built-in's cap, 2, below its floor
    await refused({ targetMarginRatio: 1.5, adaptiveTarget: { confidence: 0.99, horizonMinutes: 1, defaultVolatility: 1, cap: 1.2 } }, ['adaptiveTarget.cap']);
    await refused({ extends: 'nope' }, ['extends']);
    expect((await call('GET', '/v1/risk-profiles/bad')).status).toBe(404);
    expect(await call('PUT', '/v1/risk-profiles/default', { tiers: { tier1: 2 } })).toMatchObject({ status: 409, body: { code: 'profile_built_in' } });
  });

  it('targetMarginRatio "adaptive" sizes the target to the market: the `adaptive` built-in\'s parameters, the tier1 threshold as floor', async () => {
    const { call } = await tenantCaller(stores, app, 'profiles-adaptive');
    const v1 = await call('PUT', '/v1/risk-profiles/sized', { extends: 'default', targetMarginRatio: 'adaptive', tiers: { tier1: 1.06 } });
    expect(v1.status).toBe(201);
    expect(v1.body.profile).toMatchObject({ targetMarginRatio: 1.06, adaptiveTarget: PROFILES['adaptive']!.adaptiveTarget, liquidation: { tier3Mode: 'full' } });
    // Its own parameters when the spec gives them.
    const v2 = await call('PUT', '/v1/risk-profiles/sized', { extends: 'default', targetMarginRatio: 'adaptive', adaptiveTarget: { confidence: 0.999, horizonMinutes: 5, defaultVolatility: 1, cap: 3 } });
    expect(v2.body.profile).toMatchObject({ targetMarginRatio: 1.05, adaptiveTarget: { confidence: 0.999, horizonMinutes: 5 } });

    // 10 ETH long at 3,000 with 4,950 USD: marginRatio 4,950 / 4,800 = 1.03125 (tier1). By hand: the 99.9%
    // five-minute fall at 80% volatility, f = exp(−z·0.8·√(5 / 525,600)), leaves (4,950 − 30,000·(1 − f)) / (4,800·f);
    // the target is 1.05 / (1 − d), d the ratio's relative fall.
    const z = 3.090232306167813; // Φ⁻¹(0.999)
    const f = Math.exp(-z * 0.8 * Math.sqrt(5 / 525_600));
    const ratio = 4_950 / 4_800;
    const d = 1 - (4_950 - 30_000 * (1 - f)) / (4_800 * f) / ratio;
    const snapshot = { accountId: 'a', asOf: new Date().toISOString(), market: { ETH: { price: 3_000, volatility: 0.8 } }, ...ethLong(4_950, 'sized') };
    const assessed = await call('POST', '/v1/assessments', snapshot);
    expect(assessed).toMatchObject({ status: 201, body: { tier: 'tier1', profileVersion: 2 } });
    expect(assessed.body.liquidation.targetMarginRatio).toBeCloseTo(1.05 / (1 - d), 6);
  });

  it('assesses with the version it names and records it; another tenant can neither see nor use it', async () => {
    const { call } = await tenantCaller(stores, app, 'profiles-assess');
    await call('PUT', '/v1/risk-profiles/conservative', conservative);
    const snapshot = { accountId: 'a', asOf: new Date().toISOString(), market: { ETH: { price: 3_000 } }, ...ethLong(6_000, 'conservative') };
    // marginRatio 6,000 / 4,800 = 1.25: above conservative v1's tier1 (1.2), short of the initial margin (1.3 × 4,800): warning.
    const a1 = await call('POST', '/v1/assessments', snapshot);
    expect(a1).toMatchObject({ status: 201, body: { profile: 'conservative', profileVersion: 1, tier: 'warning', marginRatio: 1.25 } });
    await call('PUT', '/v1/risk-profiles/conservative', { ...conservative, tiers: { tier1: 1.3, tier2: 1.1, tier3: 1.0 } });
    const a2 = await call('POST', '/v1/assessments', snapshot);
    expect(a2.body).toMatchObject({ profile: 'conservative', profileVersion: 2, tier: 'tier1' });
    expect((await call('POST', '/v1/assessments', { ...snapshot, profile: 'default' })).body).toMatchObject({ profileVersion: null, tier: 'warning' });
    // DOGE was removed from the haircuts: not accepted as collateral under this profile.
    const doge = await call('POST', '/v1/assessments', { ...snapshot, collateral: [{ asset: 'DOGE', amount: 1 }], market: { ETH: { price: 3_000 }, DOGE: { price: 0.1 } } });
    expect(doge).toMatchObject({ status: 400, body: { errors: [{ field: 'collateral[0].asset' }] } });

    const other = await tenantCaller(stores, app, 'profiles-other');
    expect((await other.call('GET', '/v1/risk-profiles/conservative')).status).toBe(404);
    expect((await other.call('GET', '/v1/risk-profiles')).body.data.every((p: { builtIn: boolean }) => p.builtIn)).toBe(true);
    expect(await other.call('POST', '/v1/assessments', snapshot)).toMatchObject({ status: 400, body: { errors: [{ field: 'profile' }] } });
    expect(await other.call('PUT', '/v1/accounts/x', ethLong(6_000, 'conservative'))).toMatchObject({ status: 400, body: { errors: [{ field: 'profile' }] } });
  });

  it('a stricter version re-assesses the registered accounts that use it: tier changes and their webhooks follow', async () => {
    const { tenantId, call } = await tenantCaller(stores, app, 'profiles-publish');
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } });
    await call('PUT', '/v1/risk-profiles/conservative', conservative);
    expect((await call('PUT', '/v1/accounts/acct-c', ethLong(6_000, 'conservative'))).body.tier).toBe('warning');
    expect((await call('PUT', '/v1/accounts/acct-d', ethLong(6_000, 'default'))).body.tier).toBe('warning');
    const published = await call('PUT', '/v1/risk-profiles/conservative', { ...conservative, tiers: { tier1: 1.3, tier2: 1.1, tier3: 1.0 } });
    expect(published.body.reassessment).toEqual({ sweepId: expect.stringMatching(/^swp_/) });
    expect(await sweepDone(call, published.body.reassessment.sweepId)).toMatchObject({ status: 'completed', trigger: 'profile' });
    expect((await call('GET', '/v1/accounts/acct-c')).body).toMatchObject({ tier: 'tier1', activeLiquidationId: expect.stringMatching(/^liq_/) });
    expect((await call('GET', '/v1/accounts/acct-d')).body.tier).toBe('warning');
    const changed = (await stores.events.list(tenantId, 10)).filter((e) => e.type === 'account.tier_changed');
    expect(changed.map((e) => e.data)).toEqual([expect.objectContaining({ accountId: 'acct-c', from: 'warning', to: 'tier1' })]);
  });
});
