import type { PolicyName } from './policies.ts';
import type { ReplayReport } from './replay.ts';

/**
 * A self-contained SVG line chart (no dependencies, no scripts, no external
 * fonts): the replay's cumulative liquidated notional per policy over time, with
 * the crash window shaded and the underlyings' prices in a panel below.
 */

export interface LineSeries {
  readonly name: string;
  /** One value per x; drawn as a step line when `step` is set. */
  readonly values: readonly number[];
  readonly color: string;
  readonly width?: number;
  readonly dash?: string;
}

export interface Panel {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** Draw values as a staircase (cumulative totals change in jumps). */
  readonly step?: boolean;
  readonly formatY: (v: number) => string;
  /** Include 0 in the y range. */
  readonly fromZero?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly subtitle?: string;
  /** x value of every point (same length as every series). */
  readonly x: readonly number[];
  readonly xLabel: string;
  readonly formatX: (v: number) => string;
  readonly panels: readonly Panel[];
  /** Shaded x ranges, such as the crash. */
  readonly bands?: readonly { readonly from: number; readonly to: number; readonly label: string }[];
  readonly width?: number;
  /** Height of each panel's plot area. */
  readonly panelHeights?: readonly number[];
}

export const POLICY_COLORS: Readonly<Record<PolicyName, string>> = {
  full: '#d62728',
  aave_v3: '#ff7f0e',
  hyperliquid: '#17becf',
  deribit_incremental: '#8c564b',
  fixed_tiers: '#9467bd',
  softland: '#2ca02c',
  softland_adaptive: '#bcbd22',
};

const PRICE_COLORS: Readonly<Record<string, string>> = { BTC: '#f7931a', ETH: '#627eea', SOL: '#14a085' };
const FALLBACK_COLORS = ['#1f77b4', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const MARGIN = { left: 84, right: 230, top: 88, gap: 62, bottom: 52 };

export function lineChartSvg(options: ChartOptions): string {
  const width = options.width ?? 960;
  const heights = options.panels.map((_, i) => options.panelHeights?.[i] ?? 300);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const height = MARGIN.top + heights.reduce((a, b) => a + b, 0) + MARGIN.gap * (options.panels.length - 1) + MARGIN.bottom;
  const xs = options.x;
  const [x0, x1] = extent(xs);
  const sx = (v: number) => MARGIN.left + (x1 === x0 ? 0 : ((v - x0) / (x1 - x0)) * plotWidth);
  const xTicks = niceTicks(x0, x1, 8).filter((t) => t >= x0 - 1e-9 && t <= x1 + 1e-9);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="26" font-size="17" font-weight="bold">${esc(options.title)}</text>`,
  );
  if (options.subtitle) out.push(`<text x="${MARGIN.left}" y="46" fill="#555">${esc(options.subtitle)}</text>`);

  let top = MARGIN.top;
  options.panels.forEach((panel, p) => {
    const h = heights[p]!;
    const bottom = top + h;
    const all = panel.series.flatMap((s) => s.values.filter(Number.isFinite));
    let [y0, y1] = extent(all.length ? all : [0, 1]);
    if (panel.fromZero) y0 = Math.min(0, y0);
    if (y1 === y0) y1 = y0 + 1;
    const yTicks = niceTicks(y0, y1, 6);
    y0 = Math.min(y0, yTicks[0]!);
    y1 = Math.max(y1, yTicks[yTicks.length - 1]!);
    const sy = (v: number) => bottom - ((v - y0) / (y1 - y0)) * h;

    out.push(`<g>`);
    for (const band of options.bands ?? []) {
      const a = sx(Math.max(band.from, x0));
      const b = sx(Math.min(band.to, x1));
      out.push(`<rect x="${f(a)}" y="${top}" width="${f(Math.max(b - a, 1))}" height="${h}" fill="#000" fill-opacity="0.07"/>`);
      if (p === 0) out.push(`<text x="${f((a + b) / 2)}" y="${top - 6}" text-anchor="middle" fill="#666" font-size="11">${esc(band.label)}</text>`);
    }
    // Grid and axes.
    for (const t of yTicks) {
      const y = sy(t);
      out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y)}" y2="${f(y)}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${MARGIN.left - 8}" y="${f(y + 4)}" text-anchor="end" fill="#333">${esc(panel.formatY(t))}</text>`);
    }
    for (const t of xTicks) {
      const x = sx(t);
      out.push(`<line x1="${f(x)}" x2="${f(x)}" y1="${top}" y2="${bottom}" stroke="#f0f0f0"/>`);
      out.push(`<text x="${f(x)}" y="${bottom + 16}" text-anchor="middle" fill="#333">${esc(options.formatX(t))}</text>`);
    }
    out.push(`<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${h}" fill="none" stroke="#888"/>`);
    out.push(`<text x="${MARGIN.left}" y="${top - 8}" font-weight="bold" font-size="13">${esc(panel.title)}</text>`);
    const cy = top + h / 2;
    out.push(`<text x="18" y="${f(cy)}" transform="rotate(-90 18 ${f(cy)})" text-anchor="middle" fill="#333">${esc(panel.yLabel)}</text>`);

    // Lines, then the legend on the right.
    panel.series.forEach((s, i) => {
      out.push(
        `<path d="${pathOf(xs, s.values, sx, sy, panel.step === true)}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round"/>`,
      );
      const ly = top + 14 + i * 20;
      const lx = MARGIN.left + plotWidth + 16;
      out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
      out.push(`<text x="${lx + 28}" y="${ly}">${esc(s.name)}</text>`);
    });
    out.push(`</g>`);
    top = bottom + MARGIN.gap;
  });
  out.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${height - 12}" text-anchor="middle" fill="#333">${esc(options.xLabel)}</text>`);
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}

