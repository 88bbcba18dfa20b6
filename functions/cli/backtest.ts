import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { backtest, DEFAULT_CONFIDENCE, DEFAULT_HORIZON_HOURS, guardedStepCloses, type BacktestReport, type SideReport } from '../../shared/backtest/backtest.ts';
import { loadUnderlyings, type Underlyings } from '../../shared/replay/candle-files.ts';
import { staticRangeOf } from '../../shared/backtest/static-range.ts';
import { backtestChartSvg } from '../../shared/backtest/svg.ts';
import { CandleFileError } from '../../shared/replay/candles.ts';
import type { RiskProfile } from '../../shared/risk/profile-schema.ts';
import { findProfile, PROFILES } from '../../shared/risk/built-in-profiles.ts';
import { clampedForecaster, FHS_LAMBDA, FHS_WINDOW, FORECASTERS, type ModelName } from '../../shared/risk/volatility/models.ts';
import { eachFlag, EXIT_BAD_INPUT, EXIT_FAILURE, flagsOrExit, readPriceFiles, UsageError, type CommandIo } from './command-line.ts';

const MODELS = FORECASTERS;

/** Longest horizon: 30 days (the walk needs a few hundred steps of history before it tests anything). */
const MAX_HORIZON_HOURS = 720;

export const BACKTEST_USAGE = `Usage: softland backtest --prices FILE.csv [--prices FILE2.csv] --profile NAME
                        [--horizon 24h] [--confidence 0.99] [--model fhs|ewma|garch] [--svg FILE] [--json]

Backtests the margin of a unit long and a unit short perpetual on real hourly candles
(docs/backtest.md): at each step of the horizon a volatility model sees only the past and
sets the requirement; the move that followed breaches it or not. Kupiec's and
Christoffersen's tests are run on the breaches, beside the same for the profile's static
requirement.

Options:
  --prices FILE       hourly candles, time,symbol,open,high,low,close,quote_volume (repeatable;
                      one file per underlying)
  --profile NAME      built-in profile whose requirement is the static comparison
                      (${Object.keys(PROFILES).join(', ')})
  --horizon H         step length, whole hours: 24h, 8h, or days: 1d (default ${DEFAULT_HORIZON_HOURS}h)
  --confidence C      coverage the requirement aims at, 0.5 < C < 1 (default ${DEFAULT_CONFIDENCE})
  --model M           fhs (filtered historical simulation, λ ${FHS_LAMBDA}, window ${FHS_WINDOW}; default),
                      ewma (EWMA σ, normal quantiles) or garch (GARCH(1,1), normal quantiles)
  --svg FILE          write the chart there (with several underlyings: FILE-btc.svg, FILE-eth.svg, …)
  --json              print the results as JSON
  -h, --help          show this help
`;

interface Flags {
  prices: string[];
  profile: RiskProfile | undefined;
  horizonHours: number;
  confidence: number;
  model: ModelName;
  svg: string | undefined;
  json: boolean;
  help: boolean;
  /** The options given on the command line (the rest come from a dynamic profile, or the defaults). */
  given: Set<string>;
}

