import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { applied, guarded } from './errors.ts';
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

/** Webhook endpoints per tenant. */
export class WebhookEndpointStore extends TableStore {
  private key(tenantId: string, endpointId: string): Record<string, AttributeValue> {
    return { tenantId: { S: tenantId }, endpointId: { S: endpointId } };
  }

  /** Creates (version 1) or replaces an endpoint, only over the version the caller read. */
  async save(tenantId: string, endpoint: WebhookEndpoint): Promise<boolean> {
    return applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
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
          },
          ConditionExpression: endpoint.version === 1 ? 'attribute_not_exists(endpointId)' : 'version = :previous',
          ...(endpoint.version === 1 ? {} : { ExpressionAttributeValues: { ':previous': { N: String(endpoint.version - 1) } } }),
        }),
      ),
    );
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

  async delete(tenantId: string, endpointId: string): Promise<boolean> {
    return applied(() =>
      this.db.send(new DeleteItemCommand({ TableName: this.table, Key: this.key(tenantId, endpointId), ConditionExpression: 'attribute_exists(endpointId)' })),
    );
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
