import type { Assessment } from './schemas/assessment.ts';
import { InvalidInputError } from './schemas/errors.ts';
import { fieldPath } from './schemas/fields.ts';
import { profileIssues, SnapshotSchema, type Snapshot } from './schemas/snapshot.ts';
import { validate } from './schemas/validate.ts';
import { assess, type AssessOptions } from './risk/assess.ts';
import type { RiskProfile } from './risk/profile-schema.ts';
import { newId } from './ids.ts';

/**
 * A snapshot from outside, validated and assessed: the one validate-then-assess path of
 * `softland assess` (the built-in profile the snapshot names) and of a registered account's
 * assessment by a sweep, a fill or the accounts routes (shared/sweeps/account-assessment.ts:
 * the tenant's resolved profile and the forecasts its grids need). POST /v1/assessments does
 * not come here: zod-openapi has validated its body, and its route calls `assess` itself (or
 * the local server's thread pool) with the profile it resolved.
 */

/**
 * Throws InvalidInputError naming each collateral entry `profile` refuses (profileIssues:
 * not accepted, or, when the book comes with a market, not priced there).
 */
export function assertProfileAccepts(book: Parameters<typeof profileIssues>[0], profile: RiskProfile): void {
  const issues = profileIssues(book, profile);
  if (issues.length > 0) throw new InvalidInputError(issues.map((i) => ({ field: fieldPath(i.path), message: i.message })));
}

/**
 * `input` validated as a snapshot (SnapshotSchema checks a built-in profile's rules) and,
 * when the caller resolved its profile (a tenant's own), checked against that profile.
 * Throws InvalidInputError naming the failing fields.
 */
export function validSnapshot(input: unknown, profile?: RiskProfile): Snapshot {
  const snapshot = validate(SnapshotSchema, input);
  if (profile) assertProfileAccepts(snapshot, profile);
  return snapshot;
}

/**
 * Validates a snapshot (as validSnapshot, with `options.profile`) and assesses it with
 * `options` (a fresh `asm_` id unless given). Throws InvalidInputError (schema, profile) or
 * RiskError (valuation), both naming the field.
 */
export function assessSnapshot(input: unknown, options: Partial<AssessOptions> = {}): Promise<Assessment> {
  return assess(validSnapshot(input, options.profile), { ...options, id: options.id ?? newId('asm') });
}
