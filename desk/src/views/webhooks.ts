import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { allPages, must, type Api, type Schemas } from '../api.ts';
import { ago, time } from '../format.ts';
import { useNow, usePolling } from '../hooks.ts';
import { ErrorNote, Loading } from '../ui.ts';

type Endpoint = Schemas['WebhookEndpoint'];
type Delivery = Schemas['WebhookDelivery'];

const REFRESH_MS = 5_000;

/** Endpoints with their circuit state, an endpoint's deliveries, and a retry for failed ones. */
export function Webhooks({ api }: { api: Api }) {
  const endpoints = usePolling(
    () => allPages((cursor) => must(api.GET('/v1/webhook-endpoints', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))),
    REFRESH_MS,
    [api],
  );
  const [selected, setSelected] = useState<string | null>(null);
  const now = useNow(5000);
  const chosen = selected ?? endpoints.data?.[0]?.id ?? null;
  return html`<section aria-labelledby="webhooks-title">
    <h1 id="webhooks-title">Webhooks</h1>
    <${ErrorNote} error=${endpoints.error} what="Endpoints" />
    ${endpoints.data === undefined
      ? endpoints.error
        ? null
        : html`<${Loading} what="endpoints" />`
      : endpoints.data.length === 0
        ? html`<p class="muted">No endpoint: POST /v1/webhook-endpoints registers one (docs/sweeps-and-webhooks.md).</p>`
        : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col">Endpoint</th><th scope="col">URL</th><th scope="col">State</th><th scope="col">Events</th><th scope="col"><span class="visually-hidden">Deliveries</span></th></tr></thead>
              <tbody>${endpoints.data.map((e) => html`<${EndpointRow} key=${e.id} e=${e} now=${now} selected=${e.id === chosen} onSelect=${() => setSelected(e.id)} />`)}</tbody>
            </table></div>
            ${chosen ? html`<${Deliveries} api=${api} endpointId=${chosen} now=${now} />` : null}`}
  </section>`;
}

function EndpointRow({ e, now, selected, onSelect }: { e: Endpoint; now: number; selected: boolean; onSelect: () => void }) {
  const open = e.circuit.openUntil !== null && Date.parse(e.circuit.openUntil) > now;
  const state = !e.enabled ? `disabled${e.disabledReason ? ` (${e.disabledReason})` : ''}` : open ? `circuit open until ${time(e.circuit.openUntil)}` : e.circuit.failures > 0 ? `${e.circuit.failures} failures in a row` : 'delivering';
  return html`<tr class=${selected ? 'selected' : ''}>
    <th scope="row"><code>${e.id}</code>${e.description ? html`<div class="muted">${e.description}</div>` : null}</th>
    <td class="wrap">${e.url}</td>
    <td>${state}</td>
    <td>${e.events.join(', ')}</td>
    <td><button type="button" aria-pressed=${selected} onClick=${onSelect}>Deliveries</button></td>
  </tr>`;
}

function Deliveries({ api, endpointId, now }: { api: Api; endpointId: string; now: number }) {
  const list = usePolling(() => must(api.GET('/v1/webhook-endpoints/{id}/deliveries', { params: { path: { id: endpointId }, query: { limit: 50 } } })), REFRESH_MS, [api, endpointId]);
  const [retryError, setRetryError] = useState<unknown>(undefined);
  const retry = async (d: Delivery) => {
    setRetryError(undefined);
    await must(api.POST('/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry', { params: { path: { id: endpointId, deliveryId: d.id } } })).catch(setRetryError);
    list.refresh();
  };
  return html`<h2>Deliveries to <code>${endpointId}</code></h2>
    <${ErrorNote} error=${retryError} what="Retry" />
    <${ErrorNote} error=${list.error} what="Deliveries" />
    ${list.data === undefined
      ? list.error
        ? null
        : html`<${Loading} what="deliveries" />`
      : list.data.data.length === 0
        ? html`<p class="muted">No delivery yet.</p>`
        : html`<div class="table-wrap"><table>
            <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last attempt</th><th scope="col">Next</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
            <tbody>
              ${list.data.data.map(
                (d) => html`<tr data-delivery=${d.id}>
                  <th scope="row">${d.eventType}<div class="muted"><code>${d.eventId}</code></div></th>
                  <td><span class=${`tag delivery-${d.status}`}>${d.status}</span>${d.lastError ? html`<div class="muted">${d.lastError}${d.lastStatus ? ` (HTTP ${d.lastStatus})` : ''}</div>` : null}</td>
                  <td class="num">${d.attempts}</td>
                  <td>${d.lastAttemptAt ? ago(d.lastAttemptAt, now) : '—'}</td>
                  <td>${d.nextAttemptAt ? time(d.nextAttemptAt) : '—'}</td>
                  <td>${d.status === 'failed' ? html`<button type="button" onClick=${() => retry(d)}>Retry</button>` : null}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}`;
}
