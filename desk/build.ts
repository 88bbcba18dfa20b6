/**
 * Builds the risk desk and the API reference page into a set of static assets: the desk's
 * script and stylesheet (Preact, htm, uPlot, bundled and minified by esbuild), Redoc's
 * standalone bundle from npm, and the two HTML pages that load them. Nothing is fetched
 * from another origin at run time: the pages work offline and under a CSP of 'self'.
 *
 * Asset names carry a hash of their content, so they are cached for good; the pages are not.
 *
 *   npx tsx desk/build.ts --outdir DIR    writes the assets (the API Lambda's bundling hook)
 *   buildDesk()                           the same, in memory (npm start, tests)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { DESK_MANIFEST, type DeskAsset, type DeskAssets, type DeskManifest } from '../functions/api/desk-assets.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Redoc 2.x's self-contained browser bundle (React, styled-components and all): the reference page's only script. */
const REDOC_BUNDLE = require.resolve('redoc/bundles/redoc.standalone.js');

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
};

function contentType(name: string): string {
  return TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
}

function hashed(name: string, body: Uint8Array): string {
  const dot = name.lastIndexOf('.');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return `${name.slice(0, dot)}-${hash}${name.slice(dot)}`;
}

/** The desk's and the reference page's assets, in memory: page paths and hashed asset paths to bodies. */
export async function buildDesk(): Promise<DeskAssets> {
  const result = await build({
    entryPoints: { desk: join(HERE, 'src/main.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    outdir: '/desk-out',
    legalComments: 'none',
    tsconfig: join(HERE, 'tsconfig.json'),
    logLevel: 'warning',
  });
  const assets = new Map<string, DeskAsset>();
  const add = (name: string, body: Uint8Array): string => {
    const path = `/desk/assets/${hashed(name, body)}`;
    assets.set(path, { body, type: contentType(name), immutable: true });
    return path;
  };
  const files = Object.fromEntries(result.outputFiles.map((f) => [basename(f.path), f.contents]));
  const script = add('desk.js', files['desk.js']!);
  const style = add('desk.css', files['desk.css']!);
  const redoc = add('redoc.standalone.js', redocBundle());
  const docsStyle = add('docs.css', new TextEncoder().encode('body { margin: 0; }\n'));
  const page = (html: string): DeskAsset => ({ body: new TextEncoder().encode(html), type: contentType('.html'), immutable: false });
  assets.set('/desk', page(deskPage(script, style)));
  assets.set('/docs', page(docsPage(redoc, docsStyle)));
  return assets;
}

/**
 * Redoc's bundle, with the one thing it would fetch from elsewhere (the footer's logo, from
 * Redocly's CDN) replaced by a blank image: the page stays offline and inside its CSP.
 */
function redocBundle(): Uint8Array {
  const source = readFileSync(REDOC_BUNDLE, 'utf8');
  const logo = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
  if (!source.includes(logo)) throw new Error(`Redoc's bundle no longer loads ${logo}: check what else it fetches before updating desk/build.ts`);
  return new TextEncoder().encode(source.replaceAll(logo, 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E'));
}

/** An HTML page: its title, what goes in its head after the stylesheet, and its body. */
function htmlPage(title: string, style: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="stylesheet" href="${style}">${head}
</head>
<body>
  ${body}
</body>
</html>
`;
}

function deskPage(script: string, style: string): string {
  return htmlPage('Softland risk desk', style, `\n  <script type="module" src="${script}"></script>`, '<div id="desk"><noscript>The risk desk needs JavaScript.</noscript></div>');
}

/** The reference page: Redoc reading /openapi.json, configured by attributes (no inline script). */
function docsPage(redoc: string, style: string): string {
  return htmlPage(
    'Softland API reference',
    style,
    '',
    `<redoc spec-url="/openapi.json" hide-download-button="false"></redoc>
  <noscript>This page renders <a href="/openapi.json">the OpenAPI document</a> with JavaScript.</noscript>
  <script src="${redoc}"></script>`,
  );
}

/** Writes `assets` to `dir` with a manifest the API reads them back by (readDeskAssets). */
export function writeDeskAssets(assets: DeskAssets, dir: string): void {
  const manifest: DeskManifest = {};
  for (const [path, asset] of assets) {
    const file = path === '/desk' || path === '/docs' ? `${path.slice(1)}.html` : basename(path);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), asset.body);
    manifest[path] = { file, type: asset.type, immutable: asset.immutable };
  }
  writeFileSync(join(dir, DESK_MANIFEST), JSON.stringify(manifest, null, 2));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  if (!values.outdir) throw new Error('usage: tsx desk/build.ts --outdir DIR');
  writeDeskAssets(await buildDesk(), values.outdir);
}
