import { parseArgs } from 'node:util';
import { API_KEY_SCOPES, isApiKeyScope } from '../../shared/store/api-keys.ts';
import type { Stores } from '../../shared/store/index.ts';
import { storesFromEnv } from '../shared-env.ts';
import { type AdminRequest, runAdmin } from '../admin/commands.ts';

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
  const usage = () => {
    io.stderr(USAGE);
    return 2;
  };
  const request = requestOf(command, args);
  if (request === 'usage') return usage();
  if (request.command === 'key.create' && request.scope !== undefined && !isApiKeyScope(request.scope)) {
    io.stderr(`softland: unknown scope ${request.scope}; use one of ${API_KEY_SCOPES.join(', ')}\n`);
    return 2;
  }
  const outcome = await runAdmin(stores, request as AdminRequest);
  if (!outcome.ok) {
    io.stderr(`softland: ${outcome.error}\n`);
    return 2;
  }
  io.stdout(`${JSON.stringify(outcome.result, null, 2)}\n`);
  if (request.command === 'key.create') io.stderr('Keep the secret now: only its hash is stored, it cannot be shown again.\n');
  return 0;
}

/** The request the command line asks for (its scope still unchecked), or 'usage' when it is malformed. */
function requestOf(command: 'tenant' | 'key', args: readonly string[]): AdminRequest | { command: 'key.create'; tenantId: string; scope: string } | 'usage' {
  const [action, ...rest] = args;
  if (command === 'tenant') return action === 'create' && rest.length === 1 && rest[0]!.trim() ? { command: 'tenant.create', name: rest[0]!.trim() } : 'usage';
  let parsed: { positionals: string[]; values: { scope?: string | undefined } };
  try {
    parsed = parseArgs({ args: [...rest], options: { scope: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch {
    return 'usage'; // an unknown option, or --scope without a value
  }
  const [tenantId, keyId, extra] = parsed.positionals;
  const { scope } = parsed.values;
  if (!tenantId || extra !== undefined || (scope !== undefined && action !== 'create')) return 'usage';
  switch (action) {
    case 'create':
      return keyId === undefined ? (scope === undefined ? { command: 'key.create', tenantId } : { command: 'key.create', tenantId, scope }) : 'usage';
    case 'list':
      return keyId === undefined ? { command: 'key.list', tenantId } : 'usage';
    case 'revoke':
      return keyId ? { command: 'key.revoke', tenantId, keyId } : 'usage';
    default:
      return 'usage';
  }
}
