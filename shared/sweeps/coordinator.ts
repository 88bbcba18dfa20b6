import { newId } from '../ids.ts';
import type { Stores } from '../store/index.ts';
import { SWEEP_SEGMENTS } from '../store/accounts.ts';
import { zeroCounts, type Sweep } from '../store/sweeps.ts';
import { marketProblem } from './account-assessment.ts';
import { marketStaleEvent } from './events.ts';
import { sweepAccounts, sweepSegment } from './worker.ts';

/** Runs the segments of a started sweep somewhere: in this process, or in worker Lambdas. */
export type SegmentRunner = (tenantId: string, sweepId: string, segments: number) => Promise<void>;

/**
 * Starts a sweep of a tenant's accounts. Market data that is missing or older than the
 * profile allows is refused: the sweep ends at once with a `market.stale` event, since
 * stale prices cause the worst false liquidations. Otherwise the segments go to `run`.
 */
export async function startSweep(
  stores: Stores,
  tenantId: string,
  trigger: Sweep['trigger'],
  run: SegmentRunner,
  now = new Date(),
  underlyings: readonly string[] | null = null,
): Promise<Sweep> {
  if ((trigger === 'price') !== (underlyings !== null)) throw new TypeError('a price sweep, and only one, names its underlyings');
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
    unassessable: [],
    underlyings,
  };
  await stores.sweeps.create(tenantId, sweep);
  if (problem) {
    await stores.events.put(tenantId, marketStaleEvent(tenantId, sweepId, problem, market?.asOf ?? null, now));
    return sweep;
  }
  await run(tenantId, sweepId, SWEEP_SEGMENTS);
  return sweep;
}

/**
 * Starts a `price` sweep: the accounts exposed to `underlyings` (found through the
 * exposure index), re-assessed by the same segment runner as any sweep.
 */
export function startPriceSweep(stores: Stores, tenantId: string, underlyings: readonly string[], run: SegmentRunner, now = new Date()): Promise<Sweep> {
  return startSweep(stores, tenantId, 'price', run, now, [...underlyings].sort());
}

/**
 * A worker's job: one segment, then its counts recorded once. A `price` sweep's segment
 * is the segment's accounts exposed to the sweep's underlyings; any other, all of them.
 */
export async function runSegment(stores: Stores, tenantId: string, sweepId: string, segment: number, now = new Date()): Promise<void> {
  const sweep = await stores.sweeps.get(tenantId, sweepId);
  const underlyings = sweep?.underlyings;
  const outcome = underlyings
    ? await sweepAccounts(stores, tenantId, sweepId, stores.accounts.many(tenantId, await stores.accounts.exposedIds(tenantId, underlyings, segment)), now)
    : await sweepSegment(stores, tenantId, sweepId, segment, now);
  await stores.sweeps.completeSegment(tenantId, sweepId, segment, outcome, now);
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
