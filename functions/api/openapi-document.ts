import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './env.ts';
import { withPortableNulls } from './openapi-nulls.ts';
import { scopesInWords } from './openapi-parts.ts';

export const OPENAPI_INFO = {
  title: 'Softland',
  version: '0.1.0',
  description:
    'Partial-liquidation risk engine. Send a portfolio snapshot; get margin, marginRatio (equity / maintenance margin: ' +
    'the inverse of Binance\'s "margin ratio"), liquidation tier, Greeks, liquidation prices and the smallest liquidation ' +
    'slice that restores the target ratio.\n\nEvery error is an RFC 9457 problem (application/problem+json) with a stable ' +
    '`code`, the failing `errors[].field` paths and the `requestId` (also in the X-Request-Id header). A path or method that is ' +
    'not an operation below answers 404 `route_not_found`, as a Problem.\n\nA field that can be null says so in its type ' +
    '(`anyOf: [T, {type: null}]`): an account not yet assessed has `lastAssessment: null`, a healthy assessment `liquidation: null`.',
} as const;

/** Declares the bearer key scheme the routes refer to; once per app. */
export function registerSecurity(app: OpenAPIHono<ApiEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'Your secret API key (sk_…), as "Authorization: Bearer sk_…". Each key has a scope, set when it is created ' +
      `(\`softland key create TENANT --scope …\`): ${scopesInWords('admin', 'liquidator', 'read')}. ` +
      'A call outside the key\'s scope answers 403 `insufficient_scope`.',
  });
}

/** The OpenAPI 3.1 document of `app`, generated from its routes' zod schemas. */
export function openApiDocument(app: OpenAPIHono<ApiEnv>) {
  return withPortableNulls(app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { ...OPENAPI_INFO, license: { name: 'Proprietary', url: 'https://softland.dev/terms' } },
    servers: [{ url: 'http://localhost:3000', description: 'Local server (npm start)' }],
    tags: [
      { name: 'Assessments', description: 'Assess snapshots and read recorded assessments' },
      { name: 'Accounts', description: 'Register accounts for the scheduled sweeps' },
      { name: 'Market', description: 'Push the prices sweeps assess with' },
      { name: 'Sweeps', description: 'Re-assess every registered account' },
      { name: 'Webhooks', description: 'Endpoints that receive signed events when an account crosses a tier' },
      { name: 'Meta', description: 'Service health and documentation' },
    ],
  }));
}
