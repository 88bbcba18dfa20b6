import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDesk } from '../../../desk/build.ts';
import { createStores } from '../../../shared/store/index.ts';
import { createDynamoClient } from '../../../shared/store/client.ts';
import { tableNames } from '../../../shared/store/tables.ts';
import { createApp } from '../app.ts';
import type { DeskAssets } from '../desk-assets.ts';
import { DESK_CSP, DOCS_CSP } from './pages.ts';

let assets: DeskAssets;
// The pages read no table: a store that is never reached will do.
const app = createApp({ stores: createStores(createDynamoClient({ endpoint: 'http://127.0.0.1:9' }), tableNames('pages-')), pages: async () => assets });

beforeAll(async () => {
  assets = await buildDesk();
});

const assetPaths = (html: string) => [...html.matchAll(/(?:src|href)="(\/desk\/assets\/[^"]+)"/g)].map((m) => m[1]!);

describe('the desk and the reference page, from bundled assets', () => {
  it('serves /desk without a key, under a CSP that allows only its own origin and no inline script', async () => {
    const res = await app.request('/desk');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('Cache-Control')).toBe('no-cache');
    const csp = res.headers.get('Content-Security-Policy')!;
    expect(csp).toBe(DESK_CSP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await res.text();
    expect(html).not.toMatch(/<script>|style=/); // nothing inline
    expect(assetPaths(html)).toHaveLength(2);
  });

  it('serves every asset a page names, cached for good (their names carry their hash)', async () => {
    for (const page of ['/desk', '/docs']) {
      for (const path of assetPaths(await (await app.request(page)).text())) {
        const res = await app.request(path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
        expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
      }
    }
  });

  it('serves /docs (Redoc) with its own CSP: inline styles for styled-components, scripts still only its own', async () => {
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Security-Policy')).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("script-src 'self';");
    expect(await res.text()).toContain('spec-url="/openapi.json"');
  });

  it('answers 404 problems for an asset it does not have', async () => {
    const res = await app.request('/desk/assets/desk-000000000000.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  });

  it("keeps the desk's script within its budget (200 KB gzipped) and loading nothing from elsewhere", () => {
    const script = [...assets].find(([path]) => /\/desk-[0-9a-f]{12}\.js$/.test(path))![1];
    expect(gzipSync(script.body).length).toBeLessThan(200 * 1024);
    const text = new TextDecoder().decode(script.body);
    // No URL of another origin the desk could fetch (namespace URIs of SVG are not fetched).
    expect(text.match(/https?:\/\/[^"'`\s)]+/g)?.filter((u) => !u.startsWith('http://www.w3.org/')) ?? []).toEqual([]);
  });
});
