import { lineChartSvg } from '../replay/svg.ts';
import type { BacktestReport } from './backtest.ts';

/**
 * The backtest chart: the requirement of a unit long (−range) and a unit short (+range)
 * as bands around zero, dynamic and static, against the move that followed each step,
 * breaches marked; the price below. Drawn with the replay's chart (shared/replay/svg.ts);
 * the breach markers are placed on the vertices of the drawn move line, so they share its
 * scales without this module knowing the chart's layout.
 */

const COLORS = { move: '#7f7f7f', dynamic: '#1f77b4', static: '#d62728', longBreach: '#d62728', shortBreach: '#2ca02c', price: '#f7931a' } as const;

const YEAR_MS = 365.25 * 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Years as decimals (2019.5), so the chart's round ticks fall on whole and half years. */
const yearOf = (ms: number) => 1970 + ms / YEAR_MS;
function formatYear(v: number): string {
  const d = new Date((v - 1970) * YEAR_MS + 43_200_000);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
const pct = (v: number) => `${Number(v.toFixed(1))}%`;

export function backtestChartSvg(report: BacktestReport): string {
  const s = report.series;
  const x = s.map((step) => yearOf(step.time));
  const { long, short } = report;
  const st = report.static;
  const hours = report.horizonHours;
  const svg = lineChartSvg({
    title: `Softland margin backtest: ${report.symbol}, ${report.model}, ${hours} h at ${report.confidence * 100}%`,
    subtitle:
      `${long.observations} steps, ${report.from?.slice(0, 10) ?? '-'} to ${report.to?.slice(0, 10) ?? '-'}. ` +
      `Breaches long ${long.breaches}, short ${short.breaches} (static ${st.long.breaches}, ${st.short.breaches}; expected ${long.expectedBreaches.toFixed(1)}). ` +
      `Red dot: long breach, green: short, ring: static.`,
    x,
    xLabel: 'forecast date',
    formatX: formatYear,
    panels: [
      {
        title: `Requirement (±range) and the ${hours} h move that followed`,
        yLabel: 'move, % of price',
        formatY: pct,
        series: [
          { name: 'realised move', values: s.map((p) => 100 * p.move), color: COLORS.move, width: 1 },
          { name: `model long (avg ${pct(100 * long.averageRange)})`, values: s.map((p) => -100 * p.longRange), color: COLORS.dynamic, width: 1.5 },
          { name: `model short (avg ${pct(100 * short.averageRange)})`, values: s.map((p) => 100 * p.shortRange), color: COLORS.dynamic, width: 1.5, dash: '5 2' },
          { name: `static long (${pct(100 * st.long.averageRange)})`, values: s.map(() => -100 * st.long.averageRange), color: COLORS.static, width: 1.5 },
          { name: `static short (${pct(100 * st.short.averageRange)})`, values: s.map(() => 100 * st.short.averageRange), color: COLORS.static, width: 1.5, dash: '5 2' },
        ],
      },
      {
        title: `${report.symbol} close`,
        yLabel: 'USD',
        formatY: (v) => Number(v.toPrecision(3)).toLocaleString('en-US'),
        series: [{ name: report.symbol, values: s.map((p) => p.close), color: COLORS.price, width: 1.5 }],
      },
    ],
    panelHeights: [360, 160],
    width: 1100,
  });
  return withMarkers(svg, report);
}

/** Circles on the move line's vertices where a step breached; the move line is the first path in its colour. */
function withMarkers(svg: string, report: BacktestReport): string {
  const path = new RegExp(`<path d="([^"]*)" fill="none" stroke="${COLORS.move}"`).exec(svg);
  if (!path) throw new Error('backtest chart: the move line is missing');
  const vertices = [...path[1]!.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [m[1]!, m[2]!] as const);
  // Every move is finite, so vertex i is step i; anything else means the chart changed its drawing.
  if (vertices.length !== report.series.length) throw new Error(`backtest chart: ${vertices.length} vertices for ${report.series.length} steps`);
  const marks: string[] = ['<g id="breaches">'];
  report.series.forEach((step, i) => {
    const [cx, cy] = vertices[i]!;
    const date = new Date(step.time).toISOString().slice(0, 10);
    const title = `<title>${date}: move ${(100 * step.move).toFixed(2)}%, range −${(100 * step.longRange).toFixed(2)}% / +${(100 * step.shortRange).toFixed(2)}%</title>`;
    if (step.longBreach) marks.push(`<circle class="breach long" cx="${cx}" cy="${cy}" r="3.5" fill="${COLORS.longBreach}">${title}</circle>`);
    if (step.shortBreach) marks.push(`<circle class="breach short" cx="${cx}" cy="${cy}" r="3.5" fill="${COLORS.shortBreach}">${title}</circle>`);
    if (step.staticLongBreach || step.staticShortBreach) marks.push(`<circle class="breach static" cx="${cx}" cy="${cy}" r="6" fill="none" stroke="#000" stroke-width="1.2"/>`);
  });
  marks.push('</g>');
  return svg.replace(/<\/svg>\n$/, `${marks.join('\n')}\n</svg>\n`);
}
