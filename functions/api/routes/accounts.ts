import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { newId } from '../../../shared/ids.ts';
import { DEFAULT_PROFILE_NAME } from '../../../shared/risk/built-in-profiles.ts';
import type { RiskProfile } from '../../../shared/risk/profile-schema.ts';
import type { RangeForecast } from '../../../shared/risk/volatility/forecaster.ts';
import { AccountBookSchema } from '../../../shared/schemas/snapshot.ts';
import { AssessmentSchema, type Assessment } from '../../../shared/schemas/assessment.ts';
import type { AssessmentError, RegisteredAccount } from '../../../shared/store/accounts.ts';
import type { Stores } from '../../../shared/store/index.ts';
import type { MarketData } from '../../../shared/store/market.ts';
import { accountLadder, assessAccount, MARKET_PROFILE, marketProblem, profileFor, accountSummaryOf, unassessable } from '../../../shared/sweeps/account-assessment.ts';
import { unassessableEvent } from '../../../shared/sweeps/sweep-events.ts';
import { forecastsFor, gridSymbols } from '../../../shared/sweeps/forecasts.ts';
import { cancelForDeletion, liquidationTransition } from '../../../shared/sweeps/liquidation-runs.ts';
import type { ApiEnv } from '../env.ts';
import { ApiProblem, problems } from '../problems.ts';
import {
  AccountListQuery,
  AccountListSchema,
  AccountParams,
  AccountSchema,
  LadderQuery,
  LiquidationLadderSchema,
  RiskSummaryQuery,
  RiskSummarySchema,
} from '../schemas/accounts.ts';
import { DeletedSchema } from '../schemas/common.ts';
import { listAnswer } from '../schemas/lists.ts';
import { errorResponses, jsonContent, secured } from '../openapi-parts.ts';

/** Why a registered account cannot be assessed now (GET …/assessment and …/ladder alike). */
const UNASSESSABLE_422 = [
  422,
  '`account_unassessable`: the account cannot be assessed now: the tenant has no market data yet, or none pushed in the last ' +
    `${MARKET_PROFILE.market.maxAgeSeconds} seconds (field \`market\`), the market does not price one of its assets, an option cannot be valued, or its profile does ` +
    'not accept its collateral; `errors` names the fields, as the account\'s `assessmentError` does',
] as const;

const putAccount = createRoute({
  method: 'put',
  path: '/v1/accounts/{accountId}',
  operationId: 'putAccount',
  tags: ['Accounts'],
  summary: 'Register or replace an account',
  description:
    'Registers the account for sweeps: its collateral and positions (a snapshot without market and time). When the tenant has ' +
    'fresh market data the account is assessed at once and its tier set; otherwise the next sweep does it.',
  ...secured,
  request: { params: AccountParams, body: { required: true, content: jsonContent(AccountBookSchema) } },
  responses: {
    200: { description: 'The account, replaced', content: jsonContent(AccountSchema) },
    201: { description: 'The account, registered', content: jsonContent(AccountSchema) },
    ...errorResponses(400, 401, 413, 415, 503),
  },
});

const getAccount = createRoute({
  method: 'get',
  path: '/v1/accounts/{accountId}',
  operationId: 'getAccount',
  tags: ['Accounts'],
  summary: 'Retrieve a registered account with its tier and latest assessment',
  ...secured,
  request: { params: AccountParams },
  responses: { 200: { description: 'The account', content: jsonContent(AccountSchema) }, ...errorResponses(400, 401, 404, 503) },
});

const deleteAccount = createRoute({
  method: 'delete',
  path: '/v1/accounts/{accountId}',
  operationId: 'deleteAccount',
  tags: ['Accounts'],
  summary: 'Stop sweeping an account',
  description: 'Deletes the registered account; its active liquidation, if any, is cancelled in the same write (`liquidation.cancelled`).',
  ...secured,
  request: { params: AccountParams },
  responses: { 200: { description: 'Deleted', content: jsonContent(DeletedSchema) }, ...errorResponses(400, 401, 404, 503) },
});

