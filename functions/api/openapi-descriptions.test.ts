import { describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../shared/store/client.ts';
import { createStores } from '../../shared/store/index.ts';
import { tableNames } from '../../shared/store/tables.ts';
import { createApp } from './app.ts';
import { openApiDocument } from './openapi-document.ts';
import { undescribed, type DocumentParts } from '../../scripts/openapi-undescribed.ts';

describe('the OpenAPI document', () => {
  const db = createDynamoClient({ endpoint: 'http://127.0.0.1:9' });
  const document = openApiDocument(createApp({ stores: createStores(db, tableNames('softland-')) }));
  db.destroy();

  it('describes every property of every schema (units, sign, range, what null means)', () => {
    expect(undescribed(document as DocumentParts)).toEqual([]);
  });

  it('finds a property without a description', () => {
    const doc = { components: { schemas: { X: { description: 'x', type: 'object', properties: { a: { type: 'number' }, b: { type: 'number', description: 'b' }, c: { $ref: '#/components/schemas/Y' } } } } } };
    expect(undescribed(doc)).toEqual(['X.a']);
  });
});
