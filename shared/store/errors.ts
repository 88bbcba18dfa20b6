import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** Errors raised by the storage layer. */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** DynamoDB could not be reached or refused the call for capacity; the call may succeed later. */
export class StoreUnavailableError extends StoreError {
  constructor(options?: { cause?: unknown }) {
    super('the database is unavailable', options);
    this.name = 'StoreUnavailableError';
  }
}

/** Someone else changed the item between our read and our write; read again and retry. */
export class ConflictError extends StoreError {
  constructor(what: string) {
    super(`${what} changed meanwhile; read it again and retry`);
    this.name = 'ConflictError';
  }
}

/** A cursor that does not come from this listing: the client's error (400, field `cursor`), never DynamoDB's. */
export class InvalidCursorError extends StoreError {
  constructor() {
    super('the cursor is not valid for this listing');
    this.name = 'InvalidCursorError';
  }
}

/** Network failures, timeouts, throttling and 5xx from DynamoDB: worth retrying later. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string };
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return (
    [
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'RequestLimitExceeded',
      'InternalServerError',
      'ServiceUnavailable',
      'TimeoutError',
      'RequestTimeout',
    ].includes(e.name) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(e.code ?? '') ||
    /ECONNREFUSED|ECONNRESET|socket hang up|timed? ?out/i.test(e.message)
  );
}

/** Runs a DynamoDB call, turning transient failures into StoreUnavailableError. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransient(error)) throw new StoreUnavailableError({ cause: error });
    throw error;
  }
}

/** Why a transaction is cancelled when a concurrent writer got there first. */
const LOST_RACE = new Set(['ConditionalCheckFailed', 'TransactionConflict']);

/**
 * Runs a conditional DynamoDB write, one item or a transaction: true when it applied,
 * false when a condition failed (an item was not in the expected state) or, for a
 * transaction, another transaction was writing the same item; other failures as `guarded`.
 */
export async function applied(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await guarded(call);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    if (error instanceof TransactionCanceledException && lostRace(error.CancellationReasons?.map((r) => r.Code ?? 'None') ?? [])) return false;
    throw error;
  }
}

/** A transaction cancelled only because of concurrent writers, not because a write was invalid. */
function lostRace(codes: readonly string[]): boolean {
  return codes.some((c) => LOST_RACE.has(c)) && codes.every((c) => c === 'None' || LOST_RACE.has(c));
}
