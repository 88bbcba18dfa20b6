import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.ts';
import { tenantCaller } from '../../test/api-calls.ts';
import { freshStores } from '../../test/dynamo.ts';
import { PROFILES } from '../risk/built-in-profiles.ts';
import { filteredHistoricalSimulation } from '../risk/volatility/forecaster.ts';
import type { Stores } from '../store/index.ts';
import { dayOf } from '../store/market-history.ts';
import { forecastsFor } from './forecasts.ts';

let stores: Stores;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, logError: () => {} });
});

const DAY = 86_400_000;
/** A deterministic zig-zag of daily log returns ±`step` around a flat price: every return's size is known. */
function zigzag(days: number, step: number, end: Date): Array<{ hour: string; close: number }> {
  const start = Date.parse(dayOf(end)) - days * DAY;
  return Array.from({ length: days }, (_, k) => ({ hour: new Date(start + k * DAY).toISOString(), close: 100 * Math.exp(k % 2 === 0 ? 0 : step) }));
}

describe('dynamic ranges from the tenant history', () => {
  it('forecasts from the daily closes (the FHS of exactly those returns), and nothing for a symbol without history', async () => {
    const { tenantId } = await tenantCaller(stores, app, 'forecasts');
    const now = new Date();
    const closes = zigzag(400, 0.03, now);
    await stores.marketHistory.putCloses(tenantId, 'ETH', closes, 'import', '1d');
    const forecasts = await forecastsFor(stores, tenantId, PROFILES.dynamic!, ['ETH', 'SOL'], now);
    const returns = closes.slice(1).map((c, k) => Math.log(c.close / closes[k]!.close));
    expect(forecasts).toEqual({ ETH: filteredHistoricalSimulation({ lambda: 0.94, window: 1000 }).forecast(returns, 0.99), SOL: null });
    expect(await forecastsFor(stores, tenantId, PROFILES.default!, ['ETH'], now)).toBeUndefined();
  });

  it('an assessment under the dynamic profile reaches each underlying’s forecast, or its floor without history', async () => {
    const { tenantId, call } = await tenantCaller(stores, app, 'forecasts-assess');
    await stores.marketHistory.putCloses(tenantId, 'ETH', zigzag(400, 0.03, new Date()), 'import', '1d');
    const answer = await call('POST', '/v1/assessments', {
      accountId: 'a',
      asOf: new Date().toISOString(),
      profile: 'dynamic',
      collateral: [{ asset: 'USD', amount: 10_000 }],
      positions: [
        { id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1, entryPrice: 3_000 },
        { id: 'sol', instrument: { type: 'perpetual', underlying: 'SOL' }, quantity: 10, entryPrice: 150 },
      ],
      market: { ETH: { price: 3_000 }, SOL: { price: 150 } },
    });
    expect(answer.status).toBe(201);
    const { ETH, SOL } = answer.body.greeks;
    // 399 daily returns, of which the first 30 seed the EWMA (docs/volatility.md): 369 standardised ones.
    expect(ETH.scenarioRange).toMatchObject({ basis: expect.stringMatching(/^(forecast|floor)$/), observations: 369 });
    expect(SOL.scenarioRange).toEqual({ down: 0.08, up: 0.08, basis: 'floor', volatility: null, observations: null });
    // A long perpetual's requirement is its grid's fall: MM(SOL) = 10 × 150 × 0.08.
    expect(SOL.maintenanceMargin).toBeCloseTo(10 * 150 * 0.08, 9);
    expect(ETH.maintenanceMargin).toBeCloseTo(3_000 * ETH.scenarioRange.down, 9);
  });

  it('a push that closes a day keeps its prices as that day’s close', async () => {
    const { tenantId, call } = await tenantCaller(stores, app, 'forecasts-days');
    const today = Date.parse(dayOf(new Date()));
    await call('PUT', '/v1/market', { market: { BTC: { price: 100_000 } }, asOf: new Date(today - DAY + 3_600_000).toISOString() });
    await call('PUT', '/v1/market', { market: { BTC: { price: 101_000 } }, asOf: new Date(today - DAY + 7_200_000).toISOString() });
    await call('PUT', '/v1/market', { market: { BTC: { price: 99_000 } }, asOf: new Date(today + 60_000).toISOString() });
    expect(await stores.marketHistory.closes(tenantId, 'BTC', new Date(today - 2 * DAY), new Date(today + DAY), '1d')).toEqual([
      { hour: new Date(today - DAY).toISOString(), close: 101_000 },
    ]);
  });
});
