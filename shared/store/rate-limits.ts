import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { applied } from './errors.ts';
import { TableStore } from './table-store.ts';

/**
 * A fixed-window counter per tenant and second in DynamoDB: every API Lambda instance
 * shares it, so the limit holds across instances (an in-memory bucket would not).
 */
export class RateLimitStore extends TableStore {
  /** Counts one request of `tenantId` at `now`; false when the second's allowance is spent. */
  async take(tenantId: string, now: Date, perSecond: number): Promise<boolean> {
    const second = Math.floor(now.getTime() / 1000);
    return applied(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { limitKey: { S: `${tenantId}#${second}` } },
          UpdateExpression: 'ADD requests :one SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(requests) OR requests < :limit',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: String(perSecond) }, ':expires': { N: String(second + 60) } },
        }),
      ),
    );
  }
}
