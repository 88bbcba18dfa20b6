import { html } from 'htm/preact';
import { ApiError } from './api.ts';

/** Tiers, healthiest first, as the API names them. */
export const TIERS = ['healthy', 'warning', 'tier1', 'tier2', 'tier3', 'insolvent'] as const;
export type Tier = (typeof TIERS)[number];

export const TIER_LABELS: Readonly<Record<Tier, string>> = {
  healthy: 'Healthy',
  warning: 'Warning',
  tier1: 'Tier 1',
  tier2: 'Tier 2',
  tier3: 'Tier 3',
  insolvent: 'Insolvent',
};

export function TierBadge({ tier }: { tier: string | null | undefined }) {
  if (!tier) return html`<span class="tier tier-none">not assessed</span>`;
  return html`<span class=${`tier tier-${tier}`}>${TIER_LABELS[tier as Tier] ?? tier}</span>`;
}

/** An error from the API (its problem's detail and fields) or from the network, in words. */
export function ErrorNote({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    const p = error.problem;
    return html`<div class="note error" role="alert">
      <strong>${what ? `${what}: ` : ''}${p.title ?? `HTTP ${p.status}`}</strong>
      ${p.detail ? html` — ${p.detail}` : null}
      ${p.errors?.length ? html`<ul>${p.errors.map((e) => html`<li><code>${e.field}</code>: ${e.message}</li>`)}</ul>` : null}
    </div>`;
  }
  return html`<div class="note error" role="alert"><strong>${what ? `${what}: ` : ''}</strong>${String((error as Error)?.message ?? error)}</div>`;
}

export function Loading({ what }: { what: string }) {
  return html`<p class="muted" role="status">Loading ${what}…</p>`;
}

/** A figure with its label, for the cards at the top of a view. */
export function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return html`<div class="figure"><div class="figure-label">${label}</div><div class="figure-value">${value}</div>${hint ? html`<div class="figure-hint">${hint}</div>` : null}</div>`;
}
