import { TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { applied, ConflictError } from './errors.ts';

/**
 * One write of a store, to put in a transaction with others (`Transact`). Modules outside
 * shared/store pass these along without looking inside: only the store builds DynamoDB requests.
 */
export type StoreWrite = TransactWriteItem;

/**
 * Writes items from several repositories atomically: all of them or none. A transaction
 * that lost a race (a condition failed: an item changed since it was read; or another
 * transaction was writing it) throws ConflictError: read again and retry.
 */
export type Transact = (items: readonly StoreWrite[]) => Promise<void>;

export function transactor(db: DynamoDBClient): Transact {
  return async (items) => {
    if (!(await applied(() => db.send(new TransactWriteItemsCommand({ TransactItems: [...items] }))))) throw new ConflictError('an item of the transaction');
  };
}
