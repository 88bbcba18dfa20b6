import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../../test/dynamo.ts';
import type { Stores } from '../../../shared/store/index.ts';
import type { ApiEnv } from '../env.ts';
import { idempotency } from './idempotency.ts';
import { requestId } from './request-id.ts';

let stores: Stores;

beforeAll(async () => {
  ({ stores } = await freshStores());
});

/** An app whose one POST route gives the queued answers in turn, behind the idempotency middleware. */
function appAnswering(...answers: Array<{ status: number; body: string; headers?: Record<string, string> }>) {
  const app = new Hono<ApiEnv>();
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('tenantId', 'tenant-idem');
    c.set('rawBody', await c.req.text());
    await next();
  });
  app.use('*', idempotency(stores.idempotency, async (c, stored) => c.body(stored.body ?? '', stored.status as 200, { 'Content-Type': 'application/problem+json' })));
  app.post('/thing', (c) => {
    const { status, body, headers } = answers.shift()!;
    return c.body(body, status as 200, { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
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
    const post = appAnswering({ status, body: problem(status, code), headers: status < 500 ? { 'Retry-After': '1' } : {} }, { status: 200, body: '{"ok":true}' });
    const key = `retry-${status}-${randomBytes(4).toString('hex')}`;
    expect((await post(key)).status).toBe(status);
    const retry = await post(key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull();
    const replay = await post(key);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await replay.json()).toEqual({ ok: true });
  });

  it('keeps no signing secret for replay: the replayed answer is the same object without it, and the stored record holds none', async () => {
    const post = appAnswering({ status: 201, body: JSON.stringify({ object: 'webhook_endpoint', id: 'we_1', secret: 'whsec_c2VjcmV0' }) });
    const key = `secret-${randomBytes(4).toString('hex')}`;
    expect(await (await post(key)).json()).toMatchObject({ secret: 'whsec_c2VjcmV0' });
    const replay = await post(key);
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await replay.json()).toEqual({ object: 'webhook_endpoint', id: 'we_1' });
    const requestHash = createHash('sha256').update('POST /thing\n').update('{}').digest('hex');
    const stored = await stores.idempotency.claim({ tenantId: 'tenant-idem', key, requestHash });
    expect(stored.state).toBe('completed');
    expect(JSON.stringify(stored)).not.toContain('whsec_');
  });

  it('stores a 409 that no retry changes, like any answer', async () => {
    const post = appAnswering({ status: 409, body: problem(409, 'delivery_not_failed') }, { status: 202, body: '{"ok":true}' });
    expect((await post('final-409')).status).toBe(409);
    const again = await post('final-409');
    expect([again.status, again.headers.get('Idempotent-Replayed')]).toEqual([409, 'true']);
  });

  it('keeps no answer too large to store even compressed: the key is released and a retry runs', async () => {
    // Random bytes do not compress: about 500 KB stored, more than an idempotency record holds.
    const huge = JSON.stringify({ data: randomBytes(375_000).toString('base64') });
    const post = appAnswering({ status: 200, body: huge }, { status: 200, body: '{"ok":true}' });
    expect((await post('huge-answer')).status).toBe(200);
    const retry = await post('huge-answer');
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull();
    expect(await retry.json()).toEqual({ ok: true });
  });
});
