import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { newId } from '../ids.ts';
import { guarded } from './errors.ts';
import { TableStore } from './table-store.ts';

/** Prefix of every secret key, so a leaked one is easy to recognise and scan for. */
export const KEY_PREFIX = 'sk_';
const KEY_PATTERN = /^sk_[0-9A-Za-z]{43}$/;

/**
 * What a key may do: `admin` everything (the default, and what a stored key without a
 * scope is), `liquidator` only the /v1/liquidations routes, `read` only GET requests.
 * The routes each scope may call are decided in functions/api/middleware/scopes.ts.
 */
export const API_KEY_SCOPES = ['admin', 'liquidator', 'read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export function isApiKeyScope(value: unknown): value is ApiKeyScope {
  return typeof value === 'string' && (API_KEY_SCOPES as readonly string[]).includes(value);
}

/**
 * The scope of a stored item: none stored is `admin` (keys issued before scopes existed);
 * a value this version does not know is undefined, and such a key authenticates nothing.
 */
function storedScope(attribute: { S?: string } | undefined): ApiKeyScope | undefined {
  if (attribute?.S === undefined) return 'admin';
  return isApiKeyScope(attribute.S) ? attribute.S : undefined;
}

export interface ApiKey {
  readonly keyId: string;
  readonly tenantId: string;
  /** The first characters of the key, safe to show. */
  readonly hint: string;
  readonly status: 'active' | 'revoked';
  /** What the key may do; `admin` for keys stored without one. */
  readonly scope: ApiKeyScope;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** A new key: the secret is returned once and only its hash is stored. */
export interface IssuedKey extends ApiKey {
  readonly secret: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** API keys, stored as SHA-256 hashes; a key authenticates exactly one tenant. */
/** A key's authentication, kept by the instance that read it. */
interface CachedPrincipal {
  readonly principal: { tenantId: string; keyId: string; scope: ApiKeyScope };
  readonly until: number;
}

/**
 * How long an instance trusts a key it has authenticated before reading it again: a key
 * revoked elsewhere (the CLI, another instance) stops working within this long; revoked
 * through this instance, at once. docs/SECURITY.md states it.
 */
export const KEY_CACHE_TTL_MS = 30_000;
/** Keys cached per instance at most; the oldest go first. */
const KEY_CACHE_SIZE = 10_000;

export class ApiKeyStore extends TableStore {
  /** Successful authentications by key hash (never failures: an unknown key is read every time). */
  private readonly cache = new Map<string, CachedPrincipal>();

  constructor(
    db: ConstructorParameters<typeof TableStore>[0],
    table: string,
    private readonly cacheTtlMs = KEY_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    super(db, table);
  }

  /** Issues a key, `admin` unless `scope` says otherwise; `secret` fixes it (the local server's SOFTLAND_DEV_API_KEY). */
  async issue(tenantId: string, options: { secret?: string; scope?: ApiKeyScope; now?: Date } = {}): Promise<IssuedKey> {
    const now = options.now ?? new Date();
    const scope = options.scope ?? 'admin';
    if (!isApiKeyScope(scope)) throw new RangeError(`an API key's scope is one of ${API_KEY_SCOPES.join(', ')}`);
    const secret = options.secret ?? KEY_PREFIX + Array.from(randomBytes(43), (b) => BASE62[b % 62]).join('');
    if (!KEY_PATTERN.test(secret)) throw new RangeError(`an API key looks like ${KEY_PREFIX} followed by 43 letters or digits`);
    const key: IssuedKey = {
      keyId: newId('key', now.getTime()),
      tenantId,
      hint: secret.slice(0, 7),
      status: 'active',
      scope,
      createdAt: now.toISOString(),
      secret,
    };
    await guarded(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            keyHash: { S: sha256(secret).toString('hex') },
            keyId: { S: key.keyId },
            tenantId: { S: tenantId },
            hint: { S: key.hint },
            status: { S: 'active' },
            scope: { S: scope },
            createdAt: { S: key.createdAt },
          },
          ConditionExpression: 'attribute_not_exists(keyHash)',
        }),
      ),
    );
    return key;
  }

  /**
   * Throws StoreUnavailableError unless the table answers now: one consistent read of a key
   * no API key has (readiness; the API reads this table on every request anyway).
   */
  async reachable(): Promise<void> {
    await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: { keyHash: { S: '#readiness' } }, ConsistentRead: true })));
  }

  /**
   * The tenant a presented key belongs to and the key's scope, or undefined for an
   * unknown, malformed or revoked key (or one stored with a scope this version does not
   * know: it fails closed). The stored hash is compared in constant time.
   */
  async authenticate(presented: string): Promise<{ tenantId: string; keyId: string; scope: ApiKeyScope } | undefined> {
    if (!KEY_PATTERN.test(presented)) return undefined;
    const hash = sha256(presented);
    const id = hash.toString('hex');
    const cached = this.cache.get(id);
    if (cached && cached.until > this.now()) return cached.principal;
    this.cache.delete(id);
    const { Item } = await guarded(() =>
      this.db.send(new GetItemCommand({ TableName: this.table, Key: { keyHash: { S: hash.toString('hex') } }, ConsistentRead: true })),
    );
    if (!Item) return undefined;
    const stored = Buffer.from(Item['keyHash']!.S!, 'hex');
    if (stored.length !== hash.length || !timingSafeEqual(stored, hash)) return undefined;
    if (Item['status']?.S !== 'active') return undefined;
    const scope = storedScope(Item['scope']);
    if (!scope) return undefined;
    const principal = { tenantId: Item['tenantId']!.S!, keyId: Item['keyId']!.S!, scope };
    if (this.cacheTtlMs > 0) {
      if (this.cache.size >= KEY_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, { principal, until: this.now() + this.cacheTtlMs });
    }
    return principal;
  }

  async list(tenantId: string): Promise<ApiKey[]> {
    const { Items = [] } = await guarded(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byTenant',
          KeyConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': { S: tenantId } },
        }),
      ),
    );
    return Items.map((i) => ({
      keyId: i['keyId']!.S!,
      tenantId,
      hint: i['hint']!.S!,
      status: i['status']!.S as ApiKey['status'],
      // A scope this version does not know is shown as stored (such a key authenticates nothing).
      scope: storedScope(i['scope']) ?? (i['scope']!.S as ApiKeyScope),
      createdAt: i['createdAt']!.S!,
      ...(i['revokedAt']?.S ? { revokedAt: i['revokedAt'].S } : {}),
    }));
  }

  /** Revokes a key by id; false when the tenant has no such key. */
  async revoke(tenantId: string, keyId: string, now = new Date()): Promise<boolean> {
    const { Items = [] } = await guarded(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byTenant',
          KeyConditionExpression: 'tenantId = :t AND keyId = :k',
          ExpressionAttributeValues: { ':t': { S: tenantId }, ':k': { S: keyId } },
        }),
      ),
    );
    const item = Items[0];
    if (!item) return false;
    await guarded(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { keyHash: item['keyHash']! },
          UpdateExpression: 'SET #s = :revoked, revokedAt = :now',
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':revoked': { S: 'revoked' }, ':now': { S: now.toISOString() }, ':t': { S: tenantId } },
        }),
      ),
    );
    // Once written: this instance stops trusting the key now, others within KEY_CACHE_TTL_MS.
    this.cache.delete(item['keyHash']!.S!);
    return true;
  }
}
