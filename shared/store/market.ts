import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { MarketEntry } from '../schemas/snapshot.ts';
import { applied, ConflictError, guarded } from './errors.ts';
import { TableStore } from './table-store.ts';

export interface MarketData {
  readonly market: Readonly<Record<string, MarketEntry>>;
  /** When the prices were observed. */
  readonly asOf: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** The latest market data of each tenant. */
export class MarketStore extends TableStore {
  async get(tenantId: string): Promise<MarketData | undefined> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: { tenantId: { S: tenantId } }, ConsistentRead: true })));
    if (!Item) return undefined;
    return { market: JSON.parse(Item['market']!.S!), asOf: Item['asOf']!.S!, updatedAt: Item['updatedAt']!.S!, version: Number(Item['version']!.N) };
  }

  /** Replaces the tenant's market, only over the version the caller checked its prices against. */
  async put(tenantId: string, data: Omit<MarketData, 'version'>, previousVersion: number | null): Promise<MarketData> {
    const version = (previousVersion ?? 0) + 1;
    const written = await applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            tenantId: { S: tenantId },
            market: { S: JSON.stringify(data.market) },
            asOf: { S: data.asOf },
            updatedAt: { S: data.updatedAt },
            version: { N: String(version) },
          },
          ConditionExpression: previousVersion === null ? 'attribute_not_exists(tenantId)' : 'version = :v',
          ...(previousVersion === null ? {} : { ExpressionAttributeValues: { ':v': { N: String(previousVersion) } } }),
        }),
      ),
    );
    if (!written) throw new ConflictError('the market data');
    return { ...data, version };
  }
}
