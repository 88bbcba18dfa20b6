import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { allowInsecureLocalFromEnv } from '../../shared/webhooks/address-policy.ts';
import { requiredEnv, storesFromEnv, tenantRateLimitFromEnv } from '../shared-env.ts';
import { lambdaRunner } from '../sweep/lambda-runner.ts';
import { createApp } from './app.ts';

// Built once per container, reused across invocations.
const stores = storesFromEnv();
const app = createApp({
  stores,
  allowInsecureWebhooks: allowInsecureLocalFromEnv(),
  tenantRequestsPerSecond: tenantRateLimitFromEnv(),
  sweepRunner: lambdaRunner(requiredEnv('SOFTLAND_SWEEP_WORKER_FUNCTION')),
});

/** API Gateway → Hono. middy carries Lambda-level concerns only (the app handles HTTP). */
export const handler = middy(handle(app));
