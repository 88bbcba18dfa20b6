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

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message }));
}

/** Throws an InvalidInputError naming every `__proto__`, `constructor` or `prototype` key in `input`. */
export function assertNoForbiddenKeys(input: unknown): void {
  const forbidden = [...forbiddenKeys(input, [])];
  if (forbidden.length > 0) throw new InvalidInputError(forbidden);
}

function* forbiddenKeys(value: unknown, path: PropertyKey[]): Generator<FieldIssue> {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* forbiddenKeys(value[i], [...path, i]);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) yield { field: fieldPath([...path, key]), message: `"${key}" is not allowed as a key` };
    else yield* forbiddenKeys((value as Record<string, unknown>)[key], [...path, key]);
  }
}
