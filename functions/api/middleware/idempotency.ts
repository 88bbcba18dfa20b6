import { createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { EXTEND_EVERY_MS, LOCK_SECONDS, type IdempotencyRef, type IdempotencyStore, type StoredResponse } from '../../../shared/store/idempotency.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on POST: the same key and body get the same answer, another body
 * gets 422, a request still running gets 409. A handler that records its answer may
 * complete the claim in the same write (`idempotencyCompleted`); otherwise the answer
 * is stored here, or the claim released when the answer invites a retry.
 */
export const idempotency = (store: IdempotencyStore, replay: (c: Context<ApiEnv>, stored: StoredResponse) => Promise<Response>) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const key = c.req.header('Idempotency-Key');
    c.set('idempotency', undefined);
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw problems.invalidRequest([{ field: 'Idempotency-Key', message: 'must be 1–255 printable ASCII characters' }]);
    }
    const ref = {
      tenantId: c.get('tenantId'),
      key,
      requestHash: createHash('sha256').update(`${c.req.method} ${c.req.path}\n`).update(c.get('rawBody')).digest('hex'),
    };
    const claim = await store.claim(ref);
    if (claim.state === 'mismatch') throw problems.idempotencyKeyReused();
    if (claim.state === 'in_progress') throw problems.idempotencyInProgress();
    if (claim.state === 'completed') {
      const res = await replay(c, claim.response);
      res.headers.set('Idempotent-Replayed', 'true');
      return res;
    }

    c.set('idempotency', ref);
    c.set('idempotencyCompleted', false);
    // A long request keeps its claim; one that dies stops extending it, and it lapses.
    const heartbeat = setInterval(() => void store.extend(ref).catch(() => undefined), EXTEND_EVERY_MS);
    heartbeat.unref();
    try {
      await next();
    } finally {
      clearInterval(heartbeat);
    }
    if (c.get('idempotencyCompleted')) return;
    if (invitesRetry(c.res)) {
      await releaseSoon(store, ref);
      return;
    }
    // An answer too large to store even compressed is not kept: the key is released, as on any failure to store.
    const answer = { status: c.res.status, body: withoutSecret(await c.res.clone().text()) };
    await store.complete(ref, answer).catch(() => store.release(ref).catch(() => undefined));
  });

/**
 * Releases a failed request's claim. When the database is away (the very reason for a
 * 503), the release is tried again in the background every half second until it lands or
 * the claim lapses on its own, so the client's retry runs as soon as the database is back.
 */
async function releaseSoon(store: IdempotencyStore, ref: IdempotencyRef): Promise<void> {
  if (await store.release(ref).then(() => true, () => false)) return;
  const until = Date.now() + LOCK_SECONDS * 1_000;
  const again = () => {
    const timer = setTimeout(() => {
      store.release(ref).then(
        () => undefined,
        () => (Date.now() < until ? again() : undefined),
      );
    }, 500);
    timer.unref();
  };
  again();
}

/**
 * The answer as kept for replay: a signing secret (`secret`, shown once, in the answer that
 * creates or rotates it) is never stored — a replay answers the same object without it.
 */
export function withoutSecret(body: string): string {
  if (!body.includes('"secret"')) return body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('secret' in parsed)) return body;
    const { secret: _secret, ...rest } = parsed as Record<string, unknown>;
    return JSON.stringify(rest);
  } catch {
    return body;
  }
}

/**
 * Answers that ask the client to retry: 5xx (failed on our side), and 409 or 429 with
 * `Retry-After` (a concurrent change, throttling). Storing one would replay the refusal to
 * the very retry it invites, forever; releasing the claim lets the retry run. A 409 that
 * no retry changes (`delivery_not_failed`) is stored like any answer.
 */
function invitesRetry(res: Response): boolean {
  return res.status >= 500 || ((res.status === 409 || res.status === 429) && res.headers.has('Retry-After'));
}
