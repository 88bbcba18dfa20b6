import { z } from 'zod';
import { TierSchema } from './assessment.ts';
import { AssetSymbol, Identifier, Timestamp } from './fields.ts';

/**
 * The headline figures of an assessment, as listings, registered accounts and webhook events
 * carry them: the shapes the store keeps (their types are derived here) and the API shows.
 */

/** Descriptions of the money figures every assessment summary shares (quote asset: the profile's, USD by default). */
export const FIGURES = {
  marginRatio: 'equity / maintenanceMargin (the inverse of Binance\'s "margin ratio"): higher is safer; null when the maintenance margin is 0',
  equity: 'Account equity in the profile\'s quote asset (USD by default): collateral after haircuts, plus perpetual and future PnL, plus option values. Negative when the account owes more than it holds',
  maintenanceMargin: 'Maintenance margin requirement, in the quote asset (USD by default); ≥ 0',
  initialMargin: 'Initial margin requirement, in the quote asset (USD by default); ≥ 0',
} as const;

export const AssessmentSummarySchema = z
  .object({
    id: z.string().describe('The recorded assessment\'s id (asm_…): GET /v1/assessments/{id} reads it in full'),
    object: z.literal('assessment_summary').describe('Always `assessment_summary`'),
    accountId: Identifier.describe('The account the snapshot was of'),
    asOf: Timestamp.describe('The time the assessed data is as of (ISO 8601): the snapshot\'s asOf as sent, or the time of the sweep, registration or fill that assessed a registered account'),
    createdAt: Timestamp.describe('When Softland recorded the assessment (ISO 8601, UTC)'),
    profile: z.string().describe('Name of the risk profile it was assessed with: a built-in, or one of the tenant\'s'),
    tier: TierSchema.describe('The assessment\'s liquidation tier, healthiest first: healthy, warning, tier1, tier2, tier3, insolvent'),
    marginRatio: z.number().nullable().describe(FIGURES.marginRatio),
    equity: z.number().describe(FIGURES.equity),
    maintenanceMargin: z.number().describe(FIGURES.maintenanceMargin),
    initialMargin: z.number().describe(FIGURES.initialMargin),
  })
  .meta({ id: 'AssessmentSummary', description: 'The headline figures of a recorded assessment, as listings show them; GET /v1/assessments/{id} has the rest.' });

export const NextTierPriceSchema = z
  .object({
    underlying: AssetSymbol.describe('The underlying whose price move it is, e.g. `BTC`'),
    tier: z
      .enum(['tier1', 'tier3'])
      .describe('The liquidation level entered there: `tier1` for an account in healthy or warning, `tier3` for one in tier1 or tier2'),
    price: z.number().describe('The underlying\'s price at which the account enters that level, everything else unchanged, in the quote asset (USD by default)'),
    move: z
      .number()
      .describe('price / the underlying\'s price at the assessment − 1: the move that gets there, as a fraction (negative for a fall, e.g. −0.12)'),
  })
  .describe(
    'The nearest price — the smallest move, over every underlying and both directions — at which the account enters the next liquidation ' +
      'level worse than its tier, from the assessment\'s `liquidationPrices`',
  );

export const AccountAssessmentSummarySchema = z
  .object({
    assessmentId: z
      .string()
      .nullable()
      .describe(
        'The recorded assessment (asm_…, GET /v1/assessments/{id}) when this one was recorded: a sweep\'s that changed the reported tier, ' +
          'one that opened, moved or closed the account\'s liquidation, or a fill\'s; null otherwise',
      ),
    asOf: Timestamp.describe('When the account was assessed (ISO 8601, UTC): the time of the sweep, registration or fill'),
    tier: TierSchema.describe(
      'This assessment\'s own tier, without hysteresis (healthy, warning, tier1, tier2, tier3, insolvent); the account\'s reported `tier` can lag it on the way up',
    ),
    marginRatio: z.number().nullable().describe(FIGURES.marginRatio),
    equity: z.number().describe(FIGURES.equity),
    maintenanceMargin: z.number().describe(FIGURES.maintenanceMargin),
    initialMargin: z.number().describe(FIGURES.initialMargin),
    collateralTopUp: z
      .number()
      .nullable()
      .describe(
        'Deposit in the quote asset (USD by default) that restores the profile\'s targetMarginRatio: max(0, targetMarginRatio × maintenanceMargin − equity); ' +
          '0 when already there. Null only on a summary stored before this figure existed, until the next sweep rewrites it',
      ),
    nextTierPrice: NextTierPriceSchema.nullable().describe(
      'The nearest price at which the account enters the next liquidation level worse than this assessment\'s tier: tier1 from healthy or ' +
        'warning, tier3 from tier1 or tier2. Null in tier3 or insolvent, when no underlying reaches that level within the liquidation ' +
        'prices\' search (1%–1000% of the price; never for an account that cannot owe), and on a summary stored before this figure existed',
    ),
  })
  .meta({
    id: 'AccountAssessmentSummary',
    description:
      'The headline figures of an assessment of a registered account. On an account (`lastAssessment`), a sweep rewrites it only when ' +
      'it no longer says the same thing (another tier, a margin ratio appearing or vanishing, a figure moved by more than 1% of the ' +
      'maintenance margin, at least 0.01% of equity and one cent, or a summary stored before `collateralTopUp` existed) or the account\'s ' +
      'tier or liquidation changed: its `asOf` says when that was, and `collateralTopUp` and `nextTierPrice` are as of then.',
  });

/** A recorded assessment's headline figures, as the account's listing of its assessments shows them. */
export type AssessmentSummary = z.infer<typeof AssessmentSummarySchema>;
/** The headline figures of an assessment of a registered account: its `lastAssessment`, and in its tier events. */
export type AccountAssessmentSummary = z.infer<typeof AccountAssessmentSummarySchema>;
