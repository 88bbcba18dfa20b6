import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * Every DynamoDB table, described once. The CDK stack and the local bootstrap both
 * read these definitions, so the two can never disagree on keys or indexes.
 */

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface GlobalIndex {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Non-key attributes the index keeps (INCLUDE); without, every attribute (ALL). */
  readonly include?: readonly string[];
}

export interface TableDefinition {
  /** Logical name: the physical table name is derived from it (see `tableNames`). */
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes?: readonly GlobalIndex[];
  /** Attribute holding an epoch-seconds expiry, when items expire. */
  readonly timeToLiveAttribute?: string;
}

export const TABLES = {
  /** One item per tenant (exchange). */
  tenants: { name: 'tenants', partitionKey: { name: 'tenantId', type: 'S' } },
  /** API keys by the SHA-256 of the key; listed per tenant through `byTenant`. */
  apiKeys: {
    name: 'api-keys',
    partitionKey: { name: 'keyHash', type: 'S' },
    globalIndexes: [{ indexName: 'byTenant', partitionKey: { name: 'tenantId', type: 'S' }, sortKey: { name: 'keyId', type: 'S' } }],
  },
  /**
   * Recorded assessments (request and answer) keyed by tenant shard (`<tenantId>#<n>`,
   * assessments.ts `recordPartition`; `<tenantId>` alone for records from before the
   * shards); `recordKey` is the assessment id, or `id#part#n` for the overflow parts of a
   * large record. Listed per
   * account, newest first, through `byAccount` (ids are time-ordered). Every item expires
   * (`expiresAt`) ASSESSMENT_RETENTION_DAYS after its creation (assessments.ts).
   */
  assessments: {
    name: 'assessments',
    partitionKey: { name: 'tenantId', type: 'S' },
    sortKey: { name: 'recordKey', type: 'S' },
    // The listing reads the summary only: the index keeps those attributes, not the record's body.
    globalIndexes: [
      {
        indexName: 'byAccount',
        partitionKey: { name: 'accountKey', type: 'S' },
        sortKey: { name: 'assessmentId', type: 'S' },
        include: ['accountId', 'asOf', 'createdAt', 'profile', 'tier', 'marginRatio', 'equity', 'maintenanceMargin', 'initialMargin'],
      },
    ],
    timeToLiveAttribute: 'expiresAt',
  },
  /**
   * Registered accounts per tenant, each under its partition `tenantId#n`
   * (account-partitions.ts; `tenantId` alone for an account stored before them).
   * `segmentKey` (`tenantId#n`, n = the account's bucket, hash(accountId) mod
   * SEGMENT_BUCKETS, or mod 8 for an item stored before there were 64: segments.ts) splits a
   * tenant's accounts for parallel sweep workers; `tierKey` (`tenantId#tier#n`,
   * tier-keys.ts) lists them by tier.
   */
  accounts: {
    name: 'accounts',
    partitionKey: { name: 'tenantId', type: 'S' },
    sortKey: { name: 'accountId', type: 'S' },
    globalIndexes: [
      { indexName: 'bySegment', partitionKey: { name: 'segmentKey', type: 'S' }, sortKey: { name: 'accountId', type: 'S' } },
      { indexName: 'byTier', partitionKey: { name: 'tierKey', type: 'S' }, sortKey: { name: 'accountId', type: 'S' } },
    ],
  },
  /**
   * Liquidations per tenant (`liquidationId` is time-ordered). `phaseKey`
   * (`tenantId#active` or `tenantId#closed`) lists the ones liquidators can fill through `byPhase`.
   */
  liquidations: {
    name: 'liquidations',
    partitionKey: { name: 'tenantId', type: 'S' },
    sortKey: { name: 'liquidationId', type: 'S' },
    globalIndexes: [{ indexName: 'byPhase', partitionKey: { name: 'phaseKey', type: 'S' }, sortKey: { name: 'liquidationId', type: 'S' } }],
  },
  /** Tenants' risk profiles: every version (`v#<name>#<version>`) and the latest of each name (`latest#<name>`). */
  riskProfiles: { name: 'risk-profiles', partitionKey: { name: 'tenantId', type: 'S' }, sortKey: { name: 'profileKey', type: 'S' } },
  /** The latest market data each tenant pushed. */
  market: { name: 'market', partitionKey: { name: 'tenantId', type: 'S' } },
  /**
   * Each tenant's price history, one item per underlying and hour (`seriesKey` =
   * `tenantId#SYMBOL`, `hour` ISO 8601): what volatility forecasts read. Expires after
   * HISTORY_RETENTION_DAYS (market-history.ts).
   */
  marketHistory: {
    name: 'market-history',
    partitionKey: { name: 'seriesKey', type: 'S' },
    sortKey: { name: 'hour', type: 'S' },
    timeToLiveAttribute: 'expiresAt',
  },
  /**
   * Sweeps and their segments (`sweepId#n`) per tenant, beside the tenant's full-sweep slot
   * (`slot#full`) and size (`size#accounts`: what segments a sweep gets, sweeps.ts).
   */
  sweeps: { name: 'sweeps', partitionKey: { name: 'tenantId', type: 'S' }, sortKey: { name: 'sweepKey', type: 'S' } },
  /**
   * The outbox: events written in the same transaction as the change they announce.
   * `dispatchState` is set while an event awaits dispatch (a sparse index the dispatcher reads):
   * `pending#<n>`, sharded by event id, or `pending` on an item written before (pending-shards.ts).
   */
  events: {
    name: 'events',
    partitionKey: { name: 'tenantId', type: 'S' },
    sortKey: { name: 'eventId', type: 'S' },
    globalIndexes: [{ indexName: 'byDispatch', partitionKey: { name: 'dispatchState', type: 'S' }, sortKey: { name: 'createdKey', type: 'S' } }],
  },
  /** Webhook endpoints per tenant, with their signing secrets. */
  webhookEndpoints: { name: 'webhook-endpoints', partitionKey: { name: 'tenantId', type: 'S' }, sortKey: { name: 'endpointId', type: 'S' } },
  /**
   * One delivery per event and endpoint (deterministic id). `dueState` is set while a
   * delivery awaits an attempt (`pending#<n>`, sharded by delivery id, or the legacy `pending`:
   * pending-shards.ts): the dispatcher reads the sparse `byDue` index in `nextAttemptAt` order. `byEndpoint` lists an endpoint's deliveries, newest first.
   */
  deliveries: {
    name: 'deliveries',
    partitionKey: { name: 'tenantId', type: 'S' },
    sortKey: { name: 'deliveryId', type: 'S' },
    globalIndexes: [
      { indexName: 'byDue', partitionKey: { name: 'dueState', type: 'S' }, sortKey: { name: 'dueKey', type: 'S' } },
      { indexName: 'byEndpoint', partitionKey: { name: 'endpointKey', type: 'S' }, sortKey: { name: 'createdKey', type: 'S' } },
    ],
  },
  /** Per-tenant request counters, one item per tenant and second; they expire after a minute. */
  rateLimits: { name: 'rate-limits', partitionKey: { name: 'limitKey', type: 'S' }, timeToLiveAttribute: 'expiresAt' },
  /** Idempotency keys per tenant; they expire after a day. */
  idempotency: {
    name: 'idempotency',
    partitionKey: { name: 'tenantId', type: 'S' },
    sortKey: { name: 'idempotencyKey', type: 'S' },
    timeToLiveAttribute: 'expiresAt',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableId = keyof typeof TABLES;
export type TableNames = Readonly<Record<TableId, string>>;

/** Physical names: `<prefix><name>`, e.g. `softland-dev-assessments`. */
export function tableNames(prefix: string): TableNames {
  const names = {} as Record<TableId, string>;
  for (const id of Object.keys(TABLES) as TableId[]) names[id] = `${prefix}${TABLES[id].name}`;
  return names;
}

/** The CreateTable request for a definition (on-demand capacity). */
export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, KeyAttribute>();
  const add = (a: KeyAttribute | undefined) => a && attributes.set(a.name, a);
  add(def.partitionKey);
  add(def.sortKey);
  for (const index of def.globalIndexes ?? []) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  const keySchema = (pk: KeyAttribute, sk?: KeyAttribute) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()].map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.globalIndexes?.length
      ? {
          GlobalSecondaryIndexes: def.globalIndexes.map((g) => ({
            IndexName: g.indexName,
            KeySchema: keySchema(g.partitionKey, g.sortKey),
            Projection: g.include ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...g.include] } : { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}
