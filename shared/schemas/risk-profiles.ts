import { z } from 'zod';
import { RiskProfileSchema } from '../risk/profile.ts';
import { listOf } from './api.ts';
import { Identifier, Timestamp } from './fields.ts';

/** Risk profiles as the API shows them (docs/risk-profiles.md): built-in ones, and versions of a tenant's own. */

/** Most profile names one tenant may keep (each with any number of versions). */
export const MAX_RISK_PROFILES = 50;

export const RiskProfileOutSchema = RiskProfileSchema.meta({ id: 'RiskProfile' });

export const RiskProfileVersionSchema = z
  .object({
    object: z.literal('risk_profile'),
    name: z.string(),
    /** The version (1, 2, …) of a tenant's profile; null for a built-in one. */
    version: z.number().int().positive().nullable(),
    /** Built-in profiles are read-only; they change only with a release. */
    builtIn: z.boolean(),
    /** The profile this version was made from (`extends`); null for a built-in. */
    extends: z.string().nullable(),
    description: z.string().nullable(),
    /** Every parameter the engine uses, as merged from the base and the spec. */
    profile: RiskProfileOutSchema,
    createdAt: Timestamp.nullable(),
  })
  .meta({ id: 'RiskProfileVersion' });

export const RiskProfilePublishedSchema = RiskProfileVersionSchema.extend({
  /** The sweep re-assessing the tenant's registered accounts with the new version; null when none started (no market data yet, or nothing changed). */
  reassessment: z.object({ sweepId: z.string() }).nullable(),
}).meta({ id: 'RiskProfilePublished' });

export const RiskProfileListSchema = listOf(RiskProfileVersionSchema, 'RiskProfileList');

export const RiskProfileParams = z.object({
  name: Identifier.meta({ param: { name: 'name', in: 'path' }, example: 'conservative' }),
});

export const RiskProfileVersionParams = RiskProfileParams.extend({
  version: z.coerce
    .number({ error: 'must be a whole number from 1' })
    .int('must be a whole number from 1')
    .min(1, 'must be a whole number from 1')
    .max(1e9, 'must be a whole number from 1')
    .meta({ param: { name: 'version', in: 'path' }, example: 2 }),
});
