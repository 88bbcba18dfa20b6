/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): either whole seconds or an HTTP
 * date. Returns the wait in milliseconds from `now` (0 for a date in the past), or
 * `undefined` when the header is missing or unreadable — then the backoff decides.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
  }
  // Date.parse reads IMF-fixdate and the obsolete forms; insist on a weekday-led date so
  // that arbitrary text ("soon", "1.5") is not taken for one.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
