/**
 * The risk desk in a real browser: Debian's Chromium driven by playwright-core against the
 * local server (npm start's), every request to another origin refused. A risk engineer's
 * path: sign in, find the tier1 account, open it, read the plan and the ladder, push a price
 * through the API and watch the overview move the account without a reload; every view
 * passes axe-core with no serious or critical violation; /docs renders offline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESK_CSP, DOCS_CSP } from '../../functions/api/routes/pages.ts';
import { launchChromium, offline, watchErrors } from '../browser.ts';
import { PERPETUAL_MARKET, perpetualBook } from '../books.ts';
import { useTestServer } from '../local-server.ts';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const tier1 = JSON.parse(readFileSync(new URL('../../examples/tier1-perpetuals.json', import.meta.url), 'utf8')) as {
  accountId: string;
  asOf: string;
  market: Record<string, { price: number }>;
  [field: string]: unknown;
};
const healthy = JSON.parse(readFileSync(new URL('../../examples/healthy-hedged-options.json', import.meta.url), 'utf8')) as typeof tier1;

/** Screenshots for the README are written only when asked: SOFTLAND_DESK_SCREENSHOTS=1 npx vitest run test/desk. */
const SCREENSHOTS = process.env.SOFTLAND_DESK_SCREENSHOTS === '1';

const { server } = useTestServer('desk', {
  dispatchIntervalMs: 200,
  // The webhook receiver below is on loopback.
  allowInsecureWebhooks: true,
});
let browser: Browser;
let context: BrowserContext;
let page: Page;
let refused: string[];
let errors: string[];
/** A webhook receiver answering `receiverStatus`: 410 Gone makes a delivery fail at once. */
let receiver: Server;
let receiverStatus = 410;

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** The market of the examples and the demo books, as of now. */
function market(overrides: Record<string, number> = {}): Record<string, { price: number; volatility?: number }> {
  const m: Record<string, { price: number; volatility?: number }> = {};
  const books: Record<string, { price: number; volatility?: number }>[] = [PERPETUAL_MARKET, healthy.market, tier1.market];
  for (const symbol of new Set(books.flatMap(Object.keys))) m[symbol] = { ...Object.assign({}, ...books.map((b) => b[symbol] ?? {})), ...(overrides[symbol] ? { price: overrides[symbol] } : {}) };
  return m;
}

const register = ({ accountId, asOf: _asOf, market: _market, ...book }: typeof tier1) => call('PUT', `/v1/accounts/${accountId}`, book);

// Code run in the page is passed as text: the project's types are Node's, not the DOM's.

