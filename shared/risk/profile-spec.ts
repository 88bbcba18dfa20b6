import { z } from 'zod';
import { InvalidInputError, type FieldIssue } from '../schemas/errors.ts';
import { toFieldIssues, validate } from '../schemas/validate.ts';
import { ADAPTIVE_TARGET } from './built-in-profiles.ts';
import {
  LiquidationPolicySchema,
  PortfolioMarginSchema,
  RiskProfileSchema,
  StandardMarginSchema,
  TierThresholdsSchema,
  type RiskProfile,
} from './profile-schema.ts';

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
    extends: z
      .string()
      .min(1)
      .max(64)
      .default('default')
      .describe("The profile this one starts from: a built-in (`default`, `standard`, …) or another of the tenant's, at its latest version when published; default `default`."),
    description: z.string().max(500).optional().describe('What the profile is for, for people: free text, shown back and never used by the engine.'),
    marginModel: shape.marginModel.optional(),
    quoteAsset: shape.quoteAsset.optional(),
    portfolio: PortfolioMarginSchema.partial()
      .optional()
      .describe("Portfolio margin parameters that differ from the base's, merged into them field by field (scenarioRange and underlyings replace the base's whole)."),
    standard: StandardMarginSchema.partial()
      .optional()
      .describe("Standard margin parameters that differ from the base's, merged into them field by field (brackets replace the base's whole)."),
    haircuts: z
      .record(Asset, z.number().min(0).lt(1).nullable())
      .optional()
      .describe("Haircut per collateral asset (a fraction of the value held, 0.05 = 5%), merged into the base's per asset; null removes an asset, which then cannot be collateral."),
    stableAssets: shape.stableAssets.optional(),
    tiers: TierThresholdsSchema.partial()
      .optional()
      .describe("Tier thresholds that differ from the base's, merged into them; the merged thresholds must still descend strictly: tier1 > tier2 > tier3."),
    targetMarginRatio: z
      .union([shape.targetMarginRatio, z.literal('adaptive')])
      .optional()
      .describe(
        'marginRatio the liquidation plan and the top-up aim for, at least tiers.tier1; or `"adaptive"`: a target sized to the market (adaptiveTarget: this spec\'s, else the base\'s, else the `adaptive` built-in\'s), its floor the tier1 threshold.',
      ),
    adaptiveTarget: shape.adaptiveTarget.optional(),
    liquidation: LiquidationPolicySchema.partial()
      .optional()
      .describe("Liquidation policy fields that differ from the base's, merged into them field by field (caps and penalty replace the base's whole)."),
    market: shape.market
      .partial()
      .optional()
      .describe("Market data checks that differ from the base's, merged into them; validated and stored, but every tenant's market data is checked with the `default` profile's values today."),
    alerts: shape.alerts.partial().optional().describe("Alert settings that differ from the base's, merged into them."),
  })
  .meta({
    id: 'RiskProfileSpec',
    description:
      "A tenant's risk profile as published (docs/risk-profiles.md): a base (`extends`) and the parameters that differ from it; objects merge field by field, haircuts per asset (null removes one), and arrays, scenarioRange, caps, the penalty and adaptiveTarget replace the base's whole; the merged profile must pass every rule a built-in one does.",
  });

export type RiskProfileSpec = z.infer<typeof RiskProfileSpecSchema>;

/** Fields merged one level deep; every other field replaces the base's. */
const MERGED = ['portfolio', 'standard', 'tiers', 'liquidation', 'market', 'alerts'] as const;

/**
 * The full profile `spec` describes over `base`, named `name` at `version`. Throws
 * InvalidInputError naming every field of the merged profile that breaks a rule (its path is
 * the spec's: `tiers.tier2`, `liquidation.caps`).
 */
export function profileFromSpec(name: string, version: number, spec: RiskProfileSpec, base: RiskProfile): RiskProfile {
  const { extends: _base, description: _description, haircuts, targetMarginRatio, ...fields } = spec;
  const merged: Record<string, unknown> = { ...base, ...fields, name, version };
  for (const key of MERGED) if (spec[key] !== undefined) merged[key] = { ...base[key], ...spec[key] };
  const issues: FieldIssue[] = [];
  if (targetMarginRatio === 'adaptive') {
    const adaptive = spec.adaptiveTarget === undefined ? (base.adaptiveTarget ?? ADAPTIVE_TARGET) : spec.adaptiveTarget;
    if (adaptive === null) issues.push({ field: 'targetMarginRatio', message: '"adaptive" needs an adaptiveTarget: leave it out (the built-in\'s is taken) or set one, not null' });
    merged['adaptiveTarget'] = adaptive;
    merged['targetMarginRatio'] = (merged['tiers'] as RiskProfile['tiers']).tier1;
  } else if (targetMarginRatio !== undefined) merged['targetMarginRatio'] = targetMarginRatio;
  if (haircuts !== undefined) {
    const next: Record<string, number> = { ...base.haircuts };
    for (const [asset, haircut] of Object.entries(haircuts)) {
      if (haircut === null) delete next[asset];
      else next[asset] = haircut;
    }
    merged['haircuts'] = next;
  }
  if (issues.length === 0) return validate(RiskProfileSchema, merged);
  // Every field at fault is named at once: the spec's own contradiction, and the merged profile's.
  const rules = RiskProfileSchema.safeParse(merged);
  throw new InvalidInputError([...issues, ...(rules.success ? [] : toFieldIssues(rules.error))]);
}
