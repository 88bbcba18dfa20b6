import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.ts';

const now = new Date('2026-11-23T12:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7_000],
    [' 120 ', 120_000],
    ['0', 0],
    ['Mon, 23 Nov 2026 12:00:30 GMT', 30_000],
    ['Monday, 23-Nov-26 12:01:00 GMT', 60_000],
    ['Mon, 23 Nov 2026 11:00:00 GMT', 0], // in the past: go now
  ])('reads %j as %d ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it.each([undefined, '', 'soon', '-5', '1.5', '5s', '2026-11-23T12:00:30Z', 'Mon, banana', '9'.repeat(30)])(
    'ignores %j',
    (header) => {
      expect(parseRetryAfter(header, now)).toBeUndefined();
    },
  );
});
