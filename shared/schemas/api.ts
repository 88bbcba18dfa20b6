import { z } from 'zod';
import { AssessmentSchema, LiquidationPricesSchema, TierSchema } from './assessment.ts';
import { AssetSymbol, Identifier, Timestamp } from './fields.ts';
import { CollateralSchema, MarketSchema, PositionSchema } from './snapshot.ts';

/** Shapes of the HTTP API around the snapshot and the assessment. */

export const ProblemSchema = z
  .object({
    type: z.string().describe('URI identifying the problem type'),
    title: z.string().describe('Short human-readable summary of the problem, e.g. "Invalid request"; branch on `code`, not on this'),
    status: z.number().int().describe('The HTTP status code of this answer, e.g. 400'),
    detail: z.string().describe('Human-readable explanation of this occurrence (for `invalid_request`, the first five failing fields); for people, not for parsing'),
    code: z.string().describe('Stable machine-readable code, e.g. `invalid_request` or `price_move_too_large`: branch on this'),
    instance: z.string().describe('The request path'),
    requestId: z.string().describe('Same as the X-Request-Id header'),
    errors: z
      .array(
        z.object({
          field: z.string().describe('Path of the failing field, e.g. `positions[3].markPrice`; `(body)` for the body as a whole'),
          message: z.string().describe('What is wrong with it, for people'),
        }),
      )
      .optional()
      .describe('The failing fields, e.g. positions[3].markPrice (the first 100)'),
    errorsOmitted: z.number().int().optional().describe('Failing fields beyond the 100 listed in errors'),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem: every error answer has this shape (application/problem+json).' });

/** Descriptions of the money figures every assessment summary shares (quote asset: the profile's, USD by default). */
const FIGURES = {
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

/** What a listing's envelope says about itself and its items, for the OpenAPI document. */
export interface ListDescriptions {
  /** The component's description. */
  readonly description?: string;
  /** The `data` array's: what the items are, and in what order. */
  readonly data?: string;
}

/** A page of a listing, Stripe style: pass `nextCursor` as `cursor` for the next page (null on the last). */
export const listOf = <T extends z.ZodType>(item: T, id: string, describe: ListDescriptions = {}) =>
  z
    .object({
      object: z.literal('list').describe('Always `list`'),
      data: z.array(item).describe(describe.data ?? 'The items of this page'),
      hasMore: z.boolean().describe('Whether at least one more item follows; false on the last page (no empty page follows it)'),
      nextCursor: z
        .string()
        .nullable()
        .describe('Opaque cursor: pass it as `cursor` (with the same filters) for the next page; null on the last page'),
    })
    .meta({ id, description: describe.description ?? 'One page of a listing: pass `nextCursor` as `cursor` for the next page.' });

export const AssessmentListSchema = listOf(AssessmentSummarySchema, 'AssessmentList', {
  description: 'One page of an account\'s recorded assessments, newest first.',
  data: 'Summaries of the account\'s recorded assessments, newest first',
});

export const AssessmentIdParams = z.object({
  id: z.string().regex(/^asm_[0-9A-Z]{26}$/, 'must be an assessment id (asm_…)').meta({ param: { name: 'id', in: 'path' }, example: 'asm_01JDZ8X7Q4M5V2N9T3K6P8R1WC' }),
});

export const AccountParams = z.object({
  accountId: Identifier.meta({ param: { name: 'accountId', in: 'path' }, example: 'acct-42' }),
});

/** A whole number written in decimal digits, as a query parameter: `0x10`, `1e1` or ` 5` are refused, not read as 16, 10 or 5. */
const queryInteger = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
};

/** Listing parameters; any other parameter (a misspelt one, `limit[]`) is refused, not ignored. */
export const PageQuery = z.strictObject({
  limit: queryInteger(1, 100)
    .default(10)
    // Documented as what it is for clients: an integer (the digits-only rule is the parser's).
    .meta({ param: { name: 'limit', in: 'query' }, description: 'Page size, 1–100 (default 10)', type: 'integer', minimum: 1, maximum: 100, default: 10, pattern: undefined }),
  cursor: z.string().min(1).max(2048).optional().meta({ param: { name: 'cursor', in: 'query' }, description: 'nextCursor of the previous page' }),
});

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 printable ASCII characters')
    .optional()
    .meta({ param: { name: 'idempotency-key', in: 'header' }, description: 'Retry safely: the same key and body get the same answer for 24 hours' }),
});

export const HealthSchema = z
  .object({
    status: z.literal('ok').describe('Always `ok`: the process answers'),
    version: z.string().describe('Version of the API serving the request (the OpenAPI document\'s info.version)'),
  })
  .meta({ id: 'Health', description: 'Liveness: the service process is up. It reads nothing.' });
export const ReadinessSchema = HealthSchema.extend({
  database: z.literal('ok').describe('Always `ok`: DynamoDB answered a read (when it does not, the answer is a 503 problem instead)'),
}).meta({ id: 'Readiness', description: 'Readiness: the service is up and its database answers.' });

export { AssessmentSchema };

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

