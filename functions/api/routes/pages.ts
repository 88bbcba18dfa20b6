import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { DeskAssetSource, DeskAssets } from '../desk-assets.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';

/**
 * What the pages may load: their own origin's scripts, styles and API, nothing else; no
 * inline script, no eval, no framing. Redoc (styled-components) writes its CSS into
 * `<style>` elements, so the reference page alone allows inline styles; scripts stay 'self'.
 */
const BASE_POLICY = ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:", "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"];
export const DESK_CSP = [...BASE_POLICY, "style-src 'self'"].join('; ');
/** Redoc's search index runs in a worker it starts from a blob: URL. */
export const DOCS_CSP = [...BASE_POLICY, "style-src 'self' 'unsafe-inline'", "worker-src 'self' blob:"].join('; ');

const PAGE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
} as const;

/**
 * The risk desk at /desk and the API reference at /docs, served from the assets bundled at
 * build time (desk/build.ts). They need no key: the desk asks for one and calls the API with it.
 */
export function pageRoutes(app: OpenAPIHono<ApiEnv>, source: DeskAssetSource | undefined): void {
  let loading: Promise<DeskAssets | undefined> | undefined;
  const serve = async (c: Context<ApiEnv>, path: string, csp: string) => {
    loading ??= source ? source() : Promise.resolve(undefined);
    const asset = (await loading)?.get(path);
    if (!asset) throw problems.routeNotFound(c.req.method, c.req.path);
    const cache = asset.immutable ? { 'Cache-Control': 'public, max-age=31536000, immutable' } : {};
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { ...PAGE_HEADERS, ...cache, 'Content-Type': asset.type, 'Content-Security-Policy': csp });
  };
  app.get('/desk', (c) => serve(c, '/desk', DESK_CSP));
  app.get('/desk/', (c) => c.redirect('/desk', 301));
  app.get('/desk/assets/:file', (c) => serve(c, c.req.path, DESK_CSP));
  app.get('/docs', (c) => serve(c, '/docs', DOCS_CSP));
}
