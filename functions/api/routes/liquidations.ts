import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { liquidationView } from '../../../shared/liquidations/liquidation.ts';
import { FillRequestSchema, FillResultSchema, LiquidationSchema } from '../../../shared/schemas/liquidations.ts';
import type { Stores } from '../../../shared/store/index.ts';
import { fillLiquidation } from '../../../shared/sweeps/fills.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';
import { IdempotencyHeaders } from '../schemas/common.ts';
import { LiquidationListQuery, LiquidationListSchema, LiquidationParams } from '../schemas/liquidations.ts';
import { listAnswer } from '../schemas/lists.ts';
import { causes, errorResponses, errorResponsesAnyScope, jsonContent, secured } from '../openapi-parts.ts';

const listLiquidations = createRoute({
  method: 'get',
  path: '/v1/liquidations',
  operationId: 'listLiquidations',
  tags: ['Liquidations'],
  summary: 'List liquidations, newest first',
  description:
    'The tenant\'s liquidations, optionally of one status; `status=active` lists every one a liquidator can fill. Each step ' +
    'shows what is left and its auction price now (`pricedAt`). Every key scope may call this.',
  ...secured,
  request: { query: LiquidationListQuery },
  responses: { 200: { description: 'One page of liquidations', content: jsonContent(LiquidationListSchema) }, ...errorResponsesAnyScope(400, 401, 503) },
});

const getLiquidation = createRoute({
  method: 'get',
  path: '/v1/liquidations/{id}',
  operationId: 'getLiquidation',
  tags: ['Liquidations'],
  summary: 'Retrieve a liquidation with its auction prices now',
  ...secured,
  request: { params: LiquidationParams },
  responses: { 200: { description: 'The liquidation', content: jsonContent(LiquidationSchema) }, ...errorResponsesAnyScope(400, 401, 404, 503) },
});

const createFill = createRoute({
  method: 'post',
  path: '/v1/liquidations/{id}/fills',
  operationId: 'createLiquidationFill',
  tags: ['Liquidations'],
  summary: 'Fill a liquidation step',
  description:
    'A liquidator takes `quantity` of a step at `price`, at least as good for the account as the auction price now; the ' +
    "exchange reports its own executions the same way with an admin key. The fill, the account's new book, its " +
    're-assessment and the events are written in one transaction; the liquidation resolves when the account reaches the ' +
    'target. Send an `Idempotency-Key` header to retry safely.',
  ...secured,
  request: { params: LiquidationParams, headers: IdempotencyHeaders, body: { required: true, content: jsonContent(FillRequestSchema) } },
  responses: {
    201: { description: 'The fill, recorded and applied to the account', content: jsonContent(FillResultSchema) },
    ...errorResponses(
      400,
      401,
      404,
      [
        409,
        '`quantity_exceeds_remaining`: the step has less left (another liquidator filled it first)',
        '`liquidation_closed`: the liquidation is resolved or cancelled',
        '`account_unavailable`: the account is no longer registered or cannot be assessed',
        causes.concurrentChange,
        causes.idempotencyInProgress,
      ],
      413,
      415,
      [422, '`price_worse_than_auction`: the price is worse for the account than the auction price now', '`unknown_step`: no such step', causes.idempotencyKeyReused],
      503,
    ),
  },
});

export function liquidationRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores): void {
  app.openapi(listLiquidations, async (c) => {
    const { status, limit, cursor } = c.req.valid('query');
    const page = await stores.liquidations.list(c.get('tenantId'), { status, limit, cursor });
    const now = new Date();
    return c.json(listAnswer(page, (l) => liquidationView(l, now)), 200);
  });

  app.openapi(getLiquidation, async (c) => {
    const { id } = c.req.valid('param');
    const stored = await stores.liquidations.get(c.get('tenantId'), id);
    if (!stored) throw problems.notFound(`no liquidation ${id}`);
    return c.json(liquidationView(stored.liquidation, new Date()), 200);
  });

  app.openapi(createFill, async (c) => {
    const { id } = c.req.valid('param');
    const claim = c.get('idempotency');
    // The answer completes the idempotency key in the fill's own transaction: a retry gets this very fill.
    const answer = await fillLiquidation(
      stores,
      c.get('tenantId'),
      id,
      c.req.valid('json'),
      c.get('keyId'),
      claim && ((result) => stores.idempotency.completion(claim, { status: 201, body: JSON.stringify(result) })),
    );
    if (claim) c.set('idempotencyCompleted', true);
    return c.json(answer, 201);
  });
}
