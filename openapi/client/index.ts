/**
 * The typed Softland client: openapi-fetch over the types generated from
 * openapi/openapi.json (schema.d.ts, written by `npm run openapi`; never edit it),
 * and the webhook payload types and signature check (webhooks.ts).
 *
 *   const softland = createSoftlandClient({ baseUrl: 'http://localhost:3000', apiKey: 'sk_…' });
 *   const { data, error, response } = await softland.POST('/v1/assessments', { body: snapshot });
 *   const event = verifyWebhook(secret, req.headers, rawBody);   // a WebhookEvent, by `type`
 *
 * Published as the package `@softland/client` (package.json beside this file; built by
 * `npm run sdk:build`, scripts/sdk-build.ts). Inside this repository, import this file.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths, webhooks } from './schema.d.ts';

export type { components, operations, paths, webhooks };
export * from './webhooks.ts';
export type SoftlandClient = Client<paths>;

export interface SoftlandClientOptions {
  /** The API's origin, e.g. http://localhost:3000 (no /v1: paths carry it). */
  readonly baseUrl: string;
  /** A secret key (sk_…), sent as `Authorization: Bearer <key>` on every request. */
  readonly apiKey: string;
  /** Another fetch (tests, retries, proxies); default the global one. */
  readonly fetch?: ClientOptions['fetch'];
}

export function createSoftlandClient({ baseUrl, apiKey, fetch }: SoftlandClientOptions): SoftlandClient {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` }, ...(fetch ? { fetch } : {}) });
}
