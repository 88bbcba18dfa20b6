/**
 * Nullability in the one form every client generator reads right. zod-to-openapi writes a
 * nullable field as `type: [T, "null"]` (and a nullable reference as `allOf: [$ref,
 * { type: [object, null] }]`, which null cannot pass); openapi-typescript-codegen and
 * swagger-typescript-api drop the null from such enums, objects and references, so a null
 * the server sends would be a crash in their clients. `anyOf: [T, { type: "null" }]` is read
 * as `T | null` by openapi-typescript, openapi-typescript-codegen and swagger-typescript-api
 * alike (test/generators.e2e.test.ts) and validates the same values. A component schema that
 * is itself nullable becomes non-null, and every reference to it `anyOf: [$ref, null]`.
 */

type Node = Record<string, unknown>;

const NULL_SCHEMA = { type: 'null' } as const;
/** Annotations that describe the field, kept on the outer schema where generators read them. */
const ANNOTATIONS = new Set(['description', 'title', 'default', 'example', 'examples', 'deprecated', 'readOnly', 'writeOnly']);

export function withPortableNulls<T extends object>(document: T): T {
  const doc = structuredClone(document) as Node;
  const components = (doc['components'] as Node | undefined)?.['schemas'] as Record<string, Node> | undefined;
  const nullableRefs = new Set<string>();
  for (const [name, schema] of Object.entries(components ?? {})) {
    if (!nullableType(schema)) continue;
    components![name] = withoutNull(schema);
    nullableRefs.add(`#/components/schemas/${name}`);
  }
  return rewrite(doc, nullableRefs) as T;
}

function rewrite(node: unknown, nullableRefs: ReadonlySet<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, nullableRefs));
  if (node === null || typeof node !== 'object') return node;
  const schema = node as Node;

  // allOf: [$ref, { type: [object, null] }]: the reference, or null.
  const allOf = schema['allOf'];
  if (Array.isArray(allOf) && allOf.length === 2 && isRef(allOf[0]) && isBareNullable(allOf[1])) {
    const { allOf: _, ...rest } = schema;
    return { ...mapValues(rest, nullableRefs), anyOf: [allOf[0], NULL_SCHEMA] };
  }
  if (isRef(schema) && nullableRefs.has(schema['$ref'] as string)) {
    const { $ref, ...annotations } = schema;
    return { ...annotations, anyOf: [{ $ref }, NULL_SCHEMA] };
  }
  if (nullableType(schema)) {
    const outer: Node = {};
    const inner: Node = {};
    for (const [key, value] of Object.entries(withoutNull(schema))) (ANNOTATIONS.has(key) ? outer : inner)[key] = value;
    return { ...outer, anyOf: [rewrite(inner, nullableRefs), NULL_SCHEMA] };
  }
  return mapValues(schema, nullableRefs);
}

function mapValues(schema: Node, nullableRefs: ReadonlySet<string>): Node {
  const out: Node = {};
  for (const [key, value] of Object.entries(schema)) out[key] = rewrite(value, nullableRefs);
  return out;
}

/** `type: [T, "null"]` (or `[T1, T2, "null"]`). */
function nullableType(schema: Node): boolean {
  const type = schema['type'];
  return Array.isArray(type) && type.includes('null') && type.length > 1;
}

/** The schema with null taken out of its type and its enum. */
function withoutNull(schema: Node): Node {
  const types = (schema['type'] as string[]).filter((t) => t !== 'null');
  const out: Node = { ...schema, type: types.length === 1 ? types[0] : types };
  if (Array.isArray(schema['enum'])) out['enum'] = (schema['enum'] as unknown[]).filter((v) => v !== null);
  return out;
}

function isRef(node: unknown): node is Node {
  return typeof node === 'object' && node !== null && typeof (node as Node)['$ref'] === 'string';
}

/** `{ type: [object, null] }` and nothing else: zod-to-openapi's way of making a reference nullable. */
function isBareNullable(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const keys = Object.keys(node);
  return keys.length === 1 && nullableType(node as Node);
}
