/**
 * The Softland risk desk: a single page served at /desk, talking to the API it is served
 * by with the key the user signs in with. Views by URL hash, so every view has a link and
 * the browser's back button works; no framework router.
 */
import 'uplot/dist/uPlot.min.css';
import './desk.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { apiFor, storedKey, storeKey, type Api } from './api.ts';
import { AccountView } from './views/account.ts';
import { Liquidations } from './views/liquidations.ts';
import { Market } from './views/market.ts';
import { Overview } from './views/overview.ts';
import { Webhooks } from './views/webhooks.ts';
import { WhatIf } from './views/what-if.ts';

type Route =
  | { readonly view: 'overview' }
  | { readonly view: 'account'; readonly accountId: string }
  | { readonly view: 'liquidations' | 'market' | 'webhooks' }
  | { readonly view: 'what-if'; readonly accountId: string | null };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const account = /^\/accounts\/(.+)$/.exec(path);
  if (account) return { view: 'account', accountId: decodeURIComponent(account[1]!) };
  if (path === '/liquidations' || path === '/market' || path === '/webhooks') return { view: path.slice(1) as 'liquidations' | 'market' | 'webhooks' };
  if (path === '/what-if') return { view: 'what-if', accountId: new URLSearchParams(query).get('account') };
  return { view: 'overview' };
}

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return useMemo(() => parseRoute(hash), [hash]);
}

const NAV = [
  ['#/', 'Overview', 'overview'],
  ['#/liquidations', 'Liquidations', 'liquidations'],
  ['#/market', 'Market', 'market'],
  ['#/webhooks', 'Webhooks', 'webhooks'],
  ['#/what-if', 'What if', 'what-if'],
] as const;

function SignIn({ onKey }: { onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { response } = await apiFor(key.trim()).GET('/v1/risk-summary');
      // 403: a key whose scope cannot read the book (a liquidator's) still signs in; each view says what it may not see.
      if (response.status === 401) setError('This key is unknown or revoked.');
      else if (response.ok || response.status === 403) onKey(key.trim());
      else setError(`The API answered ${response.status}; try again.`);
    } catch (e) {
      setError(`The API cannot be reached: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="signin">
    <h1>Softland risk desk</h1>
    <form onSubmit=${submit} aria-describedby="signin-help">
      <label for="api-key">API key</label>
      <input id="api-key" name="api-key" type="password" autocomplete="off" required value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} aria-invalid=${error !== null} aria-describedby=${error ? 'signin-error' : undefined} />
      <p id="signin-help" class="muted">Kept in this tab only, until you sign out or close it. What you see follows the key's scope: a read key sees everything and changes nothing.</p>
      ${error ? html`<p id="signin-error" class="note error" role="alert">${error}</p>` : null}
      <button type="submit" disabled=${busy || key.trim() === ''}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}

function Desk() {
  const [key, setKey] = useState<string | null>(storedKey());
  const route = useRoute();
  const api = useMemo(() => (key ? apiFor(key) : null), [key]);
  const main = useRef<HTMLElement>(null);
  // A new view moves the focus to its content, as a page load would: keyboard and screen reader users start there.
  useEffect(() => {
    const heading = main.current?.querySelector<HTMLElement>('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: false });
    }
  }, [route.view, route.view === 'account' ? route.accountId : '']);
  const signIn = (k: string) => {
    storeKey(k);
    setKey(k);
  };
  const signOut = () => {
    storeKey(null);
    setKey(null);
  };
  const skipToContent = (e: Event) => {
    e.preventDefault();
    main.current?.focus();
  };
  if (!api) return html`<${SignIn} onKey=${signIn} />`;
  const view = route.view === 'account' ? 'overview' : route.view;
  return html`<a class="skip" href="#main" onClick=${skipToContent}>Skip to content</a>
    <header class="top">
      <span class="brand">Softland risk desk</span>
      <nav aria-label="Views">
        <ul>${NAV.map(([href, label, id]) => html`<li><a href=${href} aria-current=${view === id ? 'page' : undefined}>${label}</a></li>`)}</ul>
      </nav>
      <span class="links"><a href="/docs">API reference</a> <button type="button" onClick=${signOut}>Sign out</button></span>
    </header>
    <main id="main" ref=${main} tabindex="-1">${viewOf(route, api)}</main>`;
}

function viewOf(route: Route, api: Api) {
  switch (route.view) {
    case 'overview':
      return html`<${Overview} api=${api} />`;
    case 'account':
      return html`<${AccountView} key=${route.accountId} api=${api} accountId=${route.accountId} />`;
    case 'liquidations':
      return html`<${Liquidations} api=${api} />`;
    case 'market':
      return html`<${Market} api=${api} />`;
    case 'webhooks':
      return html`<${Webhooks} api=${api} />`;
    case 'what-if':
      return html`<${WhatIf} key=${route.accountId ?? ''} api=${api} accountId=${route.accountId} />`;
  }
}

render(html`<${Desk} />`, document.getElementById('desk')!);
