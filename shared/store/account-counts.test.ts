import { randomBytes } from 'node:crypto';
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores, storeAsBeforePartitions } from '../../test/dynamo.ts';
import type { Tier } from '../risk/tiers.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import type { AccountAssessmentSummary } from '../schemas/summaries.ts';
import { accountPartition, accountPartitionModeFromEnv, accountPartitions } from './account-partitions.ts';
import { AccountStore } from './accounts.ts';
import { bucketOf } from './segments.ts';
import { legacyTierKey, TIER_SHARDS, tierKeyOf, tierKeys } from './tier-keys.ts';
import type { Stores } from './index.ts';
import type { TableNames } from './tables.ts';

let stores: Stores;
let db: DynamoDBClient;
let names: TableNames;
beforeAll(async () => {
  ({ stores, db, names } = await freshStores());
});

/** A book with a perpetual and volatile collateral: exposure index items under two symbols. */
const book: AccountBook = {
  profile: 'default',
  collateral: [{ asset: 'USDC', amount: 10_000 }, { asset: 'BTC', amount: 0.1 }],
  positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1, entryPrice: 3_000 }],
};

/** 5,000 options with 128-character random ids: its first part alone fills most of an item (350 KB), the rest overflows. */
const bigBook = (): AccountBook => ({
  profile: 'default',
  collateral: [{ asset: 'USDC', amount: 1_000_000 }],
  positions: Array.from({ length: 5_000 }, (_, i) => ({
    id: `p${randomBytes(96).toString('base64url').slice(1)}`,
    instrument: { type: 'option' as const, underlying: 'BTC', right: i % 2 ? ('call' as const) : ('put' as const), strike: 50_000 + i * 10, expiry: '2026-12-25T08:00:00Z' },
    quantity: 1,
  })),
});

const zeros = { healthy: 0, warning: 0, tier1: 0, tier2: 0, tier3: 0, insolvent: 0 };

/** What a sweep records for an account it finds in tier1. */
const TIER1_SUMMARY: AccountAssessmentSummary = {
  assessmentId: null,
  asOf: '2026-11-23T12:00:00Z',
  tier: 'tier1',
  marginRatio: 1.03,
  equity: 1_030,
  maintenanceMargin: 1_000,
  initialMargin: 1_300,
  collateralTopUp: 70,
  nextTierPrice: null,
};

