import { z } from 'zod';
import type { Page } from '../../../shared/store/table-store.ts';
import { queryInteger } from './common.ts';

/** Listings: the envelope of a page, its parameters, and the answer built from a store's page. */

/** What a listing's envelope says about itself and its items, for the OpenAPI document. */
export interface ListDescriptions {
  /** The component's description. */
  readonly description?: string;
  /** The `data` array's: what the items are, and in what order. */
  readonly data?: string;
}

/** A page of a listing, Stripe style: pass `nextCursor` as `cursor` for the next page (null on the last). */
export const listOf = <T extends z.ZodType>(item: T, id: string, describe: ListDescriptions = {}) =>
  z
    .object({
      object: z.literal('list').describe('Always `list`'),
      data: z.array(item).describe(describe.data ?? 'The items of this page'),
      hasMore: z.boolean().describe('Whether at least one more item follows; false on the last page (no empty page follows it)'),
      nextCursor: z
        .string()
        .nullable()
        .describe('Opaque cursor: pass it as `cursor` (with the same filters) for the next page; null on the last page'),
    })
    .meta({ id, description: describe.description ?? 'One page of a listing: pass `nextCursor` as `cursor` for the next page.' });

/** Listing parameters; any other parameter (a misspelt one, `limit[]`) is refused, not ignored. */
export const PageQuery = z.strictObject({
  limit: queryInteger(1, 100)
    .default(10)
    // Documented as what it is for clients: an integer (the digits-only rule is the parser's).
    .meta({ param: { name: 'limit', in: 'query' }, description: 'Page size, 1–100 (default 10)', type: 'integer', minimum: 1, maximum: 100, default: 10, pattern: undefined }),
  cursor: z.string().min(1).max(2048).optional().meta({ param: { name: 'cursor', in: 'query' }, description: 'nextCursor of the previous page' }),
});

/** A listing's answer in its envelope: `hasMore` exactly when there is a next page to ask for. */
export interface ListAnswer<T> {
  object: 'list';
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** A store's page as the API's list answer, each item as `body` shows it (as stored without one). */
export function listAnswer<T>(page: Page<T>): ListAnswer<T>;
export function listAnswer<T, B>(page: Page<T>, body: (item: T) => B): ListAnswer<B>;
export function listAnswer<T, B>(page: Page<T>, body?: (item: T) => B): ListAnswer<T | B> {
  return { object: 'list', data: body ? page.items.map((item) => body(item)) : page.items, hasMore: page.nextCursor !== null, nextCursor: page.nextCursor };
}
