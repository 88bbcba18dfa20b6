import { parseArgs } from 'node:util';
import { API_KEY_SCOPES, isApiKeyScope } from '../../shared/store/api-keys.ts';
import type { Stores } from '../../shared/store/index.ts';
import { storesFromEnv } from '../shared-env.ts';

/** `softland tenant …` and `softland key …`: tenant and key administration against the configured DynamoDB. */

export interface AdminIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const USAGE = `Usage:
  softland tenant create NAME
  softland key create TENANT_ID [--scope admin|liquidator|read]
  softland key list TENANT_ID
  softland key revoke TENANT_ID KEY_ID

A key's scope (default admin) is what it may call: admin everything, liquidator only
/v1/liquidations, read only GET requests.

Uses DYNAMODB_ENDPOINT (or the usual AWS settings) and SOFTLAND_TABLE_PREFIX (default softland-).
`;

export async function adminCommand(command: 'tenant' | 'key', args: readonly string[], io: AdminIo, stores: Stores = storesFromEnv()): Promise<number> {
  const [action, ...rest] = args;
  const print = (value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  const usage = () => {
    io.stderr(USAGE);
    return 2;
  };
  if (command === 'tenant') {
    if (action !== 'create' || rest.length !== 1 || !rest[0]!.trim()) return usage();
    print(await stores.tenants.create(rest[0]!.trim()));
    return 0;
  }
  let parsed: { positionals: string[]; values: { scope?: string | undefined } };
  try {
    parsed = parseArgs({ args: [...rest], options: { scope: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch {
    return usage(); // an unknown option, or --scope without a value
  }
  const [tenantId, keyId] = parsed.positionals;
  const { scope } = parsed.values;
  if (!tenantId || (scope !== undefined && action !== 'create')) return usage();
  switch (action) {
    case 'create': {
      if (scope !== undefined && !isApiKeyScope(scope)) {
        io.stderr(`softland: unknown scope ${scope}; use one of ${API_KEY_SCOPES.join(', ')}\n`);
        return 2;
      }
      if (!(await stores.tenants.get(tenantId))) {
        io.stderr(`softland: no tenant ${tenantId}\n`);
        return 2;
      }
      const key = await stores.apiKeys.issue(tenantId, scope === undefined ? {} : { scope });
      print(key);
      io.stderr('Keep the secret now: only its hash is stored, it cannot be shown again.\n');
      return 0;
    }
    case 'list':
      print(await stores.apiKeys.list(tenantId));
      return 0;
    case 'revoke':
      if (!keyId) return usage();
      if (!(await stores.apiKeys.revoke(tenantId, keyId))) {
        io.stderr(`softland: tenant ${tenantId} has no key ${keyId}\n`);
        return 2;
      }
      print({ keyId, status: 'revoked' });
      return 0;
    default:
      return usage();
  }
}
