import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import type { Stores } from '../../shared/store/index.ts';
import { marketCommand } from './market-import.ts';

let stores: Stores;
let dir: string;
beforeAll(async () => {
  ({ stores } = await freshStores());
  dir = mkdtempSync(join(tmpdir(), 'softland-import-'));
});

const HEADER = 'time,symbol,open,high,low,close,quote_volume';
function csv(name: string, rows: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, [HEADER, ...rows].join('\n'));
  return file;
}
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await marketCommand(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, stores);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('softland market import', () => {
  it('stores one close per symbol and hour (the last candle of the hour), and reports what the guard refused', async () => {
    const tenant = await stores.tenants.create('importer');
    const file = csv('ok.csv', [
      '2021-05-19T00:00:00Z,BTC,40000,40100,39900,40050,1',
      '2021-05-19T00:30:00Z,BTC,40050,40200,40000,40150,1', // same hour: its close wins
      '2021-05-19T01:00:00Z,BTC,40150,40150,20000,39000,1', // a low of half the price: refused, kept at the last accepted
      '2021-05-19T00:00:00Z,ETH,3000,3010,2990,3005,1',
    ]);
    const { code, stdout } = await run(['import', tenant.tenantId, '--prices', file]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.symbols.BTC).toMatchObject({ hours: 2, from: '2021-05-19T00:00:00.000Z', to: '2021-05-19T01:00:00.000Z', rejected: 1 });
    const btc = await stores.marketHistory.closes(tenant.tenantId, 'BTC', new Date('2021-05-18T00:00:00Z'), new Date('2021-05-20T00:00:00Z'));
    expect(btc).toEqual([
      { hour: '2021-05-19T00:00:00.000Z', close: 40_150 },
      { hour: '2021-05-19T01:00:00.000Z', close: 39_000 },
    ]);
    expect(await stores.marketHistory.closes(tenant.tenantId, 'ETH', new Date('2021-05-19T00:00:00Z'), new Date('2021-05-19T01:00:00Z'))).toEqual([{ hour: '2021-05-19T00:00:00.000Z', close: 3_005 }]);
  });

  it('refuses a bad file naming line and column, and writes nothing from any file', async () => {
    const tenant = await stores.tenants.create('importer-bad');
    const good = csv('good.csv', ['2021-05-19T00:00:00Z,BTC,40000,40100,39900,40050,1']);
    const bad = csv('bad.csv', ['2021-05-19T00:00:00Z,ETH,3000,3010,2990,-1,1']);
    const { code, stderr } = await run(['import', tenant.tenantId, '--prices', good, '--prices', bad]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.csv:2 \(close\)/);
    expect(stderr).toMatch(/Nothing was imported/);
    expect(await stores.marketHistory.closes(tenant.tenantId, 'BTC', new Date(0), new Date('2030-01-01T00:00:00Z'))).toEqual([]);
    expect((await run(['import', 'ten_nobody', '--prices', good])).code).toBe(2);
    expect((await run(['import', tenant.tenantId])).code).toBe(2);
    expect((await run(['export', tenant.tenantId, '--prices', good])).code).toBe(2);
  });
});
