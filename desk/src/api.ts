/**
 * The desk talks to the API it is served by, through the same typed client integrators
 * generate (openapi-fetch over openapi/client/schema.d.ts), with the key the user signed in with.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../../openapi/client/schema.d.ts';

export type Schemas = components['schemas'];
export type Api = Client<paths>;

/** Where the key lives: this tab only (sessionStorage), gone when the tab closes. */
const KEY_STORAGE = 'softland.desk.apiKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

export function apiFor(key: string): Api {
  return createClient<paths>({ baseUrl: location.origin, headers: { Authorization: `Bearer ${key}` } });
}

/** A problem+json answer (RFC 9457), as the API sends every error. */
export interface Problem {
  readonly status: number;
  readonly code?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }
}

/** The data of an answer, or an ApiError carrying its problem. */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (data !== undefined && response.ok) return data;
  const body = (error ?? {}) as Partial<Problem>;
  throw new ApiError({ ...body, status: response.status });
}

/** Every page of a listing, in order, calling `onPage` as each arrives (first rows show before the last page). */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ data: T[]; hasMore: boolean; nextCursor: string | null }>,
  onPage?: (items: readonly T[]) => void,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    all.push(...page.data);
    onPage?.(page.data);
    if (!page.hasMore || page.nextCursor === null) return all;
    cursor = page.nextCursor;
  }
}
