/**
 * `tsx bench/desk.ts [--accounts 10000] [--json]`: how soon the risk desk's overview shows
 * its first rows, in Debian's Chromium against the local server, for a tenant with 10,000
 * registered accounts, beside the same page for a tenant with one account (the page's own
 * cost: load, sign-in state, first API calls), measured in the same run. Target: first rows
 * within 1 s (issue 15). Also the time until every account is on the board.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startLocalServer } from '../functions/local/server.ts';
import { tenantWithFreshKey } from '../functions/local/named-tenant.ts';
import { tableNames } from '../shared/store/tables.ts';
import { launchChromium } from '../test/browser.ts';
import { PERPETUAL_MARKET as MARKET, perpetualBook as book } from '../test/books.ts';
import { fmt, printTable } from './measure.ts';
import { mergeResults } from './results.ts';

const { values } = parseArgs({ options: { accounts: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false } }, strict: true });
const count = Number(values.accounts);
if (!Number.isInteger(count) || count < 1) throw new RangeError(`--accounts must be a positive integer, got "${values.accounts}"`);
const RUNS = 5;

const server = await startLocalServer({ port: 0, tables: tableNames(`bench-desk-${randomBytes(3).toString('hex')}-`), sweepIntervalMs: 0, dispatchIntervalMs: 0 });
const browser = await launchChromium();
try {
  const call = (key: string, method: string, path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => {
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    });
  const small = await tenantWithFreshKey(server.stores, 'bench-desk-one');
  for (const key of [server.apiKey, small.apiKey]) await call(key, 'PUT', '/v1/market', { market: MARKET });
  await call(small.apiKey, 'PUT', '/v1/accounts/acct-0', book(0));
  const registering = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let i = next++; i < count; i = next++) await call(server.apiKey, 'PUT', `/v1/accounts/acct-${String(i).padStart(6, '0')}`, book(i));
    }),
  );
  console.log(`registered ${count} accounts in ${((performance.now() - registering) / 1000).toFixed(1)} s`);

  /** Milliseconds from opening /desk (signed in) to the first row, and to every account on the board. */
  const open = async (key: string, accounts: number) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Signed in as the tab would be after the sign-in form (desk/src/api.ts keeps the key there).
    await context.addInitScript(`sessionStorage.setItem('softland.desk.apiKey', ${JSON.stringify(key)})`);
    const page = await context.newPage();
    const start = performance.now();
    await page.goto(`${server.url}/desk`);
    await page.locator('tbody tr').first().waitFor();
    const first = performance.now() - start;
    const pager = page.locator('.pager span');
    if (accounts > 100) await pager.filter({ hasText: `(${accounts.toLocaleString('en-US')} accounts)` }).waitFor({ timeout: 120_000 });
    const all = performance.now() - start;
    await context.close();
    return { first, all };
  };
  await open(small.apiKey, 1); // warm: the assets are built on the first page request
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const one: number[] = [];
  const many: { first: number; all: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    one.push((await open(small.apiKey, 1)).first);
    many.push(await open(server.apiKey, count));
  }
  const figures = {
    [`desk_first_rows_ms_${count}`]: median(many.map((m) => m.first)),
    desk_first_rows_ms_1: median(one),
    [`desk_all_rows_ms_${count}`]: median(many.map((m) => m.all)),
  };
  printTable([
    ['figure', 'median of 5', 'baseline (1 account)', 'ratio'],
    [`desk_first_rows_ms_${count} (target ≤ 1000)`, fmt(figures[`desk_first_rows_ms_${count}`]!), fmt(figures.desk_first_rows_ms_1), fmt(figures[`desk_first_rows_ms_${count}`]! / figures.desk_first_rows_ms_1)],
    [`desk_all_rows_ms_${count}`, fmt(figures[`desk_all_rows_ms_${count}`]!), '', ''],
  ]);
  const file = mergeResults(figures);
  if (values.json) console.log(JSON.stringify(figures));
  else console.log(`(written to ${file})`);
} finally {
  await browser.close();
  await server.stop();
}
