import { html } from 'htm/preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import { must, type Api } from '../api.ts';
import { ago, pct, price, ratio, usd } from '../format.ts';
import { oncePerFrame, useNow, usePolling } from '../hooks.ts';
import { ErrorNote, Loading, TIER_LABELS, TIERS, TierBadge, type Tier } from '../ui.ts';
import { AccountBoard, byMarginRatio, type Account, type RiskSummary } from './account-board.ts';

const REFRESH_MS = 3_000;
/** The counts (GET /v1/risk-summary) read every account item: once at the start, then for the total and the unassessed only, this often. */
const COUNTS_EVERY_MS = 60_000;
const PAGE_ROWS = 100;

/** Counts per tier, every account by margin ratio (riskiest first), filters; refreshes by itself. */
export function Overview({ api }: { api: Api }) {
  const [summary, setSummary] = useState<RiskSummary | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const [shown, setShown] = useState<ReadonlySet<Tier>>(new Set());
  const [search, setSearch] = useState('');
  const [topUpOnly, setTopUpOnly] = useState(false);
  const [page, setPage] = useState(0);
  // Rows arrive page by page: redraw at most once a frame.
  const board = useMemo(() => new AccountBoard(api, oncePerFrame(() => setVersion((v) => v + 1))), [api]);
  const countedAt = useRef(Number.NEGATIVE_INFINITY);
  const { error, data: refreshedAt } = usePolling(
    async () => {
      const counting = Date.now() - countedAt.current >= COUNTS_EVERY_MS;
      if (counting) countedAt.current = Date.now();
      const counts = counting ? must(api.GET('/v1/risk-summary')).then(setSummary) : undefined;
      await Promise.all([counts, board.refresh()]);
      return Date.now();
    },
    REFRESH_MS,
    [api],
  );
  const now = useNow(1000);

  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return [...board.rows.values()]
      .filter((a) => shown.size === 0 || (a.tier !== null && shown.has(a.tier)))
      .filter((a) => !needle || a.accountId.toLowerCase().includes(needle))
      .filter((a) => !topUpOnly || (a.lastAssessment?.collateralTopUp ?? 0) > 0)
      .sort(byMarginRatio);
  }, [board, version, shown, search, topUpOnly]);
  // Once the board has listed every tier, its own tally is the count per tier (fresher than the last count query).
  const tiers = board.complete ? board.tally() : summary?.tiers;
  const assessed = board.complete ? board.rows.size : summary ? summary.accounts - summary.unassessed : 0;
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
  const current = Math.min(page, pages - 1);
  // Any change of filter starts again from the first page.
  const onSearch = (e: Event) => {
    setSearch((e.target as HTMLInputElement).value);
    setPage(0);
  };
  const onTopUpOnly = (e: Event) => {
    setTopUpOnly((e.target as HTMLInputElement).checked);
    setPage(0);
  };
  const toggle = (tier: Tier) => {
    const next = new Set(shown);
    if (next.has(tier)) next.delete(tier);
    else next.add(tier);
    setShown(next);
    setPage(0);
  };

  return html`<section aria-labelledby="overview-title">
    <h1 id="overview-title">Overview</h1>
    <${ErrorNote} error=${error} what="Refreshing" />
    ${summary
      ? html`<div class="tiles" role="group" aria-label="Accounts per tier: select tiers to show">
          ${TIERS.map(
            (tier) => html`<button type="button" class=${`tile tile-${tier}`} aria-pressed=${shown.has(tier)} onClick=${() => toggle(tier)} data-tier=${tier}>
              <span class="tile-count">${(tiers?.[tier] ?? 0).toLocaleString('en-US')}</span>
              <span class="tile-label">${TIER_LABELS[tier]}</span>
            </button>`,
          )}
        </div>
        <p class="muted" aria-live="polite">
          ${assessed.toLocaleString('en-US')} account${assessed === 1 ? '' : 's'}${summary.unassessed > 0 ? ` (and ${summary.unassessed} not assessed yet)` : ''}
          ${refreshedAt ? ` · updated ${ago(new Date(refreshedAt).toISOString(), now)}` : ''}
        </p>`
      : error
        ? null
        : html`<${Loading} what="the book" />`}
    <div class="filters">
      <label>Account <input type="search" value=${search} onInput=${onSearch} placeholder="id contains…" /></label>
      <label class="check"><input type="checkbox" checked=${topUpOnly} onChange=${onTopUpOnly} /> Needs a top-up</label>
    </div>
    <div class="table-wrap">
      <table class="accounts" aria-describedby="overview-title">
        <thead>
          <tr><th scope="col">Account</th><th scope="col">Tier</th><th scope="col" class="num">Margin ratio</th><th scope="col" class="num">Equity</th><th scope="col" class="num">Top-up needed</th><th scope="col">Next tier at</th><th scope="col">Assessed</th></tr>
        </thead>
        <tbody>
          ${rows.slice(current * PAGE_ROWS, (current + 1) * PAGE_ROWS).map((a) => html`<${AccountRow} key=${a.accountId} account=${a} now=${now} />`)}
        </tbody>
      </table>
    </div>
    ${rows.length === 0 && summary ? html`<p class="muted">No account matches.</p>` : null}
    ${pages > 1
      ? html`<nav class="pager" aria-label="Pages of accounts">
          <button type="button" disabled=${current === 0} onClick=${() => setPage(current - 1)}>Previous</button>
          <span>Page ${current + 1} of ${pages} (${rows.length.toLocaleString('en-US')} accounts)</span>
          <button type="button" disabled=${current >= pages - 1} onClick=${() => setPage(current + 1)}>Next</button>
        </nav>`
      : null}
  </section>`;
}

function AccountRow({ account: a, now }: { account: Account; now: number }) {
  const s = a.lastAssessment;
  const next = s?.nextTierPrice;
  return html`<tr data-account=${a.accountId} data-tier=${a.tier ?? ''} data-ratio=${s?.marginRatio ?? ''}>
    <th scope="row"><a href=${`#/accounts/${encodeURIComponent(a.accountId)}`}>${a.accountId}</a></th>
    <td><${TierBadge} tier=${a.tier} />${a.activeLiquidationId ? html` <span class="tag">liquidating</span>` : null}${a.assessmentError ? html` <span class="tag tag-bad" title=${a.assessmentError.reason}>unassessable</span>` : null}</td>
    <td class="num">${ratio(s?.marginRatio)}</td>
    <td class="num">${usd(s?.equity)}</td>
    <td class="num">${s?.collateralTopUp ? usd(s.collateralTopUp) : '—'}</td>
    <td>${next ? `${TIER_LABELS[next.tier]} at ${next.underlying} ${price(next.price)} (${pct(next.move)})` : '—'}</td>
    <td>${s ? ago(s.asOf, now) : '—'}</td>
  </tr>`;
}
