import type { z } from 'zod';
import { InvalidInputError, type FieldIssue } from './errors.ts';
import { fieldPath } from './fields.ts';

/** Keys that would reach an object's prototype when copied; refused wherever they appear. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses `input` with `schema`, or throws an InvalidInputError naming every failing field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  assertNoForbiddenKeys(input);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(toFieldIssues(result.error), { cause: result.error });
}

/** One issue per failing field, named by its path (`positions[3].markPrice`). */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap(fieldIssuesOf);
}

/**
 * zod reports unknown keys once, at the object that holds them; clients need the
 * unknown field itself (`positions[0].leverage`, not `positions[0]`), so each key
 * becomes its own issue.
 */
function fieldIssuesOf(issue: z.core.$ZodIssue): FieldIssue[] {
  if (issue.code !== 'unrecognized_keys') return [{ field: fieldPath(issue.path), message: issue.message }];
  return issue.keys.map((key) => ({ field: fieldPath([...issue.path, key]), message: 'is not a known field' }));
}

/** Deeper than any request of this API; deeper input is refused rather than walked. */
const MAX_DEPTH = 32;

/**
 * Throws an InvalidInputError naming every `__proto__`, `constructor` or `prototype` key
 * in `input`, or the place where it nests deeper than 32 levels. Iterative, so hostile
 * nesting cannot exhaust the stack.
 */
export function assertNoForbiddenKeys(input: unknown): void {
  const issues: FieldIssue[] = [];
  // Each entry links to its parent, so paths are built only for the (rare) failures.
  const stack: Node[] = [{ value: input, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const value = node.value;
    if (value === null || typeof value !== 'object') continue;
    if (node.depth >= MAX_DEPTH) {
      throw new InvalidInputError([{ field: fieldPath(pathOf(node)), message: `nests deeper than ${MAX_DEPTH} levels` }]);
    }
    const depth = node.depth + 1;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: node, depth });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) issues.push({ field: fieldPath([...pathOf(node), key]), message: `"${key}" is not allowed as a key` });
      else stack.push({ value: (value as Record<string, unknown>)[key], key, parent: node, depth });
    }
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
}

interface Node {
  readonly value: unknown;
  readonly key: PropertyKey | undefined;
  readonly parent: Node | undefined;
  readonly depth: number;
}

function pathOf(node: Node): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) path.unshift(n.key);
  return path;
}
