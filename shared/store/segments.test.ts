/**
 * Sweep segments over 64 buckets, with items stored before there were 64 (`hash % 8` in
 * their keys) beside items stored now: every segment count reads every account once.
 */
import { createHash } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import { accountPartition } from './account-partitions.ts';
import type { Stores } from './index.ts';
import { ACCOUNTS_PER_SEGMENT, bucketOf, bucketsOf, isSegmentCount, SEGMENT_BUCKETS, segmentOf, segmentsFor, SWEEP_SEGMENTS } from './segments.ts';
import type { TableNames } from './tables.ts';

let stores: Stores;
let db: DynamoDBClient;
let names: TableNames;
beforeAll(async () => {
  ({ stores, db, names } = await freshStores());
});

/** The key number items carried before there were 64 buckets. */
const oldBucket = (accountId: string) => createHash('sha256').update(accountId).digest().readUInt32BE(0) % 8;

/** Long 1 perpetual on each of `symbols`. */
const book = (...symbols: string[]): AccountBook => ({
  profile: 'default',
  collateral: [{ asset: 'USD', amount: 10_000 }],
  positions: symbols.map((s) => ({ id: s, instrument: { type: 'perpetual' as const, underlying: s }, quantity: 1, entryPrice: 100 })),
});

/**
 * Rewrites a stored account as the code before 64 buckets stored it: `segmentKey` and its
 * exposure index items under `hash % 8`.
 */
async function makeOld(tenantId: string, accountId: string): Promise<void> {
  const key = { tenantId: { S: accountPartition(tenantId, accountId) }, accountId: { S: accountId } };
  const { Item } = await db.send(new GetItemCommand({ TableName: names.accounts, Key: key, ConsistentRead: true }));
  const exposures = JSON.parse(Item!['exposures']!.S!) as string[];
  await db.send(new UpdateItemCommand({ TableName: names.accounts, Key: key, UpdateExpression: 'SET segmentKey = :s', ExpressionAttributeValues: { ':s': { S: `${tenantId}#${oldBucket(accountId)}` } } }));
  for (const symbol of exposures) {
    await db.send(new DeleteItemCommand({ TableName: names.accounts, Key: { tenantId: { S: `${tenantId}#exposure#${symbol}#${bucketOf(accountId)}` }, accountId: { S: accountId } } }));
    await db.send(new PutItemCommand({ TableName: names.accounts, Item: { tenantId: { S: `${tenantId}#exposure#${symbol}#${oldBucket(accountId)}` }, accountId: { S: accountId } } }));
  }
}

/** Every id each segment of `segments` reads, segment by segment, through the bySegment index and through the exposure index. */
async function readBySegment(tenantId: string, segments: number, symbols: string[]) {
  const swept: string[][] = [];
  const exposed: string[][] = [];
  for (let k = 0; k < segments; k++) {
    const ids: string[] = [];
    for await (const a of stores.accounts.segment(tenantId, k, segments)) ids.push(a.accountId);
    swept.push(ids);
    exposed.push(await stores.accounts.exposedIds(tenantId, symbols, k, segments));
  }
  return { swept, exposed };
}

const sorted = (ids: string[]) => [...ids].sort();

describe('segments and buckets', () => {
  it('refine the old 8: an account\'s bucket mod 8 is its old key, and segment k of S owns the buckets b % S == k', () => {
    for (const id of ['acct-0', 'legacy', 'x', 'a-very-long-account-id']) {
      expect(bucketOf(id) % 8).toBe(oldBucket(id));
      expect(segmentOf(id)).toBe(oldBucket(id));
      expect(bucketsOf(segmentOf(id, 16), 16)).toContain(bucketOf(id));
    }
    for (const s of [8, 16, 32, 64]) {
      const owned = Array.from({ length: s }, (_, k) => bucketsOf(k, s));
      expect(owned.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: SEGMENT_BUCKETS }, (_, b) => b));
      expect(owned.every((b) => b.length === SEGMENT_BUCKETS / s)).toBe(true);
      expect(isSegmentCount(s)).toBe(true);
    }
    expect([0, 4, 12, 128].some(isSegmentCount)).toBe(false);
    expect(bucketsOf(8, 8)).toEqual([]);
  });

  it('scale with the tenant: the smallest power of two with ACCOUNTS_PER_SEGMENT accounts each, from 8 to 64', () => {
    expect(ACCOUNTS_PER_SEGMENT).toBe(15_000);
    expect(segmentsFor(null)).toBe(SWEEP_SEGMENTS);
    expect(segmentsFor(0)).toBe(8);
    expect(segmentsFor(10_000)).toBe(8);
    expect(segmentsFor(8 * 15_000)).toBe(8);
    expect(segmentsFor(8 * 15_000 + 1)).toBe(16);
    expect(segmentsFor(200_000)).toBe(16);
    expect(segmentsFor(480_000)).toBe(32);
    expect(segmentsFor(960_000)).toBe(64);
    expect(segmentsFor(1_000_000)).toBe(64);
    expect(segmentsFor(10_000_000)).toBe(64);
  });
});

