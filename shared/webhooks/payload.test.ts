import { describe, expect, it } from 'vitest';
import { webhookPayload } from './payload.ts';

describe('webhookPayload', () => {
  it('is { type, timestamp, data } with an ISO timestamp', () => {
    const at = new Date(Date.UTC(2026, 10, 23, 12));
    const body = webhookPayload('account.tier_changed', { accountId: 'a1', tier: 'tier2' }, at);
    expect(body).toBe(
      '{"type":"account.tier_changed","timestamp":"2026-11-23T12:00:00.000Z","data":{"accountId":"a1","tier":"tier2"}}',
    );
  });

  it('keeps the data key when there is no data', () => {
    expect(JSON.parse(webhookPayload('ping', undefined, new Date(0)))).toEqual({
      type: 'ping',
      timestamp: '1970-01-01T00:00:00.000Z',
      data: null,
    });
  });

  it('refuses an empty type and an invalid date', () => {
    expect(() => webhookPayload('', {}, new Date(0))).toThrow(RangeError);
    expect(() => webhookPayload('ping', {}, new Date(Number.NaN))).toThrow(RangeError);
  });
});
