import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { applied, guarded } from './errors.ts';
import { TableStore } from './table-store.ts';

export const SWEEP_COUNTERS = ['accounts', 'assessed', 'tierChanges', 'events', 'skipped', 'errors'] as const;
export type SweepCounts = Record<(typeof SWEEP_COUNTERS)[number], number>;

export interface Sweep {
  readonly sweepId: string;
  readonly status: 'running' | 'completed' | 'failed';
  /** What started the sweep: the API, the schedule, a market push (`price`, with `underlyings` set), or a new risk profile version (`profile`). */
  readonly trigger: 'api' | 'schedule' | 'price' | 'profile';
  /** The symbols whose prices changed (a `price` sweep); null for a sweep of every account. */
  readonly underlyings: readonly string[] | null;
  readonly segments: number;
  readonly segmentsDone: number;
  readonly counts: SweepCounts;
  readonly startedAt: string;
  readonly completedAt: string | null;
  /** Why the sweep did not assess (e.g. market_stale), or what failed. */
  readonly reason: string | null;
  /** Why the accounts counted in `counts.errors` could not be assessed, over the segments finished so far. */
  readonly unassessable: readonly UnassessableReason[];
}

export const zeroCounts = (): SweepCounts => ({ accounts: 0, assessed: 0, tierChanges: 0, events: 0, skipped: 0, errors: 0 });

/** Accounts a sweep could not assess, by reason: how many, and the first few ids. */
export interface UnassessableReason {
  readonly reason: string;
  readonly accounts: number;
  readonly accountIds: readonly string[];
}

/** Account ids kept per reason: enough to find the accounts, small enough for any number of them. */
export const REASON_EXAMPLES = 5;

/** What one segment found: its counts, and why the accounts it could not assess could not be. */
export interface SegmentOutcome {
  readonly counts: SweepCounts;
  readonly unassessable: readonly UnassessableReason[];
}

/** Reasons of several segments as one list, most accounts first. */
export function mergeReasons(lists: readonly (readonly UnassessableReason[])[]): UnassessableReason[] {
  const byReason = new Map<string, { accounts: number; accountIds: string[] }>();
  for (const list of lists) {
    for (const r of list) {
      const merged = byReason.get(r.reason) ?? byReason.set(r.reason, { accounts: 0, accountIds: [] }).get(r.reason)!;
      merged.accounts += r.accounts;
      for (const id of r.accountIds) if (merged.accountIds.length < REASON_EXAMPLES && !merged.accountIds.includes(id)) merged.accountIds.push(id);
    }
  }
  return [...byReason].map(([reason, r]) => ({ reason, ...r })).sort((a, b) => b.accounts - a.accounts || a.reason.localeCompare(b.reason));
}

/**
 * The item that says which sweep of every account a tenant is running (sort key beside the
 * sweeps' `swp_…` ids, never one of them): scheduled and on-demand sweeps never overlap.
 */
const FULL_SWEEP_SLOT = 'slot#full';

/**
 * The item that remembers how many accounts the tenant's last completed sweep of every
 * account read (sort key beside the sweeps' ids, never one of them): what the next sweep
 * sizes its segments by, for one GetItem instead of counting the accounts.
 */
const SIZE_KEY = 'size#accounts';

/** Sweeps and their segments. A segment's counts are added exactly once, however often it runs. */
export class SweepStore extends TableStore {
  private key(tenantId: string, sweepKey: string): Record<string, AttributeValue> {
    return { tenantId: { S: tenantId }, sweepKey: { S: sweepKey } };
  }

