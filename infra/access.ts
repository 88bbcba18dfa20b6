/**
 * Which tables each function may touch, and how: the least the code needs (read from
 * the repositories each entry point calls). A table missing from a function's map is
 * out of its reach altogether.
 */
import type { TableId } from '../shared/store/tables.ts';
import type { FunctionId } from './bundling.ts';

export type Access = 'read' | 'write' | 'readWrite';

/** Single-item reads and queries (tables and their indexes). Scan and BatchGetItem are not here: see BULK_ACCESS. */
export const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'] as const;
/** Also what TransactWriteItems needs: each item's own action (Put, Update, Delete, ConditionCheck). BatchWriteItem is not here: see BULK_ACCESS. */
export const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'] as const;

/** The whole-table and batch actions: granted only where a function's code makes that call. */
export const BULK_ACTIONS = ['dynamodb:Scan', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export const TABLE_ACCESS: Readonly<Record<FunctionId, Readonly<Partial<Record<TableId, Access>>>>> = {
  /** The HTTP API: every tenant-facing table; API keys are only read (the CLI creates and revokes them); no tenants table. */
  api: {
    apiKeys: 'read',
    idempotency: 'readWrite',
    assessments: 'readWrite',
    accounts: 'readWrite',
    liquidations: 'readWrite',
    market: 'readWrite',
    marketHistory: 'readWrite',
    sweeps: 'readWrite',
    events: 'readWrite',
    webhookEndpoints: 'readWrite',
    deliveries: 'readWrite',
    rateLimits: 'readWrite',
    riskProfiles: 'readWrite',
  },
  /** Lists tenants, checks their market, records the sweep (or its market.stale event), invokes workers. */
  coordinator: { tenants: 'read', market: 'read', sweeps: 'write', events: 'write' },
  /** One segment: reads accounts and market, writes tier changes with their assessment and event, opens and moves liquidations, counts into the sweep. */
  worker: { accounts: 'readWrite', liquidations: 'readWrite', riskProfiles: 'read', market: 'read', marketHistory: 'read', assessments: 'write', events: 'write', sweeps: 'readWrite' },
  /** The outbox: pending events, endpoints (disabled on 410 Gone) and deliveries. */
  dispatcher: { events: 'readWrite', webhookEndpoints: 'readWrite', deliveries: 'readWrite' },
  /** Tenant and key administration (functions/admin): creates tenants, issues, lists and revokes keys; moves a tenant's accounts to their partitions (accounts.migrate). */
  admin: { tenants: 'readWrite', apiKeys: 'readWrite', accounts: 'readWrite' },
};

/**
 * Scan and Batch* calls, on the table itself (never an index), only where the code makes
 * them (`grep -rn "ScanCommand\|Batch.*Command" shared functions`):
 * - `Tenants.list()` scans `tenants`: the coordinator, once a run.
 * - `Accounts.many()` reads `accounts` 100 at a time with BatchGetItem: a price sweep's
 *   segment, in the worker (the API's sweeps run in the worker through `lambdaRunner`).
 * - `MarketHistory.putCloses()` writes `market-history` with BatchWriteItem: the API's
 *   market push closing an hour (`putPushedCloses`); the CLI's `market import` too, with the
 *   operator's own credentials (docs/deploy.md, "The admin CLI").
 * Each needs the table in TABLE_ACCESS with the matching access (the stack test checks it).
 */
export const BULK_ACCESS: Readonly<Record<FunctionId, Readonly<Partial<Record<TableId, readonly BulkAction[]>>>>> = {
  api: { marketHistory: ['dynamodb:BatchWriteItem'] },
  coordinator: { tenants: ['dynamodb:Scan'] },
  worker: { accounts: ['dynamodb:BatchGetItem'] },
  dispatcher: {},
  admin: {},
};
