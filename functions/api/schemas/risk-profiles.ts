import { z } from 'zod';
import { RiskProfileSchema } from '../../../shared/risk/profile-schema.ts';
import { Identifier, Timestamp } from '../../../shared/schemas/fields.ts';

/** Risk profiles as the API shows them (docs/risk-profiles.md): built-in ones, and versions of a tenant's own. */

/** Most profile names one tenant may keep (each with any number of versions). */
export const MAX_RISK_PROFILES = 50;

export const RiskProfileOutSchema = RiskProfileSchema.meta({
  id: 'RiskProfile',
  description:
    'Every parameter the engine uses for an account: the margin model and its parameters, collateral haircuts, tier thresholds, the liquidation target and policy, market data checks and alert hysteresis (docs/risk-profiles.md).',
});

export const RiskProfileVersionSchema = z
  .object({
    object: z.literal('risk_profile').describe('Always `risk_profile`.'),
    name: z.string().describe("The profile's name: a built-in's, or the name the tenant published its own under."),
    version: z.number().int().positive().nullable().describe("The version (1, 2, …) of a tenant's profile; null for a built-in one."),
    builtIn: z.boolean().describe('Whether the profile is built in: built-in profiles are read-only and change only with a release.'),
    extends: z.string().nullable().describe('The profile this version was made from (its spec\'s `extends`); null for a built-in.'),
    description: z.string().nullable().describe("The spec's description, free text for people; null for a built-in or when the spec gave none."),
    /** Every parameter the engine uses, as merged from the base and the spec (described by the RiskProfile component, so that it stays a reference). */
    profile: RiskProfileOutSchema,
    createdAt: Timestamp.nullable().describe('When this version was published (ISO 8601); null for a built-in.'),
  })
  .meta({
    id: 'RiskProfileVersion',
    description: "A risk profile as the API shows it: a built-in one, or one version of a tenant's own, with the full merged profile in `profile`.",
  });

export const RiskProfilePublishedSchema = RiskProfileVersionSchema.extend({
  reassessment: z
    .object({ sweepId: z.string().describe("The sweep's id (`swp_…`): follow it with GET /v1/sweeps/{id}.") })
    .nullable()
    .describe(
      "The sweep re-assessing the tenant's registered accounts with the new version; null when none started: the spec was unchanged (200), or the market data is missing or stale (a market.stale event is emitted instead).",
    ),
}).meta({
  id: 'RiskProfilePublished',
  description: 'The version a publish created (201), or the unchanged latest version (200), with the re-assessment it started.',
});

/** `listOf`'s shape, with each field described for this listing (which is never paged). */
export const RiskProfileListSchema = z
  .object({
    object: z.literal('list').describe('Always `list`.'),
    data: z
      .array(RiskProfileVersionSchema)
      .describe("The built-in profiles first, then the latest version of each of the tenant's own, by name."),
    hasMore: z.boolean().describe('Whether more profiles follow; always false: every profile is on one page.'),
    nextCursor: z.string().nullable().describe('Cursor of the next page; always null: every profile is on one page.'),
  })
  .meta({ id: 'RiskProfileList', description: 'Every risk profile the tenant can name, on one page.' });

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