/** `softland backtest`: returns the exit code. Nothing is written (chart or stdout) unless every file and argument is good. */
export async function backtestCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const flags = flagsOrExit('backtest', BACKTEST_USAGE, io, () => parseFlags(args));
  if (typeof flags === 'number') return flags;
  const profile = flags.profile!;
  const started = performance.now();

  const files = await readPriceFiles('backtest', flags.prices, io);
  if (typeof files === 'number') return files;
  let loaded: Underlyings;
  try {
    loaded = loadUnderlyings(files, profile.market.maxPriceMove);
  } catch (error) {
    if (!(error instanceof CandleFileError)) throw error;
    io.stderr(`softland backtest: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }

  // A dynamic profile is tested as it charges: its model, confidence and horizon (unless given
  // here), its ranges clamped to [floor, cap]; its anti-procyclicality buffer is on top, untested.
  const dynamic = profile.portfolio.scenarioRange?.mode === 'dynamic' ? profile.portfolio.scenarioRange : undefined;
  const pick = <T>(flag: string, given: T, fromProfile: T | undefined) => (flags.given.has(flag) || fromProfile === undefined ? given : fromProfile);
  const model = pick('--model', flags.model, dynamic?.model);
  const confidence = pick('--confidence', flags.confidence, dynamic?.confidence);
  const horizonHours = pick('--horizon', flags.horizonHours, dynamic && Number.isInteger(dynamic.horizonHours) ? dynamic.horizonHours : undefined);
  const forecaster = () => (dynamic ? clampedForecaster(MODELS[model](), dynamic.floor, dynamic.cap) : MODELS[model]());
  const results: Array<{ report: BacktestReport; refused: number; guardedCloses: number }> = [];
  try {
    for (const [symbol, candles] of loaded.candles) {
      const refused = loaded.rejected.filter((r) => r.symbol === symbol);
      const report = backtest(candles, { horizonHours, confidence, forecaster: forecaster(), staticRange: staticRangeOf(profile, symbol) });
      results.push({ report, refused: refused.length, guardedCloses: guardedStepCloses(candles, refused, horizonHours) });
    }
  } catch (error) {
    // An hourly grid broken inside a file is bad input; anything else is ours.
    if (error instanceof CandleFileError) {
      io.stderr(`softland backtest: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr(`softland backtest: failed: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
  const seconds = (performance.now() - started) / 1000;

  const charts = flags.svg === undefined ? [] : chartPaths(flags.svg, results.map((r) => r.report.symbol));
  for (const [i, path] of charts.entries()) {
    try {
      await writeFile(resolve(path), backtestChartSvg(results[i]!.report), 'utf8');
    } catch (error) {
      io.stderr(`softland backtest: cannot write ${path}: ${(error as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
  }

  for (const m of loaded.missingVolumes) io.stderr(`softland backtest: ${m.source}:${m.line} (quote_volume): "nan" read as 0 (no volume; the backtest reads none)\n`);
  const steps = results.reduce((n, r) => n + r.report.long.observations, 0);
  io.stderr(`softland backtest: ${results.length} underlying${results.length === 1 ? '' : 's'}, ${steps} steps tested in ${seconds.toFixed(2)} s\n`);
  if (flags.json) io.stdout(`${JSON.stringify(jsonOf(results, profile), null, 2)}\n`);
  else io.stdout(text(results, profile) + charts.map((c) => `Chart written to ${c}\n`).join(''));
  return 0;
}

function parseFlags(args: readonly string[]): Flags {
  const seen = new Set<string>();
  const flags: Flags = { prices: [], profile: undefined, horizonHours: DEFAULT_HORIZON_HOURS, confidence: DEFAULT_CONFIDENCE, model: 'fhs', svg: undefined, json: false, help: false, given: seen };
  eachFlag(args, (flag) => {
    const { name, value } = flag;
    if (name !== '--prices' && name.startsWith('--') && seen.has(name)) throw new UsageError(`${name} given twice`);
    seen.add(name);
    switch (name) {
      case '--json':
      case '-h':
      case '--help':
        flag.noValue();
        if (name === '--json') flags.json = true;
        else flags.help = true;
        break;
      case '--prices': {
        const file = flag.fileName();
        if (flags.prices.includes(file)) throw new UsageError(`--prices ${file} given twice`);
        flags.prices.push(file);
        break;
      }
      case '--profile': {
        const text = value();
        const profile = findProfile(text);
        if (!profile) throw new UsageError(`--profile must be a built-in profile (${Object.keys(PROFILES).join(', ')}), got "${text}"`);
        flags.profile = profile;
        break;
      }
      case '--horizon':
        flags.horizonHours = horizon(value());
        break;
      case '--confidence': {
        const text = value();
        const c = /^0?\.\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
        if (!(c > 0.5 && c < 1)) throw new UsageError(`--confidence must be a number between 0.5 and 1 (0.99), got "${text}"`);
        flags.confidence = c;
        break;
      }
      case '--model': {
        const text = value();
        if (!Object.hasOwn(MODELS, text)) throw new UsageError(`--model must be one of ${Object.keys(MODELS).join(', ')}, got "${text}"`);
        flags.model = text as ModelName;
        break;
      }
      case '--svg':
        flags.svg = flag.fileName();
        break;
      default:
        throw flag.unknown();
    }
  });
  if (flags.help) return flags;
  if (flags.prices.length === 0) throw new UsageError('--prices is required: at least one candle file');
  if (!flags.profile) throw new UsageError(`--profile is required (${Object.keys(PROFILES).join(', ')})`);
  return flags;
}

/** "24h", "24", "1d" → hours. */
function horizon(text: string): number {
  const m = /^(\d+)\s*([hd]?)$/i.exec(text.trim());
  const hours = m ? Number(m[1]) * (m[2]!.toLowerCase() === 'd' ? 24 : 1) : NaN;
  if (!(Number.isSafeInteger(hours) && hours >= 1 && hours <= MAX_HORIZON_HOURS)) {
    throw new UsageError(`--horizon must be whole hours or days from 1h to ${MAX_HORIZON_HOURS}h (24h, 1d), got "${text}"`);
  }
  return hours;
}

/** One chart per underlying: the path as given for one, FILE-btc.svg … for several. */
function chartPaths(path: string, symbols: readonly string[]): string[] {
  if (symbols.length === 1) return [path];
  const ext = extname(path) || '.svg';
  const stem = extname(path) ? path.slice(0, -ext.length) : path;
  return symbols.map((s) => `${stem}-${s.toLowerCase()}${ext}`);
}

/** What `--json` prints: per underlying, per side, the dynamic model and the static grid. */
export function jsonOf(results: ReadonlyArray<{ report: BacktestReport; refused: number; guardedCloses: number }>, profile: RiskProfile) {
  const first = results[0]?.report;
  return {
    profile: profile.name,
    model: first?.model ?? null,
    horizonHours: first?.horizonHours ?? null,
    confidence: first?.confidence ?? null,
    underlyings: Object.fromEntries(
      results.map(({ report: r, refused, guardedCloses }) => [
        r.symbol,
        {
          long: sideJson(r.long),
          short: sideJson(r.short),
          static: { long: sideJson(r.static.long), short: sideJson(r.static.short) },
          from: r.from,
          to: r.to,
          steps: r.steps,
          warmUpSteps: r.warmUpSteps,
          gapSteps: r.gapSteps,
          gaps: r.gaps,
          refusedPrices: refused,
          guardedStepCloses: guardedCloses,
        },
      ]),
    ),
  };
}

function sideJson(s: SideReport) {
  return {
    observations: s.observations,
    breaches: s.breaches,
    coverage: s.coverage,
    kupiecP: s.kupiecP,
    christoffersenP: s.christoffersenP,
    averageRange: s.averageRange,
    maxRange: s.maxRange,
    expectedBreaches: s.expectedBreaches,
    kupiecLR: s.kupiecLR,
    kupiecSide: s.kupiecSide,
    christoffersenLR: s.christoffersenLR,
    transitions: s.transitions,
    intraHorizonBreaches: s.intraHorizonBreaches,
    passes: s.passes,
  };
}

function text(results: ReadonlyArray<{ report: BacktestReport; refused: number; guardedCloses: number }>, profile: RiskProfile): string {
  const first = results[0]!.report;
  const out = [
    `Margin backtest: ${first.model}, ${first.horizonHours} h steps, ${fmtPct(first.confidence, 1)} confidence, tests at ${fmtPct(first.significance, 0)}; static = profile ${profile.name}'s requirement for a unit perpetual`,
    '',
  ];
  const header = ['side', 'model', 'steps', 'breaches', 'expected', 'coverage', 'Kupiec p', 'Christoffersen p', 'avg range', 'max range', 'intra-horizon', 'verdict'];
  for (const { report: r, refused, guardedCloses } of results) {
    out.push(
      `${r.symbol}: forecasts from ${r.from?.slice(0, 10) ?? '-'} to ${r.to?.slice(0, 10) ?? '-'}; ${r.steps} steps, ${r.warmUpSteps} for warm-up, ` +
        `${r.gapSteps} skipped for ${r.gaps} gaps; ${refused} prices refused by the guard (${guardedCloses} of them a step's close)`,
    );
    const rows = (['long', 'short'] as const).flatMap((side) => [row(side, 'dynamic', r[side], r.significance), row(side, 'static', r.static[side], r.significance)]);
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((x) => x[c]!.length)));
    const line = (cells: readonly string[]) => cells.map((cell, c) => (c < 2 || c === cells.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
    out.push(line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '');
  }
  out.push('intra-horizon: breaches had the worst low (long) or high (short) within the step been tested instead of its close (not tested).', '');
  return out.join('\n');
}

function row(side: string, model: string, s: SideReport, significance: number): string[] {
  return [
    side,
    model,
    String(s.observations),
    String(s.breaches),
    s.expectedBreaches.toFixed(1),
    fmtPct(s.coverage, 2),
    fmtP(s.kupiecP),
    fmtP(s.christoffersenP),
    fmtPct(s.averageRange, 1),
    fmtPct(s.maxRange, 1),
    String(s.intraHorizonBreaches),
    verdict(s, significance),
  ];
}

function verdict(s: SideReport, significance: number): string {
  if (s.observations === 0) return 'not tested';
  const failures: string[] = [];
  if (!(s.kupiecP > significance)) failures.push(s.kupiecSide === 'too_few' ? 'too few breaches (over-margined)' : 'too many breaches (under-margined)');
  if (!(s.christoffersenP > significance)) failures.push('breaches cluster');
  return failures.length ? `FAIL: ${failures.join('; ')}` : 'pass';
}

function fmtPct(v: number, digits: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : '-';
}

function fmtP(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return v < 0.0001 ? v.toExponential(1) : v.toFixed(4);
}