export const DeletedSchema = z
  .object({
    object: z.string().describe('The kind of object deleted: `account` or `webhook_endpoint`'),
    id: z.string().describe('The id of the deleted object (the accountId, or the endpoint\'s we_… id)'),
    deleted: z.literal(true).describe('Always true'),
  })
  .meta({ id: 'Deleted', description: 'The answer to a DELETE: what was deleted.' });

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

/** A decimal fraction as a query parameter, e.g. `0.25`: `1e-1`, `.5` or ` 0.5` are refused. */
const queryFraction = (min: number, max: number) => {
  const message = `must be a number from ${min} to ${max} in decimal digits, e.g. 0.25`;
  return z
    .string()
    .regex(/^\d{1,3}(\.\d{1,12})?$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message));
};

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

export const AccountListQuery = PageQuery.extend({
  tier: TierSchema.optional().meta({ param: { name: 'tier', in: 'query' }, description: 'Only accounts in this tier' }),
});

export const MarketUpdateSchema = z
  .strictObject({
    market: MarketSchema.describe(
      'Price (and optionally annualised volatility) per asset symbol, e.g. `{ "BTC": { "price": 97000, "volatility": 0.55 } }`; ' +
        'prices in the quote asset (USD by default). Replaces the stored market as a whole',
    ),
    asOf: Timestamp.optional().describe(
      'When the prices were observed (ISO 8601); default now. Older than the stored data, or more than a minute ahead of the server\'s clock, is refused',
    ),
    force: z
      .boolean()
      .default(false)
      .describe('Accept prices that moved more than the `default` profile allows (30%) since the previous push. Default false'),
  })
  .meta({ id: 'MarketUpdate', description: 'A market data push: replaces the tenant\'s market data.' });

export const MarketSchemaOut = z
  .object({
    object: z.literal('market').describe('Always `market`'),
    market: MarketSchema.describe('Price (and volatility, when pushed) per asset symbol, as last pushed; prices in the quote asset (USD by default)'),
    asOf: Timestamp.describe('When the prices were observed (ISO 8601): the push\'s `asOf` as sent, or the time of the push when it gave none'),
    updatedAt: Timestamp.describe('When Softland stored the push (ISO 8601, UTC)'),
  })
  .meta({ id: 'Market', description: 'The tenant\'s market data: the latest push, which sweeps assess registered accounts with.' });

export const SweepSchema = z
  .object({
    object: z.literal('sweep').describe('Always `sweep`'),
    id: z.string().describe('The sweep\'s id (swp_…)'),
    status: z
      .enum(['running', 'completed', 'failed'])
      .describe(
        '`running` until every segment is done, then `completed`; `failed` when a segment could not run (see `reason`). A sweep refused for its market data is `completed` at once',
      ),
    trigger: z
      .enum(['api', 'schedule', 'price', 'profile'])
      .describe(
        'What started it: `api` (POST /v1/sweeps), `schedule` (every minute), `price` (a market push: only the accounts exposed to the changed symbols), ' +
          'or `profile` (a new version of a risk profile)',
      ),
    segments: z.number().int().describe('How many parallel segments the accounts were split into (8); 0 when the sweep was refused for its market data'),
    segmentsDone: z.number().int().describe('Segments finished so far, 0 to `segments`'),
    counts: z
      .object({
        accounts: z.number().int().describe('Accounts the sweep read'),
        assessed: z.number().int().describe('Accounts assessed'),
        tierChanges: z.number().int().describe('Accounts whose reported tier changed'),
        events: z.number().int().describe('Events written (tier, liquidation and account.unassessable events)'),
        skipped: z.number().int().describe('Accounts rewritten meanwhile (a new book, a fill, another sweep), left to the next sweep'),
        errors: z.number().int().describe('Accounts that could not be assessed (see their `assessmentError`)'),
      })
      .describe('Totals of the segments finished so far: each segment\'s counts are added once'),
    startedAt: Timestamp.describe('When the sweep started (ISO 8601, UTC)'),
    completedAt: Timestamp.nullable().describe(
      'When the sweep ended (ISO 8601, UTC): for a completed sweep, the assessment time of the segment that finished last; the time it was ' +
        'refused for its market data, or failed. Null while running',
    ),
    reason: z
      .string()
      .nullable()
      .describe('Why nothing was assessed (`market_missing`, `market_stale`) or what failed; null otherwise'),
    unassessable: z
      .array(
        z.object({
          reason: z.string().describe('Why, as the account\'s `assessmentError.reason` says it (e.g. a collateral asset the market gives no price for)'),
          accounts: z.number().int().describe('Accounts this sweep could not assess for this reason'),
          accountIds: z.array(Identifier).describe('The first few of them (at most 5 per segment that met the reason)'),
        }),
      )
      .describe('Why the accounts in `counts.errors` could not be assessed, most accounts first; empty when every account was'),
  })
  .meta({ id: 'Sweep', description: 'A re-assessment of the tenant\'s registered accounts with its latest market data.' });

export const SweepIdParams = z.object({
  id: z.string().regex(/^swp_[0-9A-Z]{26}$/, 'must be a sweep id (swp_…)').meta({ param: { name: 'id', in: 'path' } }),
});
