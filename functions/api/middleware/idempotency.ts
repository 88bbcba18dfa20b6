import { createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { StoredBodyTooLargeError, type IdempotencyRef, type IdempotencyStore, type StoredResponse } from '../../../shared/store/idempotency.ts';
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
    await next();
    if (c.get('idempotencyCompleted')) return;
    if (invitesRetry(c.res.status)) {
      await store.release(ref).catch(() => undefined);
      return;
    }
    await storeAnswer(c, store, ref).catch(() => store.release(ref).catch(() => undefined));
  });

/**
 * Answers that ask the client to retry: 5xx (failed on our side), 409 (a concurrent
 * change, `Retry-After`) and 429 (throttled). Storing one would replay the refusal to
 * the very retry it invites, forever; releasing the claim lets the retry run.
 */
function invitesRetry(status: number): boolean {
  return status >= 500 || status === 409 || status === 429;
}

/**
 * Stores the answer for replay. A problem too large to store even compressed (thousands
 * of long field names) is stored compacted, and the client gets that compact problem now
 * too, so the first answer and every replay say the same.
 */
async function storeAnswer(c: Context<ApiEnv>, store: IdempotencyStore, ref: IdempotencyRef): Promise<void> {
  const status = c.res.status;
  const body = await c.res.clone().text();
  try {
    await store.complete(ref, { status, body });
  } catch (error) {
    if (!(error instanceof StoredBodyTooLargeError) || !isProblem(c.res)) throw error;
    const compact = compactProblem(body);
    await store.complete(ref, { status, body: compact });
    c.res = new Response(compact, c.res);
  }
}

const isProblem = (res: Response) => /^application\/problem\+json/.test(res.headers.get('Content-Type') ?? '');

/** The compact problem's `errors` stop at about this many characters; it then fits a record uncompressed. */
const COMPACT_ERRORS_CHARS = 100_000;
/** A `detail` longer than this is cut: for invalid requests it repeats `errors`. */
const COMPACT_DETAIL_CHARS = 1_000;

/**
 * The problem with `errors` cut to fit (the count of the rest in `errorsOmitted`) and a
 * long `detail` shortened; every other member as it was.
 */
export function compactProblem(body: string): string {
  const problem = JSON.parse(body) as { detail?: string; errors?: unknown[] };
  const errors = problem.errors ?? [];
  const kept = leadingWithin(errors, COMPACT_ERRORS_CHARS);
  const detail = problem.detail ?? '';
  return JSON.stringify({
    ...problem,
    ...(detail.length > COMPACT_DETAIL_CHARS ? { detail: `${detail.slice(0, COMPACT_DETAIL_CHARS)}…` } : {}),
    ...(problem.errors ? { errors: kept, errorsOmitted: errors.length - kept.length } : {}),
  });
}

/** The longest prefix of `items` whose JSON takes at most `chars` characters. */
function leadingWithin<T>(items: readonly T[], chars: number): T[] {
  let used = 0;
  let n = 0;
  for (; n < items.length; n++) {
    used += JSON.stringify(items[n]).length + 1;
    if (used > chars) break;
  }
  return items.slice(0, n);
}
