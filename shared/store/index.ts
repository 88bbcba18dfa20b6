import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AccountStore } from './accounts.ts';
import { ApiKeyStore } from './api-keys.ts';
import { AssessmentStore } from './assessments.ts';
import { DeliveryStore } from './deliveries.ts';
import { EventStore } from './events.ts';
import { IdempotencyStore } from './idempotency.ts';
import { LiquidationStore } from './liquidations.ts';
import { MarketStore } from './market.ts';
import { MarketHistoryStore } from './market-history.ts';
import { RateLimitStore } from './rate-limits.ts';
import { RiskProfileStore } from './risk-profiles.ts';
import { SweepStore } from './sweeps.ts';
import { transactor, type Transact } from './transact.ts';
import { WebhookEndpointStore } from './webhook-endpoints.ts';
import type { TableNames } from './tables.ts';
import { TenantStore } from './tenants.ts';

/** Every repository, over one client and one set of table names. */
export interface Stores {
  readonly tenants: TenantStore;
  readonly apiKeys: ApiKeyStore;
  readonly assessments: AssessmentStore;
  readonly idempotency: IdempotencyStore;
  readonly accounts: AccountStore;
  readonly liquidations: LiquidationStore;
  readonly market: MarketStore;
  readonly marketHistory: MarketHistoryStore;
  readonly sweeps: SweepStore;
  readonly events: EventStore;
  readonly webhookEndpoints: WebhookEndpointStore;
  readonly deliveries: DeliveryStore;
  readonly rateLimits: RateLimitStore;
  readonly riskProfiles: RiskProfileStore;
  /** Writes items of several stores in one transaction. */
  readonly transact: Transact;
}

export function createStores(db: DynamoDBClient, names: TableNames): Stores {
  return {
    tenants: new TenantStore(db, names.tenants),
    apiKeys: new ApiKeyStore(db, names.apiKeys),
    assessments: new AssessmentStore(db, names.assessments),
    idempotency: new IdempotencyStore(db, names.idempotency),
    accounts: new AccountStore(db, names.accounts),
    liquidations: new LiquidationStore(db, names.liquidations),
    market: new MarketStore(db, names.market),
    marketHistory: new MarketHistoryStore(db, names.marketHistory),
    sweeps: new SweepStore(db, names.sweeps),
    events: new EventStore(db, names.events),
    webhookEndpoints: new WebhookEndpointStore(db, names.webhookEndpoints),
    deliveries: new DeliveryStore(db, names.deliveries),
    rateLimits: new RateLimitStore(db, names.rateLimits),
    riskProfiles: new RiskProfileStore(db, names.riskProfiles),
    transact: transactor(db),
  };
}
