import {
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { Assessment } from '../schemas/assessment.ts';
import type { AssessmentSummary } from '../schemas/summaries.ts';
import { numberAttr, packJson, readNumber, splitBody, unpackJson, type KeyShape } from './codec.ts';
import { guarded, StoreError } from './errors.ts';
import { shardKey, shardKeys } from './shard.ts';
import { TableStore, type Page } from './table-store.ts';

/**
 * How long a recorded assessment is kept: 400 days by default (a year of audit trail, plus
 * a month's margin), or `SOFTLAND_ASSESSMENT_RETENTION_DAYS` (the stack sets it from the
 * stage setting `assessmentRetentionDays`, docs/deploy.md). Each item carries `expiresAt`
 * (epoch seconds) = createdAt + retention; DynamoDB's TTL deletes it some time after
 * (usually within days, free of write charges).
 */
export const ASSESSMENT_RETENTION_DAYS = 400;
export const ASSESSMENT_RETENTION_ENV = 'SOFTLAND_ASSESSMENT_RETENTION_DAYS';

/** The retention in days from the environment (`SOFTLAND_ASSESSMENT_RETENTION_DAYS`), or the default. */
export function assessmentRetentionDays(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env[ASSESSMENT_RETENTION_ENV];
  if (raw === undefined || raw.trim() === '') return ASSESSMENT_RETENTION_DAYS;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1) throw new Error(`${ASSESSMENT_RETENTION_ENV} must be a whole number of days ≥ 1, got "${raw}"`);
  return days;
}

/**
 * Partitions a tenant's records are spread over: a record lives under `<tenantId>#<n>`, n a
 * stable hash of its id mod RECORD_SHARDS. One tenant at the stage's throttle (500 requests/s
 * in prod) writes ~2,000 WRU/s of records (about 4 KB each), twice what one partition takes;
 * sixteen take it with room. Records written before live under `<tenantId>`, are read there
 * when not found under their shard, and expire with the retention.
 */
export const RECORD_SHARDS = 16;

/** The partition of record `id` of `tenantId`. */
export function recordPartition(tenantId: string, id: string): string {
  return shardKey(tenantId, id, RECORD_SHARDS);
}

// Kept importable from here, where the API layer has always found it.
export { InvalidCursorError } from './errors.ts';

export interface AssessmentRecord {
  readonly tenantId: string;
  readonly createdAt: string;
  /** The snapshot as the client sent it. */
  readonly request: unknown;
  readonly assessment: Assessment;
}

/** Recorded assessments: request and answer, compressed, listed per account newest first. */
export class AssessmentStore extends TableStore {
  /** Days a record is kept before DynamoDB's TTL deletes it. */
  readonly retentionDays: number;

  constructor(db: DynamoDBClient, table: string, retentionDays: number = assessmentRetentionDays()) {
    super(db, table);
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error(`assessment retention must be a whole number of days ≥ 1, got ${retentionDays}`);
    this.retentionDays = retentionDays;
  }

  /**
   * Writes the record, with `alsoWrite` (an idempotency completion) in the same
   * transaction when given: either everything is stored or nothing is.
   */
  async record(record: AssessmentRecord, alsoWrite: readonly TransactWriteItem[] = []): Promise<void> {
    const items = this.recordItems(record);
    if (items.length === 1 && alsoWrite.length === 0) {
      await guarded(() => this.db.send(new PutItemCommand(items[0]!.Put!)));
      return;
    }
    await guarded(() => this.db.send(new TransactWriteItemsCommand({ TransactItems: [...items, ...alsoWrite] })));
  }

