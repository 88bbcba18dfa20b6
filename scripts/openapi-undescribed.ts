/**
 * `tsx scripts/openapi-undescribed.ts`: lists the properties of the API's OpenAPI document
 * that carry no description (functions/api/openapi-descriptions.test.ts fails on any).
 */
import { pathToFileURL } from 'node:url';

type Schema = Record<string, unknown>;

/**
 * Every property of every schema in the document that carries no description: generated SDKs
 * show integrators these descriptions, so a field without one is undocumented. A property that
 * is a reference to a component is described by the component (which must have a description).
 */
export interface DocumentParts {
  components?: { schemas?: Record<string, Schema> };
  paths?: Record<string, unknown>;
  webhooks?: Record<string, unknown>;
}

export function undescribed(document: DocumentParts): string[] {
  const missing: string[] = [];
  const isRef = (s: Schema) => typeof s['$ref'] === 'string' || (Array.isArray(s['anyOf']) && (s['anyOf'] as Schema[]).some((x) => typeof x['$ref'] === 'string'));
  const walk = (schema: unknown, path: string): void => {
    if (typeof schema !== 'object' || schema === null) return;
    const s = schema as Schema;
    const properties = s['properties'] as Record<string, Schema> | undefined;
    for (const [name, property] of Object.entries(properties ?? {})) {
      if (!isRef(property) && typeof property['description'] !== 'string') missing.push(`${path}.${name}`);
      walk(property, `${path}.${name}`);
    }
    if (s['items']) walk(s['items'], `${path}[]`);
    if (typeof s['additionalProperties'] === 'object') walk(s['additionalProperties'], `${path}{}`);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) for (const part of (s[key] as unknown[] | undefined) ?? []) walk(part, path);
  };
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    if (typeof schema['description'] !== 'string') missing.push(`${name} (the component)`);
    walk(schema, name);
  }
  // Inline schemas of parameters, bodies and answers.
  const inline = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'schema') walk(value, path);
      else inline(value, `${path}/${key}`);
    }
  };
  inline(document.paths, 'paths');
  inline(document.webhooks, 'webhooks');
  return missing;
}


if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { createDynamoClient } = await import('../shared/store/client.ts');
  const { createStores } = await import('../shared/store/index.ts');
  const { tableNames } = await import('../shared/store/tables.ts');
  const { createApp } = await import('../functions/api/app.ts');
  const { openApiDocument } = await import('../functions/api/openapi-document.ts');
  const db = createDynamoClient({ endpoint: 'http://127.0.0.1:9' });
  const missing = undescribed(openApiDocument(createApp({ stores: createStores(db, tableNames('softland-')) })) as DocumentParts);
  db.destroy();
  console.log(missing.join('\n'));
  console.log(`${missing.length} without a description`);
}
