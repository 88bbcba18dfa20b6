/**
 * The deployed artifacts, end to end: each function bundled exactly as the stack bundles
 * it (infra/bundling.ts: ESM with the `require` banner, minified, zod alias, AWS SDK
 * external), imported as Lambda imports it, and invoked against DynamoDB Local.
 */
import { execSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../test/dynamo.ts';
import { captureOutput, lambdaContext, metricLines, restEvent, setLambdaEnv } from '../test/lambda.ts';
import { deskAssetsCommands, ENTRIES, shipPackages, esbuildOptions, REPO_ROOT, type FunctionId } from './bundling.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

// Inside node_modules/: the bundles resolve the external @aws-sdk/* there, as Lambda resolves the runtime's.
const OUT = join(REPO_ROOT, 'node_modules', '.cache', `softland-test-bundle-${randomBytes(4).toString('hex')}`);
const handlers = {} as Record<FunctionId, Handler>;
let apiKey: string;

beforeAll(async () => {
  const fresh = await freshStores();
  const { stores } = fresh;
  // The environment the stack sets, and DynamoDB Local in place of DynamoDB.
  setLambdaEnv(fresh, { SOFTLAND_SWEEP_WORKER_FUNCTION: 'softland-test-worker' });
  const tenant = await stores.tenants.create('Bundle test');
  apiKey = (await stores.apiKeys.issue(tenant.tenantId)).secret;
  await Promise.all(
    (Object.keys(ENTRIES) as FunctionId[]).map(async (id) => {
      mkdirSync(join(OUT, id), { recursive: true });
      const outfile = join(OUT, id, 'index.mjs');
      await build(esbuildOptions(id, outfile));
      shipPackages(join(OUT, id));
      // The desk's assets, by the stack's own bundling command.
      if (id === 'api') execSync(deskAssetsCommands(join(OUT, id)).join(' && '), { stdio: 'inherit' });
      handlers[id] = ((await import(pathToFileURL(outfile).href)) as { handler: Handler }).handler;
    }),
  );
}, 60_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

const api = async (event: APIGatewayProxyEvent) => (await handlers.api(event, lambdaContext())) as APIGatewayProxyResult;
/** A response header (hono answers a REST API event in `multiValueHeaders` when it came with them). */
const header = (res: APIGatewayProxyResult, name: string) =>
  [...Object.entries(res.headers ?? {}), ...Object.entries(res.multiValueHeaders ?? {}).map(([k, v]) => [k, v.join(', ')] as const)].find(
    ([k]) => k.toLowerCase() === name.toLowerCase(),
  )?.[1];

describe('the zod stand-in of the bundles (infra/bundle/zod.ts)', () => {
  it('exports what zod exports, with English alone in locales', async () => {
    const real = await import('zod');
    const shim = await import('./bundle/zod.ts');
    expect(Object.keys(shim).sort()).toEqual(Object.keys(real).sort());
    expect(Object.keys(shim.z).sort()).toEqual(Object.keys(real.z).sort());
    expect(Object.keys(shim.z.locales)).toEqual(['en']);
    expect(Object.keys(shim.z.core.locales)).toEqual(['en']);
    expect(Object.keys(shim.z.core).sort()).toEqual(Object.keys(real.z.core).sort());
  });
});

describe('the API bundle behind API Gateway', () => {
  it('serves the risk desk and the reference page from the assets beside it, under their CSP', async () => {
    const desk = await api(restEvent('GET', '/desk'));
    expect(desk.statusCode).toBe(200);
    expect(header(desk, 'Content-Security-Policy')).toContain("script-src 'self'");
    const script = /src="(\/desk\/assets\/desk-[0-9a-f]{12}\.js)"/.exec(desk.body)?.[1];
    expect(script).toBeDefined();
    const js = await api(restEvent('GET', script!));
    expect(js.statusCode).toBe(200);
    expect(header(js, 'Content-Type')).toMatch(/^text\/javascript/);
    expect(header(js, 'Cache-Control')).toContain('immutable');
    expect(js.body.length).toBeGreaterThan(10_000);
    const docs = await api(restEvent('GET', '/docs'));
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toMatch(/<script src="\/desk\/assets\/redoc\.standalone-[0-9a-f]{12}\.js"><\/script>/);
  });

  it('serves the OpenAPI document', async () => {
    const res = await api(restEvent('GET', '/openapi.json'));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
  });

  it('answers 401 problems without a key', async () => {
    const res = await api(restEvent('POST', '/v1/assessments', { 'Content-Type': 'application/json' }, '{}'));
    expect(res.statusCode).toBe(401);
    expect(header(res, 'Content-Type')).toMatch(/application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('validates with zod and explains in English', async () => {
    const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() };
    const res = await api(restEvent('POST', '/v1/assessments', headers, JSON.stringify({ accountId: 42 })));
    expect(res.statusCode).toBe(400);
    const problem = JSON.parse(res.body) as { code: string; errors: Array<{ field: string; message: string }> };
    expect(problem.code).toBe('invalid_request');
    expect(problem.errors.find((e) => e.field === 'accountId')?.message).toMatch(/expected string/i);
  });

  it('assesses and records a snapshot', async () => {
    const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() };
    const body = readFileSync(join(REPO_ROOT, 'examples', 'tier1-perpetuals.json'), 'utf8');
    const res = await api(restEvent('POST', '/v1/assessments', headers, body));
    expect(res.statusCode).toBe(201);
    const assessment = JSON.parse(res.body) as { id: string; tier: string };
    expect(assessment.tier).toBe('tier1');
    const again = await api(restEvent('GET', `/v1/assessments/${assessment.id}`, { Authorization: `Bearer ${apiKey}` }));
    expect(again.statusCode).toBe(200);
  });

  it('publishes an Assessments metric with its tier as EMF on stdout (Powertools Metrics, bundled)', async () => {
    const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() };
    const body = readFileSync(join(REPO_ROOT, 'examples', 'tier1-perpetuals.json'), 'utf8');
    const { result, emf } = await captureOutput(() => api(restEvent('POST', '/v1/assessments', headers, body)));
    expect(result.statusCode).toBe(201);
    expect(metricLines(emf, 'Assessments')).toEqual([
      expect.objectContaining({ namespace: 'Softland', dimensions: [['service', 'tier']], value: 1, line: expect.objectContaining({ tier: 'tier1' }) }),
    ]);
  });
});

describe('the scheduled bundles', () => {
  it('the coordinator sweeps every tenant (none has market data yet: each sweep ends at once, nothing invoked)', async () => {
    const result = (await handlers.coordinator({ source: 'softland.schedule' }, lambdaContext())) as { tenants: number; sweeps: Array<{ status: string; reason: string | null }> };
    expect(result.tenants).toBeGreaterThanOrEqual(1);
    for (const sweep of result.sweeps) expect(sweep).toMatchObject({ status: 'completed', reason: expect.any(String) });
  });

  it('the dispatcher stops when the invocation nears its end', async () => {
    const counts = await handlers.dispatcher({ source: 'softland.schedule' }, lambdaContext(0));
    expect(counts).toEqual({ fannedOut: 0, attempted: 0, delivered: 0, retried: 0, failed: 0, deferred: 0 });
  });

  it('the worker runs a segment', async () => {
    const result = await handlers.worker({ tenantId: 'ten_missing', sweepId: 'swp_missing', segment: 0 }, lambdaContext());
    expect(result).toEqual({ sweepId: 'swp_missing', segment: 0 });
  });
});
