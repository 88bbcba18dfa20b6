import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { allowInsecureLocalFromEnv } from '../../shared/webhooks/address-policy.ts';
import { dispatchOnce, type DispatchCounts } from '../../shared/webhooks/dispatcher.ts';
import { storesFromEnv } from '../shared-env.ts';

const stores = storesFromEnv();
const allowInsecureLocal = allowInsecureLocalFromEnv();
/** Time kept back from the invocation's deadline: one delivery's 15 s budget and a margin. */
const RESERVE_MS = 20_000;

/**
 * Scheduled every minute: dispatch the outbox until the invocation nears its end,
 * pausing a second when nothing is due. Overlapping invocations are safe (leases).
 */
export const handler = middy(async (_event: unknown, context: Context) => {
  const total: DispatchCounts = { fannedOut: 0, attempted: 0, delivered: 0, retried: 0, failed: 0 };
  while (context.getRemainingTimeInMillis() > RESERVE_MS) {
    const counts = await dispatchOnce(stores, new Date(), { allowInsecureLocal });
    for (const k of Object.keys(total) as Array<keyof DispatchCounts>) total[k] += counts[k];
    if (counts.fannedOut === 0 && counts.attempted === 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return total;
});
