import { TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { guarded } from './errors.ts';

/** Writes items from several repositories atomically: all of them or none. */
export type Transact = (items: readonly TransactWriteItem[]) => Promise<void>;

export function transactor(db: DynamoDBClient): Transact {
  return async (items) => {
    await guarded(() => db.send(new TransactWriteItemsCommand({ TransactItems: [...items] })));
  };
}
