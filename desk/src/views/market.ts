import { html } from 'htm/preact';
import { ApiError, must, type Api } from '../api.ts';
import { ago, pct, price } from '../format.ts';
import { useNow, usePolling } from '../hooks.ts';
import { ErrorNote, Loading } from '../ui.ts';

const REFRESH_MS = 5_000;
/** The built-in default profile's market rule: sweeps refuse market data older than this (docs/sweeps-and-webhooks.md). */
const DEFAULT_MAX_AGE_SECONDS = 300;

/** The tenant's latest prices, their age against the sweeps' limit, and volatilities. */
export function Market({ api }: { api: Api }) {
  const market = usePolling(
    () =>
      must(api.GET('/v1/market')).catch((e: unknown) => {
        if (e instanceof ApiError && e.problem.status === 404) return null; // nothing pushed yet
        throw e;
      }),
    REFRESH_MS,
    [api],
  );
  const profile = usePolling(() => must(api.GET('/v1/risk-profiles/{name}', { params: { path: { name: 'default' } } })), 0, [api]);
  const now = useNow(1000);
  const maxAge = profile.data?.profile.market.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const m = market.data;
  const age = m ? (now - Date.parse(m.asOf)) / 1000 : 0;
  return html`<section aria-labelledby="market-title">
    <h1 id="market-title">Market</h1>
    <${ErrorNote} error=${market.error} what="Market data" />
    ${m === undefined
      ? market.error
        ? null
        : html`<${Loading} what="market data" />`
      : m === null
        ? html`<p class="muted">No market data pushed yet: PUT /v1/market sends prices, and sweeps assess accounts with them.</p>`
        : html`<p class=${age > maxAge ? 'note error' : 'note'} role="status">
              Prices as of ${ago(m.asOf, now)} (stored ${ago(m.updatedAt, now)}).
              ${age > maxAge ? html`<strong> Stale: sweeps refuse market data older than ${maxAge} s; push prices.</strong>` : ` Sweeps accept them for another ${Math.max(0, Math.round(maxAge - age))} s.`}
            </p>
            <div class="table-wrap"><table>
              <thead><tr><th scope="col">Symbol</th><th scope="col" class="num">Price</th><th scope="col" class="num">Volatility</th></tr></thead>
              <tbody>
                ${Object.entries(m.market)
                  .sort(([a], [b]) => (a < b ? -1 : 1))
                  .map(([symbol, e]) => html`<tr><th scope="row">${symbol}</th><td class="num">${price(e.price)}</td><td class="num">${e.volatility === undefined ? '—' : pct(e.volatility).replace('+', '')}</td></tr>`)}
              </tbody>
            </table></div>`}
  </section>`;
}
