import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { HealthSchema } from '../../../shared/schemas/api.ts';
import type { ApiEnv } from '../env.ts';
import { OPENAPI_INFO, openApiDocument } from '../openapi-document.ts';
import { jsonContent } from './openapi.ts';

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

/** /health, /openapi.json and /docs: no authentication. */
export function metaRoutes(app: OpenAPIHono<ApiEnv>): void {
  app.openapi(health, (c) => c.json({ status: 'ok' as const, version: OPENAPI_INFO.version }, 200));
  app.get('/openapi.json', (c) => c.json(openApiDocument(app)));
  app.get('/docs', (c) => c.html(DOCS_HTML));
}

/** The reference page: Redoc rendering /openapi.json. */
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${OPENAPI_INFO.title} API reference</title>
  <style>body { margin: 0; }</style>
</head>
<body>
  <redoc spec-url="/openapi.json" hide-download-button="false"></redoc>
  <noscript>This page renders <a href="/openapi.json">the OpenAPI document</a> with JavaScript.</noscript>
  <script src="https://cdn.redoc.ly/redoc/v2.5.0/bundles/redoc.standalone.js"></script>
</body>
</html>
`;
