import { portfolioFor, type RiskProfile } from '../risk/profile-schema.ts';
import type { RangeForecast } from '../risk/volatility/forecaster.ts';
import { FORECASTERS } from '../risk/volatility/models.ts';
import type { Stores } from '../store/index.ts';
import { dayOf, HISTORY_RETENTION_DAYS } from '../store/market-history.ts';

const DAY_MS = 86_400_000;
/** A day's series changes once a day: a forecast is reused in this process for this long. */
const CACHE_MS = 5 * 60_000;
const cache = new Map<string, { forecast: RangeForecast | null; until: number }>();
/** Past this many entries, expired ones are dropped before another is added. */
const MAX_CACHED = 10_000;

/** The symbols whose grids a book has: its positions' underlyings and its collateral other than the profile's stable assets. */
export function gridSymbols(book: { readonly positions: readonly { readonly instrument: { readonly underlying: string } }[]; readonly collateral: readonly { readonly asset: string }[] }, profile: RiskProfile): string[] {
  const symbols = new Set(book.positions.map((p) => p.instrument.underlying));
  for (const c of book.collateral) if (!profile.stableAssets.includes(c.asset)) symbols.add(c.asset);
  return [...symbols];
}

/**
 * The 24-hour volatility forecasts that the underlyings among `symbols` with a dynamic
 * scenario range need, from the tenant's daily closes (docs/margin.md, "Dynamic range");
 * null for a symbol with too little history (its floor applies). Undefined when no grid is
 * dynamic: no read at all.
 */
export async function forecastsFor(stores: Stores, tenantId: string, profile: RiskProfile, symbols: readonly string[], now: Date): Promise<Record<string, RangeForecast | null> | undefined> {
  if (profile.marginModel !== 'portfolio') return undefined;
  // The underlyings whose grid is dynamic (the profile's setting, or their own override).
  const dynamic = symbols.flatMap((symbol) => {
    const settings = portfolioFor(profile.portfolio, symbol).scenarioRange;
    return settings?.mode === 'dynamic' ? [{ symbol, settings }] : [];
  });
  if (dynamic.length === 0) return undefined;
  const entries = await Promise.all(
    dynamic.map(async ({ symbol, settings }): Promise<[string, RangeForecast | null]> => {
      const key = `${tenantId}\u0000${symbol}\u0000${settings.model}\u0000${settings.confidence}\u0000${dayOf(now)}`;
      const hit = cache.get(key);
      if (hit && hit.until > now.getTime()) return [symbol, hit.forecast];
      const returns = await dailyReturns(stores, tenantId, symbol, now);
      const forecast = FORECASTERS[settings.model]().forecast(returns, settings.confidence);
      if (cache.size >= MAX_CACHED) for (const [k, v] of cache) if (v.until <= now.getTime()) cache.delete(k);
      cache.set(key, { forecast, until: now.getTime() + CACHE_MS });
      return [symbol, forecast];
    }),
  );
  return Object.fromEntries(entries);
}

/** Log returns between consecutive days' closes, oldest first; a missing day breaks the chain (no two-day return counts as one). */
async function dailyReturns(stores: Stores, tenantId: string, symbol: string, now: Date): Promise<number[]> {
  const closes = await stores.marketHistory.closes(tenantId, symbol, new Date(now.getTime() - HISTORY_RETENTION_DAYS * DAY_MS), now, '1d');
  const returns: number[] = [];
  for (let k = 1; k < closes.length; k++) {
    const [a, b] = [closes[k - 1]!, closes[k]!];
    if (Date.parse(b.hour) - Date.parse(a.hour) === DAY_MS && a.close > 0 && b.close > 0) returns.push(Math.log(b.close / a.close));
  }
  return returns;
}
