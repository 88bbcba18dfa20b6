import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInput, TABLES, type TableId, type TableNames } from './tables.ts';

/** Creates every table that does not exist yet (local server and tests; CDK does it on AWS). */
export async function ensureTables(db: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    (Object.keys(TABLES) as TableId[]).map(async (id) => {
      const def = TABLES[id];
      try {
        await db.send(new CreateTableCommand(createTableInput(def, names[id])));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await waitActive(db, names[id]);
      if ('timeToLiveAttribute' in def) {
        await db
          .send(new UpdateTimeToLiveCommand({ TableName: names[id], TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true } }))
          .catch((error: Error) => {
            // Already enabled: nothing to do.
            if (!/already enabled|TimeToLive is already/i.test(error.message)) throw error;
          });
      }
    }),
  );
}

async function waitActive(db: DynamoDBClient, table: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await db.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`table ${table} did not become active`);
}
