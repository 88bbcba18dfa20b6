import { z } from 'zod';
import { LiquidationPricesSchema, TierSchema } from '../../../shared/schemas/assessment.ts';
import { AssetSymbol, Identifier, Timestamp } from '../../../shared/schemas/fields.ts';
import { CollateralSchema, PositionSchema } from '../../../shared/schemas/snapshot.ts';
import { AccountAssessmentSummarySchema, FIGURES } from '../../../shared/schemas/summaries.ts';
import { queryFraction, queryInteger } from './common.ts';
import { listOf, PageQuery } from './lists.ts';

/** Registered accounts: the account, its listing, the risk summary and the liquidation ladder. */

export const AccountParams = z.object({
  accountId: Identifier.meta({ param: { name: 'accountId', in: 'path' }, example: 'acct-42' }),
});

export const AccountSchema = z
  .object({
    object: z.literal('account').describe('Always `account`'),
    accountId: Identifier.describe('Your id for the account, as registered (PUT /v1/accounts/{accountId})'),
    collateral: z
      .array(CollateralSchema)
      .describe('The collateral balances of the registered book: as last registered, then as Softland\'s applied fills left them'),
    positions: z
      .array(PositionSchema)
      .describe('The positions of the registered book: as last registered, then as Softland\'s applied fills left them (a position closed in full is removed)'),
    profile: z.string().describe('Name of the risk profile the account is assessed with: a built-in, or one of the tenant\'s'),
    tier: TierSchema.nullable().describe(
      'The tier last reported: healthy, warning, tier1, tier2, tier3 or insolvent. A new book starts at its assessment\'s tier; sweeps then move it ' +
        'to a worse tier at once and to a better one only with a margin to spare (hysteresis). Null until the book, as last registered, is first assessed',
    ),
    lastAssessment: AccountAssessmentSummarySchema.nullable(),
    activeLiquidationId: z
      .string()
      .nullable()
      .describe('The liquidation Softland is running on the account (liq_…, GET /v1/liquidations/{id}), or null when none is active'),
    assessmentError: z
      .object({
        reason: z.string().describe('Why, for people: e.g. the market has no price for one of the account\'s assets, or an option cannot be valued'),
        errors: z
          .array(
            z.object({
              field: z.string().describe('Path of the failing field of the book, as a problem names it, e.g. `collateral[0].asset`'),
              message: z.string().describe('What is wrong with it, for people'),
            }),
          )
          .describe('The failing fields'),
        since: Timestamp.describe('When an assessment first failed for this reason (ISO 8601, UTC)'),
      })
      .nullable()
      .describe(
        'Why the account cannot be assessed now (e.g. the market has no price for one of its assets), or null; its next successful assessment clears it',
      ),
    createdAt: Timestamp.describe('When the account was first registered (ISO 8601, UTC); kept when the book is replaced'),
    updatedAt: Timestamp.describe('When the book was last written (ISO 8601, UTC): the latest registration or applied fill. Sweeps do not change it'),
  })
  .meta({
    id: 'Account',
    description:
      'A registered account: its book, the tier Softland reports for it, and its latest assessment. `lastAssessment` is null until ' +
      'the book, as last registered, is first assessed (a registration without fresh market data waits for the next sweep); when it ' +
      'cannot be assessed, `assessmentError` says why.',
  });

export const AccountListSchema = listOf(AccountSchema, 'AccountList', {
  description: 'One page of the tenant\'s registered accounts, by account id.',
  data: 'The accounts of this page, by account id (only those of the `tier` asked for, if any)',
});

export const AccountListQuery = PageQuery.extend({
  tier: TierSchema.optional().meta({ param: { name: 'tier', in: 'query' }, description: 'Only accounts in this tier' }),
});

/** The counts GET /v1/risk-summary answers; it takes no parameter (any is refused, not ignored). */
export const RiskSummaryQuery = z.strictObject({});

export const RiskSummarySchema = z
  .object({
    object: z.literal('risk_summary').describe('Always `risk_summary`'),
    accounts: z.number().int().describe('The tenant\'s registered accounts, assessed or not'),
    tiers: z
      .object({
        healthy: z.number().int().describe('Accounts whose reported tier is `healthy`'),
        warning: z.number().int().describe('Accounts whose reported tier is `warning`'),
        tier1: z.number().int().describe('Accounts whose reported tier is `tier1`'),
        tier2: z.number().int().describe('Accounts whose reported tier is `tier2`'),
        tier3: z.number().int().describe('Accounts whose reported tier is `tier3`'),
        insolvent: z.number().int().describe('Accounts whose reported tier is `insolvent`'),
      })
      .describe('Accounts per reported tier (the account\'s `tier`, with hysteresis, as GET /v1/accounts?tier= lists them); every tier present, 0 when none'),
    unassessed: z
      .number()
      .int()
      .describe(
        'Accounts whose tier is still null: the book, as last registered, not assessed yet (no fresh market data at registration and no sweep since, ' +
          'or it cannot be assessed: see the account\'s `assessmentError`)',
      ),
    asOf: Timestamp.describe(
      'When the count was taken (ISO 8601, UTC). The counts are read in parallel and the tier counts from an index that can lag writes by a ' +
        'moment, so under concurrent writes `tiers` and `unassessed` can add up to a little more or less than `accounts`',
    ),
  })
  .meta({ id: 'RiskSummary', description: 'How many of the tenant\'s registered accounts are in each reported tier, now.' });

