import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DELIVERY_WINDOW_MS, MAX_RETRY_DELAY_MS, nextAttemptAt, retryDelayMs } from './backoff.ts';

const HOUR = 3600_000;
const first = new Date('2026-11-23T12:00:00Z');
const at = (ms: number) => new Date(first.getTime() + ms);
const constant = (r: number) => () => r;

/** Runs a message through the schedule, every attempt failing; returns the attempt times. */
function simulate(
  randoms: readonly number[],
  lagsMs: readonly number[] = [0],
  retryAfters: readonly (number | undefined)[] = [undefined],
) {
  const times = [first.getTime()];
  for (let attempt = 1; attempt <= 100; attempt++) {
    const now = new Date(times[times.length - 1]!);
    const next = nextAttemptAt(
      attempt,
      first,
      now,
      constant(randoms[attempt % randoms.length]!),
      retryAfters[attempt % retryAfters.length],
    );
    if (next === null) return { times, gaveUp: true };
    expect(next.getTime()).toBeGreaterThan(now.getTime());
    expect(next.getTime()).toBeLessThanOrEqual(first.getTime() + MAX_DELIVERY_WINDOW_MS);
    times.push(next.getTime() + lagsMs[attempt % lagsMs.length]!);
  }
  return { times, gaveUp: false };
}

describe('retry schedule', () => {
  it('without jitter, follows the documented steps', () => {
    const { times } = simulate([1]);
    expect(times.map((t) => t - first.getTime())).toEqual([
      0, 5_000, 30_000, 155_000, 780_000, 3_905_000, 19_530_000,
      ...Array.from({ length: 8 }, (_, i) => 19_530_000 + (i + 1) * 8 * HOUR),
    ]);
    expect(times).toHaveLength(15);
    expect((times.at(-1)! - first.getTime()) / HOUR).toBeCloseTo(69.4, 1);
  });

  it('jitter takes at most half of each step away', () => {
    expect(retryDelayMs(1, constant(0))).toBe(2_500);
    expect(retryDelayMs(1, constant(1))).toBe(5_000);
    expect(retryDelayMs(30, constant(0))).toBe(MAX_RETRY_DELAY_MS / 2);
    expect(retryDelayMs(1000, constant(1))).toBe(MAX_RETRY_DELAY_MS);
  });

  it('honours a Retry-After longer than the backoff', () => {
    expect(nextAttemptAt(1, first, first, constant(1), 7_000)).toEqual(at(7_000));
    expect(nextAttemptAt(1, first, first, constant(1), 1_000)).toEqual(at(5_000)); // shorter: backoff wins
    expect(nextAttemptAt(1, first, first, constant(1), Number.NaN)).toEqual(at(5_000));
    expect(nextAttemptAt(1, first, first, constant(1), -1)).toEqual(at(5_000));
  });

  it('caps a Retry-After at the end of the three-day window', () => {
    const now = at(70 * HOUR);
    expect(nextAttemptAt(5, first, now, constant(0), 10 * 24 * HOUR)).toEqual(at(MAX_DELIVERY_WINDOW_MS));
  });

  it('gives up when the next backoff would leave the window', () => {
    expect(nextAttemptAt(10, first, at(65 * HOUR), constant(1))).toBeNull();
    expect(nextAttemptAt(10, first, at(65 * HOUR), constant(0))).toEqual(at(69 * HOUR));
    expect(nextAttemptAt(10, first, at(MAX_DELIVERY_WINDOW_MS), constant(0))).toBeNull();
  });

  it('refuses bad arguments', () => {
    expect(() => nextAttemptAt(0, first, first, Math.random)).toThrow(RangeError);
    expect(() => nextAttemptAt(1.5, first, first, Math.random)).toThrow(RangeError);
    expect(() => nextAttemptAt(1, first, first, constant(2))).toThrow(RangeError);
    expect(() => nextAttemptAt(1, first, first, constant(Number.NaN))).toThrow(RangeError);
  });

  it('is non-decreasing in the attempt number for a fixed random value, and stays given up', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: MAX_DELIVERY_WINDOW_MS + HOUR }),
        fc.option(fc.integer({ min: 0, max: 5 * 24 * HOUR }), { nil: undefined }),
        (r, attempt, elapsed, retryAfter) => {
          const now = at(elapsed);
          const a = nextAttemptAt(attempt, first, now, constant(r), retryAfter);
          const b = nextAttemptAt(attempt + 1, first, now, constant(r), retryAfter);
          if (a === null) expect(b).toBeNull();
          else if (b !== null) expect(b.getTime()).toBeGreaterThanOrEqual(a.getTime());
        },
      ),
    );
  });

  it('stays within three days of the first attempt, gives up, and the last try is near the end', () => {
    const unit = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(unit, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: HOUR }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 4 * 24 * HOUR }), { nil: undefined }), { minLength: 1, maxLength: 10 }),
        (randoms, lags, retryAfters) => {
          const { times, gaveUp } = simulate(randoms, lags, retryAfters);
          expect(gaveUp).toBe(true);
          // Every step but the last is at most 8 h, so giving up means being past 64 h.
          expect(times.at(-1)! - first.getTime()).toBeGreaterThan(MAX_DELIVERY_WINDOW_MS - MAX_RETRY_DELAY_MS);
          expect(times.length).toBeLessThanOrEqual(26);
        },
      ),
    );
  });
});