/** axe-core's serious and critical violations on the page as it is now (its full rule set, WCAG 2.1 AA included). */
async function accessibilityViolations(p: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, not a <script>: the page's CSP stays as served.
  await p.evaluate(AXE);
  const results = (await p.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
}

beforeAll(async () => {
  receiver = createServer((_req, res) => res.writeHead(receiverStatus).end());
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  await call('PUT', '/v1/market', { market: market() });
  await register(tier1);
  await register(healthy);
  // A dozen more accounts across the tiers: a board to sort, and to show in the screenshots.
  for (let i = 0; i < 12; i++) await call('PUT', `/v1/accounts/desk-demo-${String(i).padStart(2, '0')}`, perpetualBook(i));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  refused = await offline(context, server.url);
  page = await context.newPage();
  errors = watchErrors(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('the risk desk in Chromium', () => {
  it('is served with its CSP, and refuses a wrong key at sign-in', async () => {
    const res = await page.goto(`${server.url}/desk`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toBe(DESK_CSP);
    await page.fill('#api-key', 'sk_wrong');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('#signin-error')).toContain('unknown or revoked');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('signs in and shows the tier1 example account on the overview', async () => {
    await page.fill('#api-key', server.apiKey);
    await page.click('button[type=submit]');
    const row = page.locator(`tr[data-account="${tier1.accountId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-tier')).toBe('tier1');
    const counts = (await (await call('GET', '/v1/risk-summary')).json()) as { accounts: number; tiers: Record<string, number> };
    await expect.poll(() => page.locator('.tile-tier1 .tile-count').textContent()).toBe(String(counts.tiers.tier1));
    await expect.poll(() => page.locator('tbody tr').count()).toBe(counts.accounts);
    // Riskiest first: margin ratios ascending down the table.
    const ratios = (await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ratio')))).filter((r) => r !== '').map(Number);
    expect(ratios).toEqual([...ratios].sort((a, b) => a - b));
    expect(await accessibilityViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/desk-overview.png' });
  });

  it("opens the account by keyboard: its plan's steps and a non-empty ladder chart", async () => {
    await page.focus(`a[href="#/accounts/${tier1.accountId}"]`);
    await page.keyboard.press('Enter');
    await page.locator('.steps li').first().waitFor();
    expect(await page.locator('.steps li').count()).toBeGreaterThan(0);
    const ladder = page.locator('.ladder .chart').first();
    await ladder.locator('canvas').waitFor();
    expect(Number(await ladder.getAttribute('data-points'))).toBeGreaterThan(2);
    // One chart per underlying of the account.
    expect(await page.locator('.ladder .chart').count()).toBe(3);
    // The focus moved to the view's heading, as a page load would.
    expect(await page.evaluate('document.activeElement.id')).toBe('account-title');
    expect(await accessibilityViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/desk-account.png', fullPage: true });
  });

  it("liquidations: the tier1 account's auction prices move as the clock runs, and a fill shows as it arrives", async () => {
    await page.goto(`${server.url}/desk#/liquidations`);
    const card = page.locator('article.card', { hasText: tier1.accountId });
    await card.waitFor();
    // The ETH step: a large price, so its auction moves a digit within seconds (0.995 → 0.95 over 15 minutes).
    const step = card.locator('tr[data-step]', { hasText: 'eth-perp' });
    const first = await step.locator('.auction-price').textContent();
    await expect.poll(() => step.locator('.auction-price').textContent(), { timeout: 10_000 }).not.toBe(first);
    const { data } = (await (await call('GET', '/v1/liquidations?status=active')).json()) as {
      data: { id: string; accountId: string; steps: { stepId: string; positionId?: string; remaining: number; referencePrice: number }[] }[];
    };
    const liquidation = data.find((l) => l.accountId === tier1.accountId)!;
    const eth = liquidation.steps.find((st) => st.positionId === 'eth-perp')!;
    // A sale at its reference price is at least as good for the account as any auction price.
    await call('POST', `/v1/liquidations/${liquidation.id}/fills`, { stepId: eth.stepId, quantity: eth.remaining / 2, price: eth.referencePrice });
    await card.locator('.fills li').first().waitFor({ timeout: 10_000 });
    expect(await card.locator('.fills li').first().textContent()).toContain(`${eth.referencePrice.toLocaleString('en-US')}`);
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('moves the account to another tier when a price is pushed through the API, without a reload', async () => {
    await page.goto(`${server.url}/desk#/`);
    const row = page.locator(`tr[data-account="${tier1.accountId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-tier')).toBe('tier1');
    await page.evaluate('window.sameDocument = true');
    // The account is long ETH: a 10% fall takes it past tier1.
    await call('PUT', '/v1/market', { market: market({ ETH: tier1.market.ETH!.price * 0.9 }) });
    await expect.poll(() => row.getAttribute('data-tier'), { timeout: 15_000 }).not.toBe('tier1');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
  });

  for (const [view, heading] of [
    ['liquidations', 'Liquidations'],
    ['market', 'Market'],
    ['webhooks', 'Webhooks'],
    ['what-if', 'What if…'],
  ] as const) {
    it(`shows the ${view} view with no serious accessibility violation`, async () => {
      await page.goto(`${server.url}/desk#/${view}`);
      await expect.poll(() => page.locator('main h1').textContent()).toBe(heading);
      await page.waitForLoadState('networkidle');
      expect(await accessibilityViolations(page)).toEqual([]);
    });
  }

  it("webhooks: a failed delivery shows with its error, and Retry queues it again", async () => {
    const endpoint = (await (await call('POST', '/v1/webhook-endpoints', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, events: ['account.tier_changed'] })).json()) as { id: string };
    await call('POST', `/v1/webhook-endpoints/${endpoint.id}/test`);
    await page.goto(`${server.url}/desk#/webhooks`);
    const delivery = page.locator('tr[data-delivery]', { hasText: 'webhook.test' });
    await expect.poll(() => delivery.locator('.tag').textContent(), { timeout: 15_000 }).toBe('failed');
    expect(await delivery.textContent()).toContain('HTTP 410');
    receiverStatus = 200;
    await call('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { enabled: true }); // a 410 disabled it
    await delivery.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => delivery.locator('.tag').textContent(), { timeout: 15_000 }).not.toBe('failed');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('what-if: shows a refused field where it is in the snapshot', async () => {
    await page.goto(`${server.url}/desk#/what-if`);
    const text = await page.inputValue('#snapshot');
    await page.fill('#snapshot', text.replace('"quantity": 40', '"quantity": "forty"'));
    await page.click('form button[type=submit]');
    const error = page.locator('.field-errors li', { hasText: 'positions[0].quantity' });
    await error.waitFor();
    const line = text.split('\n').findIndex((l) => l.includes('"quantity": 40')) + 1;
    expect(await error.locator('button').textContent()).toBe(`line ${line}`);
    await error.locator('button').click();
    expect(await page.evaluate('(({ value, selectionStart, selectionEnd }) => value.slice(selectionStart, selectionEnd))(document.activeElement)')).toBe('"forty"');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('is readable at 390 px wide: the page itself never scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${server.url}/desk#/`);
      await page.locator('tbody tr').first().waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.goto(`${server.url}/desk#/accounts/${tier1.accountId}`);
      await page.locator('.ladder canvas').first().waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('renders /docs from bundled assets with the network to the outside blocked', async () => {
    const docs = await context.newPage();
    const docsErrors = watchErrors(docs);
    const res = await docs.goto(`${server.url}/docs`);
    expect(res?.headers()['content-security-policy']).toBe(DOCS_CSP);
    // An operation's heading in the middle column: Redoc has read /openapi.json and rendered it.
    await docs.locator('h2', { hasText: 'Assess a portfolio snapshot' }).waitFor({ timeout: 20_000 });
    expect(await accessibilityViolations(docs)).toEqual([]);
    expect(docsErrors).toEqual([]);
    await docs.close();
  });

  it("follows the key's scope: a read key sees the book and is refused a what-if; a liquidator's sees only liquidations", async () => {
    for (const scope of ['read', 'liquidator'] as const) {
      const key = (await server.stores.apiKeys.issue(server.tenantId, { scope })).secret;
      const tab = await context.newPage(); // a new tab: signed out (the key is kept per tab)
      await tab.goto(`${server.url}/desk`);
      await tab.fill('#api-key', key);
      await tab.click('button[type=submit]');
      if (scope === 'read') {
        await tab.locator(`tr[data-account="${tier1.accountId}"]`).waitFor();
        await tab.goto(`${server.url}/desk#/what-if`);
        await tab.click('form button[type=submit]');
        await expect.poll(() => tab.locator('[role=alert]').textContent()).toMatch(/insufficient scope/i);
      } else {
        await expect.poll(() => tab.locator('[role=alert]').first().textContent()).toMatch(/scope/i);
        await tab.goto(`${server.url}/desk#/liquidations`);
        await tab.locator('main h1', { hasText: 'Liquidations' }).waitFor();
        await expect.poll(() => tab.locator('main').textContent()).toMatch(/liq_|No active liquidation/);
        expect(await tab.locator('main [role=alert]').count()).toBe(0);
      }
      await tab.close();
    }
  });

  it('loaded nothing from another origin and broke no CSP rule', () => {
    expect(refused).toEqual([]);
    expect(errors).toEqual([]);
  });
});
