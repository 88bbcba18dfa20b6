import { randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { findProfile } from '../risk/built-in-profiles.ts';
import { TIERS, type Tier } from '../risk/tiers.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import type { AccountAssessmentSummary } from '../schemas/summaries.ts';
import { decodeCursor, encodeCursor, packJson, splitBody, unpackJson } from './codec.ts';
import { applied, ConflictError, guarded, StoreError } from './errors.ts';
import { bucketOf, bucketsOf, SWEEP_SEGMENTS } from './segments.ts';
import { mergedFirst, TableStore, type Page } from './table-store.ts';
import { ACCOUNT_PARTITIONS_ENV, accountPartition, accountPartitionModeFromEnv, accountPartitions, type AccountPartitionMode } from './account-partitions.ts';
import { legacyTierKey, tierKeyOf, tierKeys } from './tier-keys.ts';

// Where the sweep's segments are defined; re-exported for the many callers that import them with the accounts.
export { SWEEP_SEGMENTS, segmentOf } from './segments.ts';

/** How many of a tenant's registered accounts are in each reported tier, and how many have none yet. */
export interface AccountCounts {
  /** Every registered account of the tenant. */
  readonly accounts: number;
  /** By reported tier (the account's `tier`); every tier present. */
  readonly tiers: Record<Tier, number>;
  /** Accounts whose tier is still null. */
  readonly unassessed: number;
}

export interface RegisteredAccount {
  readonly accountId: string;
  readonly book: AccountBook;
  /** The tier last reported (with hysteresis); null until first assessed. */
  readonly tier: Tier | null;
  readonly lastAssessment: AccountAssessmentSummary | null;
  /** The sweep that last changed the tier, and whether it emitted an event: lets a retried segment count it. */
  readonly lastTierChange: TierChange | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Increases on every write; sweeps update only the version they read. */
  readonly version: number;
  /** Whether the account is in the exposure index (false for one stored before the index existed: the next sweep adds it). */
  readonly indexed: boolean;
  /**
   * Whether the account item is stored under the tenant's own partition key, as before the
   * account partitions (accountPartition): its updates go there, and its next book write (or
   * `migrate`) moves it to its partition.
   */
  readonly storedUnderTenant: boolean;
  /** The account's active liquidation (docs/liquidations.md), or null: at most one at a time. */
  readonly activeLiquidationId: string | null;
  /** Why the account cannot be assessed now (an asset the market does not price, …), or null. */
  readonly assessmentError: AssessmentError | null;
}

/** Why an account could not be assessed, since when: cleared by its next assessment. */
export interface AssessmentError {
  readonly reason: string;
  /** The failing fields, as a problem names them (`collateral[0].asset`). */
  readonly errors: readonly { readonly field: string; readonly message: string }[];
  readonly since: string;
}

/** How a write changes the account's active liquidation: opens one (only when none is active), or clears it. */
export type LiquidationLink = { readonly open: string } | { readonly close: true };

/** The last change a sweep wrote to the account: a new tier, a liquidation's transition, or both. */
export interface TierChange {
  readonly sweepId: string;
  /** Whether a tier event was sent. */
  readonly event: boolean;
  /** Every event written with the change (tier and liquidation); absent on changes stored before liquidations (then `event` counts). */
  readonly events?: number;
  /** Whether the tier changed; absent on changes stored before liquidations (then it did). */
  readonly tierChanged?: boolean;
}

/**
 * An account's first version: the registration time in ms. A deleted and re-registered
 * account then never repeats a version some late writer read of the old one (its writes
 * add 1 each, far fewer than the milliseconds between registrations), so that writer's
 * condition fails instead of overwriting or deleting the new account.
 */
function firstVersion(now: Date): number {
  return now.getTime();
}

type Item = Record<string, AttributeValue>;

/** The exposure of a book too spread out to index symbol by symbol: every price push re-assesses it. */
export const ANY_UNDERLYING = '*';
/**
 * Most symbols indexed for one account; past this the account is indexed under ANY_UNDERLYING.
 * It keeps a put's transaction under DynamoDB's 100 items: at worst a liquidation fill writes
 * 99 (the account and, when it moves to its partition, the old item's deletion; its book's
 * overflow parts; 32 exposure items deleted at an old bucket and 32 written at the new; the
 * liquidation, the record's parts, 3 events and the idempotency completion).
 */
export const MAX_INDEXED_EXPOSURES = 32;

/**
 * The market symbols whose price (or volatility) an assessment of `book` reads: the
 * underlyings of its positions and its collateral other than the profile's stable assets.
 * Sorted; [ANY_UNDERLYING] when there are more than MAX_INDEXED_EXPOSURES (or the
 * profile is unknown here, so every collateral asset counts).
 */
export function exposuresOf(book: AccountBook): string[] {
  const stable = findProfile(book.profile ?? 'default')?.stableAssets ?? [];
  const symbols = new Set<string>();
  for (const p of book.positions) symbols.add(p.instrument.underlying);
  for (const c of book.collateral) if (!stable.includes(c.asset)) symbols.add(c.asset);
  return symbols.size > MAX_INDEXED_EXPOSURES ? [ANY_UNDERLYING] : [...symbols].sort();
}

/** The partition of the exposure index holding the tenant's accounts in `bucket` exposed to `symbol`. */
function exposurePartition(tenantId: string, symbol: string, bucket: number): string {
  return `${tenantId}#exposure#${symbol}#${bucket}`;
}

/** Reads and deletes start over this often when concurrent writes keep replacing the account under them. */
const ATTEMPTS = 3;

/**
 * Registered accounts: book, tier and latest assessment per tenant. A book too large for
 * one item (up to 5,000 positions, ~2 MB of JSON) keeps its first part in the account's
 * item and the rest in overflow items, all written in one transaction with the version
 * condition. Overflow items are named by a fresh `bookId` at every write, so a reader
 * never joins parts of two books: it finds its own parts, or none and reads again.
 */
export class AccountStore extends TableStore {
  constructor(
    db: DynamoDBClient,
    table: string,
    /** Whether new accounts and moves go to the account partitions (account-partitions.ts). */
    readonly partitions: AccountPartitionMode = accountPartitionModeFromEnv(),
  ) {
    super(db, table);
  }

  /** An account's key in its partition (accountPartition). */
  private key(tenantId: string, accountId: string): Item {
    return { tenantId: { S: accountPartition(tenantId, accountId) }, accountId: { S: accountId } };
  }

  /** An account's key under the tenant's own partition key, as stored before the account partitions. */
  private tenantKey(tenantId: string, accountId: string): Item {
    return { tenantId: { S: tenantId }, accountId: { S: accountId } };
  }

  /** The key of the item an account was read from: its partition, or the tenant's own key for one stored before them. */
  private keyOf(tenantId: string, account: Pick<RegisteredAccount, 'accountId' | 'storedUnderTenant'>): Item {
    return account.storedUnderTenant ? this.tenantKey(tenantId, account.accountId) : this.key(tenantId, account.accountId);
  }

  /**
   * The key of a book's overflow part `n`. It lives under `<tenantId>#book`, a partition no
   * tenant has (ids never contain `#`): out of the tenant's listing and, with no segment or
   * tier key, out of the sweep and tier indexes.
   */
  private partKey(tenantId: string, accountId: string, bookId: string, n: number): Item {
    return { tenantId: { S: `${tenantId}#book` }, accountId: { S: `${accountId}#${bookId}#${String(n).padStart(2, '0')}` } };
  }

  /** Registers or replaces an account's book; its tier and last assessment are set with it. */
  async put(
    tenantId: string,
    accountId: string,
    book: AccountBook,
    assessed: AccountAssessmentSummary | null,
    tier: Tier | null,
    now = new Date(),
    assessmentError: AssessmentError | null = null,
  ): Promise<{ account: RegisteredAccount; created: boolean }> {
    const { account, created, items } = await this.replacement(tenantId, accountId, book, assessed, tier, { now, assessmentError });
    if (!(await this.write(items))) throw new ConflictError(`account ${accountId}`);
    return { account, created };
  }

  /**
   * The writes that register or replace an account's book, for the caller's transaction
   * (a liquidation fill writes the account with the fill): the account item conditional on
   * the version read, its book's overflow parts, and the exposure index changes. With
   * `expectedVersion`, the account must be at that version now (ConflictError if not), so
   * the caller's book was computed from the account as stored. `liquidation` opens or
   * clears the active liquidation; it is kept otherwise.
   */
  async replacement(
    tenantId: string,
    accountId: string,
    book: AccountBook,
    assessed: AccountAssessmentSummary | null,
    tier: Tier | null,
    options: { now: Date; expectedVersion?: number; liquidation?: LiquidationLink; assessmentError?: AssessmentError | null },
  ): Promise<{ account: RegisteredAccount; created: boolean; items: TransactWriteItem[] }> {
    const { now } = options;
    const stored = await this.mainItem(tenantId, accountId);
    const existing = stored && recordOf(stored);
    if (options.expectedVersion !== undefined && existing?.version !== options.expectedVersion) throw new ConflictError(`account ${accountId}`);
    const link = options.liquidation;
    // An item stored under the tenant's own key moves to its partition: written there, and
    // deleted where it was if it is still the version read (not in `read` mode, where only the
    // tenant's key is written: account-partitions.ts).
    const writes = this.partitions === 'write';
    const moving = existing?.storedUnderTenant === true && writes;
    const key = existing && !moving ? this.keyOf(tenantId, existing) : writes ? this.key(tenantId, accountId) : this.tenantKey(tenantId, accountId);
    const account: RegisteredAccount = {
      accountId,
      book,
      tier,
      lastAssessment: assessed,
      lastTierChange: existing?.lastTierChange ?? null,
      createdAt: existing?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
      version: existing ? existing.version + 1 : firstVersion(now),
      indexed: true,
      storedUnderTenant: key['tenantId']!.S === tenantId,
      activeLiquidationId: link === undefined ? (existing?.activeLiquidationId ?? null) : 'open' in link ? link.open : null,
      assessmentError: options.assessmentError ?? null,
    };
    const parts = splitBody(packJson(book), `the book of account ${accountId}`);
    const bookId = randomUUID();
    // The exposure index changes with the book, in the same write: a price push finds exactly the accounts stored.
    const before = stored ? storedExposures(stored) : [];
    const after = exposuresOf(book);
    // An item stored before there were 64 buckets (segments.ts) takes its bucket now, and its
    // index items move with it: all of them deleted at the old number and written at the new.
    const from = stored ? storedBucket(stored) : bucketOf(accountId);
    const to = bucketOf(accountId);
    const moved = from !== to;
    const main: TransactWriteItem = {
      Put: {
        TableName: this.table,
        Item: { ...this.item(tenantId, account, parts, bookId), exposures: { S: JSON.stringify(after) } },
        // Two concurrent registrations: the later one must have read the earlier one.
        ConditionExpression: existing && !moving ? 'version = :v' : 'attribute_not_exists(accountId)',
        ...(existing && !moving ? { ExpressionAttributeValues: { ':v': { N: String(existing.version) } } } : {}),
      },
    };
    const left: TransactWriteItem[] = moving
      ? [{ Delete: { TableName: this.table, Key: this.keyOf(tenantId, existing), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': { N: String(existing.version) } } } }]
      : [];
    const overflow = parts.slice(1).map((body, i): TransactWriteItem => ({
      Put: { TableName: this.table, Item: { ...this.partKey(tenantId, accountId, bookId, i + 1), body: { B: body } } },
    }));
    const replaced = stored ? this.partDeletes(tenantId, stored) : [];
    const indexed = [
      ...after.filter((u) => moved || !before.includes(u)).map((u): TransactWriteItem => ({ Put: { TableName: this.table, Item: this.exposureKey(tenantId, u, accountId, to) } })),
      ...before.filter((u) => moved || !after.includes(u)).map((u): TransactWriteItem => ({ Delete: { TableName: this.table, Key: this.exposureKey(tenantId, u, accountId, from) } })),
    ];
    return { account, created: existing === undefined, items: [main, ...left, ...overflow, ...replaced, ...indexed] };
  }

  async get(tenantId: string, accountId: string): Promise<RegisteredAccount | undefined> {
    for (let attempt = 1; ; attempt++) {
      const item = await this.mainItem(tenantId, accountId);
      if (!item) return undefined;
      const account = await this.assemble(tenantId, item);
      if (account) return account;
      if (attempt === ATTEMPTS) throw new ConflictError(`account ${accountId}`);
    }
  }

  /**
   * Deletes the account with its book's overflow parts, atomically; false when there is
   * none. `closeLiquidation` gives the writes that end its active liquidation, written in
   * the same transaction.
   */
  async delete(tenantId: string, accountId: string, closeLiquidation?: (liquidationId: string) => Promise<readonly TransactWriteItem[]>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const item = await this.mainItem(tenantId, accountId);
      if (!item) return false;
      const liquidationId = item['activeLiquidationId']?.S;
      const closing = liquidationId && closeLiquidation ? await closeLiquidation(liquidationId) : [];
      // Only the version read: a write in between may have replaced the parts to delete.
      const main: TransactWriteItem = {
        Delete: { TableName: this.table, Key: storedKey(item), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': item['version']! } },
      };
      const unindexed = storedExposures(item).map((u): TransactWriteItem => ({ Delete: { TableName: this.table, Key: this.exposureKey(tenantId, u, accountId, storedBucket(item)) } }));
      if (await this.write([main, ...this.partDeletes(tenantId, item), ...unindexed, ...closing])) return true;
      if (attempt === ATTEMPTS) throw new ConflictError(`account ${accountId}`);
    }
  }

  /** A page of the tenant's accounts, optionally of one tier, by account id. */
  async list(tenantId: string, options: { tier?: Tier | undefined; limit: number; cursor?: string | undefined }): Promise<Page<RegisteredAccount>> {
    const { tier } = options;
    const page =
      tier === undefined
        ? await this.mergedPage({ partition: 'tenantId', keys: accountPartitions(tenantId) }, { tenantId, accountId: null }, options)
        : await this.mergedPage(
            { indexName: 'byTier', partition: 'tierKey', keys: tierKeys(tenantId, tier) },
            { tenantId, accountId: null, tierKey: legacyTierKey(tenantId, tier) },
            options,
          );
    const accounts = await Promise.all(page.items.map((item) => this.current(tenantId, item)));
    return { items: accounts.filter((a) => a !== undefined), nextCursor: page.nextCursor };
  }

  /**
   * A page of a listing spread over several partitions (the tenant's account partitions, or a
   * tier's shard keys), in account id order: the first `limit` + 1 accounts after the
   * cursor's account id, merged from every key (each read only as far as the merge needs:
   * mergedFirst). The cursor carries the values `shape` binds it to (tenant, tier)
   * and, as its position, an account id, which orders every partition alike.
   */
  private async mergedPage(
    source: { indexName?: string; partition: string; keys: readonly string[] },
    shape: Readonly<Record<string, string | null>>,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<Page<Item>> {
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, shape)['accountId'];
    const query = (key: string): QueryCommandInput => ({
      TableName: this.table,
      ...(source.indexName ? { IndexName: source.indexName } : { ConsistentRead: true }),
      KeyConditionExpression: after ? '#p = :k AND accountId > :after' : '#p = :k',
      ExpressionAttributeNames: { '#p': source.partition },
      ExpressionAttributeValues: { ':k': { S: key }, ...(after ? { ':after': after } : {}) },
    });
    // The legacy key (last) is read first, as far as a page can reach: an account moving from
    // it to its partition meanwhile is then seen twice (one copy dropped below), never missed.
    const legacy = await this.firstItems(query(source.keys.at(-1)!), page.limit + 1);
    const items = distinctAccounts(await mergedFirst(this.db, source.keys.slice(0, -1).map(query), 'accountId', page.limit + 1, [legacy]));
    const shown = items.slice(0, page.limit);
    const last = shown.at(-1);
    const cursor = (item: Item) => Object.fromEntries(Object.entries(shape).map(([name, bound]) => [name, bound === null ? item[name]! : { S: bound }]));
    return { items: shown, nextCursor: items.length > page.limit && last ? encodeCursor(cursor(last)) : null };
  }

  /**
   * Moves the tenant's accounts stored before the account partitions (under the tenant's own
   * key) to their partitions: each in one transaction, written there with its version
   * advanced and deleted where it was if still the version read, so a writer holding the old
   * version fails its condition and reads the account again. An account written meanwhile
   * is left for the next run (`left`). Safe to run while sweeps and the API run, and again.
   */
  async migrate(tenantId: string): Promise<{ moved: number; left: number }> {
    if (this.partitions !== 'write') throw new StoreError(`accounts are not moved while ${ACCOUNT_PARTITIONS_ENV}=read (account-partitions.ts)`);
    let moved = 0;
    let left = 0;
    let start: Item | undefined;
    do {
      const page = await guarded(() =>
        this.db.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': { S: tenantId } }, ConsistentRead: true, ExclusiveStartKey: start })),
      );
      for (const item of page.Items ?? []) {
        const accountId = item['accountId']!.S!;
        const version = Number(item['version']!.N);
        const done = await this.write([
          {
            Put: {
              TableName: this.table,
              Item: { ...item, ...this.key(tenantId, accountId), version: { N: String(version + 1) } },
              ConditionExpression: 'attribute_not_exists(accountId)',
            },
          },
          { Delete: { TableName: this.table, Key: storedKey(item), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': item['version']! } } },
        ]);
        if (done) moved++;
        else left++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { moved, left };
  }

  /**
   * How many of the tenant's accounts are in each reported tier (a COUNT query of the
   * `byTier` index per tier key, shards and legacy key, in parallel), and in all and without a tier yet (one COUNT
   * query of the tenant's partition: ScannedCount before the filter, Count after it). Only
   * account items count: a book's overflow parts (`<tenantId>#book`) and the exposure index
   * (`<tenantId>#exposure#…`) live in partitions of their own, with no tier key. Each query
   * is followed through its pages (a query stops at 1 MB of items read); reads are
   * eventually consistent, as the index's always are.
   */
  async tierCounts(tenantId: string): Promise<AccountCounts> {
    const count = async (query: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Select'>) => {
      let matched = 0;
      let scanned = 0;
      let start: Item | undefined;
      do {
        const page = await guarded(() => this.db.send(new QueryCommand({ ...query, Select: 'COUNT', ExclusiveStartKey: start })));
        matched += page.Count ?? 0;
        scanned += page.ScannedCount ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return { matched, scanned };
    };
    const sum = (counts: readonly { matched: number; scanned: number }[]) =>
      counts.reduce((total, c) => ({ matched: total.matched + c.matched, scanned: total.scanned + c.scanned }), { matched: 0, scanned: 0 });
    const [all, perTier] = await Promise.all([
      Promise.all(
        accountPartitions(tenantId).map((partition) =>
          count({
            TableName: this.table,
            KeyConditionExpression: 'tenantId = :p',
            FilterExpression: 'attribute_not_exists(tier)',
            ExpressionAttributeValues: { ':p': { S: partition } },
          }),
        ),
      ).then(sum),
      Promise.all(
        TIERS.map((tier) =>
          Promise.all(
            tierKeys(tenantId, tier).map((key) =>
              count({ TableName: this.table, IndexName: 'byTier', KeyConditionExpression: 'tierKey = :k', ExpressionAttributeValues: { ':k': { S: key } } }),
            ),
          ).then(sum),
        ),
      ),
    ]);
    const tiers = Object.fromEntries(TIERS.map((tier, i) => [tier, perTier[i]!.matched])) as Record<Tier, number>;
    return { accounts: all.scanned, tiers, unassessed: all.matched };
  }

  /**
   * Every account of segment `segment` of a sweep of `segments` (segments.ts): the accounts
   * of each of its buckets, bucket after bucket.
   */
  async *segment(tenantId: string, segment: number, segments = SWEEP_SEGMENTS): AsyncGenerator<RegisteredAccount> {
    for (const bucket of bucketsOf(segment, segments)) yield* this.bucket(tenantId, bucket);
  }

  /**
   * Every account whose `segmentKey` is `<tenantId>#<bucket>`: the accounts written in that
   * bucket, and for a bucket below 8 also those stored before there were 64 buckets with
   * `hash % 8` = `bucket` (segments.ts).
   */
  async *bucket(tenantId: string, bucket: number): AsyncGenerator<RegisteredAccount> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await guarded(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'bySegment',
            KeyConditionExpression: 'segmentKey = :s',
            ExpressionAttributeValues: { ':s': { S: `${tenantId}#${bucket}` } },
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const account = await this.current(tenantId, item);
        if (account) yield account;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /**
   * The exposure index item of an account and a symbol: `<tenantId>#exposure#<SYMBOL>#<bucket>`,
   * a partition no tenant has (out of the listing and, with no segment or tier key, out of
   * the indexes), split by bucket so each worker of a price sweep queries its share. The
   * bucket is the one in the account item's `segmentKey` (an account stored before there
   * were 64 buckets keeps `hash % 8` on both until it is rewritten).
   */
  private exposureKey(tenantId: string, symbol: string, accountId: string, bucket: number): Item {
    return { tenantId: { S: exposurePartition(tenantId, symbol, bucket) }, accountId: { S: accountId } };
  }

  /**
   * The ids of the tenant's accounts in segment `segment` of `segments` exposed to any of
   * `symbols` (and those indexed under ANY_UNDERLYING), sorted. The segment's buckets are
   * queried side by side, the symbols one after the other.
   */
  async exposedIds(tenantId: string, symbols: readonly string[], segment: number, segments = SWEEP_SEGMENTS): Promise<string[]> {
    const ids = new Set<string>();
    for (const symbol of new Set([...symbols, ANY_UNDERLYING])) {
      const found = await Promise.all(
        bucketsOf(segment, segments).map((bucket) =>
          this.queryAll({
            TableName: this.table,
            KeyConditionExpression: 'tenantId = :p',
            ExpressionAttributeValues: { ':p': { S: exposurePartition(tenantId, symbol, bucket) } },
            ProjectionExpression: 'accountId',
            ConsistentRead: true,
          }),
        ),
      );
      for (const item of found.flat()) ids.add(item['accountId']!.S!);
    }
    return [...ids].sort();
  }

  /** The accounts among `accountIds` that exist, read 100 at a time (consistent reads); order not kept. */
  async *many(tenantId: string, accountIds: readonly string[]): AsyncGenerator<RegisteredAccount> {
    const chunks: string[][] = [];
    for (let i = 0; i < accountIds.length; i += 100) chunks.push(accountIds.slice(i, i + 100));
    // The next 100 are read while the caller works through these.
    const read = (n: number) => {
      const items = n < chunks.length ? this.batchGet(tenantId, chunks[n]!) : Promise.resolve([]);
      items.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      return items;
    };
    let next = read(0);
    for (let n = 0; n < chunks.length; n++) {
      const items = await next;
      next = read(n + 1);
      for (const item of items) {
        const account = await this.current(tenantId, item);
        if (account) yield account;
      }
    }
  }

  /** The items at these ids (at most 100), consistent reads; missing ones left out, order not kept. */
  private async batchGet(tenantId: string, ids: readonly string[]): Promise<Item[]> {
    // As mainItem: the partitions, the tenant's own key (accounts stored before them), the
    // partitions again for any moved in between.
    const found: Item[] = [];
    let missing = ids;
    for (const keyOf of [(id: string) => this.key(tenantId, id), (id: string) => this.tenantKey(tenantId, id), (id: string) => this.key(tenantId, id)]) {
      if (missing.length === 0) break;
      const items = await this.batchGetKeys(missing.map(keyOf));
      found.push(...items);
      const seen = new Set(items.map((i) => i['accountId']!.S!));
      missing = missing.filter((id) => !seen.has(id));
    }
    return found;
  }

  private async batchGetKeys(wanted: readonly Item[]): Promise<Item[]> {
    const items: Item[] = [];
    let keys: Item[] = [...wanted];
    for (let attempt = 0; keys.length > 0; attempt++) {
      // Keys DynamoDB left unprocessed (throttling) are asked again, after a growing pause.
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 25 * 2 ** attempt)));
      const result = await guarded(() => this.db.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } })));
      items.push(...(result.Responses?.[this.table] ?? []));
      keys = (result.UnprocessedKeys?.[this.table]?.Keys as Item[] | undefined) ?? [];
    }
    return items;
  }

  /**
   * The update a sweep makes: new summary and tier (and the sweep's tier change, and the
   * active liquidation opened or cleared), only if nobody wrote the account since it was read.
   */
  assessedUpdate(
    tenantId: string,
    account: RegisteredAccount,
    summary: AccountAssessmentSummary,
    tier: Tier,
    change?: TierChange,
    liquidation?: LiquidationLink,
  ): TransactWriteItem {
    // The tier (and the index key with it) is set only when it changes: an index key written,
    // even unchanged, costs the index a write.
    const tierMoved = tier !== account.tier;
    const set = [...(tierMoved ? ['tier = :tier', 'tierKey = :tierKey'] : []), 'lastAssessment = :summary', 'version = :next'];
    if (change) set.push('lastTierChange = :change');
    const opens = liquidation !== undefined && 'open' in liquidation;
    if (opens) set.push('activeLiquidationId = :liq');
    const closes = liquidation !== undefined && !opens;
    // An assessment that succeeds ends any earlier failure to assess.
    const removed = [...(closes ? ['activeLiquidationId'] : []), ...(account.assessmentError ? ['assessmentError'] : [])];
    return {
      Update: {
        TableName: this.table,
        Key: this.keyOf(tenantId, account),
        UpdateExpression: `SET ${set.join(', ')}${removed.length ? ` REMOVE ${removed.join(', ')}` : ''}`,
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: {
          ...(tierMoved ? { ':tier': { S: tier }, ':tierKey': { S: tierKeyOf(tenantId, tier, account.accountId) } } : {}),
          ':summary': { S: JSON.stringify(summary) },
          ':v': { N: String(account.version) },
          ':next': { N: String(account.version + 1) },
          ...(change ? { ':change': { S: JSON.stringify(change) } } : {}),
          ...(opens ? { ':liq': { S: liquidation.open } } : {}),
        },
      },
    };
  }

  /**
   * Adds an account stored before the exposure index existed to it (its exposures on the
   * item, one index item per symbol), in one transaction conditional on the version read.
   * The account as now stored, or undefined when it changed meanwhile.
   */
  async indexExposures(tenantId: string, account: RegisteredAccount): Promise<RegisteredAccount | undefined> {
    // The index items go to the bucket the item is stored in (its old one for an item from
    // before there were 64), which this sweep-time update keeps: moving the item now could
    // have the running sweep read it twice.
    const stored = await this.mainItem(tenantId, account.accountId);
    if (!stored || Number(stored['version']?.N) !== account.version) return undefined;
    const bucket = storedBucket(stored);
    const exposures = exposuresOf(account.book);
    const update: TransactWriteItem = {
      Update: {
        TableName: this.table,
        Key: this.keyOf(tenantId, account),
        UpdateExpression: 'SET exposures = :e, version = :next',
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':e': { S: JSON.stringify(exposures) }, ':v': { N: String(account.version) }, ':next': { N: String(account.version + 1) } },
      },
    };
    const items = exposures.map((u): TransactWriteItem => ({ Put: { TableName: this.table, Item: this.exposureKey(tenantId, u, account.accountId, bucket) } }));
    if (!(await this.write([update, ...items]))) return undefined;
    return { ...account, version: account.version + 1, indexed: true };
  }

  /** The update recording why the account cannot be assessed now, only if nobody wrote it since it was read. */
  unassessableUpdate(tenantId: string, account: RegisteredAccount, error: AssessmentError): TransactWriteItem {
    return {
      Update: {
        TableName: this.table,
        Key: this.keyOf(tenantId, account),
        UpdateExpression: 'SET assessmentError = :e, version = :next',
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':e': { S: JSON.stringify(error) }, ':v': { N: String(account.version) }, ':next': { N: String(account.version + 1) } },
      },
    };
  }

  /** Applies `assessedUpdate` alone; false when the account changed meanwhile. */
  async recordAssessed(tenantId: string, account: RegisteredAccount, summary: AccountAssessmentSummary, tier: Tier): Promise<boolean> {
    return applied(() => this.db.send(new UpdateItemCommand(this.assessedUpdate(tenantId, account, summary, tier).Update!)));
  }

  /**
   * The account's item: under its partition, else (stored before the partitions) under the
   * tenant's own key, else under its partition after all: a move between the first two reads
   * (moves only go that way, atomically) would otherwise make it look missing.
   */
  private async mainItem(tenantId: string, accountId: string): Promise<Item | undefined> {
    const partition = this.key(tenantId, accountId);
    for (const Key of [partition, this.tenantKey(tenantId, accountId), partition]) {
      const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key, ConsistentRead: true })));
      if (Item) return Item;
    }
    return undefined;
  }

  /**
   * The account in an item, its book joined from the overflow parts when it has any;
   * undefined when a concurrent write replaced or deleted those parts since the item was read.
   */
  private async assemble(tenantId: string, item: Item): Promise<RegisteredAccount | undefined> {
    const overflow = await this.bodies(this.partKeys(tenantId, item));
    return overflow && accountOf(item, Buffer.concat([item['book']!.B!, ...overflow]));
  }

  /** A listed account as it is now: read again when its book was replaced since the listing read it; undefined once deleted. */
  private async current(tenantId: string, item: Item): Promise<RegisteredAccount | undefined> {
    return (await this.assemble(tenantId, item)) ?? this.get(tenantId, item['accountId']!.S!);
  }

  /** The keys of a stored book's overflow parts, in order (none for a book in one item). */
  private partKeys(tenantId: string, item: Item): Item[] {
    const count = Number(item['bookParts']?.N ?? 1);
    return Array.from({ length: count - 1 }, (_, i) => this.partKey(tenantId, item['accountId']!.S!, item['bookId']!.S!, i + 1));
  }

  private partDeletes(tenantId: string, item: Item): TransactWriteItem[] {
    return this.partKeys(tenantId, item).map((Key) => ({ Delete: { TableName: this.table, Key } }));
  }

  /** Writes `items` atomically: a plain conditional write when there is one (a book in one item), else a transaction. False when a condition failed. */
  private write(items: readonly TransactWriteItem[]): Promise<boolean> {
    const [only] = items;
    if (items.length === 1 && only?.Put) return applied(() => this.db.send(new PutItemCommand(only.Put!)));
    if (items.length === 1 && only?.Delete) return applied(() => this.db.send(new DeleteItemCommand(only.Delete!)));
    return applied(() => this.db.send(new TransactWriteItemsCommand({ TransactItems: [...items] })));
  }

  private item(tenantId: string, a: RegisteredAccount, parts: readonly Uint8Array[], bookId: string): Item {
    return {
      ...this.keyOf(tenantId, a),
      segmentKey: { S: `${tenantId}#${bucketOf(a.accountId)}` },
      ...(a.tier ? { tier: { S: a.tier }, tierKey: { S: tierKeyOf(tenantId, a.tier, a.accountId) } } : {}),
      ...(a.lastAssessment ? { lastAssessment: { S: JSON.stringify(a.lastAssessment) } } : {}),
      ...(a.lastTierChange ? { lastTierChange: { S: JSON.stringify(a.lastTierChange) } } : {}),
      ...(a.activeLiquidationId ? { activeLiquidationId: { S: a.activeLiquidationId } } : {}),
      ...(a.assessmentError ? { assessmentError: { S: JSON.stringify(a.assessmentError) } } : {}),
      book: { B: parts[0]! },
      ...(parts.length > 1 ? { bookId: { S: bookId }, bookParts: { N: String(parts.length) } } : {}),
      createdAt: { S: a.createdAt },
      updatedAt: { S: a.updatedAt },
      version: { N: String(a.version) },
    };
  }
}

