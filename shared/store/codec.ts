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
