import { createMiddleware } from 'hono/factory';
import { newId } from '../../../shared/ids.ts';
import type { ApiEnv } from '../env.ts';

/** Gives every request an id and returns it as `X-Request-Id` on every response, errors included. */
export const requestId = () =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const id = newId('req');
    c.set('requestId', id);
    await next();
    c.res.headers.set('X-Request-Id', id);
  });
