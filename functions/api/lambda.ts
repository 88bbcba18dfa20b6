import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { assess } from '../../shared/risk/assess.ts';
import { allowInsecureLocalFromEnv } from '../../shared/webhooks/address-policy.ts';
import { countingAssessor, logErrorWith, observability } from '../observability.ts';
import { requiredEnv, storesFromEnv, tenantRateLimitFromEnv } from '../shared-env.ts';
import { lambdaRunner } from '../sweep/lambda-runner.ts';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.ts';
import { readDeskAssets } from './desk-assets.ts';

// Built once per container, reused across invocations.
const { logger, metrics, middlewares } = observability('api');
const stores = storesFromEnv();
const app = createApp({
  stores,
  allowInsecureWebhooks: allowInsecureLocalFromEnv(),
  tenantRequestsPerSecond: tenantRateLimitFromEnv(),
  sweepRunner: lambdaRunner(requiredEnv('SOFTLAND_SWEEP_WORKER_FUNCTION')),
  // Unexpected errors as JSON lines whose correlation_id is the request's X-Request-Id.
  logError: logErrorWith(logger),
  // The engine in this thread, counting each assessment (metric Assessments, by tier).
  assessor: countingAssessor(assess, metrics),
  // Written beside the bundle by its bundling hook (infra/bundling.ts); read on the first page request.
  pages: async () => readDeskAssets(fileURLToPath(new URL('./desk/', import.meta.url))),
});

/** API Gateway → Hono. middy carries Lambda-level concerns only (the app handles HTTP): logs and metrics. */
export const handler = middy(handle(app)).use([...middlewares]);
