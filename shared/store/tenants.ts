import { GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { newId } from '../ids.ts';
import { guarded } from './errors.ts';
import { TableStore } from './table-store.ts';

export interface Tenant {
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
}

/** Tenants: the exchanges using Softland. */
export class TenantStore extends TableStore {
  async create(name: string, now = new Date()): Promise<Tenant> {
    const tenant: Tenant = { tenantId: newId('ten', now.getTime()), name, createdAt: now.toISOString() };
    await guarded(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { tenantId: { S: tenant.tenantId }, name: { S: name }, createdAt: { S: tenant.createdAt } },
          ConditionExpression: 'attribute_not_exists(tenantId)',
        }),
      ),
    );
    return tenant;
  }

  /** Every tenant (the scheduler sweeps them all). */
  async list(): Promise<Tenant[]> {
    const tenants: Tenant[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await guarded(() => this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start })));
      for (const i of page.Items ?? []) tenants.push({ tenantId: i['tenantId']!.S!, name: i['name']!.S!, createdAt: i['createdAt']!.S! });
      start = page.LastEvaluatedKey;
    } while (start);
    return tenants;
  }

  async get(tenantId: string): Promise<Tenant | undefined> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: { tenantId: { S: tenantId } }, ConsistentRead: true })));
    return Item ? { tenantId, name: Item['name']!.S!, createdAt: Item['createdAt']!.S! } : undefined;
  }
}