describe('a mix of items stored before and after 64 buckets', () => {
  const tenantId = 'ten_mixed';
  const ids = Array.from({ length: 48 }, (_, i) => `acct-${i}`);
  /** Every third account as the code before 64 buckets stored it. */
  const old = ids.filter((_, i) => i % 3 === 0);

  beforeAll(async () => {
    for (const [i, id] of ids.entries()) await stores.accounts.put(tenantId, id, i % 2 ? book('ETH') : book('ETH', 'BTC'), null, null);
    for (const id of old) await makeOld(tenantId, id);
  });

  it('holds old items whose bucket differs from their old key, and new items in buckets past 8', () => {
    expect(old.some((id) => bucketOf(id) >= 8)).toBe(true);
    expect(old.some((id) => bucketOf(id) < 8)).toBe(true);
    expect(ids.filter((id) => !old.includes(id)).some((id) => bucketOf(id) >= 8)).toBe(true);
  });

  it('is read once and completely, through both indexes, with 8, 16 and 64 segments', async () => {
    for (const segments of [8, 16, 64]) {
      const { swept, exposed } = await readBySegment(tenantId, segments, ['ETH']);
      expect(sorted(swept.flat()), `bySegment, ${segments} segments`).toEqual(sorted(ids));
      expect(sorted(exposed.flat()), `exposure index, ${segments} segments`).toEqual(sorted(ids));
      // Where each is read: an old item in the segment of its old key, a new one in its bucket's.
      for (const id of ids) {
        const k = old.includes(id) ? oldBucket(id) : bucketOf(id) % segments;
        expect(swept[k], `${id}, ${segments} segments`).toContain(id);
        expect(exposed[k], `${id}, ${segments} segments`).toContain(id);
      }
    }
    // Each bucket query finds the items keyed with its number, nothing else.
    const byBucket: string[] = [];
    for (let b = 0; b < SEGMENT_BUCKETS; b++) for await (const a of stores.accounts.bucket(tenantId, b)) byBucket.push(a.accountId);
    expect(sorted(byBucket)).toEqual(sorted(ids));
  });

  it('moves an old item to its bucket when it is rewritten, its index items with it; deletes an old item\'s index items where they are', async () => {
    const tenant = 'ten_moving';
    const moving = ids.filter((id) => bucketOf(id) >= 8).slice(0, 3);
    for (const id of moving) {
      await stores.accounts.put(tenant, id, book('ETH', 'BTC'), null, null);
      await makeOld(tenant, id);
    }
    const [rewritten, deleted, kept] = moving as [string, string, string];
    // A new book with one symbol kept and one dropped: both old index items go, the kept symbol is written at the bucket.
    await stores.accounts.put(tenant, rewritten, book('ETH', 'SOL'), null, null);
    await stores.accounts.delete(tenant, deleted);
    const index = async (symbol: string, bucket: number) =>
      (await db.send(new GetItemCommand({ TableName: names.accounts, Key: { tenantId: { S: `${tenant}#exposure#${symbol}#${bucket}` }, accountId: { S: rewritten } }, ConsistentRead: true }))).Item;
    expect(await index('ETH', oldBucket(rewritten))).toBeUndefined();
    expect(await index('BTC', oldBucket(rewritten))).toBeUndefined();
    expect(await index('ETH', bucketOf(rewritten))).toBeDefined();
    expect(await index('SOL', bucketOf(rewritten))).toBeDefined();
    for (const segments of [8, 16, 64]) {
      const eth = await readBySegment(tenant, segments, ['ETH']);
      expect(sorted(eth.swept.flat())).toEqual(sorted([rewritten, kept]));
      expect(sorted(eth.exposed.flat())).toEqual(sorted([rewritten, kept]));
      expect((await readBySegment(tenant, segments, ['BTC'])).exposed.flat()).toEqual([kept]);
      expect(eth.swept[bucketOf(rewritten) % segments]).toContain(rewritten);
    }
  });

  it('indexes an old item stored before the exposure index under its old key, which a sweep does not move', async () => {
    const tenant = 'ten_unindexed';
    const id = ids.find((i) => bucketOf(i) >= 8)!;
    await stores.accounts.put(tenant, id, book('ETH'), null, null);
    await makeOld(tenant, id);
    const key = { tenantId: { S: accountPartition(tenant, id) }, accountId: { S: id } };
    await db.send(new UpdateItemCommand({ TableName: names.accounts, Key: key, UpdateExpression: 'REMOVE exposures' }));
    await db.send(new DeleteItemCommand({ TableName: names.accounts, Key: { tenantId: { S: `${tenant}#exposure#ETH#${oldBucket(id)}` }, accountId: { S: id } } }));
    const account = (await stores.accounts.get(tenant, id))!;
    expect(account.indexed).toBe(false);
    expect(await stores.accounts.indexExposures(tenant, account)).toMatchObject({ indexed: true, version: account.version + 1 });
    for (const segments of [8, 16, 64]) {
      const { swept, exposed } = await readBySegment(tenant, segments, ['ETH']);
      expect(swept[oldBucket(id)]).toEqual([id]);
      expect(exposed[oldBucket(id)]).toEqual([id]);
      expect(exposed.flat()).toEqual([id]);
    }
    // A stale account (written since it was read) is not indexed.
    expect(await stores.accounts.indexExposures(tenant, account)).toBeUndefined();
  });
});
