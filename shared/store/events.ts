import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { applied, guarded } from './errors.ts';
import { pendingKeyOf, queryPending } from './pending-shards.ts';
import { TableStore } from './table-store.ts';

/** An event in the outbox, as webhooks will carry it (`{ type, timestamp, data }`). */
export interface OutboxEvent {
  readonly eventId: string;
  readonly type: string;
  readonly createdAt: string;
  readonly data: unknown;
}

/**
 * The outbox. Events are written in the same transaction as the change they announce
 * and carry deterministic ids, so a retried writer can never add one twice.
 */
export class EventStore extends TableStore {
  /**
   * The put that adds an event, for the caller's transaction; it fails if the event exists.
   * `dispatch: false` keeps it off the fan-out (a test event addressed to one endpoint).
   */
  putItem(tenantId: string, event: OutboxEvent, options: { dispatch?: boolean } = {}): TransactWriteItem {
    const item = this.item(tenantId, event);
    if (options.dispatch === false) delete item['dispatchState'];
    return { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(eventId)' } };
  }

  /** Adds an event; false when it was already there. */
  async put(tenantId: string, event: OutboxEvent, options: { dispatch?: boolean } = {}): Promise<boolean> {
    return applied(() => this.db.send(new PutItemCommand(this.putItem(tenantId, event, options).Put!)));
  }

  async get(tenantId: string, eventId: string): Promise<OutboxEvent | undefined> {
    const { Item } = await guarded(() =>
      this.db.send(new GetItemCommand({ TableName: this.table, Key: { tenantId: { S: tenantId }, eventId: { S: eventId } }, ConsistentRead: true })),
    );
    return Item ? eventOf(Item) : undefined;
  }

  /**
   * Events awaiting dispatch, oldest first, across tenants: the oldest `limit` over every
   * pending shard and the legacy key (pending-shards.ts), each read only as far as needed.
   */
  async pending(limit: number): Promise<Array<{ tenantId: string; event: OutboxEvent }>> {
    const Items = await queryPending(this.db, { TableName: this.table, IndexName: 'byDispatch', KeyConditionExpression: 'dispatchState = :p' }, 'createdKey', limit);
    return Items.map((i) => ({ tenantId: i['tenantId']!.S!, event: eventOf(i) }));
  }

  /** Takes an event off the dispatch index once its deliveries exist. */
  async markDispatched(tenantId: string, eventId: string): Promise<void> {
    await guarded(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { tenantId: { S: tenantId }, eventId: { S: eventId } },
          UpdateExpression: 'REMOVE dispatchState',
        }),
      ),
    );
  }

  /** Events of a tenant, newest first (ids are not time-ordered; createdKey is). */
  async list(tenantId: string, limit: number): Promise<OutboxEvent[]> {
    const { Items = [] } = await guarded(() =>
      this.db.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: tenantId } } }),
      ),
    );
    return Items.map(eventOf)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      .slice(0, limit);
  }

  private item(tenantId: string, e: OutboxEvent): Record<string, AttributeValue> {
    return {
      tenantId: { S: tenantId },
      eventId: { S: e.eventId },
      type: { S: e.type },
      createdAt: { S: e.createdAt },
      createdKey: { S: `${e.createdAt}#${e.eventId}` },
      data: { S: JSON.stringify(e.data) },
      // Sharded by the event's id, so the outbox's index writes do not share one partition.
      dispatchState: { S: pendingKeyOf(e.eventId) },
    };
  }
}

function eventOf(i: Record<string, AttributeValue>): OutboxEvent {
  return { eventId: i['eventId']!.S!, type: i['type']!.S!, createdAt: i['createdAt']!.S!, data: JSON.parse(i['data']!.S!) };
}
