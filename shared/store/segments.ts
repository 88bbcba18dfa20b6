import { shardOf } from './shard.ts';

/**
 * How a tenant's accounts are split for sweeps (docs/sweeps-and-webhooks.md, "Sweeps").
 *
 * An account is hashed into one of SEGMENT_BUCKETS buckets, and the bucket is part of its
 * keys (the account item's `segmentKey` = `<tenantId>#<bucket>`, its exposure index items
 * `<tenantId>#exposure#<SYMBOL>#<bucket>`). A sweep has S segments, S a power of two from
 * SWEEP_SEGMENTS to SEGMENT_BUCKETS chosen from the tenant's size (segmentsFor); segment k
 * of S reads the buckets b with b % S == k. Each item sits in exactly one bucket, so every
 * S reads every account once.
 *
 * Items written before there were 64 buckets carry `hash % 8` instead. That is the
 * bucket's own number for the 1 in 8 accounts whose bucket is below 8, and for the others
 * a bucket below 8 that their hash does not map to: the old item is then found by the
 * query of bucket `hash % 8` (segment `hash % 8` of every S, since S ≥ 8), and by no other.
 * So nothing is migrated; an old item takes its new key when it is next rewritten
 * (accounts.ts `replacement`).
 */

/** Buckets an account is hashed into: the most segments a sweep can have. */
export const SEGMENT_BUCKETS = 64;

/** Segments of a small tenant's sweep, and the fewest of any (the number of buckets before there were 64). */
export const SWEEP_SEGMENTS = 8;

/**
 * Accounts one segment is sized for: at ~1,000 accounts/s per worker (bench/sweep.ts on
 * DynamoDB Local, after a price move) about 15 s, a quarter of the minute between sweeps,
 * leaving room for a slower worker, a cold start, or a second wave when the worker's
 * reserved concurrency is below the segment count (docs/capacity.md).
 */
export const ACCOUNTS_PER_SEGMENT = 15_000;

/** The account's bucket, 0 to SEGMENT_BUCKETS - 1: the number in the keys written now. */
export function bucketOf(accountId: string): number {
  return shardOf(accountId, SEGMENT_BUCKETS);
}

/** The segment of a sweep of `segments` that reads the account (however its item is keyed). */
export function segmentOf(accountId: string, segments = SWEEP_SEGMENTS): number {
  return bucketOf(accountId) % segments;
}

/** The buckets segment `segment` of `segments` reads, ascending; none for a segment out of range. */
export function bucketsOf(segment: number, segments = SWEEP_SEGMENTS): number[] {
  return Array.from({ length: SEGMENT_BUCKETS }, (_, b) => b).filter((b) => b % segments === segment);
}

/**
 * Segments for a sweep of a tenant with `accounts` accounts (null: not known yet): the
 * smallest power of two with at most ACCOUNTS_PER_SEGMENT accounts each, within
 * [SWEEP_SEGMENTS, SEGMENT_BUCKETS]. A power of two divides SEGMENT_BUCKETS, so each
 * segment gets the same number of buckets.
 */
export function segmentsFor(accounts: number | null): number {
  let segments = SWEEP_SEGMENTS;
  while (segments < SEGMENT_BUCKETS && (accounts ?? 0) > segments * ACCOUNTS_PER_SEGMENT) segments *= 2;
  return segments;
}

/** Whether `segments` is a segment count a sweep can have: a power of two within [SWEEP_SEGMENTS, SEGMENT_BUCKETS]. */
export function isSegmentCount(segments: number): boolean {
  return Number.isInteger(segments) && segments >= SWEEP_SEGMENTS && segments <= SEGMENT_BUCKETS && (segments & (segments - 1)) === 0;
}
