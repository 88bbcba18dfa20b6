import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { isDeepStrictEqual } from 'node:util';
import { profileFromSpec, RiskProfileSpecSchema } from '../../../shared/risk/profile-spec.ts';
import { findProfile, PROFILES } from '../../../shared/risk/built-in-profiles.ts';
import type { Stores } from '../../../shared/store/index.ts';
import type { StoredProfile } from '../../../shared/store/risk-profiles.ts';
import { startSweep, type SegmentRunner } from '../../../shared/sweeps/sweep-runs.ts';
import type { ApiEnv } from '../env.ts';
import { ApiProblem, problems } from '../problems.ts';
import { listAnswer } from '../schemas/lists.ts';
import {
  MAX_RISK_PROFILES,
  RiskProfileListSchema,
  RiskProfileParams,
  RiskProfilePublishedSchema,
  RiskProfileVersionParams,
  RiskProfileVersionSchema,
} from '../schemas/risk-profiles.ts';
import { causes, errorResponses, jsonContent, secured } from '../openapi-parts.ts';

const putProfile = createRoute({
  method: 'put',
  path: '/v1/risk-profiles/{name}',
  operationId: 'putRiskProfile',
  tags: ['Risk profiles'],
  summary: 'Publish a new version of one of your risk profiles',
  description:
    'Creates version n + 1 of the tenant\'s profile `name` (1 for a new name): the base named by `extends` (a built-in profile or ' +
    'another of yours) with the parameters given here. Versions are immutable; assessments record the version they used. ' +
    'Every registered account is then re-assessed (a sweep), so tier changes fire webhooks as usual. The same spec as the ' +
    'latest version answers 200 with it and creates nothing.',
  ...secured,
  request: { params: RiskProfileParams, body: { required: true, content: jsonContent(RiskProfileSpecSchema) } },
  responses: {
    200: { description: 'Unchanged: the latest version already is this profile', content: jsonContent(RiskProfilePublishedSchema) },
    201: { description: 'The new version', content: jsonContent(RiskProfilePublishedSchema) },
    ...errorResponses(
      [400, 'Invalid profile: the problem names each failing field (`tiers.tier2`, `liquidation.caps`, …); nothing is stored'],
      401,
      [409, '`profile_built_in`: built-in profiles are read-only; use another name and `extends`', '`too_many_profiles`: the tenant already has the most profiles allowed', causes.concurrentChange],
      413,
      415,
      503,
    ),
  },
});

const listProfiles = createRoute({
  method: 'get',
  path: '/v1/risk-profiles',
  operationId: 'listRiskProfiles',
  tags: ['Risk profiles'],
  summary: 'List the built-in profiles and the latest version of each of yours',
  ...secured,
  responses: { 200: { description: 'Every profile this tenant can name', content: jsonContent(RiskProfileListSchema) }, ...errorResponses(401, 503) },
});

const getProfile = createRoute({
  method: 'get',
  path: '/v1/risk-profiles/{name}',
  operationId: 'getRiskProfile',
  tags: ['Risk profiles'],
  summary: 'Retrieve a profile: a built-in one, or the latest version of yours',
  ...secured,
  request: { params: RiskProfileParams },
  responses: { 200: { description: 'The profile', content: jsonContent(RiskProfileVersionSchema) }, ...errorResponses(400, 401, 404, 503) },
});

const getProfileVersion = createRoute({
  method: 'get',
  path: '/v1/risk-profiles/{name}/versions/{version}',
  operationId: 'getRiskProfileVersion',
  tags: ['Risk profiles'],
  summary: 'Retrieve one version of your profile (as an assessment recorded it)',
  ...secured,
  request: { params: RiskProfileVersionParams },
  responses: { 200: { description: 'The version', content: jsonContent(RiskProfileVersionSchema) }, ...errorResponses(400, 401, 404, 503) },
});

function builtInBody(name: string) {
  return { object: 'risk_profile' as const, name, version: null, builtIn: true, extends: null, description: null, profile: PROFILES[name]!, createdAt: null };
}

function versionBody(p: StoredProfile) {
  return {
    object: 'risk_profile' as const,
    name: p.name,
    version: p.version,
    builtIn: false,
    extends: p.spec.extends,
    description: p.spec.description ?? null,
    profile: p.profile,
    createdAt: p.createdAt,
  };
}

export function riskProfileRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores, runner: SegmentRunner): void {
  app.openapi(putProfile, async (c) => {
    const tenantId = c.get('tenantId');
    const { name } = c.req.valid('param');
    const spec = c.req.valid('json');
    if (findProfile(name)) throw new ApiProblem(409, 'profile_built_in', 'Built-in profile', `"${name}" is a built-in profile and cannot be changed: publish yours under another name with "extends": "${name}"`);
    const latest = await stores.riskProfiles.latest(tenantId, name);
    if (!latest && (await stores.riskProfiles.listLatest(tenantId)).length >= MAX_RISK_PROFILES) {
      throw new ApiProblem(409, 'too_many_profiles', 'Too many profiles', `a tenant may keep at most ${MAX_RISK_PROFILES} risk profiles; publish new versions of existing ones instead`);
    }
    const base = await stores.riskProfiles.resolver(tenantId)(spec.extends);
    if (!base) throw problems.invalidRequest([{ field: 'extends', message: `no risk profile "${spec.extends}": a built-in one or one of yours` }]);
    const version = (latest?.version ?? 0) + 1;
    const profile = profileFromSpec(name, version, spec, base);
    if (latest && isDeepStrictEqual({ ...latest.profile, version }, profile) && isDeepStrictEqual(latest.spec, spec)) {
      return c.json({ ...versionBody(latest), reassessment: null }, 200);
    }
    const stored: StoredProfile = { name, version, profile, spec, createdAt: new Date().toISOString() };
    await stores.riskProfiles.publish(tenantId, stored);
    // Accounts naming the profile now assess with this version: re-assess them all, as a sweep does.
    const sweep = await startSweep(stores, tenantId, 'profile', runner);
    const reassessment = sweep.segments > 0 ? { sweepId: sweep.sweepId } : null;
    return c.json({ ...versionBody(stored), reassessment }, 201);
  });

  app.openapi(listProfiles, async (c) => {
    const own = await stores.riskProfiles.listLatest(c.get('tenantId'));
    const data = [...Object.keys(PROFILES).map(builtInBody), ...own.sort((a, b) => a.name.localeCompare(b.name)).map(versionBody)];
    // Never paged: every profile on one page.
    return c.json(listAnswer({ items: data, nextCursor: null }), 200);
  });

  app.openapi(getProfile, async (c) => {
    const { name } = c.req.valid('param');
    if (findProfile(name)) return c.json(builtInBody(name), 200);
    const latest = await stores.riskProfiles.latest(c.get('tenantId'), name);
    if (!latest) throw problems.notFound(`no risk profile ${name}`);
    return c.json(versionBody(latest), 200);
  });

  app.openapi(getProfileVersion, async (c) => {
    const { name, version } = c.req.valid('param');
    const stored = await stores.riskProfiles.version(c.get('tenantId'), name, version);
    if (!stored) throw problems.notFound(`no version ${version} of risk profile ${name}${findProfile(name) ? ' (built-in profiles have no versions)' : ''}`);
    return c.json(versionBody(stored), 200);
  });
}
