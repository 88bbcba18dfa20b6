import { z } from 'zod';
import { API_KEY_SCOPES } from '../../shared/store/api-keys.ts';
import type { Stores } from '../../shared/store/index.ts';

/**
 * Tenant and key administration, one request at a time: what `softland tenant …` / `softland
 * key …` run from a workstation, and what the admin function runs in the stack (invoked with
 * `aws lambda invoke`, so no person needs access to the production tables). `accounts.migrate`
 * (the admin function only) moves a tenant's accounts stored before the account partitions.
 */
const Id = z.string().trim().min(1).max(64);
export const AdminRequestSchema = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('tenant.create'), name: z.string().trim().min(1).max(200) }),
  z.strictObject({ command: z.literal('key.create'), tenantId: Id, scope: z.enum(API_KEY_SCOPES).optional() }),
  z.strictObject({ command: z.literal('key.list'), tenantId: Id }),
  z.strictObject({ command: z.literal('key.revoke'), tenantId: Id, keyId: Id }),
  z.strictObject({ command: z.literal('accounts.migrate'), tenantId: Id }),
]);
export type AdminRequest = z.infer<typeof AdminRequestSchema>;

/** What a request did: its result, or why it did nothing (the request was wrong, or names nothing there is). */
export type AdminOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };

export async function runAdmin(stores: Stores, request: AdminRequest): Promise<AdminOutcome> {
  switch (request.command) {
    case 'tenant.create':
      return { ok: true, result: await stores.tenants.create(request.name) };
    case 'key.create':
      if (!(await stores.tenants.get(request.tenantId))) return { ok: false, error: `no tenant ${request.tenantId}` };
      return { ok: true, result: await stores.apiKeys.issue(request.tenantId, request.scope === undefined ? {} : { scope: request.scope }) };
    case 'key.list':
      return { ok: true, result: await stores.apiKeys.list(request.tenantId) };
    case 'key.revoke':
      if (!(await stores.apiKeys.revoke(request.tenantId, request.keyId))) return { ok: false, error: `tenant ${request.tenantId} has no key ${request.keyId}` };
      return { ok: true, result: { keyId: request.keyId, status: 'revoked' } };
    case 'accounts.migrate':
      // The tenant's accounts stored before the account partitions, moved to them (docs/capacity.md).
      if (!(await stores.tenants.get(request.tenantId))) return { ok: false, error: `no tenant ${request.tenantId}` };
      if (stores.accounts.partitions !== 'write') return { ok: false, error: 'this stage only reads the account partitions (accountPartitions=read): deploy with the default first' };
      return { ok: true, result: await stores.accounts.migrate(request.tenantId) };
  }
}
