import middy from '@middy/core';
import { startSweep } from '../../shared/sweeps/sweep-runs.ts';
import { addSweepStarts, observability } from '../observability.ts';
import { requiredEnv } from '../shared-env.ts';
import { tracing } from '../tracing.ts';
import { lambdaRunner } from './lambda-runner.ts';

const { logger, metrics, middlewares } = observability('coordinator');
const { stores, middleware: traced } = tracing('coordinator');
const runner = lambdaRunner(requiredEnv('SOFTLAND_SWEEP_WORKER_FUNCTION'));

/** EventBridge Scheduler, every minute: one sweep per tenant, its segments fanned out to workers. */
export const handler = middy(async () => {
  const since = new Date();
  const tenants = await stores.tenants.list();
  const sweeps = await Promise.all(tenants.map((t) => startSweep(stores, t.tenantId, 'schedule', runner)));
  logger.info({ message: 'scheduled sweeps', tenants: tenants.length, ...addSweepStarts(metrics, sweeps, since) });
  return { tenants: tenants.length, sweeps: sweeps.map((s) => ({ id: s.sweepId, status: s.status, reason: s.reason })) };
}).use([traced, ...middlewares]);
