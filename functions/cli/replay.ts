import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadUnderlyings } from '../../shared/replay/candle-files.ts';
import { CandleFileError } from '../../shared/replay/candles.ts';
import { pathsFromCandles, type HistoryPaths } from '../../shared/replay/history-paths.ts';
import { POLICY_NAMES } from '../../shared/replay/policies.ts';
import { MARKET_PROFILE } from '../../shared/sweeps/account-assessment.ts';
import { loadLinearSolver } from '../../shared/risk/lp/highs.ts';
import { DEFAULT_ACCOUNTS, DEFAULT_CRASH_DEPTH, DEFAULT_OPEN_INTEREST_SHARE, DEFAULT_SEED, DEFAULT_STEPS, runReplay, type ReplayReport } from '../../shared/replay/replay.ts';
import { replayChartSvg } from '../../shared/replay/svg.ts';
import { eachFlag, EXIT_BAD_INPUT, EXIT_FAILURE, flagsOrExit, readPriceFiles, UsageError, type CommandIo } from './command-line.ts';

const LIMITS = { accounts: [1, 1000], steps: [1, 100_000], seed: [0, 0xffff_ffff] } as const;

export const REPLAY_USAGE = `Usage: softland replay [--json] [--seed N] [--accounts N] [--steps N] [--crash-depth D] [--svg FILE]
       softland replay --prices FILE.csv [--prices FILE.csv …] [--from ISO] [--to ISO] [--every 1m] [--json] [--seed N] [--accounts N] [--svg FILE]

Replays seeded portfolios along seeded price paths (GBM with jumps, volatility that
rises as prices fall, a -30% crash within an hour), or along real candles (--prices), under
the liquidation policies (${POLICY_NAMES.join(', ')}) and reports, per policy, the notional
liquidated, the penalties paid, the liquidation events and the bad debt.

Options:
  --json          print the report as JSON on stdout (the chart only with --svg)
  --seed N        seed of the paths and portfolios (default ${DEFAULT_SEED})
  --accounts N    number of accounts (default ${DEFAULT_ACCOUNTS})
  --steps N       number of 1-minute steps (default ${DEFAULT_STEPS}, one day)
  --crash-depth D fall of BTC over the one-hour crash, 0 to 0.9 (default ${DEFAULT_CRASH_DEPTH};
                  ETH and SOL fall further; 0 for no crash)
  --svg FILE      write the chart there (default replay.svg, without --json)
  --prices FILE   real candles, CSV with the header time,symbol,open,high,low,close,quote_volume
                  (ISO 8601 UTC times; repeatable, one file per underlying); inside each candle the
                  accounts see the open, the extreme nearer it, the other, then the close
  --from ISO      first candle to replay (default: the first every file has)
  --to ISO        end of the replay, exclusive (default: after the last candle every file has)
  --every D       how often accounts are re-assessed along real candles: 1m (default), 5m, 15m
  --open-interest-share S
                  the books' gross notional as a share of the underlyings' daily traded value,
                  0 to 1 (default ${DEFAULT_OPEN_INTEREST_SHARE}): their liquidations move prices by the square-root
                  law (docs/replay.md, "Impact"); 0 keeps generated sizes and no impact
  --exact         re-assess every account at every step (default: accounts far above the tier1
                  threshold sleep while prices stay near their last assessment; same results)
  -h, --help      show this help
`;

export interface ReplayIo extends CommandIo {
  /** Whether stderr is a terminal (draws the progress bar). Default: process.stderr.isTTY. */
  readonly stderrIsTTY?: boolean;
}

interface Flags {
  openInterestShare: number;
  prices: string[];
  from: string | undefined;
  to: string | undefined;
  everyMinutes: number;
  given: Set<string>;
  json: boolean;
  exact: boolean;
  seed: number;
  accounts: number;
  steps: number;
  crashDepth: number;
  svg: string | undefined;
  help: boolean;
}

