import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../../test/dynamo.ts';
import type { Stores } from '../../../shared/store/index.ts';
import type { ApiEnv } from '../env.ts';
import { compactProblem, idempotency } from './idempotency.ts';
import { requestId } from './request-id.ts';

let stores: Stores;

beforeAll(async () => {
  ({ stores } = await freshStores());
});

/** An app whose one POST route gives the queued answers in turn, behind the idempotency middleware. */
function appAnswering(...answers: Array<{ status: number; body: string }>) {
  const app = new Hono<ApiEnv>();
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('tenantId', 'tenant-idem');
    c.set('rawBody', await c.req.text());
    await next();
  });
  app.use('*', idempotency(stores.idempotency, async (c, stored) => c.body(stored.body ?? '', stored.status as 200, { 'Content-Type': 'application/problem+json' })));
  app.post('/thing', (c) => {
    const { status, body } = answers.shift()!;
    return c.body(body, status as 200, { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' });
  });
  return (key: string) => app.request('/thing', { method: 'POST', headers: { 'Idempotency-Key': key }, body: '{}' });
}

const problem = (status: number, code: string, errors?: unknown[]) => JSON.stringify({ type: `https://softland.dev/problems/${code}`, title: code, status, detail: code, code, ...(errors ? { errors } : {}) });

describe('idempotency middleware', () => {
  it.each([
    [409, 'conflict'],
    [429, 'rate_limited'],
    [503, 'service_unavailable'],
  ])('stores no %d (%s): the retry it invites runs', async (status, code) => {
    const post = appAnswering({ status, body: problem(status, code) }, { status: 200, body: '{"ok":true}' });
    const key = `retry-${status}-${randomBytes(4).toString('hex')}`;
    expect((await post(key)).status).toBe(status);
    const retry = await post(key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull();
    const replay = await post(key);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await replay.json()).toEqual({ ok: true });
  });

  it('stores a problem too large even compressed as a compact one, and answers that same problem first and on replay', async () => {
    // Random field names: about 500 KB compressed, more than an idempotency record holds.
    const errors = Array.from({ length: 5_000 }, () => ({ field: randomBytes(100).toString('base64'), message: 'is not a known field' }));
    const post = appAnswering({ status: 400, body: problem(400, 'invalid_request', errors) });
    const first = await post('huge-problem');
    const again = await post('huge-problem');
    expect([first.status, again.status]).toEqual([400, 400]);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    const body = (await first.json()) as { errors: unknown[]; errorsOmitted: number };
    expect(body.errors.length).toBeGreaterThan(0);
    expect(body.errors).toEqual(errors.slice(0, body.errors.length));
    expect(body.errors.length + body.errorsOmitted).toBe(errors.length);
    expect(await again.json()).toEqual(body);
  });
});

describe('compactProblem', () => {
  it('keeps a small problem as it is, and cuts a long detail and errors list', () => {
    expect(JSON.parse(compactProblem(problem(404, 'resource_missing')))).toEqual(JSON.parse(problem(404, 'resource_missing')));
    const errors = Array.from({ length: 10_000 }, (_, i) => ({ field: `positions[${i}].quantity`, message: 'Invalid input: expected number, received string' }));
    const long = { ...JSON.parse(problem(400, 'invalid_request', errors)), detail: 'x'.repeat(50_000) };
    const compact = JSON.parse(compactProblem(JSON.stringify(long))) as { detail: string; errors: unknown[]; errorsOmitted: number; code: string };
    expect(compact.code).toBe('invalid_request');
    expect(compact.detail.length).toBeLessThan(1_100);
    expect(compact.errors).toEqual(errors.slice(0, compact.errors.length));
    expect(compact.errors.length + compact.errorsOmitted).toBe(errors.length);
    expect(JSON.stringify(compact).length).toBeLessThan(110_000);
  });
});
