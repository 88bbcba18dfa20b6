import { GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { assessSnapshot } from '../engine.ts';
import { ASSESSMENT_RETENTION_DAYS, AssessmentStore, assessmentRetentionDays, recordPartition } from './assessments.ts';
import type { Stores } from './index.ts';
import { TABLES, type TableNames } from './tables.ts';

let stores: Stores;
let db: DynamoDBClient;
let names: TableNames;
beforeAll(async () => {
  ({ stores, db, names } = await freshStores());
});

const snapshot = (accountId: string, note = '') => ({
  accountId,
  asOf: '2026-11-23T12:00:00Z',
  collateral: [{ asset: 'USDC', amount: 10_000 }],
  positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1, entryPrice: 3_000 }],
  market: { ETH: { price: 3_000 }, USDC: { price: 1 } },
  ...(note ? { note } : {}),
});

const DAY = 86_400;

describe('assessment retention (TTL)', () => {
  it('is enabled on expiresAt for the assessments table, locally as on AWS', async () => {
    expect(TABLES.assessments.timeToLiveAttribute).toBe('expiresAt');
    const { TimeToLiveDescription } = await db.send(new DescribeTimeToLiveCommand({ TableName: names.assessments }));
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('stamps a recorded assessment with expiresAt = createdAt + the default retention (epoch seconds)', async () => {
    expect(stores.assessments.retentionDays).toBe(ASSESSMENT_RETENTION_DAYS);
    const request = snapshot('acct-ttl');
    const assessment = await assessSnapshot(request);
    const createdAt = '2026-11-23T12:00:01.500Z';
    await stores.assessments.record({ tenantId: 'ten_ttl', createdAt, request, assessment });
    const { Item } = await db.send(new GetItemCommand({ TableName: names.assessments, Key: { tenantId: { S: recordPartition('ten_ttl', assessment.id) }, recordKey: { S: assessment.id } } }));
    expect(Item?.['expiresAt']).toEqual({ N: String(Math.floor(Date.parse(createdAt) / 1000) + ASSESSMENT_RETENTION_DAYS * DAY) });
    // The record still reads back whole.
    expect(await stores.assessments.get('ten_ttl', assessment.id)).toEqual({ tenantId: 'ten_ttl', createdAt, request, assessment });
  });

  it('stamps every overflow part of a large record with the same expiry as its main item', async () => {
    const store = new AssessmentStore(db, names.assessments, 30);
    // Incompressible filler: the packed record spans several items.
    const request = snapshot('acct-ttl-big', randomBytes(600_000).toString('base64'));
    const assessment = await assessSnapshot(snapshot('acct-ttl-big'));
    const createdAt = '2026-11-23T12:00:02Z';
    await store.record({ tenantId: 'ten_ttl_big', createdAt, request, assessment });
    const { Items = [] } = await db.send(
      new QueryCommand({ TableName: names.assessments, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: recordPartition('ten_ttl_big', assessment.id) } } }),
    );
    expect(Items.length).toBeGreaterThan(1);
    const expected = String(Math.floor(Date.parse(createdAt) / 1000) + 30 * DAY);
    for (const item of Items) expect(item['expiresAt'], item['recordKey']?.S).toEqual({ N: expected });
    expect((await store.get('ten_ttl_big', assessment.id))?.request).toEqual(request);
  });

  it('reads the retention from SOFTLAND_ASSESSMENT_RETENTION_DAYS, and refuses nonsense', () => {
    expect(assessmentRetentionDays({})).toBe(ASSESSMENT_RETENTION_DAYS);
    expect(assessmentRetentionDays({ SOFTLAND_ASSESSMENT_RETENTION_DAYS: '' })).toBe(ASSESSMENT_RETENTION_DAYS);
    expect(assessmentRetentionDays({ SOFTLAND_ASSESSMENT_RETENTION_DAYS: '90' })).toBe(90);
    for (const bad of ['0', '-1', '1.5', 'forever']) expect(() => assessmentRetentionDays({ SOFTLAND_ASSESSMENT_RETENTION_DAYS: bad })).toThrow(/SOFTLAND_ASSESSMENT_RETENTION_DAYS/);
    expect(() => new AssessmentStore(db, names.assessments, 0)).toThrow(/retention/);
  });
});
