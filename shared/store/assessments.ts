import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { Assessment } from '../schemas/assessment.ts';
import { decodeCursor as decodeKey, encodeCursor, numberAttr, packJson, readNumber, unpackJson } from './codec.ts';
import { guarded, StoreError } from './errors.ts';
import { TableStore } from './table-store.ts';

/** Largest compressed body kept in one item (DynamoDB items hold at most 400 KB). */
const PART_BYTES = 350_000;
/** A transaction holds at most 100 items and 4 MB. */
const MAX_PARTS = 10;

export interface AssessmentRecord {
  readonly tenantId: string;
  readonly createdAt: string;
  /** The snapshot as the client sent it. */
  readonly request: unknown;
  readonly assessment: Assessment;
}

/** What listings return: enough to triage without loading every record. */
export interface AssessmentSummary {
  readonly id: string;
  readonly object: 'assessment_summary';
  readonly accountId: string;
  readonly asOf: string;
  readonly createdAt: string;
  readonly profile: string;
  readonly tier: Assessment['tier'];
  readonly marginRatio: number | null;
  readonly equity: number;
  readonly maintenanceMargin: number;
  readonly initialMargin: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque cursor of the next page, or null at the end. */
  readonly nextCursor: string | null;
}

/** A cursor that does not come from this listing. */
export class InvalidCursorError extends StoreError {
  constructor() {
    super('the cursor is not valid for this listing');
    this.name = 'InvalidCursorError';
  }
}


/** Recorded assessments: request and answer, compressed, listed per account newest first. */
export class AssessmentStore extends TableStore {
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
    const body = packJson({ request: record.request, assessment: a });
    const parts = Math.ceil(body.length / PART_BYTES);
    if (parts > MAX_PARTS) throw new StoreError(`the assessment record is too large to store (${body.length} bytes compressed)`);
    const main: Record<string, AttributeValue> = {
      tenantId: { S: record.tenantId },
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
      parts: { N: String(parts) },
      body: { B: body.subarray(0, PART_BYTES) },
    };
    const items: TransactWriteItem[] = [{ Put: { TableName: this.table, Item: main, ConditionExpression: 'attribute_not_exists(recordKey)' } }];
    for (let n = 1; n < parts; n++) {
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            tenantId: { S: record.tenantId },
            recordKey: { S: `${a.id}#part#${String(n).padStart(2, '0')}` },
            body: { B: body.subarray(n * PART_BYTES, (n + 1) * PART_BYTES) },
          },
        },
      });
    }
    return items;
  }

  /** The record, or undefined when this tenant has none with that id. */
  async get(tenantId: string, id: string): Promise<AssessmentRecord | undefined> {
    const { Item } = await guarded(() =>
      this.db.send(new GetItemCommand({ TableName: this.table, Key: { tenantId: { S: tenantId }, recordKey: { S: id } }, ConsistentRead: true })),
    );
    if (!Item) return undefined;
    const chunks = [Item['body']!.B!];
    if (Number(Item['parts']!.N) > 1) {
      const { Items = [] } = await guarded(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'tenantId = :t AND begins_with(recordKey, :p)',
            ExpressionAttributeValues: { ':t': { S: tenantId }, ':p': { S: `${id}#part#` } },
            ConsistentRead: true,
          }),
        ),
      );
      for (const part of Items) chunks.push(part['body']!.B!);
    }
    const { request, assessment } = unpackJson<{ request: unknown; assessment: Assessment }>(Buffer.concat(chunks));
    return { tenantId, createdAt: Item['createdAt']!.S!, request, assessment };
  }

  /** One page of an account's assessments, newest first. */
  async listByAccount(tenantId: string, accountId: string, options: { limit: number; cursor?: string | undefined }): Promise<Page<AssessmentSummary>> {
    const accountKey = `${tenantId}#${accountId}`;
    const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, accountKey);
    const { Items = [], LastEvaluatedKey } = await guarded(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byAccount',
          KeyConditionExpression: 'accountKey = :a',
          ExpressionAttributeValues: { ':a': { S: accountKey } },
          ScanIndexForward: false,
          Limit: options.limit,
          ExclusiveStartKey: start,
        }),
      ),
    );
    return {
      items: Items.map(summaryOf),
      nextCursor: LastEvaluatedKey ? encodeCursor(LastEvaluatedKey) : null,
    };
  }
}

function summaryOf(i: Record<string, AttributeValue>): AssessmentSummary {
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

/** A cursor is the listing's last key; it must belong to the same account (and so tenant). */
function decodeCursor(cursor: string, accountKey: string): Record<string, AttributeValue> {
  const key = decodeKey(cursor) as Record<string, AttributeValue> | undefined;
  const valid =
    key !== undefined &&
    key['accountKey']?.S === accountKey &&
    typeof key['assessmentId']?.S === 'string' &&
    typeof key['recordKey']?.S === 'string' &&
    key['tenantId']?.S === accountKey.slice(0, accountKey.indexOf('#')) &&
    Object.keys(key).length === 4;
  if (!valid) throw new InvalidCursorError();
  return key;
}