const listAccounts = createRoute({
  method: 'get',
  path: '/v1/accounts',
  operationId: 'listAccounts',
  tags: ['Accounts'],
  summary: 'List registered accounts, optionally of one tier',
  ...secured,
  request: { query: AccountListQuery },
  responses: { 200: { description: 'One page of accounts', content: jsonContent(AccountListSchema) }, ...errorResponses(400, 401, 503) },
});

const getAccountAssessment = createRoute({
  method: 'get',
  path: '/v1/accounts/{accountId}/assessment',
  operationId: 'getAccountAssessment',
  tags: ['Accounts'],
  summary: "A registered account's full assessment now (not recorded)",
  description:
    'Assesses the registered account\'s book now with the tenant\'s latest market data and the account\'s risk profile, exactly as a sweep ' +
    'would (the same profile version, the same volatility forecasts), and answers the full assessment, as POST /v1/assessments does. ' +
    'It is a read: nothing is recorded and nothing changes (no tier, no event, no liquidation), so its `id` is fresh and reads nothing ' +
    '(GET /v1/assessments/{id} answers 404 for it), and `asOf` is the time of this request. The account\'s `lastAssessment` is the ' +
    'summary a sweep keeps; this is the whole answer behind such a summary, at this moment.',
  ...secured,
  request: { params: AccountParams },
  responses: {
    200: { description: 'The account assessed now, not recorded', content: jsonContent(AssessmentSchema) },
    ...errorResponses(400, 401, [404, 'No registered account with this id for this tenant'], UNASSESSABLE_422, 503),
  },
});

const getAccountLadder = createRoute({
  method: 'get',
  path: '/v1/accounts/{accountId}/ladder',
  operationId: 'getAccountLadder',
  tags: ['Accounts'],
  summary: "A registered account's margin ratio as each underlying's price moves",
  description:
    'The liquidation ladder: the registered account assessed now, exactly as GET /v1/accounts/{accountId}/assessment assesses it (the ' +
    'tenant\'s latest market, the account\'s profile and volatility forecasts), then revalued with each underlying\'s price alone moved ' +
    'along a grid of `points` prices from price × (1 − `range`) to price × (1 + `range`), everything else unchanged — the convention of the ' +
    'assessment\'s `liquidationPrices`, which it carries per underlying. Each point has the equity, maintenance margin, margin ratio and ' +
    'tier the account would have there; the middle point is the current price, with the assessment\'s own figures. A read: nothing is recorded.',
  ...secured,
  request: { params: AccountParams, query: LadderQuery },
  responses: {
    200: { description: 'The ladder of each underlying of the account', content: jsonContent(LiquidationLadderSchema) },
    ...errorResponses(400, 401, [404, 'No registered account with this id for this tenant'], UNASSESSABLE_422, 503),
  },
});

const getRiskSummary = createRoute({
  method: 'get',
  path: '/v1/risk-summary',
  operationId: 'getRiskSummary',
  tags: ['Accounts'],
  summary: "Counts of the tenant's registered accounts per reported tier",
  description:
    'How many registered accounts the tenant has, how many are in each reported tier (the account\'s `tier`, as GET /v1/accounts?tier= ' +
    'lists them) and how many are not assessed yet (`tier` null). Counted when asked, not cached. It takes no parameter: any is refused (400).',
  ...secured,
  request: { query: RiskSummaryQuery },
  responses: { 200: { description: 'The counts, now', content: jsonContent(RiskSummarySchema) }, ...errorResponses(400, 401, 503) },
});

/** What a registered account is assessed with now: its book, the tenant's market and the account's resolved profile and forecasts. */
interface AssessmentInputs {
  readonly account: RegisteredAccount;
  readonly market: MarketData;
  readonly now: Date;
  readonly profile: RiskProfile;
  readonly forecasts: Readonly<Record<string, RangeForecast | null>> | undefined;
}

