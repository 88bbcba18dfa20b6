import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { applied, guarded } from './errors.ts';
import { LEGACY_PENDING, pendingKeyOf, queryPending } from './pending-shards.ts';
import { TableStore, type Page } from './table-store.ts';

export interface Delivery {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly createdAt: string;
  readonly firstAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  /** When the next attempt is due (pending only). */
  readonly nextAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

/** What an attempt concluded. */
export type AttemptOutcome =
  | { readonly kind: 'delivered'; readonly status: number; readonly at: Date }
  | { readonly kind: 'retry'; readonly status: number | null; readonly error: string; readonly nextAttemptAt: Date }
  | { readonly kind: 'failed'; readonly status: number | null; readonly error: string };

const PENDING = 'pending';

/**
 * The condition that a delivery is still due: its `dueState` is its own shard's key, or the
 * legacy `pending` of an item written before the shards (pending-shards.ts). Binds `:p`, `:legacy`.
 */
const DUE = 'dueState IN (:p, :legacy)';
const dueValues = (deliveryId: string): Record<string, AttributeValue> => ({ ':p': { S: pendingKeyOf(deliveryId) }, ':legacy': { S: LEGACY_PENDING } });

/** The id of the delivery of one event to one endpoint: the same however often fan-out runs. */
export const deliveryIdOf = (eventId: string, endpointId: string) => `dlv_${withoutPrefix(eventId)}_${withoutPrefix(endpointId)}`;

const withoutPrefix = (id: string) => id.slice(id.indexOf('_') + 1);

/** Webhook deliveries: one per event and endpoint, with their attempts and schedule. */
export class DeliveryStore extends TableStore {
  private key(tenantId: string, deliveryId: string): Record<string, AttributeValue> {
    return { tenantId: { S: tenantId }, deliveryId: { S: deliveryId } };
  }

