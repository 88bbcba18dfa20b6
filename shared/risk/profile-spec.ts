import { z } from 'zod';
import { validate } from '../schemas/validate.ts';
import {
  LiquidationPolicySchema,
  PortfolioMarginSchema,
  RiskProfileSchema,
  StandardMarginSchema,
  TierThresholdsSchema,
  type RiskProfile,
} from './profile.ts';

/**
 * A tenant's profile as its risk committee writes it (docs/risk-profiles.md): a base
 * (`extends`, a built-in profile or one of the tenant's own) and the parameters that differ
 * from it. Objects merge field by field (a `haircuts` entry set to null removes the asset);
 * arrays, the penalty and the adaptive target replace the base's whole. The merged profile
 * must pass every rule a built-in one does.
 */
const shape = RiskProfileSchema.shape;
const Asset = z.string().min(1).max(16);

export const RiskProfileSpecSchema = z
  .strictObject({
    /** The profile this one starts from: a built-in (`default`, `standard`, …) or another of the tenant's. Default `default`. */
    extends: z.string().min(1).max(64).default('default'),
    /** What the profile is for, for people. */
    description: z.string().max(500).optional(),
    marginModel: shape.marginModel.optional(),
    quoteAsset: shape.quoteAsset.optional(),
    portfolio: PortfolioMarginSchema.partial().optional(),
    standard: StandardMarginSchema.partial().optional(),
    /** Haircut per collateral asset, merged into the base's; null removes an asset. */
    haircuts: z.record(Asset, z.number().min(0).lt(1).nullable()).optional(),
    stableAssets: shape.stableAssets.optional(),
    tiers: TierThresholdsSchema.partial().optional(),
    targetMarginRatio: shape.targetMarginRatio.optional(),
    adaptiveTarget: shape.adaptiveTarget.optional(),
    liquidation: LiquidationPolicySchema.partial().optional(),
    market: shape.market.partial().optional(),
    alerts: shape.alerts.partial().optional(),
  })
  .meta({ id: 'RiskProfileSpec' });

export type RiskProfileSpec = z.infer<typeof RiskProfileSpecSchema>;

/** Fields merged one level deep; every other field replaces the base's. */
const MERGED = ['portfolio', 'standard', 'tiers', 'liquidation', 'market', 'alerts'] as const;

/**
 * The full profile `spec` describes over `base`, named `name` at `version`. Throws
 * InvalidInputError naming every field of the merged profile that breaks a rule (its path is
 * the spec's: `tiers.tier2`, `liquidation.caps`).
 */
export function profileFromSpec(name: string, version: number, spec: RiskProfileSpec, base: RiskProfile): RiskProfile {
  const { extends: _base, description: _description, haircuts, ...fields } = spec;
  const merged: Record<string, unknown> = { ...base, ...fields, name, version };
  for (const key of MERGED) if (spec[key] !== undefined) merged[key] = { ...base[key], ...spec[key] };
  if (haircuts !== undefined) {
    const next: Record<string, number> = { ...base.haircuts };
    for (const [asset, haircut] of Object.entries(haircuts)) {
      if (haircut === null) delete next[asset];
      else next[asset] = haircut;
    }
    merged['haircuts'] = next;
  }
  return validate(RiskProfileSchema, merged);
}
