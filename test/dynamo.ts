import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
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
