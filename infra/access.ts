/**
 * Which tables each function may touch, and how: the least the code needs (read from
 * the repositories each entry point calls). A table missing from a function's map is
 * out of its reach altogether.
 */
import type { TableId } from '../shared/store/tables.ts';
import type { FunctionId } from './bundling.ts';

export type Access = 'read' | 'write' | 'readWrite';

export const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem'] as const;
/** Also what TransactWriteItems needs: each item's own action (Put, Update, Delete, ConditionCheck). */
export const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'] as const;

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
};
