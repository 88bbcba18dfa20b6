import { newId } from '../ids.ts';
import type { Stores } from '../store/index.ts';
import { SWEEP_SEGMENTS } from '../store/accounts.ts';
import { zeroCounts, type Sweep } from '../store/sweeps.ts';
import { marketProblem } from './account-assessment.ts';
import { marketStaleEvent } from './events.ts';
import { sweepSegment } from './worker.ts';

/** Runs the segments of a started sweep somewhere: in this process, or in worker Lambdas. */
export type SegmentRunner = (tenantId: string, sweepId: string, segments: number) => Promise<void>;

/**
 * Starts a sweep of a tenant's accounts. Market data that is missing or older than the
 * profile allows is refused: the sweep ends at once with a `market.stale` event, since
 * stale prices cause the worst false liquidations. Otherwise the segments go to `run`.
 */
export async function startSweep(stores: Stores, tenantId: string, trigger: Sweep['trigger'], run: SegmentRunner, now = new Date()): Promise<Sweep> {
  const sweepId = newId('swp', now.getTime());
  const market = await stores.market.get(tenantId);
  const problem = marketProblem(market, now);
  const sweep: Sweep = {
    sweepId,
    status: problem ? 'completed' : 'running',
    trigger,
    segments: problem ? 0 : SWEEP_SEGMENTS,
    segmentsDone: 0,
    counts: zeroCounts(),
    startedAt: now.toISOString(),
    completedAt: problem ? now.toISOString() : null,
    reason: problem,
  };
  await stores.sweeps.create(tenantId, sweep);
  if (problem) {
    await stores.events.put(tenantId, marketStaleEvent(tenantId, sweepId, problem, market?.asOf ?? null, now));
    return sweep;
  }
  await run(tenantId, sweepId, SWEEP_SEGMENTS);
  return sweep;
}

/** A worker's job: one segment, then its counts recorded once. */
export async function runSegment(stores: Stores, tenantId: string, sweepId: string, segment: number, now = new Date()): Promise<void> {
  const counts = await sweepSegment(stores, tenantId, sweepId, segment, now);
  await stores.sweeps.completeSegment(tenantId, sweepId, segment, counts, now);
}

/**
 * Runs segments concurrently in this process, in the background (the local server;
 * Lambda invokes a worker per segment instead). A failed segment fails the sweep.
 */
export function inProcessRunner(stores: Stores, onError: (error: unknown) => void = () => {}): SegmentRunner {
  return async (tenantId, sweepId, segments) => {
    const now = new Date();
    void Promise.all(Array.from({ length: segments }, (_, s) => runSegment(stores, tenantId, sweepId, s, now))).catch(async (error: unknown) => {
      onError(error);
      await stores.sweeps.finish(tenantId, sweepId, 'failed', String((error as Error)?.message ?? error)).catch(onError);
    });
  };
}
