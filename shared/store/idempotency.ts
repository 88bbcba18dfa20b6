import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PART_BYTES } from './codec.ts';
import { applied, guarded } from './errors.ts';
import { TableStore } from './table-store.ts';

/** Keys are kept for a day, like Stripe's. */
const RETENTION_SECONDS = 24 * 60 * 60;
/**
 * An in-flight claim not extended for this long is taken over: its request died without
 * finishing (or could not release it: the database was away). A running request extends
 * its claim every EXTEND_EVERY_MS, so a long one keeps it.
 */
export const LOCK_SECONDS = 10;
export const EXTEND_EVERY_MS = 3_000;

/** The answer's body does not fit an item even compressed: it is not kept (the middleware releases the key). */
export class StoredBodyTooLargeError extends Error {
  constructor(bytes: number) {
    super(`the answer body compresses to ${bytes} bytes, more than the ${PART_BYTES} an idempotency record holds`);
    this.name = 'StoredBodyTooLargeError';
  }
}

/** What a finished request answered: a stored body, or the id of the assessment it recorded. */
export interface StoredResponse {
  readonly status: number;
  readonly body?: string;
  readonly assessmentId?: string;
}

export type Claim =
  | { readonly state: 'claimed' }
  | { readonly state: 'in_progress' }
  | { readonly state: 'mismatch' }
  | { readonly state: 'completed'; readonly response: StoredResponse };

export interface IdempotencyRef {
  readonly tenantId: string;
  readonly key: string;
  readonly requestHash: string;
}

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

/** Idempotency keys: a request claims its key, and the claim completes with the answer. */
export class IdempotencyStore extends TableStore {
  private key(ref: Pick<IdempotencyRef, 'tenantId' | 'key'>): Record<string, AttributeValue> {
    return { tenantId: { S: ref.tenantId }, idempotencyKey: { S: ref.key } };
  }

  /** Claims the key for this request, or says why not (same request running or done, or another request). */
  async claim(ref: IdempotencyRef, now = new Date()): Promise<Claim> {
    const claimed = await applied(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...this.key(ref),
            requestHash: { S: ref.requestHash },
            status: { S: 'in_progress' },
            lockedUntil: { N: String(epoch(now) + LOCK_SECONDS) },
            expiresAt: { N: String(epoch(now) + RETENTION_SECONDS) },
          },
          ConditionExpression: 'attribute_not_exists(idempotencyKey) OR (#s = :progress AND lockedUntil < :now AND requestHash = :h)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':progress': { S: 'in_progress' }, ':now': { N: String(epoch(now)) }, ':h': { S: ref.requestHash } },
        }),
      ),
    );
    if (claimed) return { state: 'claimed' };
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(ref), ConsistentRead: true })));
    if (!Item) return this.claim(ref, now); // expired between the two calls
    if (Item['requestHash']?.S !== ref.requestHash) return { state: 'mismatch' };
    if (Item['status']?.S !== 'completed') return { state: 'in_progress' };
    return {
      state: 'completed',
      response: {
        status: Number(Item['responseStatus']!.N),
        ...bodyOf(Item),
        ...(Item['assessmentId']?.S !== undefined ? { assessmentId: Item['assessmentId'].S } : {}),
      },
    };
  }

  /** The write that completes a claim, for a transaction that records the answer in the same step. */
  completion(ref: IdempotencyRef, response: StoredResponse): TransactWriteItem {
    return { Update: this.completeUpdate(ref, response) };
  }

  /** Stores the answer; throws StoredBodyTooLargeError, writing nothing, when its body cannot fit. */
  async complete(ref: IdempotencyRef, response: StoredResponse): Promise<void> {
    await guarded(() => this.db.send(new UpdateItemCommand(this.completeUpdate(ref, response))));
  }

  /** Keeps a running request's claim for another LOCK_SECONDS; false when it is no longer this request's. */
  async extend(ref: IdempotencyRef, now = new Date()): Promise<boolean> {
    return applied(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(ref),
          UpdateExpression: 'SET lockedUntil = :until',
          ConditionExpression: '#s = :progress AND requestHash = :h',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':until': { N: String(epoch(now) + LOCK_SECONDS) }, ':progress': { S: 'in_progress' }, ':h': { S: ref.requestHash } },
        }),
      ),
    );
  }

  /** Releases a claim whose request failed, so that a retry can run. */
  async release(ref: IdempotencyRef): Promise<void> {
    // Completed meanwhile, or taken over: nothing to release.
    await applied(() =>
      this.db.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: this.key(ref),
          ConditionExpression: '#s = :progress AND requestHash = :h',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':progress': { S: 'in_progress' }, ':h': { S: ref.requestHash } },
        }),
      ),
    );
  }

  private completeUpdate(ref: IdempotencyRef, response: StoredResponse) {
    const values: Record<string, AttributeValue> = {
      ':done': { S: 'completed' },
      ':status': { N: String(response.status) },
      ':h': { S: ref.requestHash },
    };
    let set = '#s = :done, responseStatus = :status';
    if (response.body !== undefined) {
      set += ', responseBodyGz = :body';
      values[':body'] = { B: packBody(response.body) };
    }
    if (response.assessmentId !== undefined) {
      set += ', assessmentId = :asm';
      values[':asm'] = { S: response.assessmentId };
    }
    return {
      TableName: this.table,
      Key: this.key(ref),
      UpdateExpression: `SET ${set} REMOVE lockedUntil`,
      ConditionExpression: 'requestHash = :h',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: values,
    };
  }
}

/** The answer compressed; it must fit one item (PART_BYTES: the key, hash and status take the rest of the 400 KB). */
function packBody(body: string): Uint8Array {
  const packed = gzipSync(body);
  if (packed.byteLength > PART_BYTES) throw new StoredBodyTooLargeError(packed.byteLength);
  return packed;
}

/** The stored body: compressed, or plain as records written before compression have it. */
function bodyOf(item: Record<string, AttributeValue>): { body?: string } {
  const packed = item['responseBodyGz']?.B;
  if (packed !== undefined) return { body: gunzipSync(packed).toString('utf8') };
  const plain = item['responseBody']?.S;
  return plain === undefined ? {} : { body: plain };
}