/**
 * Runs `assess` on the registered account with what a sweep would assess it with now: the
 * tenant's latest market data (refused when missing or older than the profile's
 * maxAgeSeconds), the account's profile (its latest version, for a tenant's own) and the
 * volatility forecasts its grids need. 404 when the account is not registered; 422
 * `account_unassessable` naming the fields when it cannot be assessed. The one path of
 * GET /v1/accounts/{accountId}/assessment and …/ladder.
 */
async function assessNow<T>(stores: Stores, tenantId: string, accountId: string, assess: (inputs: AssessmentInputs) => T | Promise<T>): Promise<T> {
  const account = await stores.accounts.get(tenantId, accountId);
  if (!account) throw problems.notFound(`no account ${accountId}`);
  const now = new Date();
  const market = await stores.market.get(tenantId);
  // The sweep's own rule: no assessment without market data, nor with data older than the profile's maxAgeSeconds.
  const stale = marketProblem(market, now);
  if (stale === 'market_missing') throw accountUnassessable(accountId, 'the tenant has no market data yet', [{ field: 'market', message: 'no market data: push prices with PUT /v1/market' }]);
  if (stale === 'market_stale') {
    const message = `the market data (asOf ${market!.asOf}) is older than ${MARKET_PROFILE.market.maxAgeSeconds} seconds: push fresh prices with PUT /v1/market`;
    throw accountUnassessable(accountId, 'the market data is stale', [{ field: 'market', message }]);
  }
  try {
    // As the sweep resolves them: the account's profile (its latest version, for a tenant's own) and the forecasts its grids need.
    const profile = await profileFor(stores.riskProfiles.resolver(tenantId), { ...account.book, profile: account.book.profile ?? DEFAULT_PROFILE_NAME });
    const forecasts = await forecastsFor(stores, tenantId, profile, gridSymbols(account.book, profile), now);
    return await assess({ account, market: market!, now, profile, forecasts });
  } catch (error) {
    const problem = unassessable(error, now);
    if (!problem) throw error;
    throw accountUnassessable(accountId, problem.reason, problem.errors);
  }
}

/** 422 `account_unassessable`: why the registered account cannot be assessed now, naming the fields. */
function accountUnassessable(accountId: string, reason: string, errors: readonly { field: string; message: string }[]): ApiProblem {
  return new ApiProblem(422, 'account_unassessable', 'Account cannot be assessed', `account ${accountId} cannot be assessed now: ${reason}`, { errors });
}