/** `softland replay`: runs the replay and prints a table (or JSON); returns the exit code. */
export async function replayCommand(args: readonly string[], io: ReplayIo): Promise<number> {
  const flags = flagsOrExit('replay', REPLAY_USAGE, io, () => parseFlags(args));
  if (typeof flags === 'number') return flags;

  let paths: HistoryPaths | undefined;
  if (flags.prices.length > 0) {
    const loaded = await historyOf(flags, io);
    if (typeof loaded === 'number') return loaded;
    paths = loaded;
  }

  const tty = io.stderrIsTTY ?? process.stderr.isTTY === true;
  const started = performance.now();
  const progress = tty ? progressBar(io, started) : undefined;
  let report: ReplayReport;
  try {
    report = runReplay(await loadLinearSolver(), {
      seed: flags.seed,
      accounts: flags.accounts,
      steps: flags.steps,
      crashDepth: flags.crashDepth,
      openInterestShare: flags.openInterestShare,
      paths,
      exact: flags.exact,
      ...(progress ? { onProgress: progress } : {}),
    });
  } catch (error) {
    if (tty) io.stderr('\r\x1b[K');
    io.stderr(`softland replay: failed: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
  const seconds = (performance.now() - started) / 1000;
  io.stderr(
    `${tty ? '\r\x1b[K' : ''}softland replay: ${report.accounts} accounts × ${report.steps} steps × ${POLICY_NAMES.length} policies in ${seconds.toFixed(1)} s\n`,
  );

  const svgPath = flags.svg ?? (flags.json ? undefined : 'replay.svg');
  if (svgPath !== undefined) {
    try {
      await writeFile(resolve(svgPath), replayChartSvg(report), 'utf8');
    } catch (error) {
      io.stderr(`softland replay: cannot write ${svgPath}: ${(error as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
  }

  if (flags.json) io.stdout(`${JSON.stringify({ ...jsonOf(report), ...(paths ? { window: { from: report.start, to: report.end, symbols: paths.symbols, gaps: paths.gaps } } : {}) }, null, 2)}\n`);
  else io.stdout(table(report) + (svgPath ? `\nChart written to ${svgPath}\n` : ''));
  return 0;
}

function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = {
    openInterestShare: DEFAULT_OPEN_INTEREST_SHARE,
    prices: [],
    from: undefined,
    to: undefined,
    everyMinutes: 1,
    given: new Set(),
    json: false,
    exact: false,
    seed: DEFAULT_SEED,
    accounts: DEFAULT_ACCOUNTS,
    steps: DEFAULT_STEPS,
    crashDepth: DEFAULT_CRASH_DEPTH,
    svg: undefined,
    help: false,
  };
  // Any argument starting with `-` is a flag, but a negative number: that is a value.
  const isFlag = (next: string) => next.startsWith('-') && !/^-\d/.test(next);
  eachFlag(args, (flag) => {
    const { name, value } = flag;
    flags.given.add(name);
    switch (name) {
      case '--prices':
        flags.prices.push(flag.fileName());
        break;
      case '--from':
      case '--to': {
        const text = value();
        if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?$/.test(text) || Number.isNaN(Date.parse(text))) throw new UsageError(`${name} must be an ISO 8601 UTC date or time (2021-05-19 or 2021-05-19T12:00Z), got "${text}"`);
        flags[name === '--from' ? 'from' : 'to'] = text;
        break;
      }
      case '--open-interest-share': {
        const text = value();
        const share = /^\d*\.?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
        if (!(share >= 0 && share <= 1)) throw new UsageError(`--open-interest-share must be a number from 0 to 1, got "${text}"`);
        flags.openInterestShare = share;
        break;
      }
      case '--every': {
        const text = value();
        const minutes = /^(\d+)m$/.exec(text.trim());
        if (!minutes || !(Number(minutes[1]) >= 1 && Number(minutes[1]) <= 15)) throw new UsageError(`--every must be minutes from 1m to 15m, got "${text}"`);
        flags.everyMinutes = Number(minutes[1]);
        break;
      }
      case '--json':
      case '--exact':
      case '-h':
      case '--help':
        flag.noValue();
        if (name === '--json') flags.json = true;
        else if (name === '--exact') flags.exact = true;
        else flags.help = true;
        break;
      case '--seed':
      case '--accounts':
      case '--steps': {
        const key = name.slice(2) as 'seed' | 'accounts' | 'steps';
        flags[key] = integer(name, value(), LIMITS[key]);
        break;
      }
      case '--crash-depth': {
        const text = value();
        const depth = /^\d*\.?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
        if (!(depth >= 0 && depth <= 0.9)) throw new UsageError(`--crash-depth must be a number from 0 to 0.9, got "${text}"`);
        flags.crashDepth = depth;
        break;
      }
      case '--svg':
        flags.svg = flag.fileName();
        break;
      default:
        throw flag.unknown();
    }
  }, isFlag);
  const real = flags.prices.length > 0;
  for (const option of real ? ['--steps', '--crash-depth'] : ['--from', '--to', '--every']) {
    if (flags.given.has(option)) throw new UsageError(real ? `${option} is for seeded paths; the candles set the path` : `${option} needs --prices`);
  }
  return flags;
}

function integer(name: string, text: string, [min, max]: readonly [number, number]): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

/**
 * The candle files as replay paths, or the exit code after saying what is wrong: a bad file
 * names its line and column and nothing is replayed. Prices the market guard refuses, and
 * gaps, are reported on stderr.
 */
async function historyOf(flags: Flags, io: ReplayIo): Promise<HistoryPaths | number> {
  const files = await readPriceFiles('replay', flags.prices, io);
  if (typeof files === 'number') return files;
  try {
    const loaded = loadUnderlyings(files, MARKET_PROFILE.market.maxPriceMove);
    const paths = pathsFromCandles([...loaded.candles.values()].flat(), { from: flags.from, to: flags.to, stepMinutes: flags.everyMinutes });
    if (loaded.rejected.length > 0) io.stderr(`softland replay: the market guard refused ${loaded.rejected.length} prices in these files (a move beyond 30% from the last accepted; the accepted one is kept)\n`);
    for (const g of paths.gaps) io.stderr(`softland replay: ${g.symbol} has no candles from ${g.from} to ${g.to}: its price is held there\n`);
    return paths;
  } catch (error) {
    if (error instanceof CandleFileError || error instanceof RangeError) {
      io.stderr(`softland replay: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

/** A one-line bar on stderr, redrawn at most every 100 ms. */
function progressBar(io: ReplayIo, started: number): (done: number, total: number) => void {
  let drawn = -Infinity;
  return (done, total) => {
    const now = performance.now();
    if (now - drawn < 100 && done < total) return;
    drawn = now;
    const width = 30;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    io.stderr(`\rreplay [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}%  ${done}/${total} steps  ${((now - started) / 1000).toFixed(1)} s`);
  };
}

/** What `--json` prints: the run and the per-policy totals. */
export function jsonOf(report: ReplayReport) {
  return {
    seed: report.seed,
    accounts: report.accounts,
    steps: report.steps,
    stepMinutes: report.stepMinutes,
    start: report.start,
    end: report.end,
    crash: report.crash,
    impact: report.impact,
    policies: perPolicy((name) => ({ ...report.policies[name], cascadeDrawdown: report.cascadeDrawdown[name], byBook: { options: report.byBook.options[name], linear: report.byBook.linear[name] } })),
  };
}

function perPolicy<T>(make: (name: (typeof POLICY_NAMES)[number]) => T) {
  return Object.fromEntries(POLICY_NAMES.map((name) => [name, make(name)]));
}

function table(report: ReplayReport): string {
  const full = report.policies.full;
  const header = ['policy', 'liquidated notional', 'vs full', 'penalties', 'slippage', 'trader loss', 'events', 'accounts liq.', 'insolvent', 'bad debt', 'cascade', 'sold at σ/day'];
  const rows = POLICY_NAMES.map((name) => {
    const p = report.policies[name];
    return [
      name,
      usd(p.liquidatedNotional),
      full.liquidatedNotional > 0 ? `${((100 * p.liquidatedNotional) / full.liquidatedNotional).toFixed(1)}%` : '-',
      usd(p.penalties),
      usd(p.slippage),
      usd(p.traderLoss),
      String(p.events),
      String(p.accountsLiquidated),
      String(p.insolventAccounts),
      usd(p.badDebt),
      // The deepest extra fall its own selling caused, over the underlyings.
      `${(100 * Math.min(0, ...Object.values(report.cascadeDrawdown[name]))).toFixed(2)}%`,
      // What impact cost per dollar sold grows with: when in the crash the policy sold.
      `${(100 * p.saleVolatility).toFixed(2)}%`,
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const crash = report.crash
    ? `, crash −${Math.round((report.crash.depth['BTC'] ?? 0) * 100)}% BTC from ${((report.crash.startStep * report.stepMinutes) / 60).toFixed(1)} h to ${((report.crash.endStep * report.stepMinutes) / 60).toFixed(1)} h`
    : '';
  const soft = report.policies.softland;
  const share = full.liquidatedNotional > 0 ? soft.liquidatedNotional / full.liquidatedNotional : 0;
  return [
    `Policy replay: seed ${report.seed}, ${report.accounts} accounts, ${report.steps} steps of ${report.stepMinutes} min from ${report.start}${crash}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `softland liquidated ${(100 * share).toFixed(1)}% of the notional full did (the goal on real episodes is at most 40%: docs/replay.md); bad debt ${usd(soft.badDebt)} against ${usd(full.badDebt)}.`,
    '',
  ].join('\n');
}

function usd(v: number): string {
  return `$${Math.round(v).toLocaleString('en-US')}`;
}
