import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { newId } from '../../../shared/ids.ts';
import { AccountListQuery, AccountListSchema, AccountParams, AccountSchema, DeletedSchema } from '../../../shared/schemas/api.ts';
import { AccountBookSchema } from '../../../shared/schemas/snapshot.ts';
import type { Assessment } from '../../../shared/schemas/assessment.ts';
import type { AssessmentError, RegisteredAccount } from '../../../shared/store/accounts.ts';
import type { Stores } from '../../../shared/store/index.ts';
import { assessAccount, marketProblem, profileFor, summaryOf, unassessable } from '../../../shared/sweeps/account-assessment.ts';
import { unassessableEvent } from '../../../shared/sweeps/events.ts';
import { forecastsFor, gridSymbols } from '../../../shared/sweeps/forecasts.ts';
import { cancelForDeletion, liquidationTransition } from '../../../shared/sweeps/liquidation-runs.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';
import { errorResponses, jsonContent, secured } from './openapi.ts';

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
      const { account, created } = await stores.accounts.put(tenantId, accountId, book, assessment && summaryOf(assessment, null), tier, now);
      return c.json(accountBody(account), created ? 201 : 200);
    }
    // The new book opens, moves or closes the account's liquidation: the account, the
    // assessment behind it and the liquidation's writes in one transaction.
    const { account, created, items } = await stores.accounts.replacement(tenantId, accountId, book, summaryOf(assessment, assessment.id), tier, {
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
    return c.json({ object: 'list' as const, data: page.items.map(accountBody), hasMore: page.nextCursor !== null, nextCursor: page.nextCursor }, 200);
  });
}