/** The ladder's grid: `points` prices from price × (1 − range) to price × (1 + range); any other parameter is refused. */
export const LadderQuery = z.strictObject({
  points: queryInteger(3, 201)
    .refine((n) => n % 2 === 1, 'must be odd: the current price is the middle point')
    .default(41)
    .meta({
      param: { name: 'points', in: 'query' },
      description: 'Prices per underlying: an odd number from 3 to 201 (default 41), the current price the middle one',
      type: 'integer',
      minimum: 3,
      maximum: 201,
      default: 41,
      pattern: undefined,
    }),
  range: queryFraction(0.01, 0.9)
    .default(0.3)
    .meta({
      param: { name: 'range', in: 'query' },
      description: 'The largest move either way, as a fraction of the price: 0.01 to 0.9 (default 0.3, the grid then runs from 70% to 130% of the price)',
      type: 'number',
      minimum: 0.01,
      maximum: 0.9,
      default: 0.3,
      pattern: undefined,
    }),
});

export const LadderPointSchema = z
  .object({
    price: z.number().describe('The underlying\'s price at this point, in the quote asset (USD by default): its current price × (1 + move)'),
    move: z.number().describe('The move from the current price, as a fraction of it: from −range to +range, evenly spaced; exactly 0 at the middle point'),
    equity: z.number().describe(`${FIGURES.equity}; with the underlying at this price`),
    maintenanceMargin: z.number().describe(`${FIGURES.maintenanceMargin}; with the underlying at this price`),
    marginRatio: z.number().nullable().describe(`${FIGURES.marginRatio}; with the underlying at this price`),
    tier: TierSchema.describe(
      'The liquidation tier the account would be in at this price, by the same rule as an assessment\'s `tier` (without hysteresis): healthy, warning, tier1, tier2, tier3, insolvent',
    ),
  })
  .meta({
    id: 'LadderPoint',
    description: 'The whole account with one underlying at this price and everything else unchanged (other prices, volatilities, the scenario grid\'s range, time).',
  });

export const LiquidationLadderSchema = z
  .object({
    object: z.literal('liquidation_ladder').describe('Always `liquidation_ladder`'),
    accountId: Identifier.describe('The registered account (your accountId)'),
    asOf: Timestamp.describe('When the account was assessed: the time of this request (ISO 8601, UTC)'),
    tier: TierSchema.describe('The account\'s tier at the current prices, as GET /v1/accounts/{accountId}/assessment gives it now (without hysteresis)'),
    marginRatio: z.number().nullable().describe(`${FIGURES.marginRatio}; at the current prices`),
    thresholds: z
      .object({
        tier1: z.number().describe('Below this margin ratio the account is in tier1 (the profile\'s `tiers.tier1`; `default`: 1.05)'),
        tier2: z.number().describe('Below this margin ratio the account is in tier2 (the profile\'s `tiers.tier2`; `default`: 1.02)'),
        tier3: z.number().describe('Below this margin ratio the account is in tier3 (the profile\'s `tiers.tier3`; `default`: 1.00)'),
      })
      .describe('The margin ratio thresholds of the liquidation tiers, from the account\'s risk profile'),
    underlyings: z
      .record(
        AssetSymbol,
        z.object({
          price: z.number().describe('The underlying\'s current price, in the quote asset (USD by default): the middle point\'s'),
          liquidationPrices: LiquidationPricesSchema.describe(
            'The nearest prices below and above the current one at which the account enters tier1 and tier3: the assessment\'s `liquidationPrices` of this underlying',
          ),
          points: z
            .array(LadderPointSchema)
            .describe('The account at each price of the grid, lowest price first: `points` of them, the middle one at the current price (the assessment\'s own figures)'),
        }),
      )
      .describe(
        'Per underlying of the book (its positions\' underlyings and its volatile collateral assets): the account as that price alone moves; ' +
          'the other underlyings stay at their current prices',
      ),
  })
  .meta({
    id: 'LiquidationLadder',
    description:
      'The account\'s margin ratio and tier as each underlying\'s price moves, everything else unchanged: the convention of the assessment\'s ' +
      '`liquidationPrices`, whose tier1 price is where the ratio crosses `thresholds.tier1`.',
  });
