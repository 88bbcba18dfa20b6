import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { allowInsecureLocalFromEnv } from '../../shared/webhooks/address-policy.ts';
import { requiredEnv, storesFromEnv } from '../shared-env.ts';
import { lambdaRunner } from '../sweep/lambda-runner.ts';
import { createApp } from './app.ts';

// Built once per container, reused across invocations.
const stores = storesFromEnv();
const app = createApp({
  stores,
  allowInsecureWebhooks: allowInsecureLocalFromEnv(),
  sweepRunner: lambdaRunner(requiredEnv('SOFTLAND_SWEEP_WORKER_FUNCTION')),
});

/** API Gateway → Hono. middy carries Lambda-level concerns only (the app handles HTTP). */
export const handler = middy(handle(app));