  async create(tenantId: string, sweep: Sweep): Promise<void> {
    const item: Record<string, AttributeValue> = {
      ...this.key(tenantId, sweep.sweepId),
      status: { S: sweep.status },
      trigger: { S: sweep.trigger },
      segments: { N: String(sweep.segments) },
      segmentsDone: { N: String(sweep.segmentsDone) },
      startedAt: { S: sweep.startedAt },
      ...(sweep.completedAt ? { completedAt: { S: sweep.completedAt } } : {}),
      ...(sweep.reason ? { reason: { S: sweep.reason } } : {}),
      ...(sweep.underlyings ? { underlyings: { S: JSON.stringify(sweep.underlyings) } } : {}),
    };
    for (const c of SWEEP_COUNTERS) item[c] = { N: String(sweep.counts[c]) };
    await guarded(() => this.db.send(new PutItemCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(sweepKey)' })));
  }

  async get(tenantId: string, sweepId: string): Promise<Sweep | undefined> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(tenantId, sweepId), ConsistentRead: true })));
    if (!Item) return undefined;
    const counts = zeroCounts();
    for (const c of SWEEP_COUNTERS) counts[c] = Number(Item[c]?.N ?? 0);
    // The reasons live on the segments' markers: read only when some account failed.
    const unassessable = counts.errors > 0 ? mergeReasons(await this.segmentReasons(tenantId, sweepId)) : [];
    return {
      sweepId,
      unassessable,
      status: Item['status']!.S as Sweep['status'],
      trigger: Item['trigger']!.S as Sweep['trigger'],
      segments: Number(Item['segments']!.N),
      segmentsDone: Number(Item['segmentsDone']!.N),
      counts,
      startedAt: Item['startedAt']!.S!,
      completedAt: Item['completedAt']?.S ?? null,
      reason: Item['reason']?.S ?? null,
      underlyings: Item['underlyings']?.S ? (JSON.parse(Item['underlyings'].S) as string[]) : null,
    };
  }

  /**
   * Records a finished segment and adds its counts, once: a retried segment finds its
   * marker and adds nothing. Completes the sweep when it was the last segment.
   */
  async completeSegment(tenantId: string, sweepId: string, segment: number, outcome: SegmentOutcome, now = new Date()): Promise<'recorded' | 'already'> {
    const { counts, unassessable } = outcome;
    const values: Record<string, AttributeValue> = { ':one': { N: '1' }, ':running': { S: 'running' } };
    const adds = ['segmentsDone :one'];
    for (const c of SWEEP_COUNTERS) {
      values[`:${c}`] = { N: String(counts[c]) };
      adds.push(`${c} :${c}`);
    }
    try {
      await guarded(() =>
        this.db.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.table,
                  Item: {
                    ...this.key(tenantId, `${sweepId}#${segment}`),
                    completedAt: { S: now.toISOString() },
                    ...(unassessable.length > 0 ? { unassessable: { S: JSON.stringify(unassessable) } } : {}),
                  },
                  ConditionExpression: 'attribute_not_exists(sweepKey)',
                },
              },
              {
                Update: {
                  TableName: this.table,
                  Key: this.key(tenantId, sweepId),
                  UpdateExpression: `ADD ${adds.join(', ')}`,
                  ConditionExpression: '#s = :running',
                  ExpressionAttributeNames: { '#s': 'status' },
                  ExpressionAttributeValues: values,
                },
              },
            ],
          }),
        ),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) return 'already';
      throw error;
    }
    const sweep = await this.get(tenantId, sweepId);
    if (sweep && sweep.segmentsDone >= sweep.segments) {
      await this.finish(tenantId, sweepId, 'completed', null, now);
      // Only a sweep of every account knows the tenant's size (a price sweep reads the exposed ones).
      if (sweep.underlyings === null) await this.recordSize(tenantId, sweepId, sweep.counts.accounts, now);
    }
    return 'recorded';
  }

  /**
   * How many accounts the tenant's last completed sweep of every account read, or null
   * before the first: one eventually consistent GetItem (a size a minute old is as good).
   */
  async lastSize(tenantId: string): Promise<number | null> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(tenantId, SIZE_KEY) })));
    return Item?.['accounts']?.N ? Number(Item['accounts'].N) : null;
  }

  /**
   * Records the accounts a completed sweep of every account read, unless a later sweep
   * (ids are time-ordered) already recorded its own: overlapping sweeps (a `profile` sweep
   * beside a scheduled one) may complete in any order.
   */
  async recordSize(tenantId: string, sweepId: string, accounts: number, now = new Date()): Promise<void> {
    await applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...this.key(tenantId, SIZE_KEY), accounts: { N: String(accounts) }, sweepId: { S: sweepId }, recordedAt: { S: now.toISOString() } },
          ConditionExpression: 'attribute_not_exists(sweepId) OR sweepId < :id',
          ExpressionAttributeValues: { ':id': { S: sweepId } },
        }),
      ),
    );
  }

  /** The unassessable reasons recorded on a sweep's segment markers (`<sweepId>#<segment>`). */
  private async segmentReasons(tenantId: string, sweepId: string): Promise<UnassessableReason[][]> {
    const markers = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'tenantId = :t AND begins_with(sweepKey, :p)',
      ExpressionAttributeValues: { ':t': { S: tenantId }, ':p': { S: `${sweepId}#` } },
      ConsistentRead: true,
    });
    return markers.flatMap((m) => (m['unassessable']?.S ? [JSON.parse(m['unassessable'].S) as UnassessableReason[]] : []));
  }

  /**
   * Claims the tenant's one slot for a sweep of every account (FULL_SWEEP_SLOT) for
   * `sweepId`, until `leaseUntil` at the latest: null when claimed, else the sweep holding it.
   * A holder past its lease (its workers died without finishing it), or the sweep `stale`
   * (one the caller found finished, its release lost), is taken over.
   */
  async claimFullSweep(tenantId: string, sweepId: string, now: Date, leaseUntil: Date, stale?: string): Promise<string | null> {
    const claimed = await applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...this.key(tenantId, FULL_SWEEP_SLOT), sweepId: { S: sweepId }, leaseUntil: { S: leaseUntil.toISOString() } },
          ConditionExpression: `attribute_not_exists(sweepKey) OR leaseUntil < :now${stale ? ' OR sweepId = :stale' : ''}`,
          ExpressionAttributeValues: { ':now': { S: now.toISOString() }, ...(stale ? { ':stale': { S: stale } } : {}) },
        }),
      ),
    );
    if (claimed) return null;
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(tenantId, FULL_SWEEP_SLOT), ConsistentRead: true })));
    // Released between the two calls: try once more.
    return Item?.['sweepId']?.S ?? (await this.claimFullSweep(tenantId, sweepId, now, leaseUntil));
  }

  /** Frees the slot if `sweepId` holds it (a finished sweep; a no-op for any other). */
  private async releaseFullSweep(tenantId: string, sweepId: string): Promise<void> {
    await applied(() =>
      this.db.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: this.key(tenantId, FULL_SWEEP_SLOT),
          ConditionExpression: 'sweepId = :id',
          ExpressionAttributeValues: { ':id': { S: sweepId } },
        }),
      ),
    );
  }

  /** Moves a running sweep to its final status (once), and frees the tenant's slot if it held it. */
  async finish(tenantId: string, sweepId: string, status: 'completed' | 'failed', reason: string | null, now = new Date()): Promise<void> {
    await this.finishOnce(tenantId, sweepId, status, reason, now);
    await this.releaseFullSweep(tenantId, sweepId);
  }

  private async finishOnce(tenantId: string, sweepId: string, status: 'completed' | 'failed', reason: string | null, now: Date): Promise<void> {
    // Already final: a second finish changes nothing.
    await applied(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(tenantId, sweepId),
          UpdateExpression: reason ? 'SET #s = :status, completedAt = :now, reason = :reason' : 'SET #s = :status, completedAt = :now',
          ConditionExpression: '#s = :running',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':status': { S: status },
            ':now': { S: now.toISOString() },
            ':running': { S: 'running' },
            ...(reason ? { ':reason': { S: reason } } : {}),
          },
        }),
      ),
    );
  }
}
