/**
 * When to try a failed webhook again. Pure: the clock and the randomness come in.
 *
 * Attempt n (n = 1 is the first delivery) failing at `now` is retried after
 *
 *   delay(n) = min(8 h, 5 s × 5^(n−1)) × (0.5 + 0.5 × random())
 *
 * ("equal" jitter: half the step fixed, half random). The steps before jitter are
 * 5 s, 25 s, 2 min, 10 min, 52 min, 4 h 20 min, then 8 h each; jitter takes up to half of
 * each away. Retrying stops once the next try would fall more than three days after the
 * first attempt; the last try therefore lands between 64 h and 72 h after the first.
 * Elapsed time since the first attempt, with random() = 1 (no jitter) / 0.5 / 0:
 *
 *   attempt   1    2      3      4       5       6      7      8      9 …    last
 *   r = 1     0    5 s    30 s   2.6 min 13 min  1.1 h  5.4 h  13 h   21 h   69 h (#15)
 *   r = 0.5   0    3.8 s  23 s   1.9 min 9.8 min 49 min 4.1 h  10 h   16 h   70 h (#18)
 *   r = 0     0    2.5 s  15 s   1.3 min 6.5 min 33 min 2.7 h  6.7 h  11 h   71 h (#24)
 *
 * Full jitter (0 … step) was not chosen: it can retry at once, and it lets the number of
 * attempts in the three days grow without bound as random() nears 0. The schedule is
 * counted from the previous attempt rather than from the first, so a dispatcher that
 * was down does not fire a burst of catch-up attempts when it comes back.
 */

/** How long a message is retried, counted from its first attempt: three days. */
export const MAX_DELIVERY_WINDOW_MS = 72 * 3600_000;

/** Step after the first failed attempt, before jitter. */
export const FIRST_RETRY_DELAY_MS = 5_000;

/** Each step is this many times the previous one, until the cap. */
export const BACKOFF_FACTOR = 5;

/** Longest step between two attempts, before jitter. */
export const MAX_RETRY_DELAY_MS = 8 * 3600_000;

function checkAttempt(attempt: number): void {
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError('attempt counts from 1');
}

/** The jittered wait after attempt `attempt` failed; calls `random` once. */
export function retryDelayMs(attempt: number, random: () => number): number {
  checkAttempt(attempt);
  const r = random();
  if (!(r >= 0 && r <= 1)) throw new RangeError('random() returns a number in [0, 1]');
  const step = Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * BACKOFF_FACTOR ** (attempt - 1));
  return Math.round(step * (0.5 + 0.5 * r));
}

/**
 * When to make the next attempt after attempt number `attempt` (1 = the first delivery)
 * failed at `now`, or `null` to give up and mark the delivery failed (it stays
 * replayable). A `Retry-After` longer than the backoff is honoured, but never past the
 * end of the three-day window: then the last try happens at the window's end.
 */
export function nextAttemptAt(
  attempt: number,
  firstAttemptAt: Date,
  now: Date,
  random: () => number,
  retryAfterMs?: number,
): Date | null {
  const backoff = retryDelayMs(attempt, random);
  const deadline = firstAttemptAt.getTime() + MAX_DELIVERY_WINDOW_MS;
  const earliest = now.getTime() + backoff;
  if (earliest > deadline) return null;
  // NaN and negative values fail the comparison and leave the backoff in charge.
  const wanted = retryAfterMs !== undefined && retryAfterMs > backoff ? now.getTime() + retryAfterMs : earliest;
  return new Date(Math.min(wanted, deadline));
}