/** The bucket in a stored account's `segmentKey` (`<tenantId>#<n>`): its 64-bucket number, or `hash % 8` for an item stored before there were 64. */
function storedBucket(i: Item): number {
  const key = i['segmentKey']?.S;
  return key ? Number(key.slice(key.lastIndexOf('#') + 1)) : bucketOf(i['accountId']!.S!);
}

/** The symbols a stored account is indexed under (none for an account stored before the index existed). */
function storedExposures(i: Item): string[] {
  return i['exposures']?.S ? (JSON.parse(i['exposures'].S) as string[]) : [];
}

/** Everything of a stored account but its book, which may need its overflow parts. */
function recordOf(i: Item): Omit<RegisteredAccount, 'book'> {
  return {
    accountId: i['accountId']!.S!,
    tier: (i['tier']?.S as Tier | undefined) ?? null,
    lastAssessment: i['lastAssessment']?.S ? storedSummary(i['lastAssessment'].S) : null,
    lastTierChange: i['lastTierChange']?.S ? (JSON.parse(i['lastTierChange'].S) as TierChange) : null,
    createdAt: i['createdAt']!.S!,
    updatedAt: i['updatedAt']!.S!,
    version: Number(i['version']!.N),
    indexed: i['exposures'] !== undefined,
    // Tenant ids never contain `#`; an account partition is `<tenantId>#<n>`.
    storedUnderTenant: !i['tenantId']!.S!.includes('#'),
    activeLiquidationId: i['activeLiquidationId']?.S ?? null,
    assessmentError: i['assessmentError']?.S ? (JSON.parse(i['assessmentError'].S) as AssessmentError) : null,
  };
}

/** A stored summary; one stored before `collateralTopUp` and `nextTierPrice` existed has them null (the next sweep rewrites it: `summaryChanged`). */
function storedSummary(json: string): AccountAssessmentSummary {
  return { collateralTopUp: null, nextTierPrice: null, ...(JSON.parse(json) as Partial<AccountAssessmentSummary>) } as AccountAssessmentSummary;
}

function accountOf(i: Item, book: Uint8Array): RegisteredAccount {
  return { ...recordOf(i), book: unpackJson<AccountBook>(book) };
}

/** Items sorted by account id with each account once: the copy of the highest version (an account seen both before and after a move). */
function distinctAccounts(sorted: readonly Item[]): Item[] {
  const out: Item[] = [];
  for (const item of sorted) {
    const last = out.at(-1);
    if (!last || last['accountId']!.S !== item['accountId']!.S) out.push(item);
    else if (Number(item['version']?.N) > Number(last['version']?.N)) out[out.length - 1] = item;
  }
  return out;
}

/** The key of a stored account item, in whichever partition it is. */
function storedKey(item: Item): Item {
  return { tenantId: item['tenantId']!, accountId: item['accountId']! };
}
