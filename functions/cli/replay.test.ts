import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCommand } from './replay.ts';

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), stderrIsTTY: false },
  };
}

const PRICES = (symbol: string) => new URL(`../../../shared/data/prices/binance-${symbol}USDT-1h.csv`, import.meta.url).pathname;

describe('softland replay along real candles', () => {
  it('replays a window of the BTC and ETH files, re-assessing every 5 minutes, and reports the window', async () => {
    const { out, io } = capture();
    const args = ['--prices', PRICES('BTC'), '--prices', PRICES('ETH'), '--from', '2021-05-19T12:00Z', '--to', '2021-05-19T15:00Z', '--every', '5m', '--accounts', '9', '--json'];
    expect(await replayCommand(args, io)).toBe(0);
    const body = JSON.parse(out.stdout);
    // 3 hourly candles × 12 re-assessments each.
    expect(body).toMatchObject({ accounts: 9, steps: 35, stepMinutes: 5, start: '2021-05-19T12:00:00.000Z', window: { symbols: ['BTC', 'ETH'], gaps: [] } });
    expect(out.stderr).toMatch(/"nan" read as 0|9 accounts × 35 steps/);
  });

  it('refuses a bad file naming the line and column, options that do not fit candles, and replays nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-prices-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'time,symbol,open,high,low,close,quote_volume\n2021-05-19T00:00:00Z,BTC,100,101,99,-5,1\n');
    for (const [args, message] of [
      [['--prices', bad], /bad\.csv:2 \(close\)/],
      [['--prices', PRICES('BTC'), '--steps', '100'], /--steps is for seeded paths/],
      [['--from', '2021-05-19'], /--from needs --prices/],
      [['--prices', PRICES('BTC'), '--every', '7m'], /--every must divide/],
      [['--prices', PRICES('BTC'), '--from', 'yesterday'], /--from must be an ISO 8601/],
    ] as const) {
      const { out, io } = capture();
      expect(await replayCommand([...args], io)).toBe(2);
      expect(out.stderr).toMatch(message);
      expect(out.stdout).toBe('');
    }
  });
});

describe('softland replay', () => {
  it('prints the seven policies as JSON with --json, and writes no chart unless asked', async () => {
    const { out, io } = capture();
    const chart = join(process.cwd(), 'replay.svg');
    const existed = existsSync(chart);
    expect(await replayCommand(['--json', '--accounts', '5', '--steps', '300'], io)).toBe(0);
    if (!existed) expect(existsSync(chart)).toBe(false);
    const body = JSON.parse(out.stdout);
    expect(Object.keys(body.policies)).toEqual(['full', 'aave_v3', 'hyperliquid', 'deribit_incremental', 'fixed_tiers', 'softland', 'softland_adaptive']);
    for (const p of Object.values(body.policies) as Array<Record<string, unknown>>) {
      for (const key of ['liquidatedNotional', 'penalties', 'events', 'badDebt']) expect(typeof p[key]).toBe('number');
    }
    expect(body).toMatchObject({ seed: 42, accounts: 5, steps: 300 });
    expect(out.stderr).toMatch(/^softland replay: 5 accounts × 300 steps × 7 policies in [\d.]+ s\n$/);

    const exact = capture();
    expect(await replayCommand(['--json', '--exact', '--accounts', '5', '--steps', '300'], exact.io)).toBe(0);
    expect(JSON.parse(exact.out.stdout).policies).toEqual(body.policies);
  });

  it('prints a table and writes the chart where --svg says', async () => {
    const { out, io } = capture();
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'chart.svg');
    expect(await replayCommand(['--accounts=3', '--steps=200', '--seed', '7', '--svg', file], io)).toBe(0);
    expect(out.stdout).toMatch(/^Policy replay: seed 7, 3 accounts, 200 steps/);
    for (const name of ['full', 'aave_v3', 'hyperliquid', 'deribit_incremental', 'fixed_tiers', 'softland', 'softland_adaptive']) expect(out.stdout).toMatch(new RegExp(`^${name} `, 'm'));
    expect(out.stdout).toContain(`Chart written to ${file}`);
    expect(readFileSync(file, 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
  });

  it('replays without the crash with --crash-depth 0, and with a milder one', async () => {
    for (const [depth, expected] of [['0', null], ['0.1', 0.1]] as const) {
      const { out, io } = capture();
      expect(await replayCommand(['--json', '--accounts', '2', '--steps', '200', '--crash-depth', depth], io)).toBe(0);
      const crash = JSON.parse(out.stdout).crash;
      if (expected === null) expect(crash).toBeNull();
      else expect(crash.depth.BTC).toBeCloseTo(expected, 12);
    }
  });

  it('draws a progress bar on a terminal', async () => {
    const { out, io } = capture();
    expect(await replayCommand(['--json', '--accounts', '2', '--steps', '50'], { ...io, stderrIsTTY: true })).toBe(0);
    expect(out.stderr).toContain('replay [');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's erase-line escape is what is checked
    expect(out.stderr).toMatch(/\r\x1b\[Ksoftland replay: 2 accounts/);
  });

  it.each([
    [['--seed'], '--seed needs a value'],
    [['--seed', 'abc'], '--seed must be an integer'],
    [['--accounts', '0'], '--accounts must be an integer from 1'],
    [['--steps=1.5'], '--steps must be an integer'],
    [['--frobnicate'], 'unknown option "--frobnicate"'],
    [['extra'], 'unexpected argument "extra"'],
    [['--json=yes'], '--json takes no value'],
    [['--exact=1'], '--exact takes no value'],
    [['--crash-depth', '0.95'], '--crash-depth must be a number from 0 to 0.9'],
    [['--crash-depth=-0.1'], '--crash-depth must be a number from 0 to 0.9'],
    [['--crash-depth', '30%'], '--crash-depth must be a number from 0 to 0.9'],
  ])('exits 2 with a clear message on %j', async (args, message) => {
    const { out, io } = capture();
    expect(await replayCommand(args, io)).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(message);
    expect(out.stderr).toContain('Usage: softland replay');
  });

  it('prints the usage with --help', async () => {
    const { out, io } = capture();
    expect(await replayCommand(['--help'], io)).toBe(0);
    expect(out.stdout).toContain('Usage: softland replay');
  });
});