  /** Creates a pending delivery due at `dueAt`; false when it already exists. */
  async create(tenantId: string, d: { deliveryId: string; endpointId: string; eventId: string; eventType: string }, dueAt: Date): Promise<boolean> {
    const due = dueAt.toISOString();
    return applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...this.key(tenantId, d.deliveryId),
            endpointId: { S: d.endpointId },
            eventId: { S: d.eventId },
            eventType: { S: d.eventType },
            status: { S: PENDING },
            attempts: { N: '0' },
            createdAt: { S: due },
            nextAttemptAt: { S: due },
            dueState: { S: pendingKeyOf(d.deliveryId) },
            dueKey: { S: `${due}#${tenantId}#${d.deliveryId}` },
            endpointKey: { S: `${tenantId}#${d.endpointId}` },
            createdKey: { S: `${due}#${d.deliveryId}` },
          },
          ConditionExpression: 'attribute_not_exists(deliveryId)',
        }),
      ),
    );
  }

  /**
   * Pending deliveries due by `now`, earliest first, across tenants: the earliest `limit`
   * over every pending shard and the legacy key (pending-shards.ts), each read only as far as needed.
   */
  async due(now: Date, limit: number): Promise<Array<{ tenantId: string; deliveryId: string }>> {
    const Items = await queryPending(
      this.db,
      { TableName: this.table, IndexName: 'byDue', KeyConditionExpression: 'dueState = :p AND dueKey <= :now', ExpressionAttributeValues: { ':now': { S: `${now.toISOString()}\uffff` } } },
      'dueKey',
      limit,
    );
    return Items.map((i) => ({ tenantId: i['tenantId']!.S!, deliveryId: i['deliveryId']!.S! }));
  }

  /**
   * Takes a due delivery for one attempt until `leaseMs` from now, or undefined when
   * another dispatcher holds it or it is no longer due. A dispatcher that dies during
   * the attempt loses the lease, and the delivery is attempted again with the same id.
   */
  async claim(tenantId: string, deliveryId: string, now: Date, leaseMs: number): Promise<Delivery | undefined> {
    const at = now.toISOString();
    try {
      const { Attributes } = await guarded(() =>
        this.db.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.key(tenantId, deliveryId),
            UpdateExpression: 'SET leaseUntil = :lease, lastAttemptAt = :now, firstAttemptAt = if_not_exists(firstAttemptAt, :now) ADD attempts :one',
            ConditionExpression: `${DUE} AND nextAttemptAt <= :now AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)`,
            ExpressionAttributeValues: {
              ':lease': { S: new Date(now.getTime() + leaseMs).toISOString() },
              ':now': { S: at },
              ':one': { N: '1' },
              ...dueValues(deliveryId),
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return Attributes ? deliveryOf(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Moves a pending delivery's next attempt to `until` without spending an attempt (its
   * endpoint's circuit is open), unless a dispatcher holds it or it is due later anyway.
   */
  async postpone(tenantId: string, deliveryId: string, until: Date, now: Date): Promise<boolean> {
    const next = until.toISOString();
    return applied(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(tenantId, deliveryId),
          UpdateExpression: 'SET nextAttemptAt = :next, dueKey = :dueKey',
          ConditionExpression: `${DUE} AND nextAttemptAt < :next AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)`,
          ExpressionAttributeValues: {
            ':next': { S: next },
            ':dueKey': { S: `${next}#${tenantId}#${deliveryId}` },
            ':now': { S: now.toISOString() },
            ...dueValues(deliveryId),
          },
        }),
      ),
    );
  }

  /** Records what an attempt concluded and releases the lease. */
  async record(tenantId: string, deliveryId: string, outcome: AttemptOutcome): Promise<void> {
    const values: Record<string, AttributeValue> = {};
    let update: string;
    if (outcome.kind === 'retry') {
      const next = outcome.nextAttemptAt.toISOString();
      update = `SET nextAttemptAt = :next, dueKey = :dueKey, lastError = :error${outcome.status === null ? '' : ', lastStatus = :status'} REMOVE leaseUntil`;
      values[':next'] = { S: next };
      values[':dueKey'] = { S: `${next}#${tenantId}#${deliveryId}` };
      values[':error'] = { S: outcome.error };
    } else if (outcome.kind === 'delivered') {
      update = 'SET #s = :delivered, deliveredAt = :at, lastStatus = :status REMOVE leaseUntil, dueState, dueKey, nextAttemptAt, lastError';
      values[':delivered'] = { S: 'delivered' };
      values[':at'] = { S: outcome.at.toISOString() };
    } else {
      update = `SET #s = :failed, lastError = :error${outcome.status === null ? '' : ', lastStatus = :status'} REMOVE leaseUntil, dueState, dueKey, nextAttemptAt`;
      values[':failed'] = { S: 'failed' };
      values[':error'] = { S: outcome.error };
    }
    if (outcome.status !== null) values[':status'] = { N: String(outcome.status) };
    await guarded(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(tenantId, deliveryId),
          UpdateExpression: update,
          ...(update.includes('#s') ? { ExpressionAttributeNames: { '#s': 'status' } } : {}),
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** Puts a failed delivery back in the queue, due now, with a fresh retry window (under its own shard's key, whatever it had). */
  async retry(tenantId: string, deliveryId: string, now: Date): Promise<boolean> {
    const at = now.toISOString();
    return applied(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(tenantId, deliveryId),
          UpdateExpression: 'SET #s = :pending, dueState = :due, nextAttemptAt = :now, dueKey = :dueKey, firstAttemptAt = :now',
          ConditionExpression: '#s = :failed',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': { S: PENDING }, ':due': { S: pendingKeyOf(deliveryId) }, ':now': { S: at }, ':dueKey': { S: `${at}#${tenantId}#${deliveryId}` }, ':failed': { S: 'failed' } },
        }),
      ),
    );
  }

  async get(tenantId: string, deliveryId: string): Promise<Delivery | undefined> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(tenantId, deliveryId), ConsistentRead: true })));
    return Item ? deliveryOf(Item) : undefined;
  }

  /** One page of an endpoint's deliveries, newest first: failed ones of any age stay reachable for a retry. */
  async listByEndpoint(tenantId: string, endpointId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<Delivery>> {
    const endpointKey = `${tenantId}#${endpointId}`;
    const { items, nextCursor } = await this.listPage(
      { TableName: this.table, IndexName: 'byEndpoint', KeyConditionExpression: 'endpointKey = :e', ExpressionAttributeValues: { ':e': { S: endpointKey } }, ScanIndexForward: false },
      page,
      // A cursor must be this endpoint's (and so this tenant's): only the position in the listing is free.
      { tenantId, deliveryId: null, endpointKey, createdKey: null },
    );
    return { items: items.map(deliveryOf), nextCursor };
  }
}

function deliveryOf(i: Record<string, AttributeValue>): Delivery {
  return {
    deliveryId: i['deliveryId']!.S!,
    endpointId: i['endpointId']!.S!,
    eventId: i['eventId']!.S!,
    eventType: i['eventType']!.S!,
    status: i['status']!.S as Delivery['status'],
    attempts: Number(i['attempts']!.N),
    createdAt: i['createdAt']!.S!,
    firstAttemptAt: i['firstAttemptAt']?.S ?? null,
    lastAttemptAt: i['lastAttemptAt']?.S ?? null,
    nextAttemptAt: i['nextAttemptAt']?.S ?? null,
    lastStatus: i['lastStatus']?.N === undefined ? null : Number(i['lastStatus'].N),
    lastError: i['lastError']?.S ?? null,
    deliveredAt: i['deliveredAt']?.S ?? null,
  };
}