describe('AccountStore.tierCounts', () => {
  it('counts the tenant\'s accounts per reported tier, in all and unassessed; not its book parts, exposure items or other tenants', async () => {
    const tenantId = 'ten_counts';
    const tiers: Array<Tier | null> = ['healthy', 'healthy', 'healthy', 'warning', 'tier1', 'tier2', 'tier3', 'tier3', 'insolvent', null, null];
    for (const [n, tier] of tiers.entries()) await stores.accounts.put(tenantId, `acct-${n}`, book, null, tier);
    // A large book (overflow parts under `<tenantId>#book`), and other tenants (one whose id extends this one's).
    await stores.accounts.put(tenantId, 'acct-big', bigBook(), null, 'warning');
    await stores.accounts.put('ten_other', 'acct-0', book, null, 'tier1');
    await stores.accounts.put(`${tenantId}x`, 'acct-0', book, null, 'healthy');
    // The items that are not accounts are really there, beside the accounts.
    const partition = async (key: string) =>
      (await db.send(new QueryCommand({ TableName: names.accounts, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: key } }, Select: 'COUNT' }))).Count;
    expect(await partition(`${tenantId}#book`)).toBeGreaterThan(0);
    expect(await partition(`${tenantId}#exposure#ETH#${bucketOf('acct-0')}`)).toBeGreaterThan(0);
    expect(await partition(`${tenantId}#exposure#BTC#${bucketOf('acct-0')}`)).toBeGreaterThan(0);

    expect(await stores.accounts.tierCounts(tenantId)).toEqual({
      accounts: 12,
      tiers: { healthy: 3, warning: 2, tier1: 1, tier2: 1, tier3: 2, insolvent: 1 },
      unassessed: 2,
    });
    expect(await stores.accounts.tierCounts('ten_nobody')).toEqual({ accounts: 0, tiers: zeros, unassessed: 0 });
  });

  it('follows tier changes, assessments and deletions', async () => {
    const tenantId = 'ten_moves';
    await stores.accounts.put(tenantId, 'a', book, null, null);
    await stores.accounts.put(tenantId, 'b', book, null, 'healthy');
    expect(await stores.accounts.tierCounts(tenantId)).toEqual({ accounts: 2, tiers: { ...zeros, healthy: 1 }, unassessed: 1 });
    const a = (await stores.accounts.get(tenantId, 'a'))!;
    expect(await stores.accounts.recordAssessed(tenantId, a, TIER1_SUMMARY, 'tier1')).toBe(true);
    expect(await stores.accounts.tierCounts(tenantId)).toEqual({ accounts: 2, tiers: { ...zeros, healthy: 1, tier1: 1 }, unassessed: 0 });
    expect(await stores.accounts.delete(tenantId, 'b')).toBe(true);
    expect(await stores.accounts.tierCounts(tenantId)).toEqual({ accounts: 1, tiers: { ...zeros, tier1: 1 }, unassessed: 0 });
  });

  it('follows each query through its pages (a query stops at 1 MB of items read)', async () => {
    const tenantId = 'ten_pages_counted';
    // Four accounts whose tier keys fall in one shard (tier-keys.ts), so one query holds them all.
    const bigIds = Array.from({ length: 200 }, (_, n) => `big-${n}`);
    const shard = tierKeyOf(tenantId, 'tier1', bigIds[0]!);
    for (const id of bigIds.filter((id) => tierKeyOf(tenantId, 'tier1', id) === shard).slice(0, 4)) await stores.accounts.put(tenantId, id, bigBook(), null, 'tier1');
    for (const [n, tier] of (['healthy', 'healthy', 'healthy', null, null, null] as const).entries()) await stores.accounts.put(tenantId, `small-${n}`, book, null, tier);
    // The store over a client that keeps every answer, and with `limit` reads at most that many items per page.
    const spied = (limit?: number) => {
      const answers: Array<{ index: string | undefined; more: boolean }> = [];
      const spy = {
        send: async (command: unknown) => {
          if (command instanceof QueryCommand && limit !== undefined) command.input.Limit = limit;
          const out = await db.send(command as QueryCommand);
          if (command instanceof QueryCommand) answers.push({ index: command.input.IndexName, more: (out as QueryCommandOutput).LastEvaluatedKey !== undefined });
          return out;
        },
      } as unknown as DynamoDBClient;
      return { store: new AccountStore(spy, names.accounts), answers };
    };
    const expected = { accounts: 10, tiers: { ...zeros, healthy: 3, tier1: 4 }, unassessed: 3 };
    // Four items of ~350 KB: the tier1 index stops at 1 MB and goes on.
    const natural = spied();
    expect(await natural.store.tierCounts(tenantId)).toEqual(expected);
    expect(natural.answers.some((a) => a.index === 'byTier' && a.more)).toBe(true);
    // Pages of two items: every query with more than two goes on, the partition's filtered one too.
    const small = spied(2);
    expect(await small.store.tierCounts(tenantId)).toEqual(expected);
    expect(small.answers.filter((a) => a.index === undefined).length).toBeGreaterThanOrEqual(5);
    expect(small.answers.filter((a) => a.index === 'byTier').length).toBeGreaterThanOrEqual(2 + 3 + 4);
  });
});

describe('a summary stored before collateralTopUp and nextTierPrice existed', () => {
  it('reads back with both null', async () => {
    const tenantId = 'ten_legacy';
    await stores.accounts.put(tenantId, 'old', book, null, 'warning');
    const legacy = { assessmentId: null, asOf: '2026-01-01T00:00:00Z', tier: 'warning', marginRatio: 1.25, equity: 6_000, maintenanceMargin: 4_800, initialMargin: 6_240 };
    const key = { tenantId: { S: accountPartition(tenantId, 'old') }, accountId: { S: 'old' } };
    await db.send(new UpdateItemCommand({ TableName: names.accounts, Key: key, UpdateExpression: 'SET lastAssessment = :s', ExpressionAttributeValues: { ':s': { S: JSON.stringify(legacy) } } }));
    expect((await stores.accounts.get(tenantId, 'old'))!.lastAssessment).toEqual({ ...legacy, collateralTopUp: null, nextTierPrice: null });
    // The stored JSON is left as it was: the next sweep rewrites it (summaryChanged).
    const item = await db.send(new GetItemCommand({ TableName: names.accounts, Key: key }));
    expect(JSON.parse(item.Item!['lastAssessment']!.S!)).toEqual(legacy);
  });
});

