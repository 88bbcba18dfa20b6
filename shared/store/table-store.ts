import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A repository over one table: the client and the table's physical name. */
export abstract class TableStore {
  constructor(
    protected readonly db: DynamoDBClient,
    protected readonly table: string,
  ) {}
}
