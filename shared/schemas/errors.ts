/** One problem with the input, as clients see it. */
export interface FieldIssue {
  /** Path of the failing field, e.g. `positions[3].markPrice`. */
  field: string;
  message: string;
}

/** The input does not satisfy the schema; `issues` names every failing field. */
export class InvalidInputError extends Error {
  readonly code = 'invalid_request';
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[], options?: { cause?: unknown }) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '), options);
    this.name = 'InvalidInputError';
    this.issues = issues;
  }
}
