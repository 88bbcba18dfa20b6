/**
 * `npm run openapi`: writes openapi/openapi.json, the OpenAPI 3.1 document of the API
 * generated from the routes' zod schemas (exactly what `GET /openapi.json` serves), and
 * the TypeScript client types generated from it, openapi/client/schema.d.ts.
 *
 * `npm run openapi:check` (`--check`) writes nothing and exits 1 when either committed
 * file differs from what would be generated.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { createApp } from '../functions/api/app.ts';
import { openApiDocument } from '../functions/api/openapi-document.ts';
import { createDynamoClient } from '../shared/store/client.ts';
import { createStores } from '../shared/store/index.ts';
import { tableNames } from '../shared/store/tables.ts';

const ROOT = new URL('../', import.meta.url);
const DOCUMENT = 'openapi/openapi.json';
const CLIENT_TYPES = 'openapi/client/schema.d.ts';

/** The API's document: the stores are never called, only the routes matter (port 9 is a dead end). */
function generateDocument(): ReturnType<typeof openApiDocument> {
  const db = createDynamoClient({ endpoint: 'http://127.0.0.1:9' });
  try {
    return openApiDocument(createApp({ stores: createStores(db, tableNames('softland-')) }));
  } finally {
    db.destroy();
  }
}

/**
 * The client's types from the document's JSON text (parsed afresh, as the CLI reads the file): byte
 * for byte what `openapi-typescript openapi/openapi.json -o openapi/client/schema.d.ts
 * --default-non-nullable false` writes. A field with a default stays optional (`profile?` in a
 * snapshot, `limit?` in a query): the server fills it in, so a client need not send it.
 */
async function generateClientTypes(documentJson: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(documentJson) as OpenAPI3, { defaultNonNullable: false, silent: true });
  return COMMENT_HEADER + astToString(ast);
}

function readCommitted(path: string): string | undefined {
  try {
    return readFileSync(new URL(path, ROOT), 'utf8');
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } }, strict: true });
  // Two-space JSON, keys in the order the generator emits them, trailing newline.
  const documentJson = `${JSON.stringify(generateDocument(), null, 2)}\n`;
  const files: Array<[path: string, contents: string]> = [
    [DOCUMENT, documentJson],
    [CLIENT_TYPES, await generateClientTypes(documentJson)],
  ];

  if (values.check) {
    let stale = 0;
    for (const [path, contents] of files) {
      const committed = readCommitted(path);
      if (committed === contents) continue;
      console.error(`${path} is ${committed === undefined ? 'missing' : 'stale'}: run npm run openapi`);
      stale++;
    }
    if (stale === 0) console.log(`${files.map(([p]) => p).join(' and ')} are up to date`);
    return stale === 0 ? 0 : 1;
  }

  for (const [path, contents] of files) {
    const url = new URL(path, ROOT);
    mkdirSync(new URL('.', url), { recursive: true });
    writeFileSync(url, contents);
    console.log(`wrote ${path}`);
  }
  return 0;
}

process.exitCode = await main();
