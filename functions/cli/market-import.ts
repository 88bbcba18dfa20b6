import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CandleFileError, gapsOf, guardCandles, parseCandles, type Candle } from '../../shared/replay/candles.ts';
import { MARKET_PROFILE } from '../../shared/sweeps/account-assessment.ts';
import type { Stores } from '../../shared/store/index.ts';
import { dayOf, hourOf, type HourlyClose } from '../../shared/store/market-history.ts';
import type { AdminIo } from './admin.ts';
import { storesFromEnv } from '../shared-env.ts';

const USAGE = `Usage:
  softland market import TENANT_ID --prices FILE.csv [--prices FILE.csv …]

Loads price history (CSV candles with the header time,symbol,open,high,low,close,quote_volume;
times ISO 8601 UTC; docs/replay.md, "Real histories") into the tenant's market history, one close
per symbol and hour (and day), for volatility forecasts. Every file is read and checked first: a bad
file names its line and column and nothing is written. Prices the market guard refuses
(a move beyond 30% from the last accepted price) are replaced by the accepted one and
reported. Uses DYNAMODB_ENDPOINT (or the usual AWS settings) and SOFTLAND_TABLE_PREFIX.
`;

/** The last close of each hour (or day: `periodOf` = dayOf), per symbol, oldest first. */
export function lastCloses(candles: readonly Candle[], periodOf: (t: Date) => string = hourOf): Map<string, HourlyClose[]> {
  const bySymbol = new Map<string, Map<string, number>>();
  for (const c of candles) {
    const hours = bySymbol.get(c.symbol) ?? new Map<string, number>();
    hours.set(periodOf(new Date(c.time)), c.close); // candles are in time order: the last one of the period wins
    bySymbol.set(c.symbol, hours);
  }
  return new Map([...bySymbol].map(([symbol, hours]) => [symbol, [...hours].map(([hour, close]) => ({ hour, close }))]));
}

export async function marketCommand(args: readonly string[], io: AdminIo, stores?: Stores): Promise<number> {
  const usage = () => {
    io.stderr(USAGE);
    return 2;
  };
  let parsed: { positionals: string[]; values: { prices?: string[] | undefined } };
  try {
    parsed = parseArgs({ args: [...args], options: { prices: { type: 'string', multiple: true } }, allowPositionals: true, strict: true });
  } catch {
    return usage();
  }
  const [action, tenantId, ...extra] = parsed.positionals;
  const files = parsed.values.prices ?? [];
  if (action !== 'import' || !tenantId || extra.length > 0 || files.length === 0) return usage();

  let candles: Candle[];
  try {
    candles = files.flatMap((file) => parseCandles(readFileSync(file, 'utf8'), file));
  } catch (error) {
    if (error instanceof CandleFileError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stderr(`softland: ${(error as Error).message}\nNothing was imported.\n`);
      return 2;
    }
    throw error;
  }
  candles.sort((a, b) => a.time - b.time);
  const guarded = guardCandles(candles, MARKET_PROFILE.market.maxPriceMove);
  const db = stores ?? storesFromEnv();
  if (!(await db.tenants.get(tenantId))) {
    io.stderr(`softland: no tenant ${tenantId}\nNothing was imported.\n`);
    return 2;
  }
  const summary: Record<string, { hours: number; from: string; to: string; rejected: number; gaps: number }> = {};
  const gaps = gapsOf(guarded.candles, 3_600_000); // a missing hour of the stored series
  const daily = lastCloses(guarded.candles, dayOf);
  for (const [symbol, closes] of lastCloses(guarded.candles)) {
    await db.marketHistory.putCloses(tenantId, symbol, closes, 'import');
    await db.marketHistory.putCloses(tenantId, symbol, daily.get(symbol)!, 'import', '1d');
    summary[symbol] = {
      hours: closes.length,
      from: closes[0]!.hour,
      to: closes.at(-1)!.hour,
      rejected: guarded.rejected.filter((r) => r.symbol === symbol).length,
      gaps: gaps.filter((g) => g.symbol === symbol).length,
    };
  }
  io.stdout(`${JSON.stringify({ tenantId, symbols: summary }, null, 2)}\n`);
  return 0;
}
