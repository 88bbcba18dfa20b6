import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { accountPartition } from '../shared/store/account-partitions.ts';
import { ensureTables } from '../shared/store/bootstrap.ts';
import { createDynamoClient } from '../shared/store/client.ts';
import { createStores } from '../shared/store/index.ts';
import { tableNames } from '../shared/store/tables.ts';

/** A fresh set of tables on the run's DynamoDB Local, and the stores over them. */
export async function freshStores() {
  const endpoint = inject('dynamoEndpoint');
  const db = createDynamoClient({ endpoint });
  const names = tableNames(`test-${randomBytes(4).toString('hex')}-`);
  await ensureTables(db, names);
  return { db, names, endpoint, stores: createStores(db, names) };
}

/**
 * Moves a registered account's item to where it was stored before the account partitions
 * (shared/store/account-partitions.ts): under the tenant's own partition key.
 */
export async function storeAsBeforePartitions(db: DynamoDBClient, table: string, tenantId: string, accountId: string): Promise<void> {
  const key = { tenantId: { S: accountPartition(tenantId, accountId) }, accountId: { S: accountId } };
  const { Item } = await db.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
  await db.send(new PutItemCommand({ TableName: table, Item: { ...Item!, tenantId: { S: tenantId } } }));
  await db.send(new DeleteItemCommand({ TableName: table, Key: key }));
}
