import { gunzipSync, gzipSync } from 'node:zlib';

/** JSON compressed into a DynamoDB binary attribute: books and records are repetitive and shrink ~10×. */
export function packJson(value: unknown): Uint8Array {
  return gzipSync(JSON.stringify(value));
}

export function unpackJson<T>(bytes: Uint8Array): T {
  return JSON.parse(gunzipSync(bytes).toString('utf8')) as T;
}

/** An opaque page cursor: the listing's last key, base64url JSON. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key inside a cursor, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): Record<string, { S?: string }> | undefined {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return key !== null && typeof key === 'object' && !Array.isArray(key) ? (key as Record<string, { S?: string }>) : undefined;
  } catch {
    return undefined;
  }
}

/** Smallest magnitude DynamoDB can store; anything smaller is stored as 0. */
const DYNAMO_MIN_MAGNITUDE = 1e-130;

/** A number as a DynamoDB `N`: magnitudes below 1e-130 (e.g. 5e-324) are stored as 0, which DynamoDB would refuse. */
export function dynamoNumber(n: number): { N: string } {
  return { N: String(Math.abs(n) < DYNAMO_MIN_MAGNITUDE ? 0 : n) };
}
