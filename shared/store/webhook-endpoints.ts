import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { applied, ConflictError, guarded } from './errors.ts';
import { TableStore, type Page } from './table-store.ts';

export interface SigningSecret {
  readonly secret: string;
  /** When a rotated-out secret stops signing; null for the current one. */
  readonly expiresAt: string | null;
}

export interface WebhookEndpoint {
  readonly endpointId: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string | null;
  readonly enabled: boolean;
  /** Why the endpoint was disabled by us (e.g. it answered 410), or null. */
  readonly disabledReason: string | null;
  readonly secrets: readonly SigningSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/**
 * An endpoint's circuit breaker: its consecutive failed attempts (timeouts, unreachable,
 * 5xx), and once they reach CIRCUIT_THRESHOLD, until when the dispatcher skips it.
 */
export interface Circuit {
  readonly failures: number;
  /** While in the future the circuit is open: the endpoint's deliveries wait, no attempt is spent. */
  readonly openUntil: string | null;
}

export const CLOSED_CIRCUIT: Circuit = { failures: 0, openUntil: null };
/** Consecutive failures that open the circuit. */
export const CIRCUIT_THRESHOLD = 5;
/** The first opening; each further failure doubles it, up to CIRCUIT_MAX_OPEN_MS. */
export const CIRCUIT_OPEN_MS = 60_000;
export const CIRCUIT_MAX_OPEN_MS = 3_600_000;

/** How long a circuit with `failures` consecutive failures stays open (0: closed). */
export function circuitOpenMs(failures: number): number {
  if (failures < CIRCUIT_THRESHOLD) return 0;
  return Math.min(CIRCUIT_MAX_OPEN_MS, CIRCUIT_OPEN_MS * 2 ** Math.min(20, failures - CIRCUIT_THRESHOLD));
}

/** Attempts of a create or delete that keeps meeting others on the tenant's counter. */
const COUNTER_ATTEMPTS = 12;

/**
 * Webhook endpoints per tenant, and beside them (`<tenantId>#count`, a partition no tenant
 * has) how many the tenant has: creates and deletes move the counter in the same
 * transaction, and its condition holds the cap exactly, however many creates race.
 */
export class WebhookEndpointStore extends TableStore {
  private key(tenantId: string, endpointId: string): Record<string, AttributeValue> {
    return { tenantId: { S: tenantId }, endpointId: { S: endpointId } };
  }

  private counterKey(tenantId: string): Record<string, AttributeValue> {
    return this.key(`${tenantId}#count`, 'endpoints');
  }

  /**
   * Creates an endpoint (version 1) unless the tenant already has `cap`: 'limit_exceeded'
   * then, and nothing is written. Throws ConflictError when concurrent creates keep winning.
   */
  async create(tenantId: string, endpoint: WebhookEndpoint, cap: number): Promise<'created' | 'limit_exceeded'> {
    const put: TransactWriteItem = { Put: { TableName: this.table, Item: this.item(tenantId, endpoint), ConditionExpression: 'attribute_not_exists(endpointId)' } };
    const refused = await this.withCounter(tenantId, put, 1, cap);
    if (!refused) return 'created';
    if (refused.counter) return 'limit_exceeded';
    throw new ConflictError(`webhook endpoint ${endpoint.endpointId}`);
  }

