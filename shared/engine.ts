import type { Assessment } from './schemas/assessment.ts';
import { SnapshotSchema } from './schemas/snapshot.ts';
import { validate } from './schemas/validate.ts';
import { assess } from './risk/assess.ts';
import { newId } from './ids.ts';

/**
 * Validates a snapshot and assesses it: what the CLI prints and the API returns.
 * Throws InvalidInputError (schema) or RiskError (valuation), both naming the field.
 */
export function assessSnapshot(input: unknown, id: string = newId('asm')): Promise<Assessment> {
  return assess(validate(SnapshotSchema, input), { id });
}
