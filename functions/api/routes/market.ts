import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { FieldIssue } from '../../../shared/schemas/errors.ts';
import type { MarketData } from '../../../shared/store/market.ts';
import type { Stores } from '../../../shared/store/index.ts';
import { MARKET_PROFILE, marketProblem } from '../../../shared/sweeps/account-assessment.ts';
import { startPriceSweep, type SegmentRunner } from '../../../shared/sweeps/sweep-runs.ts';
import { priceMove, withinMoveLimit } from '../../../shared/risk/market-guard.ts';
import { dayOf, hourOf } from '../../../shared/store/market-history.ts';
import type { ApiEnv } from '../env.ts';
import { ApiProblem, problems } from '../problems.ts';
import { MarketSchemaOut, MarketUpdateSchema } from '../schemas/market.ts';
import { causes, errorResponses, jsonContent, secured } from '../openapi-parts.ts';

/** How far ahead of our clock an asOf may be (clock skew), in milliseconds. */
const MAX_CLOCK_SKEW_MS = 60_000;

/** The PUT's answer: the stored market and the re-assessment it started. */
const MarketPushSchemaOut = MarketSchemaOut.extend({
  reassessment: z
    .object({
      sweepId: z.string().meta({ description: 'The `price` sweep re-assessing the exposed accounts: poll GET /v1/sweeps/{id}' }),
      underlyings: z.array(z.string()).meta({ description: 'The symbols whose price or volatility changed' }),
    })
    .nullable()
    .meta({ description: 'Started, not finished, when the answer is sent; null when no price changed (or it could not start: the next scheduled sweep covers it)' }),
  warnings: z
    .array(
      z.object({
        code: z.enum(['symbols_dropped']).describe('`symbols_dropped`: symbols the previous push priced and this one does not'),
        symbols: z.array(z.string()).describe('The symbols concerned, sorted'),
        message: z.string().describe('What it means, for people'),
      }),
    )
    .describe(
      'What the push stored but may not have meant: a registered account that holds or trades a dropped symbol cannot be assessed until it is priced again ' +
        '(sweeps list such accounts in their `unassessable`, and each sends one `account.unassessable` event). Empty when nothing is wrong',
    ),
}).meta({ id: 'MarketPush', description: 'The answer to a market data push: the stored market data and the re-assessment it started.' });

const putMarket = createRoute({
  method: 'put',
  path: '/v1/market',
  operationId: 'putMarket',
  tags: ['Market'],
  summary: 'Push market data for sweeps',
  description:
    'Replaces the tenant\'s market data. A price that moved more than the profile allows (default 30%) from the previous push is ' +
    'refused with 422 `price_move_too_large` unless `force` is true: manipulated or fat-fingered prices cause the worst false ' +
    'liquidations. Sweeps refuse data older than the profile allows (default 5 minutes). Once stored, every registered account ' +
    'exposed to a symbol whose price or volatility changed (a position on it, or collateral in it other than a stable coin) is ' +
    're-assessed at once by a `price` sweep; the answer is sent when that sweep has started, not when it ends. Tier changes it ' +
    'finds are announced as a sweep\'s are.',
  ...secured,
  request: { body: { required: true, content: jsonContent(MarketUpdateSchema) } },
  responses: {
    200: { description: 'The stored market data and the re-assessment started', content: jsonContent(MarketPushSchemaOut) },
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

/**
 * Where a price push's sweep segments run when the app does not say: the worker Lambda
 * when its name is configured (on AWS), else in this process, as POST /v1/sweeps does.
 */
export function marketRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores, runner: SegmentRunner, logError: (error: unknown, requestId: string) => void): void {
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
    // A push in a later hour than the previous one closes that hour: its prices are the hour's
    // last, kept as history for volatility forecasts. Written first, so a failure refuses the
    // push (retried) instead of losing the hour.
    if (previous && hourOf(previous.asOf) < hourOf(asOf)) await stores.marketHistory.putPushedCloses(tenantId, previous, dayOf(previous.asOf) < dayOf(asOf));
    const stored = await stores.market.put(tenantId, { market: update.market, asOf, updatedAt: now.toISOString() }, previous?.version ?? null);
    // Data already stale starts nothing: the scheduled sweep refuses it and says so (market.stale).
    const underlyings = marketProblem(stored, now) ? [] : changedSymbols(previous, update.market);
    let reassessment: { sweepId: string; underlyings: string[] } | null = null;
    if (underlyings.length > 0) {
      try {
        reassessment = { sweepId: (await startPriceSweep(stores, tenantId, underlyings, runner, now)).sweepId, underlyings };
      } catch (error) {
        // The push is stored: a failure to start its sweep must not refuse it. The scheduled sweep is the safety net.
        logError(error, c.get('requestId'));
      }
    }
    const dropped = previous ? Object.keys(previous.market).filter((symbol) => !(symbol in update.market)).sort() : [];
    const warnings = dropped.length === 0 ? [] : [{
      code: 'symbols_dropped' as const,
      symbols: dropped,
      message: `this push has no price for ${dropped.join(', ')}, which the previous one had: the market data is replaced, so accounts holding or trading them cannot be assessed until a push prices them again`,
    }];
    return c.json({ ...body(stored), reassessment, warnings }, 200);
  });

  app.openapi(getMarket, async (c) => {
    const market = await stores.market.get(c.get('tenantId'));
    if (!market) throw problems.notFound('no market data yet: PUT /v1/market first');
    return c.json(body(market), 200);
  });
}

/**
 * The symbols of `next` whose entry (price, volatility, …) differs from `previous`'s, new
 * ones included (all of them on a first push), sorted. A symbol dropped from the market is
 * not one: its accounts cannot be assessed without it.
 */
function changedSymbols(previous: MarketData | undefined, next: MarketData['market']): string[] {
  return Object.keys(next)
    .filter((symbol) => {
      const before = previous?.market[symbol];
      return before === undefined || JSON.stringify(before) !== JSON.stringify(next[symbol]);
    })
    .sort();
}

/** Prices that moved more than the profile allows since the previous push. */
function priceJumps(previous: MarketData, next: Record<string, { price: number }>): FieldIssue[] {
  const limit = MARKET_PROFILE.market.maxPriceMove;
  const issues: FieldIssue[] = [];
  for (const [symbol, entry] of Object.entries(next)) {
    const before = previous.market[symbol]?.price;
    if (before === undefined) continue;
    if (!withinMoveLimit(before, entry.price, limit)) {
      const move = priceMove(before, entry.price);
      issues.push({
        field: `market.${symbol}.price`,
        message: `moved ${(move * 100).toFixed(1)}% from ${before} (limit ±${(limit * 100).toFixed(0)}%); send force: true if it is real`,
      });
    }
  }
  return issues;
}
