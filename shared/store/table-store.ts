import { GetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { decodeCursor, encodeCursor, keyOf, type KeyShape } from './codec.ts';
import { guarded } from './errors.ts';

export interface Page<T> {
  readonly items: T[];
  /** Opaque cursor of the next page, or null at the end. */
  readonly nextCursor: string | null;
}

/** A repository over one table: the client and the table's physical name. */
export abstract class TableStore {
  constructor(
    protected readonly db: DynamoDBClient,
    protected readonly table: string,
  ) {}

  /**
   * One page of a listing query. It reads one item past the page, so a next page is
   * promised only when an item is left for it (DynamoDB's LastEvaluatedKey is also set
   * when the page merely ends where the items do, which would give `hasMore: true` and an
   * empty last page). The cursor is the key of the page's last item, shaped by `shape`,
   * which a client's cursor is checked against before DynamoDB sees it.
   */
  protected async listPage(
    query: QueryCommandInput,
    page: { limit: number; cursor?: string | undefined },
    shape: KeyShape,
  ): Promise<Page<Record<string, AttributeValue>>> {
    const start = page.cursor === undefined ? undefined : decodeCursor(page.cursor, shape);
    const items = await this.firstItems({ ...query, ExclusiveStartKey: start }, page.limit + 1);
    const shown = items.slice(0, page.limit);
    return { items: shown, nextCursor: items.length > page.limit ? encodeCursor(keyOf(shown.at(-1)!, shape)) : null };
  }

  /** The first `count` items a query matches (fewer if it has fewer), across its pages: a query also stops at 1 MB of items. */
  protected async firstItems(query: QueryCommandInput, count: number): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start = query.ExclusiveStartKey;
    do {
      const result = await guarded(() => this.db.send(new QueryCommand({ ...query, Limit: count - items.length, ExclusiveStartKey: start })));
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start !== undefined && items.length < count);
    return items;
  }

  /** Every item a query matches, across all its pages (a query stops at 1 MB of items). */
  protected async queryAll(query: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await guarded(() => this.db.send(new QueryCommand({ ...query, ExclusiveStartKey: start })));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * The `body` attributes of the items at `keys` (a large body's overflow parts), in
   * order; undefined when one is missing, deleted by a concurrent write. One consistent
   * GetItem each, in parallel: a Query for them would stop at 1 MB, under three parts.
   */
  protected async bodies(keys: readonly Record<string, AttributeValue>[]): Promise<Uint8Array[] | undefined> {
    const items = await Promise.all(
      keys.map(async (Key) => (await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key, ConsistentRead: true })))).Item),
    );
    const bodies = items.map((item) => item?.['body']?.B);
    return bodies.every((b) => b !== undefined) ? bodies : undefined;
  }
}

type Item = Record<string, AttributeValue>;

/** One partition in a merge: the items read so far, how far they are merged, where its query goes on. */
interface Stream {
  readonly query?: QueryCommandInput;
  items: Item[];
  at: number;
  start?: Record<string, AttributeValue> | undefined;
  done: boolean;
  /** How many to read next. */
  next: number;
}

/**
 * The first `count` distinct values of the string attribute `key` (the sort key the
 * partitions share), with every item that carries them, from `queries` on several partitions
 * and from `read`, lists already read that must reach at least that far (`count` distinct
 * values, or all there is); in `key` order. Each partition is read a few items at a time,
 * only as far as the merge needs: over 16 shards a page of 100 reads about 200 items, where
 * reading 100 from each would read 1,600.
 */
export async function mergedFirst(db: DynamoDBClient, queries: readonly QueryCommandInput[], key: string, count: number, read: readonly Item[][] = []): Promise<Item[]> {
  const of = (item: Item) => item[key]?.S ?? '';
  // Enough for each partition's expected share and two standard deviations more, uniform hashing assumed.
  const share = count / Math.max(1, queries.length);
  const chunk = Math.min(count, Math.ceil(share + 2 * Math.sqrt(share)) + 1);
  const streams: Stream[] = [
    ...queries.map((query) => ({ query, items: [], at: 0, start: query.ExclusiveStartKey, done: false, next: chunk })),
    ...read.map((items) => ({ items, at: 0, done: true, next: 0 })),
  ];
  const readOn = async (stream: Stream) => {
    const { query } = stream;
    if (!query) return;
    const result = await guarded(() => db.send(new QueryCommand({ ...query, Limit: stream.next, ExclusiveStartKey: stream.start })));
    // A partition that holds more of the page than its share: twice as many next time, so a page takes few round trips.
    stream.next = Math.min(2 * stream.next, count);
    stream.items = result.Items ?? [];
    stream.at = 0;
    stream.start = result.LastEvaluatedKey;
    stream.done = stream.start === undefined;
  };
  const usedUp = (st: Stream) => st.at >= st.items.length && !st.done;
  const out: Item[] = [];
  let distinct = 0;
  let last: string | undefined;
  for (;;) {
    // A partition whose items read so far are merged is read on before any head is compared,
    // again if a page came back empty (a query page stops at 1 MB, or may hold nothing).
    for (let dry = streams.filter(usedUp); dry.length > 0; dry = streams.filter(usedUp)) await Promise.all(dry.map(readOn));
    let best: Stream | undefined;
    for (const st of streams) if (st.at < st.items.length && (!best || of(st.items[st.at]!) < of(best.items[best.at]!))) best = st;
    if (!best) return out;
    const item = best.items[best.at]!;
    if (of(item) !== last) {
      if (distinct === count) return out;
      distinct++;
      last = of(item);
    }
    out.push(item);
    best.at++;
  }
}
