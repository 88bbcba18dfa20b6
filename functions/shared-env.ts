import { createDynamoClient } from '../shared/store/client.ts';
import { createStores, type Stores } from '../shared/store/index.ts';
import { tableNames } from '../shared/store/tables.ts';

/**
 * The stores for this process's environment: DYNAMODB_ENDPOINT (or the usual AWS
 * settings) and SOFTLAND_TABLE_PREFIX (default `softland-`; the stack sets it per stage).
 * `instrument` wraps the DynamoDB client first (tracing.ts: every call traced).
 */
export function storesFromEnv(env: NodeJS.ProcessEnv = process.env, instrument: <T>(client: T) => T = (client) => client): Stores {
  return createStores(instrument(createDynamoClient({ endpoint: env['DYNAMODB_ENDPOINT'] || undefined })), tableNames(env['SOFTLAND_TABLE_PREFIX'] ?? 'softland-'));
}

/** A required setting, or a clear error at cold start. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** SOFTLAND_TENANT_RATE_LIMIT: requests per second per tenant, or undefined (no limit) when unset. */
export function tenantRateLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env['SOFTLAND_TENANT_RATE_LIMIT'];
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SOFTLAND_TENANT_RATE_LIMIT must be a positive integer, got "${raw}"`);
  return n;
}
