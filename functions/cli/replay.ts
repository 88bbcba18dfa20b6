import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { POLICY_NAMES } from '../../shared/replay/policies.ts';
import { loadLinearSolver } from '../../shared/risk/lp/highs.ts';
import { DEFAULT_ACCOUNTS, DEFAULT_CRASH_DEPTH, DEFAULT_SEED, DEFAULT_STEPS, runReplay, type ReplayReport } from '../../shared/replay/replay.ts';
import { replayChartSvg } from '../../shared/replay/svg.ts';

/** Exit codes, as in main.ts: 0 done, 1 unexpected failure, 2 bad input or usage. */
const EXIT_FAILURE = 1;
const EXIT_BAD_INPUT = 2;

const LIMITS = { accounts: [1, 1000], steps: [1, 100_000], seed: [0, 0xffff_ffff] } as const;

export const REPLAY_USAGE = `Usage: softland replay [--json] [--seed N] [--accounts N] [--steps N] [--crash-depth D] [--svg FILE]

Replays seeded portfolios along seeded price paths (GBM with jumps, volatility that
rises as prices fall, a -30% crash within an hour) under four liquidation policies
(full, aave_v3, hyperliquid, deribit_incremental, fixed_tiers, softland, softland_adaptive) and reports, per policy, the notional
liquidated, the penalties paid, the liquidation events and the bad debt.

Options:
  --json          print the report as JSON on stdout (the chart only with --svg)
  --seed N        seed of the paths and portfolios (default ${DEFAULT_SEED})
  --accounts N    number of accounts (default ${DEFAULT_ACCOUNTS})
  --steps N       number of 1-minute steps (default ${DEFAULT_STEPS}, one day)
  --crash-depth D fall of BTC over the one-hour crash, 0 to 0.9 (default ${DEFAULT_CRASH_DEPTH};
                  ETH and SOL fall further; 0 for no crash)
  --svg FILE      write the chart there (default replay.svg, without --json)
  -h, --help      show this help
`;

export interface ReplayIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (draws the progress bar). Default: process.stderr.isTTY. */
  readonly stderrIsTTY?: boolean;
}

interface Flags {
  json: boolean;
  seed: number;
  accounts: number;
  steps: number;
  crashDepth: number;
  svg: string | undefined;
  help: boolean;
}

class UsageError extends Error {}

/** `softland replay`: runs the replay and prints a table (or JSON); returns the exit code. */
export async function replayCommand(args: readonly string[], io: ReplayIo): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`softland replay: ${error.message}\n\n${REPLAY_USAGE}`);
    return EXIT_BAD_INPUT;
  }
  if (flags.help) {
    io.stdout(REPLAY_USAGE);
    return 0;
  }

  const tty = io.stderrIsTTY ?? process.stderr.isTTY === true;
  const started = performance.now();
  const progress = tty ? progressBar(io, started) : undefined;
  let report: ReplayReport;
  try {
    report = runReplay(await loadLinearSolver(), { seed: flags.seed, accounts: flags.accounts, steps: flags.steps, crashDepth: flags.crashDepth, ...(progress ? { onProgress: progress } : {}) });
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

  if (flags.json) io.stdout(`${JSON.stringify(jsonOf(report), null, 2)}\n`);
  else io.stdout(table(report) + (svgPath ? `\nChart written to ${svgPath}\n` : ''));
  return 0;
}

function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = { json: false, seed: DEFAULT_SEED, accounts: DEFAULT_ACCOUNTS, steps: DEFAULT_STEPS, crashDepth: DEFAULT_CRASH_DEPTH, svg: undefined, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('-') && !/^-\d/.test(next))) throw new UsageError(`${name} needs a value`);
      i++;
      return next;
    };
    switch (name) {
      case '--json':
      case '-h':
      case '--help':
        if (inline !== undefined) throw new UsageError(`${name} takes no value`);
        if (name === '--json') flags.json = true;
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
      case '--svg': {
        const file = value();
        if (file === '') throw new UsageError('--svg needs a file name');
        flags.svg = file;
        break;
      }
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown option "${arg}"` : `unexpected argument "${arg}"`);
    }
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
    io.stderr(`\rreplay [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}%  ${done}/${total} accounts  ${((now - started) / 1000).toFixed(1)} s`);
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
    policies: report.policies,
  };
}

function table(report: ReplayReport): string {
  const full = report.policies.full;
  const header = ['policy', 'liquidated notional', 'vs full', 'penalties', 'events', 'accounts liq.', 'insolvent', 'bad debt'];
  const rows = POLICY_NAMES.map((name) => {
    const p = report.policies[name];
    return [
      name,
      usd(p.liquidatedNotional),
      full.liquidatedNotional > 0 ? `${((100 * p.liquidatedNotional) / full.liquidatedNotional).toFixed(1)}%` : '-',
      usd(p.penalties),
      String(p.events),
      String(p.accountsLiquidated),
      String(p.insolventAccounts),
      usd(p.badDebt),
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
    `softland liquidated ${(100 * share).toFixed(1)}% of the notional full did (target at most 40%); bad debt ${usd(soft.badDebt)} against ${usd(full.badDebt)}.`,
    '',
  ].join('\n');
}

function usd(v: number): string {
  return `$${Math.round(v).toLocaleString('en-US')}`;
}