describe('tier keys', () => {
  it('are the legacy key plus a shard that depends on the account id only', () => {
    expect(tierKeyOf('ten_a', 'tier1', 'acct-1')).toMatch(/^ten_a#tier1#([0-9]|1[0-5])$/);
    expect(tierKeyOf('ten_a', 'tier1', 'acct-1').replace('ten_a#tier1', 'ten_b#tier2')).toBe(tierKeyOf('ten_b', 'tier2', 'acct-1'));
    expect(tierKeys('ten_a', 'tier1')).toHaveLength(TIER_SHARDS + 1);
    expect(tierKeys('ten_a', 'tier1').at(-1)).toBe(legacyTierKey('ten_a', 'tier1'));
  });

  it('spread a tier over its shards, and its listing pages through them (and through accounts stored before them) in id order', async () => {
    const tenantId = 'ten_shards';
    const ids = Array.from({ length: 60 }, (_, n) => `acct-${String(n).padStart(3, '0')}`);
    for (const id of ids) await stores.accounts.put(tenantId, id, book, null, 'tier1');
    await stores.accounts.put(tenantId, 'acct-healthy', book, null, 'healthy');
    // Two accounts as stored before the shards: the tier's one key.
    for (const id of ['acct-007', 'acct-042']) {
      await db.send(
        new UpdateItemCommand({
          TableName: names.accounts,
          Key: { tenantId: { S: accountPartition(tenantId, id) }, accountId: { S: id } },
          UpdateExpression: 'SET tierKey = :k',
          ExpressionAttributeValues: { ':k': { S: legacyTierKey(tenantId, 'tier1') } },
        }),
      );
    }

    const used = new Set<string>();
    for (const key of tierKeys(tenantId, 'tier1')) {
      const { Items = [] } = await db.send(
        new QueryCommand({ TableName: names.accounts, IndexName: 'byTier', KeyConditionExpression: 'tierKey = :k', ExpressionAttributeValues: { ':k': { S: key } } }),
      );
      for (const item of Items) {
        const id = item['accountId']!.S!;
        expect(key === legacyTierKey(tenantId, 'tier1') ? ['acct-007', 'acct-042'] : [id]).toContain(id);
        if (key !== legacyTierKey(tenantId, 'tier1')) expect(key).toBe(tierKeyOf(tenantId, 'tier1', id));
      }
      if (Items.length > 0) used.add(key);
    }
    expect(used.size).toBeGreaterThan(8);

    const listed: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await stores.accounts.list(tenantId, { tier: 'tier1', limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(7);
      listed.push(...page.items.map((a) => a.accountId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(listed).toEqual(ids);
    expect(pages).toBe(Math.ceil(ids.length / 7));
    expect((await stores.accounts.tierCounts(tenantId)).tiers).toMatchObject({ tier1: 60, healthy: 1 });
  });
});

describe('account partitions', () => {

  it('spread a tenant\'s accounts, and read, list, count, update and delete those stored before them under the tenant\'s key until a book write moves them', async () => {
    const tenantId = 'ten_partitions';
    const ids = Array.from({ length: 40 }, (_, n) => `acct-${String(n).padStart(2, '0')}`);
    for (const id of ids) await stores.accounts.put(tenantId, id, book, null, 'healthy');
    const partitions = new Set<string>();
    for (const id of ids) {
      const where = await storedUnderKeys(tenantId, id);
      expect(where).toEqual([accountPartition(tenantId, id)]);
      partitions.add(where[0]!);
    }
    expect(partitions.size).toBeGreaterThan(8);

    const old = ['acct-03', 'acct-17', 'acct-31'];
    for (const id of old) await storeAsBeforePartitions(db, names.accounts, tenantId, id);
    expect(await storedUnderKeys(tenantId, 'acct-17')).toEqual([tenantId]);
    const before = (await stores.accounts.get(tenantId, 'acct-17'))!;
    expect(before).toMatchObject({ accountId: 'acct-17', storedUnderTenant: true, tier: 'healthy' });

    // Listed in id order across the partitions, a page at a time; counted.
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stores.accounts.list(tenantId, { limit: 6, ...(cursor ? { cursor } : {}) });
      listed.push(...page.items.map((a) => a.accountId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(listed).toEqual(ids);
    expect(await stores.accounts.tierCounts(tenantId)).toMatchObject({ accounts: 40, tiers: { healthy: 40 }, unassessed: 0 });
    // Read in bulk (a price sweep's reads).
    const many: string[] = [];
    for await (const a of stores.accounts.many(tenantId, ['acct-03', 'acct-04', 'acct-31', 'acct-99'])) many.push(a.accountId);
    expect(many.sort()).toEqual(['acct-03', 'acct-04', 'acct-31']);

    // A sweep's update lands where the account is.
    expect(await stores.accounts.recordAssessed(tenantId, before, TIER1_SUMMARY, 'tier1')).toBe(true);
    expect(await storedUnderKeys(tenantId, 'acct-17')).toEqual([tenantId]);
    expect((await stores.accounts.get(tenantId, 'acct-17'))!).toMatchObject({ tier: 'tier1', version: before.version + 1 });

    // Its next book write moves it to its partition, in one transaction.
    const { account } = await stores.accounts.put(tenantId, 'acct-17', book, null, 'warning');
    expect(await storedUnderKeys(tenantId, 'acct-17')).toEqual([accountPartition(tenantId, 'acct-17')]);
    expect(account).toMatchObject({ storedUnderTenant: false, version: before.version + 2 });
    expect(await stores.accounts.get(tenantId, 'acct-17')).toMatchObject({ tier: 'warning', storedUnderTenant: false });

    // Deleted where it is.
    expect(await stores.accounts.delete(tenantId, 'acct-31')).toBe(true);
    expect(await storedUnderKeys(tenantId, 'acct-31')).toEqual([]);
    expect(await stores.accounts.get(tenantId, 'acct-31')).toBeUndefined();
    expect((await stores.accounts.tierCounts(tenantId)).accounts).toBe(39);
  });
});

describe('account partitions: moves under way, and the first deploy of an upgrade', () => {
  it('find an account moved between the reads of its two keys, and list one seen under both once', async () => {
    const tenantId = 'ten_moving';
    await stores.accounts.put(tenantId, 'm', book, null, 'healthy');
    // The first read of its partition misses, as if the account moved there just after.
    let first = true;
    const spy = {
      send: async (command: unknown) => {
        if (command instanceof GetItemCommand && first) {
          first = false;
          return {};
        }
        return db.send(command as GetItemCommand);
      },
    } as unknown as DynamoDBClient;
    expect(await new AccountStore(spy, names.accounts).get(tenantId, 'm')).toMatchObject({ accountId: 'm', storedUnderTenant: false });

    // A copy under the tenant's key, one version behind, as a listing can see mid-move: listed once, the newer copy.
    const { Item } = await db.send(new GetItemCommand({ TableName: names.accounts, Key: { tenantId: { S: accountPartition(tenantId, 'm') }, accountId: { S: 'm' } } }));
    const version = Number(Item!['version']!.N);
    await db.send(new PutItemCommand({ TableName: names.accounts, Item: { ...Item!, tenantId: { S: tenantId }, version: { N: String(version - 1) } } }));
    const page = await stores.accounts.list(tenantId, { limit: 10 });
    expect(page.items.map((a) => [a.accountId, a.version])).toEqual([['m', version]]);
  });

  it('in read mode, write only the tenant\'s own key and move nothing, while reading both', async () => {
    const tenantId = 'ten_read_mode';
    const reading = new AccountStore(db, names.accounts, 'read');
    await stores.accounts.put(tenantId, 'p', book, null, 'healthy'); // written by a `write` deployment: its partition
    await reading.put(tenantId, 'n', book, null, 'healthy');
    expect(await storedUnderKeys(tenantId, 'n')).toEqual([tenantId]);
    await reading.put(tenantId, 'p', book, null, 'warning');
    expect(await storedUnderKeys(tenantId, 'p')).toEqual([accountPartition(tenantId, 'p')]);
    expect(await reading.get(tenantId, 'p')).toMatchObject({ tier: 'warning', storedUnderTenant: false });
    expect((await reading.list(tenantId, { limit: 10 })).items.map((a) => a.accountId)).toEqual(['n', 'p']);
    await expect(reading.migrate(tenantId)).rejects.toThrow(/SOFTLAND_ACCOUNT_PARTITIONS=read/);
    // The `write` deployment that follows moves it.
    expect(await stores.accounts.migrate(tenantId)).toEqual({ moved: 1, left: 0 });
    expect(await storedUnderKeys(tenantId, 'n')).toEqual([accountPartition(tenantId, 'n')]);
  });

  it('reads the mode from SOFTLAND_ACCOUNT_PARTITIONS, and refuses nonsense', () => {
    expect(accountPartitionModeFromEnv({})).toBe('write');
    expect(accountPartitionModeFromEnv({ SOFTLAND_ACCOUNT_PARTITIONS: 'read' })).toBe('read');
    expect(accountPartitionModeFromEnv({ SOFTLAND_ACCOUNT_PARTITIONS: ' write ' })).toBe('write');
    expect(() => accountPartitionModeFromEnv({ SOFTLAND_ACCOUNT_PARTITIONS: 'both' })).toThrow(/SOFTLAND_ACCOUNT_PARTITIONS/);
  });
});

/** The partitions (of the tenant's 17) that hold an item for this account. */
async function storedUnderKeys(tenantId: string, accountId: string): Promise<string[]> {
  const found: string[] = [];
  for (const partition of accountPartitions(tenantId)) {
    const { Item } = await db.send(new GetItemCommand({ TableName: names.accounts, Key: { tenantId: { S: partition }, accountId: { S: accountId } }, ConsistentRead: true }));
    if (Item) found.push(partition);
  }
  return found;
}
