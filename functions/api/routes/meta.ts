import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Stores } from '../../../shared/store/index.ts';
import type { ApiEnv } from '../env.ts';
import { OPENAPI_INFO, openApiDocument } from '../openapi-document.ts';
import { ProblemSchema } from '../schemas/common.ts';
import { HealthSchema, ReadinessSchema } from '../schemas/meta.ts';
import { jsonContent } from '../openapi-parts.ts';

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags: ['Meta'],
  summary: 'Liveness',
  // A load balancer's probe: explicitly no key.
  security: [],
  responses: { 200: { description: 'The service is up', content: jsonContent(HealthSchema) } },
});

const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  operationId: 'getReadiness',
  tags: ['Meta'],
  summary: 'Readiness: the service and its database',
  description: 'Reads DynamoDB once: 200 when it answers, 503 problem+json (`service_unavailable`) when it does not. `/health` only says the process is up.',
  security: [],
  responses: {
    200: { description: 'The service can serve requests', content: jsonContent(ReadinessSchema) },
    503: { description: 'The database does not answer', content: { 'application/problem+json': { schema: ProblemSchema } } },
  },
});

/** /health, /health/ready and /openapi.json: no authentication. */
export function metaRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores): void {
  app.openapi(health, (c) => c.json({ status: 'ok' as const, version: OPENAPI_INFO.version }, 200));
  app.openapi(ready, async (c) => {
    await stores.apiKeys.reachable(); // a StoreUnavailableError answers 503 service_unavailable
    return c.json({ status: 'ok' as const, version: OPENAPI_INFO.version, database: 'ok' as const }, 200);
  });
  app.get('/openapi.json', (c) => c.json(openApiDocument(app)));
}