function accountBody(a: RegisteredAccount) {
  return {
    object: 'account' as const,
    accountId: a.accountId,
    collateral: a.book.collateral,
    positions: a.book.positions,
    profile: a.book.profile,
    tier: a.tier,
    lastAssessment: a.lastAssessment,
    activeLiquidationId: a.activeLiquidationId,
    assessmentError: a.assessmentError && { ...a.assessmentError, errors: [...a.assessmentError.errors] },
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

export function accountRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores): void {
  app.openapi(putAccount, async (c) => {
    const tenantId = c.get('tenantId');
    const { accountId } = c.req.valid('param');
    const book = c.req.valid('json');
    const now = new Date();
    // A built-in profile or one of the tenant's; its rules on the collateral, before anything is stored.
    const profile = await profileFor(stores.riskProfiles.resolver(tenantId), book);
    const market = await stores.market.get(tenantId);
    let assessment: Assessment | null = null;
    let assessmentError: AssessmentError | null = null;
    if (market && marketProblem(market, now) === null) {
      // An asset the market does not price yet leaves the account unassessed until it does; the account says why.
      const forecasts = await forecastsFor(stores, tenantId, profile, gridSymbols(book, profile), now);
      try {
        assessment = await assessAccount(accountId, book, market, now, newId('asm', now.getTime()), profile, forecasts);
      } catch (error) {
        assessmentError = unassessable(error, now) ?? null;
        if (!assessmentError) throw error;
      }
    }
    // A new book starts from its plain tier: no hysteresis against a book that no longer exists.
    const tier = assessment?.tier ?? null;
    const existing = assessment && (await stores.accounts.get(tenantId, accountId));
    const liquidation = assessment && (await liquidationTransition(stores, tenantId, existing ?? { activeLiquidationId: null }, assessment, assessment.tier, profile, now));
    if (assessmentError) {
      // The account says why it cannot be assessed, and the event says it to the exchange's systems, in one write.
      const { account, created, items } = await stores.accounts.replacement(tenantId, accountId, book, null, null, { now, assessmentError });
      await stores.transact([...items, stores.events.putItem(tenantId, unassessableEvent(tenantId, `reg_${now.getTime()}`, accountId, assessmentError, now))]);
      return c.json(accountBody(account), created ? 201 : 200);
    }
    if (!assessment || !liquidation) {
      const { account, created } = await stores.accounts.put(tenantId, accountId, book, assessment && accountSummaryOf(assessment, null), tier, now);
      return c.json(accountBody(account), created ? 201 : 200);
    }
    // The new book opens, moves or closes the account's liquidation: the account, the
    // assessment behind it and the liquidation's writes in one transaction.
    const { account, created, items } = await stores.accounts.replacement(tenantId, accountId, book, accountSummaryOf(assessment, assessment.id), tier, {
      now,
      ...(existing ? { expectedVersion: existing.version } : {}),
      ...(liquidation.link ? { liquidation: liquidation.link } : {}),
    });
    const request = { accountId, asOf: assessment.asOf, ...book, market: market!.market };
    await stores.transact([...items, ...stores.assessments.recordItems({ tenantId, createdAt: now.toISOString(), request, assessment }), ...liquidation.items]);
    return c.json(accountBody(account), created ? 201 : 200);
  });

  app.openapi(getAccount, async (c) => {
    const { accountId } = c.req.valid('param');
    const account = await stores.accounts.get(c.get('tenantId'), accountId);
    if (!account) throw problems.notFound(`no account ${accountId}`);
    return c.json(accountBody(account), 200);
  });

  app.openapi(getAccountAssessment, async (c) => {
    const { accountId } = c.req.valid('param');
    const assessment = await assessNow(stores, c.get('tenantId'), accountId, ({ account, market, now, profile, forecasts }) =>
      assessAccount(accountId, account.book, market, now, newId('asm', now.getTime()), profile, forecasts),
    );
    return c.json(assessment, 200);
  });

  app.openapi(getAccountLadder, async (c) => {
    const { accountId } = c.req.valid('param');
    const grid = c.req.valid('query');
    const answer = await assessNow(stores, c.get('tenantId'), accountId, ({ account, market, now, profile, forecasts }) => ({
      object: 'liquidation_ladder' as const,
      accountId,
      asOf: now.toISOString(),
      ...accountLadder(accountId, account.book, market, now, profile, forecasts, grid),
    }));
    return c.json(answer, 200);
  });

  app.openapi(getRiskSummary, async (c) => {
    const asOf = new Date().toISOString();
    const counts = await stores.accounts.tierCounts(c.get('tenantId'));
    return c.json({ object: 'risk_summary' as const, ...counts, asOf }, 200);
  });

  app.openapi(deleteAccount, async (c) => {
    const { accountId } = c.req.valid('param');
    const tenantId = c.get('tenantId');
    // Its active liquidation, if any, is cancelled in the same transaction: nothing is left to fill.
    const deleted = await stores.accounts.delete(tenantId, accountId, (liquidationId) => cancelForDeletion(stores, tenantId, liquidationId, new Date()));
    if (!deleted) throw problems.notFound(`no account ${accountId}`);
    return c.json({ object: 'account', id: accountId, deleted: true as const }, 200);
  });

  app.openapi(listAccounts, async (c) => {
    const { tier, limit, cursor } = c.req.valid('query');
    const page = await stores.accounts.list(c.get('tenantId'), { tier, limit, cursor });
    return c.json(listAnswer(page, accountBody), 200);
  });
}
