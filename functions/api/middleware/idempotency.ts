import { createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { IdempotencyStore, StoredResponse } from '../../../shared/store/idempotency.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Answers larger than this are not stored for replay; only their status is. */
const MAX_STORED_BODY = 200_000;

/**
 * `Idempotency-Key` on POST: the same key and body get the same answer, another body
 * gets 422, a request still running gets 409. A handler that records its answer may
 * complete the claim in the same write (`idempotencyCompleted`); otherwise the answer
 * is stored here, or the claim released when the request failed on our side.
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
    await next();
    if (c.get('idempotencyCompleted')) return;
    if (c.res.status >= 500) {
      await store.release(ref).catch(() => undefined);
      return;
    }
    const body = await c.res.clone().text();
    await store.complete(ref, { status: c.res.status, ...(body.length <= MAX_STORED_BODY ? { body } : {}) }).catch(() => store.release(ref).catch(() => undefined));
  });
