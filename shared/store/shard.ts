import { createHash } from 'node:crypto';

/**
 * A stable shard of `id` among `count`: the first four bytes of its SHA-256 modulo `count`.
 * The same on every instance and every run, so an item's key can be computed again from
 * its id (sweep buckets, the dispatcher's pending keys).
 */
export function shardOf(id: string, count: number): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % count;
}

/** The key of `id`'s shard under `base`: `<base>#<n>`, n = shardOf(id, count). */
export function shardKey(base: string, id: string, count: number): string {
  return `${base}#${shardOf(id, count)}`;
}

/** Every key an item under `base` can carry: its `count` shards, then `base` itself (items written before the shards). */
export function shardKeys(base: string, count: number): string[] {
  return [...Array.from({ length: count }, (_, n) => `${base}#${n}`), base];
}
