import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import example from '../../../examples/tier1-perpetuals.json';
import { ApiError, must, type Api, type Schemas } from '../api.ts';
import { locateFields, spanOf } from '../json-locate.ts';
import { ErrorNote, TierBadge } from '../ui.ts';
import { Headline, Plan } from './account.ts';

type Assessment = Schemas['Assessment'];

/**
 * A registered account's book as a snapshot to edit: its collateral and positions with the
 * tenant's market now. The id gets a `:what-if` suffix, so the assessment this records
 * (POST /v1/assessments records every answer) never shows in the account's own history.
 */
async function snapshotOf(api: Api, accountId: string): Promise<unknown> {
  const [account, market] = await Promise.all([must(api.GET('/v1/accounts/{accountId}', { params: { path: { accountId } } })), must(api.GET('/v1/market'))]);
  return { accountId: `${accountId}:what-if`, asOf: new Date().toISOString(), collateral: account.collateral, positions: account.positions, market: market.market, profile: account.profile };
}

/** Paste or edit a snapshot and assess it; refused fields are listed and point at their line. */
export function WhatIf({ api, accountId }: { api: Api; accountId: string | null }) {
  const [text, setText] = useState(() => JSON.stringify({ ...example, asOf: new Date().toISOString() }, null, 2));
  const [result, setResult] = useState<Assessment | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const editor = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (!accountId) return;
    snapshotOf(api, accountId).then((s) => setText(JSON.stringify(s, null, 2)), setError);
  }, [api, accountId]);
  const spans = useMemo(() => locateFields(text), [text]);
  const problem = error instanceof ApiError ? error.problem : undefined;
  const fieldErrors = (problem?.errors ?? []).map((e) => ({ ...e, span: spanOf(spans, e.field) }));

  const assess = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new ApiError({ status: 400, title: 'Not JSON', detail: (e as Error).message });
      }
      setResult(await must(api.POST('/v1/assessments', { body: body as Schemas['Snapshot'] })));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const show = (start: number, end: number) => {
    const el = editor.current!;
    el.focus();
    el.setSelectionRange(start, end);
    // Scroll the selected line into view: the textarea does not always do it on its own.
    const line = text.slice(0, start).split('\n').length;
    el.scrollTop = Math.max(0, (line - 3) * (el.scrollHeight / Math.max(1, text.split('\n').length)));
  };

  return html`<section aria-labelledby="what-if-title">
    <h1 id="what-if-title">What if…</h1>
    <p class="muted">Edit a snapshot (collateral, positions, market) and assess it as POST /v1/assessments does. ${accountId ? html`Started from account <a href=${`#/accounts/${encodeURIComponent(accountId)}`}>${accountId}</a> with today's market.` : 'Started from examples/tier1-perpetuals.json.'}</p>
    <form onSubmit=${assess}>
      <label for="snapshot">Snapshot (JSON)</label>
      <textarea id="snapshot" ref=${editor} spellcheck=${false} rows="22" value=${text} onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}
        aria-invalid=${fieldErrors.length > 0} aria-describedby=${fieldErrors.length > 0 ? 'snapshot-errors' : undefined}></textarea>
      <p><button type="submit" disabled=${busy}>${busy ? 'Assessing…' : 'Assess'}</button></p>
    </form>
    ${fieldErrors.length > 0
      ? html`<div class="note error" role="alert" id="snapshot-errors">
          <strong>${problem?.title ?? 'Invalid snapshot'}</strong>: ${fieldErrors.length} field${fieldErrors.length === 1 ? '' : 's'} refused.
          <ul class="field-errors">
            ${fieldErrors.map(
              (e) => html`<li>
                ${e.span ? html`<button type="button" class="link" onClick=${() => show(e.span!.start, e.span!.end)}>line ${e.span.line}</button> ` : null}
                <code>${e.field}</code>: ${e.message}
              </li>`,
            )}
          </ul>
        </div>`
      : html`<${ErrorNote} error=${error} what="Assessment" />`}
    ${result
      ? html`<h2>Result <${TierBadge} tier=${result.tier} /></h2>
          <${Headline} a=${result} ladder=${undefined} />
          <${Plan} a=${result} />`
      : null}
  </section>`;
}
