import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { MarketSchemaOut, MarketUpdateSchema } from '../../../shared/schemas/api.ts';
import type { FieldIssue } from '../../../shared/schemas/errors.ts';
import type { MarketData } from '../../../shared/store/market.ts';
import type { Stores } from '../../../shared/store/index.ts';
import { MARKET_PROFILE } from '../../../shared/sweeps/account-assessment.ts';
import type { ApiEnv } from '../env.ts';
import { ApiProblem, problems } from '../problems.ts';
import { causes, errorResponses, jsonContent, secured } from './openapi.ts';

/** How far ahead of our clock an asOf may be (clock skew), in milliseconds. */
const MAX_CLOCK_SKEW_MS = 60_000;

const putMarket = createRoute({
  method: 'put',
  path: '/v1/market',
  operationId: 'putMarket',
  tags: ['Market'],
  summary: 'Push market data for sweeps',
  description:
    'Replaces the tenant\'s market data. A price that moved more than the profile allows (default 30%) from the previous push is ' +
    'refused with 422 `price_move_too_large` unless `force` is true: manipulated or fat-fingered prices cause the worst false ' +
    'liquidations. Sweeps refuse data older than the profile allows (default 5 minutes).',
  ...secured,
  request: { body: { required: true, content: jsonContent(MarketUpdateSchema) } },
  responses: {
    200: { description: 'The stored market data', content: jsonContent(MarketSchemaOut) },
    ...errorResponses(
      [400, 'Invalid request: the problem names the failing fields (an `asOf` in the future or older than the stored data is `asOf`)'],
      401,
      [409, causes.concurrentChange],
      413,
      415,
      [422, '`price_move_too_large`: a price moved more than the profile allows since the previous push; the problem names each `market.<SYMBOL>.price`. Send `force: true` if it is real'],
      503,
    ),
  },
});

const getMarket = createRoute({
  method: 'get',
  path: '/v1/market',
  operationId: 'getMarket',
  tags: ['Market'],
  summary: 'The latest market data',
  ...secured,
  responses: { 200: { description: 'The stored market data', content: jsonContent(MarketSchemaOut) }, ...errorResponses(401, 404, 503) },
});

const body = (m: MarketData) => ({ object: 'market' as const, market: m.market, asOf: m.asOf, updatedAt: m.updatedAt });

export function marketRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores): void {
  app.openapi(putMarket, async (c) => {
    const tenantId = c.get('tenantId');
    const update = c.req.valid('json');
    const now = new Date();
    const asOf = update.asOf ?? now.toISOString();
    if (Date.parse(asOf) > now.getTime() + MAX_CLOCK_SKEW_MS) {
      throw problems.invalidRequest([{ field: 'asOf', message: 'is in the future' }]);
    }
    const previous = await stores.market.get(tenantId);
    if (previous && Date.parse(asOf) < Date.parse(previous.asOf)) {
      throw problems.invalidRequest([{ field: 'asOf', message: `is older than the stored market data (${previous.asOf})` }]);
    }
    if (previous && !update.force) {
      const jumps = priceJumps(previous, update.market);
      if (jumps.length > 0) {
        throw new ApiProblem(422, 'price_move_too_large', 'Price moved too far', jumps.map((j) => `${j.field}: ${j.message}`).join('; '), { errors: jumps });
      }
    }
    const stored = await stores.market.put(tenantId, { market: update.market, asOf, updatedAt: now.toISOString() }, previous?.version ?? null);
    return c.json(body(stored), 200);
  });

  app.openapi(getMarket, async (c) => {
    const market = await stores.market.get(c.get('tenantId'));
    if (!market) throw problems.notFound('no market data yet: PUT /v1/market first');
    return c.json(body(market), 200);
  });
}

/** Prices that moved more than the profile allows since the previous push. */
function priceJumps(previous: MarketData, next: Record<string, { price: number }>): FieldIssue[] {
  const limit = MARKET_PROFILE.market.maxPriceMove;
  const issues: FieldIssue[] = [];
  for (const [symbol, entry] of Object.entries(next)) {
    const before = previous.market[symbol]?.price;
    if (before === undefined) continue;
    const move = entry.price / before - 1;
    if (Math.abs(move) > limit) {
      issues.push({
        field: `market.${symbol}.price`,
        message: `moved ${(move * 100).toFixed(1)}% from ${before} (limit ±${(limit * 100).toFixed(0)}%); send force: true if it is real`,
      });
    }
  }
  return issues;
}
