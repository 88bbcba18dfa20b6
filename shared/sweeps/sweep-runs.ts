import { newId } from '../ids.ts';
import { ConflictError } from '../store/errors.ts';
import type { Stores } from '../store/index.ts';
import { isSegmentCount, segmentsFor, SWEEP_SEGMENTS } from '../store/segments.ts';
import { zeroCounts, type SegmentOutcome, type Sweep } from '../store/sweeps.ts';
import { marketProblem } from './account-assessment.ts';
import { marketStaleEvent } from './sweep-events.ts';
import { sweepAccounts, sweepSegment } from './sweep-accounts.ts';

/** Runs the segments of a started sweep somewhere: in this process, or in worker Lambdas. */
export type SegmentRunner = (tenantId: string, sweepId: string, segments: number) => Promise<void>;

/**
 * How long a sweep of every account may hold the tenant's slot: the worker's 5-minute
 * timeout and a minute more. A sweep that never finished (its workers died) stops blocking
 * the schedule after this.
 */
export const FULL_SWEEP_LEASE_MS = 6 * 60_000;

/**
 * Triggers that sweep every account only to catch up with time passing: one at a time per
 * tenant. A `price` or `profile` sweep carries a change the running sweep may have read
 * before it happened, so it always starts.
 */
const ONE_AT_A_TIME: ReadonlySet<Sweep['trigger']> = new Set(['schedule', 'api']);

/**
 * Starts a sweep of a tenant's accounts. Market data that is missing or older than the
 * profile allows is refused: the sweep ends at once with a `market.stale` event, since
 * stale prices cause the worst false liquidations. A scheduled or on-demand sweep while
 * another of those is running starts nothing and answers the running one (a minute's
 * schedule never piles sweeps onto a slow one). Otherwise the segments go to `run`: as
 * many as the tenant's size asks for (segmentsFor: the accounts its last completed sweep of
 * every account read; 8 for a small or new tenant), recorded on the sweep for its workers.
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
  const segments = problem ? 0 : segmentsFor(await stores.sweeps.lastSize(tenantId));
  const sweep: Sweep = {
    sweepId,
    status: problem ? 'completed' : 'running',
    trigger,
    segments,
    segmentsDone: 0,
    counts: zeroCounts(),
    startedAt: now.toISOString(),
    completedAt: problem ? now.toISOString() : null,
    reason: problem,
    unassessable: [],
    underlyings,
  };
  if (!problem && ONE_AT_A_TIME.has(trigger)) {
    const running = await runningFullSweep(stores, tenantId, sweepId, now);
    if (running) return running;
  }
  await stores.sweeps.create(tenantId, sweep);
  if (problem) {
    await stores.events.put(tenantId, marketStaleEvent(tenantId, sweepId, problem, market?.asOf ?? null, now));
    return sweep;
  }
  await run(tenantId, sweepId, segments);
  return sweep;
}

/**
 * Claims the tenant's slot for `sweepId`; or the sweep of every account already running,
 * which the caller answers instead of starting another.
 */
async function runningFullSweep(stores: Stores, tenantId: string, sweepId: string, now: Date): Promise<Sweep | null> {
  const leaseUntil = new Date(now.getTime() + FULL_SWEEP_LEASE_MS);
  let holder = await stores.sweeps.claimFullSweep(tenantId, sweepId, now, leaseUntil);
  if (holder === null) return null;
  const current = await stores.sweeps.get(tenantId, holder);
  if (current?.status === 'running') return current;
  // The holder finished without freeing the slot (its release was lost): take it over, once.
  if (current) holder = await stores.sweeps.claimFullSweep(tenantId, sweepId, now, leaseUntil, holder);
  if (holder === null) return null;
  // The holder claimed a moment ago and has not written its sweep yet: the next minute's sweep will run.
  throw new ConflictError("the tenant's running sweep");
}

/**
 * Starts a `price` sweep: the accounts exposed to `underlyings` (found through the
 * exposure index), re-assessed by the same segment runner as any sweep.
 */
export function startPriceSweep(stores: Stores, tenantId: string, underlyings: readonly string[], run: SegmentRunner, now = new Date()): Promise<Sweep> {
  return startSweep(stores, tenantId, 'price', run, now, [...underlyings].sort());
}

/** What a segment's run found, and whether its counts were recorded now (false: a retry of a segment already recorded). */
export interface SegmentRunOutcome extends SegmentOutcome {
  readonly recorded: boolean;
}

/**
 * A worker's job: one segment of the sweep's `segments`, then its counts recorded once. A
 * `price` sweep's segment is the segment's accounts exposed to the sweep's underlyings;
 * any other, all of them.
 */
export async function runSegment(stores: Stores, tenantId: string, sweepId: string, segment: number, now = new Date()): Promise<SegmentRunOutcome> {
  const sweep = await stores.sweeps.get(tenantId, sweepId);
  const underlyings = sweep?.underlyings;
  const segments = sweep && isSegmentCount(sweep.segments) ? sweep.segments : SWEEP_SEGMENTS;
  // A segment out of range reads no bucket: recorded, it would count toward completing the sweep.
  if (!Number.isInteger(segment) || segment < 0 || segment >= segments) throw new RangeError(`segment ${segment} of a sweep of ${segments}`);
  const outcome = underlyings
    ? await sweepAccounts(stores, tenantId, sweepId, stores.accounts.many(tenantId, await stores.accounts.exposedIds(tenantId, underlyings, segment, segments)), now)
    : await sweepSegment(stores, tenantId, sweepId, segment, now, segments);
  const recorded = (await stores.sweeps.completeSegment(tenantId, sweepId, segment, outcome, now)) === 'recorded';
  return { ...outcome, recorded };
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