/** The replay chart: cumulative liquidated notional per policy, prices indexed to 100 below. */
/** The policies whose impacted price the chart draws: the two ends of the comparison. */
const IMPACT_SHOWN: readonly PolicyName[] = ['full', 'softland', 'softland_adaptive'];

export function replayChartSvg(report: ReplayReport): string {
  const hours = Array.from({ length: report.steps + 1 }, (_, k) => (k * report.stepMinutes) / 60);
  const names = Object.keys(report.series.liquidatedNotional) as PolicyName[];
  const prices = Object.entries(report.series.prices);
  const crash = report.crash;
  const reference = prices[0]![0];
  const historical = prices[0]![1];
  return lineChartSvg({
    title: 'Softland policy replay: cumulative liquidated notional',
    subtitle: `seed ${report.seed}, ${report.accounts} accounts, ${report.steps} steps of ${report.stepMinutes} min from ${report.start}`,
    x: hours,
    xLabel: 'hours since start',
    formatX: (v) => `${fmtNumber(v)}h`,
    bands: crash
      ? [{ from: hours[crash.startStep]!, to: hours[crash.endStep]!, label: `crash −${Math.round((crash.depth['BTC'] ?? Object.values(crash.depth)[0] ?? 0) * 100)}%` }]
      : [],
    panels: [
      {
        title: 'Liquidated notional (cumulative)',
        yLabel: 'USD',
        step: true,
        fromZero: true,
        formatY: usdShort,
        series: names.map((name) => ({
          name: `${name} (${usdShort(report.policies[name].liquidatedNotional)})`,
          values: report.series.liquidatedNotional[name],
          color: POLICY_COLORS[name],
          width: name === 'softland' ? 3 : 2,
        })),
      },
      {
        title: 'Prices (start = 100)',
        yLabel: 'index',
        formatY: (v) => fmtNumber(v),
        series: prices.map(([symbol, values], i) => ({
          name: symbol,
          values: values.map((v) => (100 * v) / values[0]!),
          color: PRICE_COLORS[symbol] ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length]!,
          width: 1.5,
        })),
      },
      {
        // What each policy's own liquidations did to the price it traded at.
        title: `${reference} with each policy's own impact (its extra fall below the historical low) and without (start = 100)`,
        yLabel: 'index',
        formatY: (v) => fmtNumber(v),
        series: [
          { name: `${reference} historical`, values: historical.map((v) => (100 * v) / historical[0]!), color: '#888888', width: 1.5 },
          ...IMPACT_SHOWN.map((name) => ({
            name: `${name} ${(100 * (report.cascadeDrawdown[name][reference] ?? 0)).toFixed(2)}%`,
            values: report.series.impactedPrices[name].map((v) => (100 * v) / historical[0]!),
            color: POLICY_COLORS[name],
            width: 1.5,
          })),
        ],
      },
    ],
    panelHeights: [320, 170, 170],
  });
}

/** SVG path of a series, as a staircase when `step`; points that change nothing are skipped. */
function pathOf(xs: readonly number[], ys: readonly number[], sx: (v: number) => number, sy: (v: number) => number, step: boolean): string {
  const parts: string[] = [];
  let last: number | undefined;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]!;
    if (!Number.isFinite(y)) continue;
    const x = sx(xs[i]!);
    if (last === undefined) parts.push(`M${f(x)},${f(sy(y))}`);
    else if (step) {
      if (y !== last) parts.push(`H${f(x)}`, `V${f(sy(y))}`);
    } else parts.push(`L${f(x)},${f(sy(y))}`);
    last = y;
  }
  if (step && last !== undefined && xs.length > 0) parts.push(`H${f(sx(xs[xs.length - 1]!))}`);
  return parts.join('');
}

function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** $12.3M, $450k, $900. */
export function usdShort(v: number): string {
  const a = Math.abs(v);
  const sign = v < 0 ? '−' : '';
  if (a >= 1e9) return `${sign}$${fmtNumber(a / 1e9)}B`;
  if (a >= 1e6) return `${sign}$${fmtNumber(a / 1e6)}M`;
  if (a >= 1e3) return `${sign}$${fmtNumber(a / 1e3)}k`;
  return `${sign}$${fmtNumber(a)}`;
}

function fmtNumber(v: number): string {
  return Number(v.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function f(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
