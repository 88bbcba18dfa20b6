import { createDynamoClient } from '../shared/store/client.ts';
import { createStores, type Stores } from '../shared/store/index.ts';
import { tableNames } from '../shared/store/tables.ts';

/**
 * The stores for this process's environment: DYNAMODB_ENDPOINT (or the usual AWS
 * settings) and SOFTLAND_TABLE_PREFIX (default `softland-`; the stack sets it per stage).
 */
export function storesFromEnv(env: NodeJS.ProcessEnv = process.env): Stores {
  return createStores(createDynamoClient({ endpoint: env['DYNAMODB_ENDPOINT'] || undefined }), tableNames(env['SOFTLAND_TABLE_PREFIX'] ?? 'softland-'));
}

/** A required setting, or a clear error at cold start. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
