import middy from '@middy/core';
import { runSegment } from '../../shared/sweeps/sweep-runs.ts';
import { addSegmentProgress, observability } from '../observability.ts';
import { tracing } from '../tracing.ts';
import type { SegmentJob } from './lambda-runner.ts';

const { metrics, middlewares } = observability('worker');
const { stores, middleware: traced } = tracing('worker');

/** One segment of one sweep (invoked asynchronously by the coordinator; retried by Lambda on failure). */
export const handler = middy(async (job: SegmentJob) => {
  addSegmentProgress(metrics, await runSegment(stores, job.tenantId, job.sweepId, job.segment));
  return { sweepId: job.sweepId, segment: job.segment };
}).use([traced, ...middlewares]);
