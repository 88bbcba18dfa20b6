import type { Stores } from '../../shared/store/index.ts';

/** A tenant found (or created) by name, with a key issued to it just now. */
export interface NamedTenantKey {
  readonly tenantId: string;
  readonly name: string;
  /** The new key's secret (sk_…), `admin` scope: shown once, stored hashed. */
  readonly apiKey: string;
  readonly keyId: string;
  /** True when no tenant had this name and it was created now. */
  readonly created: boolean;
}

/**
 * `npm start -- --tenant NAME`: the tenant called `name` — the oldest of that name when
 * several are (`softland tenant create` does not refuse duplicates), a new one when none
 * is — and a fresh `admin` key for it. Keys issued to it earlier stay valid: on a
 * persistent database (`--data DIR`, or DYNAMODB_ENDPOINT) the tenant, its keys and its
 * records survive restarts, and each start adds one key.
 */
export async function tenantWithFreshKey(stores: Stores, name: string, now = new Date()): Promise<NamedTenantKey> {
  if (name.trim() === '') throw new RangeError('--tenant needs a name, e.g. --tenant acme');
  const { tenantId, created } = await tenantNamed(stores, name, now);
  const key = await stores.apiKeys.issue(tenantId, { scope: 'admin', now });
  return { tenantId, name, apiKey: key.secret, keyId: key.keyId, created };
}

/** The oldest tenant called `name`, or a new one when none is. */
export async function tenantNamed(stores: Stores, name: string, now = new Date()): Promise<{ tenantId: string; created: boolean }> {
  const found = (await stores.tenants.list()).filter((t) => t.name === name).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tenantId.localeCompare(b.tenantId))[0];
  if (found) return { tenantId: found.tenantId, created: false };
  return { tenantId: (await stores.tenants.create(name, now)).tenantId, created: true };
}
