import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoOptions {
  /** Endpoint of another DynamoDB (DynamoDB Local); default: the AWS endpoint of the region. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
}

/**
 * A DynamoDB client that fails fast: short timeouts and two attempts, so an API call
 * answers 503 quickly instead of hanging when the database is away.
 */
export function createDynamoClient(options: DynamoOptions = {}): DynamoDBClient {
  const local = options.endpoint !== undefined;
  return new DynamoDBClient({
    region: options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
    ...(local
      ? {
          endpoint: options.endpoint,
          // DynamoDB Local accepts any credentials; explicit ones avoid probing the machine for real ones.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
  });
}

/** Whether the DynamoDB at `client` answers a request now (a cheap ListTables of one). */
export async function answers(client: DynamoDBClient): Promise<boolean> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  }
}
