import { createHash } from 'node:crypto';

/**
 * A stable shard of `id` among `count`: the first four bytes of its SHA-256 modulo `count`.
 * The same on every instance and every run, so an item's key can be computed again from
 * its id (sweep buckets, the dispatcher's pending keys).
 */
export function shardOf(id: string, count: number): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % count;
}
