import { BatchWriteItemCommand, type AttributeValue, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { guarded } from './errors.ts';
import { numberAttr, readNumber } from './codec.ts';
import type { MarketData } from './market.ts';
import { TableStore } from './table-store.ts';

/** One hour (or day) of an underlying's history: the last price seen in it. */
export interface HourlyClose {
  /** The start of the hour (or day), ISO 8601 UTC, e.g. `2026-11-26T14:00:00.000Z`. */
  readonly hour: string;
  readonly close: number;
}

/** Hourly closes, and daily ones (what the volatility forecasts read: a day's series is a query, not 24). */
export type Resolution = '1h' | '1d';

/**
 * How long history is kept: 1,500 days. A volatility forecast rests on up to 1,000 daily
 * returns (docs/volatility.md) and a stressed look-back on more; older hours expire (TTL).
 */
export const HISTORY_RETENTION_DAYS = 1_500;

/** The start of the hour `t` falls in. */
export function hourOf(t: Date | string): string {
  return startOf(t, 3_600_000);
}

/** The start of the UTC day `t` falls in. */
export function dayOf(t: Date | string): string {
  return startOf(t, 86_400_000);
}

function startOf(t: Date | string, period: number): string {
  const ms = typeof t === 'string' ? Date.parse(t) : t.getTime();
  return new Date(ms - (ms % period)).toISOString();
}

const seriesKey = (tenantId: string, symbol: string, resolution: Resolution) => (resolution === '1h' ? `${tenantId}#${symbol}` : `${tenantId}#${symbol}#1d`);

type Item = Record<string, AttributeValue>;

/**
 * Each tenant's price history per underlying, one item per hour (`<tenantId>#<SYMBOL>`,
 * sorted by hour): the history volatility forecasts read. Written from market pushes (the
 * last price of each hour, once the hour is over) and from imported candles.
 */
export class MarketHistoryStore extends TableStore {
  private item(tenantId: string, symbol: string, c: HourlyClose, source: 'push' | 'import', resolution: Resolution): Item {
    const expires = Math.floor(Date.parse(c.hour) / 1000) + HISTORY_RETENTION_DAYS * 86_400;
    return {
      seriesKey: { S: seriesKey(tenantId, symbol, resolution) },
      hour: { S: c.hour },
      close: numberAttr(c.close),
      source: { S: source },
      expiresAt: { N: String(expires) },
    };
  }

  /** Stores closes (replacing those of the same hours or days), 25 per request; unprocessed writes are retried. */
  async putCloses(tenantId: string, symbol: string, closes: readonly HourlyClose[], source: 'push' | 'import', resolution: Resolution = '1h'): Promise<void> {
    const requests: WriteRequest[] = closes.map((c) => ({ PutRequest: { Item: this.item(tenantId, symbol, c, source, resolution) } }));
    for (let i = 0; i < requests.length; i += 25) {
      let batch = requests.slice(i, i + 25);
      for (let attempt = 0; batch.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 25 * 2 ** attempt)));
        const result = await guarded(() => this.db.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: batch } })));
        batch = result.UnprocessedItems?.[this.table] ?? [];
      }
    }
  }

  /**
   * Closes the hour (and, when `dayOver`, the day) of a market push: each of its prices is
   * that hour's (day's) close of its symbol.
   */
  async putPushedCloses(tenantId: string, pushed: MarketData, dayOver: boolean): Promise<void> {
    const writes = Object.entries(pushed.market).flatMap(([symbol, entry]) => [
      this.putCloses(tenantId, symbol, [{ hour: hourOf(pushed.asOf), close: entry.price }], 'push'),
      ...(dayOver ? [this.putCloses(tenantId, symbol, [{ hour: dayOf(pushed.asOf), close: entry.price }], 'push', '1d')] : []),
    ]);
    await Promise.all(writes);
  }

  /** The closes of `symbol` from `from` (inclusive) to `to` (exclusive), oldest first. */
  async closes(tenantId: string, symbol: string, from: Date, to: Date, resolution: Resolution = '1h'): Promise<HourlyClose[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'seriesKey = :k AND #h BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#h': 'hour' },
      ExpressionAttributeValues: { ':k': { S: seriesKey(tenantId, symbol, resolution) }, ':from': { S: from.toISOString() }, ':to': { S: new Date(to.getTime() - 1).toISOString() } },
    });
    return items.map((i) => ({ hour: i['hour']!.S!, close: readNumber(i['close'] as { S: string }) }));
  }

}