  /** The puts that store a record (one item, or a main item and its parts), for a caller's transaction. */
  recordItems(record: AssessmentRecord): TransactWriteItem[] {
    const a = record.assessment;
    const parts = splitBody(packJson({ request: record.request, assessment: a }), 'the assessment record');
    const expiresAt: AttributeValue = { N: String(this.expiresAt(record.createdAt)) };
    const partition: AttributeValue = { S: recordPartition(record.tenantId, a.id) };
    const main: Record<string, AttributeValue> = {
      tenantId: partition,
      recordKey: { S: a.id },
      assessmentId: { S: a.id },
      accountKey: { S: `${record.tenantId}#${a.accountId}` },
      accountId: { S: a.accountId },
      asOf: { S: a.asOf },
      createdAt: { S: record.createdAt },
      profile: { S: a.profile },
      tier: { S: a.tier },
      marginRatio: a.marginRatio === null ? { NULL: true } : numberAttr(a.marginRatio),
      equity: numberAttr(a.equity),
      maintenanceMargin: numberAttr(a.maintenanceMargin),
      initialMargin: numberAttr(a.initialMargin),
      parts: { N: String(parts.length) },
      body: { B: parts[0]! },
      expiresAt,
    };
    const items: TransactWriteItem[] = [{ Put: { TableName: this.table, Item: main, ConditionExpression: 'attribute_not_exists(recordKey)' } }];
    for (let n = 1; n < parts.length; n++) {
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            tenantId: partition,
            recordKey: { S: partKey(a.id, n) },
            body: { B: parts[n]! },
            expiresAt,
          },
        },
      });
    }
    return items;
  }

  /** The TTL of a record created at `createdAt` (ISO 8601): epoch seconds, createdAt + retention. */
  expiresAt(createdAt: string): number {
    const created = Date.parse(createdAt);
    if (Number.isNaN(created)) throw new StoreError(`assessment createdAt is not a date: "${createdAt}"`);
    return Math.floor(created / 1000) + this.retentionDays * 86_400;
  }

  /** The record, or undefined when this tenant has none with that id. */
  async get(tenantId: string, id: string): Promise<AssessmentRecord | undefined> {
    for (const partition of [recordPartition(tenantId, id), tenantId]) {
      const { Item } = await guarded(() =>
        this.db.send(new GetItemCommand({ TableName: this.table, Key: { tenantId: { S: partition }, recordKey: { S: id } }, ConsistentRead: true })),
      );
      if (!Item) continue;
      const parts = Array.from({ length: Number(Item['parts']!.N) - 1 }, (_, n) => ({ tenantId: { S: partition }, recordKey: { S: partKey(id, n + 1) } }));
      // Records are never rewritten: a missing part is a bug, not a race.
      const overflow = await this.bodies(parts);
      if (!overflow) throw new StoreError(`assessment ${id} is missing parts`);
      const { request, assessment } = unpackJson<{ request: unknown; assessment: Assessment }>(Buffer.concat([Item['body']!.B!, ...overflow]));
      return { tenantId, createdAt: Item['createdAt']!.S!, request, assessment };
    }
    return undefined;
  }

  /** One page of an account's assessments, newest first. */
  async listByAccount(tenantId: string, accountId: string, options: { limit: number; cursor?: string | undefined }): Promise<Page<AssessmentSummary>> {
    const accountKey = `${tenantId}#${accountId}`;
    // A cursor is the listing's last key: it must belong to the same account (and so tenant),
    // its partition one of the tenant's (a shard, or the key of records from before them).
    const shape: KeyShape = { tenantId: shardKeys(tenantId, RECORD_SHARDS), recordKey: null, accountKey, assessmentId: null };
    const page = await this.listPage(
      {
        TableName: this.table,
        IndexName: 'byAccount',
        KeyConditionExpression: 'accountKey = :a',
        ExpressionAttributeValues: { ':a': { S: accountKey } },
        ScanIndexForward: false,
      },
      options,
      shape,
    );
    return { items: page.items.map(assessmentSummaryOfItem), nextCursor: page.nextCursor };
  }
}

/** A listing's entry (GET /v1/accounts/{accountId}/assessments) from a record's item or its `byAccount` projection. */
function assessmentSummaryOfItem(i: Record<string, AttributeValue>): AssessmentSummary {
  return {
    id: i['assessmentId']!.S!,
    object: 'assessment_summary',
    accountId: i['accountId']!.S!,
    asOf: i['asOf']!.S!,
    createdAt: i['createdAt']!.S!,
    profile: i['profile']!.S!,
    tier: i['tier']!.S! as Assessment['tier'],
    marginRatio: i['marginRatio']!.NULL ? null : readNumber(i['marginRatio']),
    equity: readNumber(i['equity']),
    maintenanceMargin: readNumber(i['maintenanceMargin']),
    initialMargin: readNumber(i['initialMargin']),
  };
}

/** The sort key of a record's overflow part `n` (from 1). */
function partKey(id: string, n: number): string {
  return `${id}#part#${String(n).padStart(2, '0')}`;
}
