import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../shared/risk/built-in-profiles.ts';
import { backtestCommand } from './backtest.ts';
import { main } from './main.ts';

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

const HEADER = 'time,symbol,open,high,low,close,quote_volume';
const T0 = Date.parse('2021-01-01T00:00:00Z');

/** `hours` hourly candles of a deterministic wiggle (an LCG), enough for FHS to warm up on 1 h steps. */
function candleCsv(symbol: string, hours: number, start = 100): string {
  let seed = symbol.charCodeAt(0);
  let price = start;
  const rows = [HEADER];
  for (let h = 0; h < hours; h++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const open = price;
    price = open * Math.exp(0.01 * (seed / 2 ** 31 - 0.5));
    const high = Math.max(open, price) * 1.001;
    const low = Math.min(open, price) * 0.999;
    rows.push(`${new Date(T0 + h * 3_600_000).toISOString().replace('.000', '')},${symbol},${open.toFixed(4)},${high.toFixed(4)},${low.toFixed(4)},${price.toFixed(4)},1000`);
  }
  return `${rows.join('\n')}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'backtest-'));
const btc = join(dir, 'btc.csv');
const eth = join(dir, 'eth.csv');
writeFileSync(btc, candleCsv('BTC', 300));
writeFileSync(eth, candleCsv('ETH', 300, 10));

describe('softland backtest', () => {
  it('prints the documented JSON: per underlying, long, short and the static grid', async () => {
    const { out, io } = capture();
    expect(await backtestCommand(['--prices', btc, '--profile', 'default', '--horizon', '1h', '--json'], io)).toBe(0);
    const body = JSON.parse(out.stdout);
    expect(Object.keys(body.underlyings)).toEqual(['BTC']);
    const u = body.underlyings.BTC;
    for (const side of [u.long, u.short, u.static.long, u.static.short]) {
      for (const key of ['observations', 'breaches', 'coverage', 'kupiecP', 'christoffersenP', 'averageRange', 'maxRange']) expect(typeof side[key], key).toBe('number');
      // 299 one-hour steps, the first 250 warm up the model.
      expect(side.observations).toBe(49);
      expect(side.coverage).toBeCloseTo(1 - side.breaches / 49, 12);
    }
    expect(u.static.long).toMatchObject({ averageRange: 0.16, maxRange: 0.16, breaches: 0 });
    expect(u).toMatchObject({ steps: 299, warmUpSteps: 250, gapSteps: 0 });
    expect(body).toMatchObject({ profile: 'default', horizonHours: 1, confidence: 0.99, model: 'fhs(λ=0.94, window=1000)' });
    expect(out.stderr).toMatch(/^softland backtest: 1 underlying, 49 steps tested in [\d.]+ s\n$/);
  });

  it('prints a table per underlying and writes one chart each', async () => {
    const { out, io } = capture();
    const chart = join(dir, 'chart.svg');
    expect(await backtestCommand([`--prices=${btc}`, '--prices', eth, '--profile=standard', '--horizon=1h', '--confidence', '0.95', '--model', 'ewma', '--svg', chart], io)).toBe(0);
    expect(out.stdout).toMatch(/^Margin backtest: ewma-normal\(λ=0.94\), 1 h steps, 95.0% confidence/);
    for (const symbol of ['BTC', 'ETH']) expect(out.stdout).toMatch(new RegExp(`^${symbol}: forecasts from 2021-01-11`, 'm'));
    expect(out.stdout.match(/^long {3}dynamic/gm)).toHaveLength(2);
    expect(out.stdout.match(/^short {2}static/gm)).toHaveLength(2);
    // The standard profile charges 1% of a unit perpetual.
    expect(out.stdout).toMatch(/^long +static +49 .* 1\.0% +1\.0% /m);
    for (const file of ['chart-btc.svg', 'chart-eth.svg']) {
      expect(out.stdout).toContain(`Chart written to ${join(dir, file)}`);
      expect(readFileSync(join(dir, file), 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
    }
  });

  it('runs from the softland command', async () => {
    const { out, io } = capture();
    expect(await main(['backtest', '--prices', btc, '--profile', 'default', '--horizon', '1h', '--model', 'garch', '--json'], { ...io, readStdin: async () => '' })).toBe(0);
    expect(JSON.parse(out.stdout).model).toBe('garch-normal(1,1)');
    const help = capture();
    expect(await main(['help'], { ...help.io, readStdin: async () => '' })).toBe(0);
    expect(help.out.stdout).toContain('backtest --prices FILE.csv --profile NAME');
  });

  it.each([
    [[], '--prices is required'],
    [['--prices', btc], '--profile is required'],
    [['--prices', btc, '--profile', 'tenant-x'], `--profile must be a built-in profile (${Object.keys(PROFILES).join(', ')}), got "tenant-x"`],
    [['--prices', btc, '--profile', 'default', '--horizon', '25x'], '--horizon must be whole hours or days'],
    [['--prices', btc, '--profile', 'default', '--horizon', '0h'], '--horizon must be whole hours or days'],
    [['--prices', btc, '--profile', 'default', '--horizon', '31d'], '--horizon must be whole hours or days from 1h to 720h'],
    [['--prices', btc, '--profile', 'default', '--confidence', '99'], '--confidence must be a number between 0.5 and 1'],
    [['--prices', btc, '--profile', 'default', '--confidence', '1.0'], '--confidence must be a number between 0.5 and 1'],
    [['--prices', btc, '--profile', 'default', '--confidence', '0.4'], '--confidence must be a number between 0.5 and 1'],
    [['--prices', btc, '--profile', 'default', '--model', 'hist'], '--model must be one of fhs, ewma, garch, got "hist"'],
    [['--prices', btc, '--profile', 'default', '--model', 'toString'], '--model must be one of fhs, ewma, garch'],
    [['--prices', btc, '--profile', 'default', '--frobnicate'], 'unknown option "--frobnicate"'],
    [['--prices', btc, '--profile', 'default', 'extra'], 'unexpected argument "extra"'],
    [['--prices', btc, '--profile', 'default', '--json=yes'], '--json takes no value'],
    [['--prices', btc, '--profile', 'default', '--profile', 'standard'], '--profile given twice'],
    [['--prices', btc, '--prices', btc, '--profile', 'default'], `--prices ${btc} given twice`],
    [['--prices', '--profile', 'default'], '--prices needs a value'],
    [['--prices', btc, '--profile', 'default', '--svg'], '--svg needs a value'],
  ])('exits 2 naming the argument on %j', async (args, message) => {
    const { out, io } = capture();
    expect(await backtestCommand(args, io)).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(message);
    expect(out.stderr).toContain('Usage: softland backtest');
  });

  it('exits 2 naming the file, line and column of a bad row, and writes nothing', async () => {
    const bad = join(dir, 'bad.csv');
    const lines = candleCsv('BTC', 30).split('\n');
    lines[4] = lines[4]!.replace(/,[^,]*,1000$/, ',abc,1000'); // line 5: the close
    writeFileSync(bad, lines.join('\n'));
    const chart = join(dir, 'never.svg');
    const { out, io } = capture();
    expect(await backtestCommand(['--prices', btc, '--prices', bad, '--profile', 'default', '--svg', chart], io)).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(`softland backtest: ${bad}:5 (close): "abc" must be a positive number\n`);
    expect(existsSync(chart)).toBe(false);
    expect(existsSync(join(dir, 'never-btc.svg'))).toBe(false);
  });

  it('exits 2 on a file it cannot read, or two files of one underlying', async () => {
    const missing = capture();
    expect(await backtestCommand(['--prices', join(dir, 'nope.csv'), '--profile', 'default'], missing.io)).toBe(2);
    expect(missing.out.stderr).toMatch(/^softland backtest: cannot read .*nope\.csv: ENOENT/);
    const twice = join(dir, 'btc2.csv');
    writeFileSync(twice, candleCsv('BTC', 10));
    const dup = capture();
    expect(await backtestCommand(['--prices', btc, '--prices', twice, '--profile', 'default'], dup.io)).toBe(2);
    expect(dup.out.stderr).toBe(`softland backtest: ${twice}:2 (symbol): BTC is already given by ${btc}: one file per underlying\n`);
    expect(dup.out.stdout).toBe('');
  });

  it('prints the usage with --help', async () => {
    const { out, io } = capture();
    expect(await backtestCommand(['--help'], io)).toBe(0);
    expect(out.stdout).toContain('Usage: softland backtest');
  });
});
