import { createMiddleware } from 'hono/factory';
import type { RateLimitStore } from '../../../shared/store/rate-limits.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';

/** Per-tenant limit after authentication: 429 with Retry-After once the tenant's second is spent. */
export const tenantRateLimit = (store: RateLimitStore, perSecond: number) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    if (!(await store.take(c.get('tenantId'), new Date(), perSecond))) throw problems.rateLimited(perSecond);
    await next();
  });
