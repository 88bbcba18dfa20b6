import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidCursorError, StoreError } from './errors.ts';

/** JSON compressed into a DynamoDB binary attribute: books and records are repetitive and shrink ~10×. */
export function packJson(value: unknown): Uint8Array {
  return gzipSync(JSON.stringify(value));
}

export function unpackJson<T>(bytes: Uint8Array): T {
  return JSON.parse(gunzipSync(bytes).toString('utf8')) as T;
}

/** Largest compressed body kept in one item (DynamoDB items hold at most 400 KB, keys and other attributes included). */
export const PART_BYTES = 350_000;
/** A transaction holds at most 100 items and 4 MB: the parts of one body and a few other writes fit. */
export const MAX_PARTS = 10;

/**
 * A compressed body cut into item-sized parts, in order: a large book or record is stored
 * as a main item and overflow items written in one transaction. Throws StoreError when
 * even MAX_PARTS cannot hold it (`what` names it in the message).
 */
export function splitBody(body: Uint8Array, what: string): Uint8Array[] {
  const count = Math.max(1, Math.ceil(body.length / PART_BYTES));
  if (count > MAX_PARTS) throw new StoreError(`${what} is too large to store (${body.length} bytes compressed)`);
  return Array.from({ length: count }, (_, n) => body.subarray(n * PART_BYTES, (n + 1) * PART_BYTES));
}

/** An opaque page cursor: the listing's last key, base64url JSON. */
export function encodeCursor(key: Record<string, AttributeValue>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The shape of a listing's keys: every attribute of the key, with the value it must have
 * (the tenant, the account, the tier: what binds a cursor to its listing), the values it may
 * have (a tenant's shards), or `null` where any key string is allowed (the position in the
 * listing).
 */
export type KeyShape = Readonly<Record<string, string | readonly string[] | null>>;

/** DynamoDB's limit on a sort key value; partition keys allow more. */
const MAX_KEY_BYTES = 1024;

/**
 * The key inside a cursor, checked against `shape` before DynamoDB sees it: a cursor is
 * client input, and a key DynamoDB rejects (an attribute missing or extra, a number or an
 * empty string where a string is due) would answer 500, or 503 when DynamoDB Local
 * reports it as its own failure. Throws InvalidCursorError (400, field `cursor`).
 */
export function decodeCursor(cursor: string, shape: KeyShape): Record<string, AttributeValue> {
  const key = parseCursor(cursor);
  const names = Object.keys(shape);
  const valid =
    key !== undefined &&
    Object.keys(key).length === names.length &&
    names.every((name) => Object.hasOwn(key, name) && isKeyString(key[name], shape[name]!));
  if (!valid) throw new InvalidCursorError();
  return key as Record<string, AttributeValue>;
}

function parseCursor(cursor: string): Record<string, unknown> | undefined {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return key !== null && typeof key === 'object' && !Array.isArray(key) ? (key as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `{ S: <string> }` and nothing else, equal to (one of) `expected` when given, else any non-empty, well-formed string DynamoDB accepts in a key. */
function isKeyString(attr: unknown, expected: string | readonly string[] | null): boolean {
  if (attr === null || typeof attr !== 'object' || Array.isArray(attr)) return false;
  const keys = Object.keys(attr);
  const value = (attr as { S?: unknown }).S;
  if (keys.length !== 1 || keys[0] !== 'S' || typeof value !== 'string') return false;
  if (typeof expected === 'string') return value === expected;
  if (expected !== null) return expected.includes(value);
  const bytes = Buffer.from(value, 'utf8');
  // A lone surrogate does not survive UTF-8: it would reach DynamoDB as another string.
  return value.length > 0 && bytes.length <= MAX_KEY_BYTES && bytes.toString('utf8') === value;
}

/** The key attributes of `item` named by `shape`: the cursor of a page that ends with it. */
export function keyOf(item: Record<string, AttributeValue>, shape: KeyShape): Record<string, AttributeValue> {
  return Object.fromEntries(Object.keys(shape).map((name) => [name, item[name]!]));
}

/**
 * A JavaScript number as an attribute, exactly: DynamoDB's `N` cannot hold magnitudes
 * below 1e-130 or above ~1e126 (a margin ratio can be 1e300), so figures are stored as
 * their shortest round-trip decimal string.
 */
export function numberAttr(n: number): { S: string } {
  return { S: String(n) };
}

export function readNumber(attr: { S?: string } | undefined): number {
  return Number(attr?.S);
}
