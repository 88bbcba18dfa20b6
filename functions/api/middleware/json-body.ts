import { createMiddleware } from 'hono/factory';
import { assertNoForbiddenKeys } from '../../../shared/schemas/validate.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * For requests with a body: JSON content type (415), parsable JSON (400), no
 * prototype-polluting keys (400). Keeps the raw text for the idempotency hash.
 * An empty body is read as `{}`.
 */
export const jsonBody = () =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const type = c.req.header('Content-Type');
    const raw = await c.req.text();
    // No body at all, whatever the content type says (generated clients send `Content-Type:
    // application/json` with an empty body for an optional one): an empty object. A route whose
    // body is required then names the fields it misses.
    if (raw.trim() === '') {
      // With a JSON content type the route's validator reads the body again, through Hono's
      // cache of the text (a promise at run time, whatever its type says); without one it
      // reads nothing, and must find no body.
      if (type) (c.req.bodyCache as Record<string, unknown>)['text'] = Promise.resolve('{}');
      c.set('rawBody', '');
      c.set('body', {});
      return next();
    }
    if (!type || !JSON_TYPE.test(type)) throw problems.unsupportedMediaType(type);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      throw problems.malformedJson((error as Error).message);
    }
    c.set('rawBody', raw);
    assertNoForbiddenKeys(body);
    c.set('body', body);
    await next();
  });
