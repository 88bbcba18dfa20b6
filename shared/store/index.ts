import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiKeyStore } from './api-keys.ts';
import { AssessmentStore } from './assessments.ts';
import { IdempotencyStore } from './idempotency.ts';
import type { TableNames } from './tables.ts';
import { TenantStore } from './tenants.ts';

/** Every repository, over one client and one set of table names. */
export interface Stores {
  readonly tenants: TenantStore;
  readonly apiKeys: ApiKeyStore;
  readonly assessments: AssessmentStore;
  readonly idempotency: IdempotencyStore;
}

export function createStores(db: DynamoDBClient, names: TableNames): Stores {
  return {
    tenants: new TenantStore(db, names.tenants),
    apiKeys: new ApiKeyStore(db, names.apiKeys),
    assessments: new AssessmentStore(db, names.assessments),
    idempotency: new IdempotencyStore(db, names.idempotency),
  };
}
