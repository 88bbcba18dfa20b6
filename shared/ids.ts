import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A prefixed, time-ordered identifier (ULID body): `asm_01JD…`. Sorting ids sorts
 * by creation time, which the "newest first" listings rely on.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[bytes[i]! % 32]!;
  return `${prefix}_${time}${random}`;
}

/** A deterministic event id (`evt_…`) from what identifies the event: the same change found again by a retried writer is the same event. */
export function eventId(...parts: string[]): string {
  return `evt_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;
}
