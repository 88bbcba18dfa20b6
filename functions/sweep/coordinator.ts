import middy from '@middy/core';
import { startSweep } from '../../shared/sweeps/coordinator.ts';
import { requiredEnv, storesFromEnv } from '../shared-env.ts';
import { lambdaRunner } from './lambda-runner.ts';

const stores = storesFromEnv();
const runner = lambdaRunner(requiredEnv('SOFTLAND_SWEEP_WORKER_FUNCTION'));

/** EventBridge Scheduler, every minute: one sweep per tenant, its segments fanned out to workers. */
export const handler = middy(async () => {
  const tenants = await stores.tenants.list();
  const sweeps = await Promise.all(tenants.map((t) => startSweep(stores, t.tenantId, 'schedule', runner)));
  return { tenants: tenants.length, sweeps: sweeps.map((s) => ({ id: s.sweepId, status: s.status, reason: s.reason })) };
});
