import { GetItemCommand, type AttributeValue, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { ACTIVE_STATUSES } from '../liquidations/liquidation.ts';
import type { Liquidation, LiquidationStatus } from '../schemas/liquidations.ts';
import { packJson, PART_BYTES, unpackJson, type KeyShape } from './codec.ts';
import { guarded, StoreError } from './errors.ts';
import { TableStore, type Page } from './table-store.ts';

type Item = Record<string, AttributeValue>;

/** A liquidation as stored, with the version its next write must be conditional on. */
export interface StoredLiquidation {
  readonly liquidation: Liquidation;
  readonly version: number;
}

/** What a listing may ask for: one status, or `active` (every status a liquidator can fill: open, partially_filled, escalated). */
export type LiquidationFilter = LiquidationStatus | 'active';

const phaseOf = (status: LiquidationStatus) => (ACTIVE_STATUSES.has(status) ? 'active' : 'closed');

/**
 * Liquidations per tenant (docs/liquidations.md), the whole object packed in one item
 * (a plan's steps and its fills compress far below an item's 400 KB). `phaseKey`
 * (`tenantId#active` or `tenantId#closed`) lists the active ones for liquidators without
 * reading the closed history. Every write is conditional on the version read, so two
 * fills or a fill and a sweep never both apply to the same state.
 */
export class LiquidationStore extends TableStore {
  private key(tenantId: string, liquidationId: string): Item {
    return { tenantId: { S: tenantId }, liquidationId: { S: liquidationId } };
  }

  async get(tenantId: string, liquidationId: string): Promise<StoredLiquidation | undefined> {
    const { Item } = await guarded(() =>
      this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(tenantId, liquidationId), ConsistentRead: true })),
    );
    return Item ? storedOf(Item) : undefined;
  }

  /** The put that opens a liquidation, for the caller's transaction; it fails if the id exists. */
  createItem(tenantId: string, l: Liquidation): TransactWriteItem {
    return { Put: { TableName: this.table, Item: this.item(tenantId, l, 1), ConditionExpression: 'attribute_not_exists(liquidationId)' } };
  }

  /** The put that replaces `stored` by `next`, for the caller's transaction; it fails if anyone wrote it since it was read. */
  replaceItem(tenantId: string, stored: StoredLiquidation, next: Liquidation): TransactWriteItem {
    return {
      Put: {
        TableName: this.table,
        Item: this.item(tenantId, next, stored.version + 1),
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': { N: String(stored.version) } },
      },
    };
  }

  /** A page of the tenant's liquidations, newest first, optionally filtered by status. */
  async list(tenantId: string, options: { status?: LiquidationFilter | undefined; limit: number; cursor?: string | undefined }): Promise<Page<Liquidation>> {
    const { status } = options;
    const phase = status === undefined ? undefined : status === 'active' ? 'active' : phaseOf(status);
    const partition = phase ? 'phaseKey' : 'tenantId';
    const partitionKey = phase ? `${tenantId}#${phase}` : tenantId;
    const shape: KeyShape = phase ? { tenantId, liquidationId: null, phaseKey: partitionKey } : { tenantId, liquidationId: null };
    const exact = status !== undefined && status !== 'active';
    const page = await this.listPage(
      {
        TableName: this.table,
        ...(phase ? { IndexName: 'byPhase' } : {}),
        KeyConditionExpression: '#p = :p',
        ...(exact ? { FilterExpression: '#s = :s' } : {}),
        ExpressionAttributeNames: { '#p': partition, ...(exact ? { '#s': 'status' } : {}) },
        ExpressionAttributeValues: { ':p': { S: partitionKey }, ...(exact ? { ':s': { S: status } } : {}) },
        ScanIndexForward: false,
      },
      options,
      shape,
    );
    return { items: page.items.map((i) => storedOf(i).liquidation), nextCursor: page.nextCursor };
  }

  private item(tenantId: string, l: Liquidation, version: number): Item {
    const body = packJson(l);
    if (body.byteLength > PART_BYTES) throw new StoreError(`liquidation ${l.id} is too large to store (${body.byteLength} bytes compressed)`);
    return {
      ...this.key(tenantId, l.id),
      accountId: { S: l.accountId },
      status: { S: l.status },
      phaseKey: { S: `${tenantId}#${phaseOf(l.status)}` },
      body: { B: body },
      version: { N: String(version) },
    };
  }
}

function storedOf(i: Item): StoredLiquidation {
  return { liquidation: unpackJson<Liquidation>(i['body']!.B!), version: Number(i['version']!.N) };
}
