import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { allowInsecureLocalFromEnv } from '../../shared/webhooks/address-policy.ts';
import { DEFAULT_DELIVERY_TIMEOUT_MS } from '../../shared/webhooks/deliver.ts';
import { dispatchOnce, type DispatchCounts } from '../../shared/webhooks/dispatch-outbox.ts';
import { addDeliveryCounts, observability } from '../observability.ts';
import { tracing } from '../tracing.ts';

const { metrics, middlewares } = observability('dispatcher');
const { stores, middleware: traced } = tracing('dispatcher');
const allowInsecureLocal = allowInsecureLocalFromEnv();
/** Time kept back from the invocation's deadline for the last writes. */
const RESERVE_MS = 5_000;

/**
 * Scheduled every minute: dispatch the outbox until the invocation nears its end,
 * pausing a second when nothing is due. Overlapping invocations are safe (leases).
 * The run's deliveries by outcome are published as metrics (EMF) when it ends: the
 * stack's alarms watch WebhookDeliveriesFailed and WebhookDeliveriesRetried.
 */
export const handler = middy(async (_event: unknown, context: Context) => {
  const total: DispatchCounts = { fannedOut: 0, attempted: 0, delivered: 0, retried: 0, failed: 0, deferred: 0 };
  const deadline = new Date(Date.now() + context.getRemainingTimeInMillis() - RESERVE_MS);
  try {
    // A run only starts attempts that can finish (15 s each) before the deadline.
    while (deadline.getTime() - Date.now() > DEFAULT_DELIVERY_TIMEOUT_MS) {
      const counts = await dispatchOnce(stores, new Date(), { allowInsecureLocal, deadline });
      for (const k of Object.keys(total) as Array<keyof DispatchCounts>) total[k] += counts[k];
      if (counts.fannedOut === 0 && counts.attempted === 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    // A run that fails still reports what it delivered before (logMetrics flushes on error too).
    addDeliveryCounts(metrics, total);
  }
  return total;
}).use([traced, ...middlewares]);