  /**
   * Writes `item` and moves the tenant's counter by `step` in one transaction (with `cap`,
   * only while the counter stays below it), trying again while other creates and deletes
   * hold the counter. Null once written; which condition failed otherwise.
   */
  private async withCounter(tenantId: string, item: TransactWriteItem, step: 1 | -1, cap?: number): Promise<{ item: boolean; counter: boolean } | null> {
    await this.ensureCounter(tenantId);
    const counter: TransactWriteItem = {
      Update: {
        TableName: this.table,
        Key: this.counterKey(tenantId),
        UpdateExpression: 'SET endpoints = endpoints + :step',
        ...(cap === undefined ? {} : { ConditionExpression: 'endpoints < :cap' }),
        ExpressionAttributeValues: { ':step': { N: String(step) }, ...(cap === undefined ? {} : { ':cap': { N: String(cap) } }) },
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await guarded(() => this.db.send(new TransactWriteItemsCommand({ TransactItems: [item, counter] })));
        return null;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [itemCode, counterCode] = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (itemCode === 'ConditionalCheckFailed' || counterCode === 'ConditionalCheckFailed') {
          return { item: itemCode === 'ConditionalCheckFailed', counter: counterCode === 'ConditionalCheckFailed' };
        }
        // Another create or delete held the counter: try again, after a short jittered pause.
        if (attempt === COUNTER_ATTEMPTS) throw new ConflictError(`the webhook endpoints of tenant ${tenantId}`);
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }

  /** The counter, started from the endpoints stored before it existed. */
  private async ensureCounter(tenantId: string): Promise<void> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.counterKey(tenantId), ConsistentRead: true })));
    if (Item) return;
    const endpoints = await this.count(tenantId);
    // Two first creates may both get here: one counter is stored, the other finds it.
    await applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...this.counterKey(tenantId), endpoints: { N: String(endpoints) } },
          ConditionExpression: 'attribute_not_exists(endpointId)',
        }),
      ),
    );
  }

  /** Replaces an endpoint, only over the version the caller read (creating one is `create`'s). */
  async save(tenantId: string, endpoint: WebhookEndpoint): Promise<boolean> {
    return applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: this.item(tenantId, endpoint),
          ConditionExpression: endpoint.version === 1 ? 'attribute_not_exists(endpointId)' : 'version = :previous',
          ...(endpoint.version === 1 ? {} : { ExpressionAttributeValues: { ':previous': { N: String(endpoint.version - 1) } } }),
        }),
      ),
    );
  }

  private item(tenantId: string, endpoint: WebhookEndpoint): Record<string, AttributeValue> {
    return {
      ...this.key(tenantId, endpoint.endpointId),
      url: { S: endpoint.url },
      events: { S: JSON.stringify(endpoint.events) },
      ...(endpoint.description === null ? {} : { description: { S: endpoint.description } }),
      enabled: { BOOL: endpoint.enabled },
      ...(endpoint.disabledReason === null ? {} : { disabledReason: { S: endpoint.disabledReason } }),
      secrets: { S: JSON.stringify(endpoint.secrets) },
      createdAt: { S: endpoint.createdAt },
      updatedAt: { S: endpoint.updatedAt },
      version: { N: String(endpoint.version) },
    };
  }

  async get(tenantId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(tenantId, endpointId), ConsistentRead: true })));
    return Item ? endpointOf(Item) : undefined;
  }

  /** One page of the tenant's endpoints, by id. */
  async page(tenantId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<WebhookEndpoint>> {
    const { items, nextCursor } = await this.listPage(
      { TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: tenantId } }, ConsistentRead: true },
      page,
      // A cursor must be this tenant's: only the position in the listing is free.
      { tenantId, endpointId: null },
    );
    return { items: items.map(endpointOf), nextCursor };
  }

  /** How many endpoints the tenant has, to enforce the cap without reading them. */
  async count(tenantId: string): Promise<number> {
    const { Count = 0 } = await guarded(() =>
      this.db.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: tenantId } }, Select: 'COUNT', ConsistentRead: true })),
    );
    return Count;
  }

  /** Every endpoint of the tenant (a handful: they are capped), for fan-out. */
  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    const { Items = [] } = await guarded(() =>
      this.db.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: tenantId } }, ConsistentRead: true })),
    );
    return Items.map(endpointOf);
  }

  /** Where an endpoint's circuit is kept: beside the endpoints, in a partition no tenant has (`<tenantId>#circuit`). */
  private circuitKey(tenantId: string, endpointId: string): Record<string, AttributeValue> {
    return this.key(`${tenantId}#circuit`, endpointId);
  }

  async circuit(tenantId: string, endpointId: string): Promise<Circuit> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.circuitKey(tenantId, endpointId), ConsistentRead: true })));
    return Item ? circuitOf(Item) : CLOSED_CIRCUIT;
  }

  /** Every circuit of a tenant's endpoints that has failures, by endpoint id. */
  async circuits(tenantId: string): Promise<Map<string, Circuit>> {
    const { Items = [] } = await guarded(() =>
      this.db.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: `${tenantId}#circuit` } }, ConsistentRead: true })),
    );
    return new Map(Items.map((i) => [i['endpointId']!.S!, circuitOf(i)]));
  }

  /** A failed attempt: one more consecutive failure, and the circuit opened for as long as that many call for. */
  async recordFailure(tenantId: string, endpointId: string, now: Date): Promise<Circuit> {
    const { Attributes } = await guarded(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.circuitKey(tenantId, endpointId),
          UpdateExpression: 'ADD failures :one SET lastFailureAt = :now',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':now': { S: now.toISOString() } },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    const failures = Number(Attributes?.['failures']?.N ?? 1);
    const openMs = circuitOpenMs(failures);
    if (openMs === 0) return { failures, openUntil: null };
    const openUntil = new Date(now.getTime() + openMs).toISOString();
    await guarded(() =>
      this.db.send(
        new UpdateItemCommand({ TableName: this.table, Key: this.circuitKey(tenantId, endpointId), UpdateExpression: 'SET openUntil = :u', ExpressionAttributeValues: { ':u': { S: openUntil } } }),
      ),
    );
    return { failures, openUntil };
  }

  /** A delivered attempt closes the circuit. */
  async recordSuccess(tenantId: string, endpointId: string): Promise<void> {
    await guarded(() => this.db.send(new DeleteItemCommand({ TableName: this.table, Key: this.circuitKey(tenantId, endpointId) })));
  }

  /** Deletes an endpoint and counts it out, in one transaction; false when there is none. */
  async delete(tenantId: string, endpointId: string): Promise<boolean> {
    const removal: TransactWriteItem = { Delete: { TableName: this.table, Key: this.key(tenantId, endpointId), ConditionExpression: 'attribute_exists(endpointId)' } };
    return (await this.withCounter(tenantId, removal, -1)) === null;
  }
}

function endpointOf(i: Record<string, AttributeValue>): WebhookEndpoint {
  return {
    endpointId: i['endpointId']!.S!,
    url: i['url']!.S!,
    events: JSON.parse(i['events']!.S!),
    description: i['description']?.S ?? null,
    enabled: i['enabled']!.BOOL!,
    disabledReason: i['disabledReason']?.S ?? null,
    secrets: JSON.parse(i['secrets']!.S!),
    createdAt: i['createdAt']!.S!,
    updatedAt: i['updatedAt']!.S!,
    version: Number(i['version']!.N),
  };
}

function circuitOf(item: Record<string, AttributeValue>): Circuit {
  return { failures: Number(item['failures']?.N ?? 0), openUntil: item['openUntil']?.S ?? null };
}
