/**
 * The body of a webhook, as Standard Webhooks shapes it: `{ type, timestamp, data }`,
 * with `timestamp` the ISO 8601 time of the event (not of the attempt). The string is
 * built once and stored, so every retry sends, and signs, the very same bytes.
 */
export function webhookPayload(type: string, data: unknown, timestamp: Date): string {
  if (type === '') throw new RangeError('a webhook has an event type');
  // undefined would drop the key from the JSON; receivers expect `data` to be there.
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data: data === undefined ? null : data });
}
