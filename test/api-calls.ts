import { expect } from 'vitest';
import type { createApp } from '../functions/api/app.ts';
import type { Stores } from '../shared/store/index.ts';

/** One request to the app with a tenant's key: status and parsed JSON body. */
export type ApiCall = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

/** A new tenant with an admin key, and `call` to send requests to `app` as that tenant. */
export async function tenantCaller(stores: Stores, app: ReturnType<typeof createApp>, name: string): Promise<{ tenantId: string; call: ApiCall }> {
  const tenant = await stores.tenants.create(name);
  const key = await stores.apiKeys.issue(tenant.tenantId);
  return { tenantId: tenant.tenantId, call: keyCaller(app, key.secret) };
}

/** Sends requests to `app` with the API key `secret` (and extra headers, e.g. an Idempotency-Key). */
export function keyCaller(app: ReturnType<typeof createApp>, secret: string): ApiCall {
  return async (method, path, body, headers = {}) => {
    const res = await app.request(path, {
      method,
      headers: { Authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}

/** The sweep's answer once it is no longer running (within 5 s). */
export async function sweepDone(call: ApiCall, sweepId: string) {
  for (let i = 0; i < 200; i++) {
    const s = await call('GET', `/v1/sweeps/${sweepId}`);
    if (s.body.status !== 'running') return s.body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('sweep did not finish');
}

/** Starts a sweep through the API and waits for it to finish. */
export async function sweepAndWait(call: ApiCall) {
  const started = await call('POST', '/v1/sweeps');
  expect(started.status).toBe(202);
  return sweepDone(call, started.body.id);
}
