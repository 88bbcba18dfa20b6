import { tableNames, type TableNames } from '../../shared/store/tables.ts';

/** Settings read from the environment, once, at start. */
export interface ServerConfig {
  readonly port: number;
  /** Another DynamoDB to use instead of starting DynamoDB Local. */
  readonly dynamoEndpoint: string | undefined;
  /** A fixed dev key for scripts (SOFTLAND_DEV_API_KEY). */
  readonly devApiKey: string | undefined;
  readonly tables: TableNames;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env['PORT'] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`PORT must be a port number, got "${env['PORT']}"`);
  return {
    port,
    dynamoEndpoint: env['DYNAMODB_ENDPOINT'] || undefined,
    devApiKey: env['SOFTLAND_DEV_API_KEY'] || undefined,
    tables: tableNames(env['SOFTLAND_TABLE_PREFIX'] ?? 'softland-'),
  };
}
