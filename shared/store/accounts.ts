import { createHash } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { Tier } from '../risk/tiers.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import { InvalidCursorError } from './assessments.ts';
import { decodeCursor, encodeCursor, packJson, unpackJson } from './codec.ts';
import { applied, ConflictError, guarded } from './errors.ts';
import { TableStore } from './table-store.ts';

/** How many parallel segments a tenant's accounts are split into for sweeps. */
export const SWEEP_SEGMENTS = 8;

/** The latest assessment of a registered account, kept with it. */
export interface AccountAssessmentSummary {
  readonly assessmentId: string | null;
  readonly asOf: string;
  readonly tier: Tier;
  readonly marginRatio: number | null;
  readonly equity: number;
  readonly maintenanceMargin: number;
  readonly initialMargin: number;
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
}

export interface TierChange {
  readonly sweepId: string;
  readonly event: boolean;
}

export function segmentOf(accountId: string): number {
  return createHash('sha256').update(accountId).digest().readUInt32BE(0) % SWEEP_SEGMENTS;
}

/** Registered accounts: book, tier and latest assessment per tenant. */
export class AccountStore extends TableStore {
  private key(tenantId: string, accountId: string): Record<string, AttributeValue> {
    return { tenantId: { S: tenantId }, accountId: { S: accountId } };
  }

  /** Registers or replaces an account's book; its tier and last assessment are set with it. */
  async put(
    tenantId: string,
    accountId: string,
    book: AccountBook,
    assessed: AccountAssessmentSummary | null,
    tier: Tier | null,
    now = new Date(),
  ): Promise<{ account: RegisteredAccount; created: boolean }> {
    const existing = await this.get(tenantId, accountId);
    const account: RegisteredAccount = {
      accountId,
      book,
      tier,
      lastAssessment: assessed,
      lastTierChange: existing?.lastTierChange ?? null,
      createdAt: existing?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
      version: (existing?.version ?? 0) + 1,
    };
    const written = await applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: this.item(tenantId, account),
          // Two concurrent registrations: the later one must have read the earlier one.
          ConditionExpression: existing ? 'version = :v' : 'attribute_not_exists(accountId)',
          ...(existing ? { ExpressionAttributeValues: { ':v': { N: String(existing.version) } } } : {}),
        }),
      ),
    );
    if (!written) throw new ConflictError(`account ${accountId}`);
    return { account, created: existing === undefined };
  }

  async get(tenantId: string, accountId: string): Promise<RegisteredAccount | undefined> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(tenantId, accountId), ConsistentRead: true })));
    return Item ? accountOf(Item) : undefined;
  }

  async delete(tenantId: string, accountId: string): Promise<boolean> {
    return applied(() =>
      this.db.send(new DeleteItemCommand({ TableName: this.table, Key: this.key(tenantId, accountId), ConditionExpression: 'attribute_exists(accountId)' })),
    );
  }

  /** A page of the tenant's accounts, optionally of one tier, by account id. */
  async list(tenantId: string, options: { tier?: Tier | undefined; limit: number; cursor?: string | undefined }) {
    const byTier = options.tier !== undefined;
    const partition = byTier ? { name: 'tierKey', value: `${tenantId}#${options.tier}` } : { name: 'tenantId', value: tenantId };
    let start: Record<string, AttributeValue> | undefined;
    if (options.cursor !== undefined) {
      const key = decodeCursor(options.cursor) as Record<string, AttributeValue> | undefined;
      if (!key || key[partition.name]?.S !== partition.value || key['tenantId']?.S !== tenantId) throw new InvalidCursorError();
      start = key;
    }
    const { Items = [], LastEvaluatedKey } = await guarded(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          ...(byTier ? { IndexName: 'byTier' } : {}),
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': partition.name },
          ExpressionAttributeValues: { ':p': { S: partition.value } },
          Limit: options.limit,
          ExclusiveStartKey: start,
        }),
      ),
    );
    return { items: Items.map(accountOf), nextCursor: LastEvaluatedKey ? encodeCursor(LastEvaluatedKey) : null };
  }

  /** Every account of one sweep segment of a tenant. */
  async *segment(tenantId: string, segment: number): AsyncGenerator<RegisteredAccount> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await guarded(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'bySegment',
            KeyConditionExpression: 'segmentKey = :s',
            ExpressionAttributeValues: { ':s': { S: `${tenantId}#${segment}` } },
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) yield accountOf(item);
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** The update a sweep makes: new summary and tier, only if nobody wrote the account since it was read. */
  assessedUpdate(
    tenantId: string,
    account: RegisteredAccount,
    summary: AccountAssessmentSummary,
    tier: Tier,
    change?: TierChange,
  ): TransactWriteItem {
    return {
      Update: {
        TableName: this.table,
        Key: this.key(tenantId, account.accountId),
        UpdateExpression: `SET tier = :tier, tierKey = :tierKey, lastAssessment = :summary, version = :next${change ? ', lastTierChange = :change' : ''}`,
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: {
          ':tier': { S: tier },
          ':tierKey': { S: `${tenantId}#${tier}` },
          ':summary': { S: JSON.stringify(summary) },
          ':v': { N: String(account.version) },
          ':next': { N: String(account.version + 1) },
          ...(change ? { ':change': { S: JSON.stringify(change) } } : {}),
        },
      },
    };
  }

  /** Applies `assessedUpdate` alone; false when the account changed meanwhile. */
  async recordAssessed(tenantId: string, account: RegisteredAccount, summary: AccountAssessmentSummary, tier: Tier): Promise<boolean> {
    return applied(() => this.db.send(new UpdateItemCommand(this.assessedUpdate(tenantId, account, summary, tier).Update!)));
  }

  private item(tenantId: string, a: RegisteredAccount): Record<string, AttributeValue> {
    return {
      ...this.key(tenantId, a.accountId),
      segmentKey: { S: `${tenantId}#${segmentOf(a.accountId)}` },
      ...(a.tier ? { tier: { S: a.tier }, tierKey: { S: `${tenantId}#${a.tier}` } } : {}),
      ...(a.lastAssessment ? { lastAssessment: { S: JSON.stringify(a.lastAssessment) } } : {}),
      ...(a.lastTierChange ? { lastTierChange: { S: JSON.stringify(a.lastTierChange) } } : {}),
      book: { B: packJson(a.book) },
      createdAt: { S: a.createdAt },
      updatedAt: { S: a.updatedAt },
      version: { N: String(a.version) },
    };
  }
}

function accountOf(i: Record<string, AttributeValue>): RegisteredAccount {
  return {
    accountId: i['accountId']!.S!,
    book: unpackJson<AccountBook>(i['book']!.B!),
    tier: (i['tier']?.S as Tier | undefined) ?? null,
    lastAssessment: i['lastAssessment']?.S ? (JSON.parse(i['lastAssessment'].S) as AccountAssessmentSummary) : null,
    lastTierChange: i['lastTierChange']?.S ? (JSON.parse(i['lastTierChange'].S) as TierChange) : null,
    createdAt: i['createdAt']!.S!,
    updatedAt: i['updatedAt']!.S!,
    version: Number(i['version']!.N),
  };
}
