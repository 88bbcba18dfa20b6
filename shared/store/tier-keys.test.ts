import { QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import type { Stores } from './index.ts';
import type { TableNames } from './tables.ts';
import { legacyTierKey, TIER_SHARDS, tierKeyOf, tierKeys } from './tier-keys.ts';

let stores: Stores;
let db: DynamoDBClient;
let names: TableNames;
beforeAll(async () => {
  ({ stores, db, names } = await freshStores());
});

const book: AccountBook = {
  profile: 'default',
  collateral: [{ asset: 'USDC', amount: 10_000 }],
  positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1, entryPrice: 3_000 }],
};

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
          Key: { tenantId: { S: tenantId }, accountId: { S: id } },
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
