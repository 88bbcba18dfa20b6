import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { must, type Api, type Schemas } from '../api.ts';
import { ago, price, qty, ratio, time, usd } from '../format.ts';
import { useNow, usePolling } from '../hooks.ts';
import { ErrorNote, Loading, TierBadge } from '../ui.ts';

type Liquidation = Schemas['Liquidation'];
type Step = Liquidation['steps'][number];

const REFRESH_MS = 2_000;
const ACTIVE = new Set(['open', 'partially_filled', 'escalated']);

/**
 * A step's auction price at `now`: the sale factor falls linearly from startFactor to
 * endFactor over durationMinutes, a buy-back's is 2 − that (docs/liquidations.md); the
 * server's `auctionPrice` is the same at its `pricedAt`, this keeps it moving in between.
 */
export function auctionPriceAt(step: Step, auction: Liquidation['auction'], now: number): number {
  const minutes = Math.max(0, (now - Date.parse(step.auctionStartedAt)) / 60_000);
  const progress = auction.durationMinutes > 0 ? Math.min(1, minutes / auction.durationMinutes) : 1;
  const sale = auction.startFactor + (auction.endFactor - auction.startFactor) * progress;
  return step.referencePrice * (step.action === 'sell' ? sale : 2 - sale);
}

/** Open liquidations, each step's auction price moving, fills as they arrive. */
export function Liquidations({ api }: { api: Api }) {
  const [all, setAll] = useState(false);
  const list = usePolling(() => must(api.GET('/v1/liquidations', { params: { query: { limit: 50, ...(all ? {} : { status: 'active' as const }) } } })), REFRESH_MS, [api, all]);
  const now = useNow(250);
  return html`<section aria-labelledby="liquidations-title">
    <h1 id="liquidations-title">Liquidations</h1>
    <label class="check"><input type="checkbox" checked=${all} onChange=${(e: Event) => setAll((e.target as HTMLInputElement).checked)} /> Show closed ones too</label>
    <${ErrorNote} error=${list.error} what="Liquidations" />
    ${list.data
      ? list.data.data.length === 0
        ? html`<p class="muted">No ${all ? '' : 'active '}liquidation. Softland opens one when a registered account reaches tier 1 and its profile runs liquidations (docs/liquidations.md).</p>`
        : list.data.data.map((l) => html`<${LiquidationCard} key=${l.id} l=${l} now=${now} />`)
      : list.error
        ? null
        : html`<${Loading} what="liquidations" />`}
  </section>`;
}

function LiquidationCard({ l, now }: { l: Liquidation; now: number }) {
  const active = ACTIVE.has(l.status);
  const byStep = new Map(l.steps.map((s) => [s.stepId, s]));
  return html`<article class="card" aria-labelledby=${`liq-${l.id}`}>
    <h2 id=${`liq-${l.id}`}><code>${l.id}</code> on <a href=${`#/accounts/${encodeURIComponent(l.accountId)}`}>${l.accountId}</a> <span class="tag">${l.status.replace('_', ' ')}</span></h2>
    <p>
      Opened ${ago(l.openedAt, now)} in <${TierBadge} tier=${l.tier} />, revision ${l.revision}; restores margin ratio ${ratio(l.targetMarginRatio)}.
      Account now: equity ${usd(l.account.equity)}, margin ratio ${ratio(l.account.marginRatio)}, <${TierBadge} tier=${l.account.tier} />.
      Auction ${l.auction.startFactor} → ${l.auction.endFactor} over ${l.auction.durationMinutes} min.
    </p>
    <div class="table-wrap"><table>
      <caption class="visually-hidden">Steps of ${l.id}</caption>
      <thead><tr><th scope="col">Step</th><th scope="col">What</th><th scope="col" class="num">Remaining</th><th scope="col" class="num">Reference</th><th scope="col" class="num">Auction price now</th><th scope="col">Started</th></tr></thead>
      <tbody>
        ${l.steps.map(
          (s) => html`<tr data-step=${s.stepId}>
            <th scope="row"><code>${s.stepId}</code></th>
            <td>${s.action === 'sell' ? 'Sell' : 'Buy back'} ${s.positionId ? html`<code>${s.positionId}</code>` : s.asset}</td>
            <td class="num">${qty(s.remaining)} / ${qty(s.quantity)}</td>
            <td class="num">${price(s.referencePrice)}</td>
            <td class="num auction-price">${active && s.remaining > 0 ? price(auctionPriceAt(s, l.auction, now)) : '—'}</td>
            <td>${ago(s.auctionStartedAt, now)}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>
    ${l.fills.length > 0
      ? html`<h3>Fills</h3><ul class="fills">
          ${[...l.fills].reverse().map((f) => {
            const step = byStep.get(f.stepId);
            return html`<li><code>${f.fillId}</code>: ${qty(f.quantity)} ${step?.positionId ?? step?.asset ?? ''} at ${price(f.price)} (discount ${usd(f.discount)}) by <code>${f.filledBy}</code>, ${time(f.filledAt)}</li>`;
          })}
        </ul>`
      : html`<p class="muted">No fill yet.</p>`}
  </article>`;
}
