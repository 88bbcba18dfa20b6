/**
 * `npm run bench [-- --json]`: the speed figures the README's Benchmarks section lists, each beside a
 * textbook baseline run in the same process. `--json` also writes
 * bench/results.json (figure name → number), merged with figures other suites add.
 */
import { BlackScholes } from '@uqee/black-scholes';
import { optionPrice, optionQuote } from '../shared/risk/black-scholes.ts';
import { assessRisk, assessWith } from '../shared/risk/assess.ts';
import { loadLinearSolver } from '../shared/risk/lp/highs.ts';
import { planLiquidation } from '../shared/risk/planner.ts';
import { SnapshotSchema, type Snapshot } from '../shared/schemas/snapshot.ts';
import { textbookPortfolioMargin, textbookPrice } from './baseline.ts';
import { fmt, printTable, timeMicros, throughput } from './measure.ts';
import { mergeResults } from './results.ts';
import { benchPortfolio } from './portfolios.ts';

const TARGETS: Record<string, [limit: number, unit: string]> = {
  assess_p50_us_10: [20, 'µs'],
  assess_p50_us_1000: [2000, 'µs'],
  assess_full_p50_us_10: [150, 'µs'],
  plan_p50_ms_1000: [20, 'ms'],
  plan_p50_ms_5000_options: [200, 'ms'],
  assess_full_p99_ms_5000: [250, 'ms'],
  pricing_vs_peer: [0.9, '× the peer\'s time'],
};

const figures: Record<string, number> = {};
const solver = await loadLinearSolver();
const rows: string[][] = [];

function record(name: string, value: number): void {
  figures[name] = Number(value.toPrecision(6));
}

// Assessment time for healthy books (no plan due). `assess_*`: the risk core (margin, Greeks,
// tier, top-up), against the textbook margin loop; `assess_full_*`: the whole response,
// including the liquidation-price search (about 40 revaluations of each underlying).
for (const n of [10, 100, 1000]) {
  const snapshot: Snapshot = SnapshotSchema.parse(benchPortfolio(n, 1));
  const samples = n >= 1000 ? 400 : 4000;
  const ours = timeMicros(() => assessRisk(snapshot, { id: 'asm_bench' }), samples);
  const baseline = timeMicros(() => textbookPortfolioMargin(snapshot), Math.max(20, samples / 10));
  const full = timeMicros(() => assessWith(snapshot, { id: 'asm_bench' }, solver), Math.max(20, samples / 20));
  record(`assess_p50_us_${n}`, ours.p50);
  record(`assess_p99_us_${n}`, ours.p99);
  record(`assess_baseline_p50_us_${n}`, baseline.p50);
  record(`assess_speedup_${n}`, baseline.p50 / ours.p50);
  record(`assess_full_p50_us_${n}`, full.p50);
  record(`assess_full_p99_us_${n}`, full.p99);
  rows.push([`assess (risk core), ${n} positions`, `p50 ${fmt(ours.p50)} µs`, `p99 ${fmt(ours.p99)} µs`, `textbook p50 ${fmt(baseline.p50)} µs`, `${fmt(baseline.p50 / ours.p50)}× faster`]);
  rows.push([`assess (full, with liquidation prices), ${n} positions`, `p50 ${fmt(full.p50)} µs`, `p99 ${fmt(full.p99)} µs`, '', '']);
}

// Planning: the solved program, the cleaned amounts and the fresh re-assessment of the result.
// A 1,000-position mixed book in tier1, and a 5,000-option book in tier2.
for (const [name, input, ratio, samples] of [
  ['plan_p50_ms_1000', benchPortfolio(1000, 1), 1.03, 100],
  ['plan_p50_ms_5000_options', benchPortfolio(5000, 1, 42, 1), 1.01, 20],
] as const) {
  const snapshot = SnapshotSchema.parse(stressedTo(input, ratio));
  const { context } = assessRisk(snapshot, { id: 'asm_bench' });
  const plan = planLiquidation(context, solver);
  const t = timeMicros(() => planLiquidation(context, solver), samples);
  record(name, t.p50 / 1000);
  record(name.replace('p50', 'p99'), t.p99 / 1000);
  const size = snapshot.positions.length;
  rows.push([`plan, ${size} positions (${context.health.tier}, ${plan?.steps.length ?? 0} steps)`, `p50 ${fmt(t.p50 / 1000)} ms`, `p99 ${fmt(t.p99 / 1000)} ms`, '', '']);
}

// The largest allowed snapshot, answered in full (risk, liquidation prices, plan) in tier1.
{
  const snapshot = SnapshotSchema.parse(stressedTo(benchPortfolio(5000, 1), 1.03));
  const t = timeMicros(() => assessWith(snapshot, { id: 'asm_bench' }, solver), 20);
  record('assess_full_p50_ms_5000', t.p50 / 1000);
  record('assess_full_p99_ms_5000', t.p99 / 1000);
  rows.push(['assess (full, with plan), 5000 positions', `p50 ${fmt(t.p50 / 1000)} ms`, `p99 ${fmt(t.p99 / 1000)} ms`, '', '']);
}

// Pricing throughput: one option price per call, over a spread of strikes and vols.
{
  const strikes = Float64Array.from({ length: 64 }, (_, i) => 60_000 + i * 1_000);
  const ours = throughput((i) => optionPrice(i & 1 ? 'call' : 'put', 97_000, strikes[i & 63]!, 0.1 + (i & 7) * 0.05, 0.3 + (i & 3) * 0.1));
  const baseline = throughput((i) => textbookPrice(i & 1 ? 'call' : 'put', 97_000, strikes[i & 63]!, 0.1 + (i & 7) * 0.05, 0.3 + (i & 3) * 0.1));
  record('pricing_calls_per_s', ours);
  record('pricing_baseline_calls_per_s', baseline);
  record('pricing_speed_ratio', ours / baseline);
  rows.push(['option pricing', `${fmt(ours / 1e6)} M calls/s`, '', `textbook ${fmt(baseline / 1e6)} M calls/s`, `${fmt(ours / baseline)}× the textbook`]);
}

// Price and four Greeks against the fastest accurate peer on npm, @uqee/black-scholes in its
// `double` mode (issue 19), on one grid of 4,096 options, in alternating rounds (the median of
// 7 ratios). Its vega is per 1.00 of volatility and its theta per year, of the other sign: the
// sums below convert both, so each side does the work of the same answer.
{
  const peer = new BlackScholes({ sigmaToPricePrecision: 'double' });
  const n = 4096;
  const strikes = Float64Array.from({ length: n }, (_, i) => 40_000 + (i % 128) * 900);
  const years = Float64Array.from({ length: n }, (_, i) => 0.01 + (i % 13) * 0.08);
  const vols = Float64Array.from({ length: n }, (_, i) => 0.2 + (i % 7) * 0.15);
  const ours = (i: number) => {
    const q = optionQuote(i & 1 ? 'call' : 'put', 97_000, strikes[i % n]!, years[i % n]!, vols[i % n]!);
    return q.price + q.delta + q.gamma + q.vega + q.theta;
  };
  const theirs = (i: number) => {
    const o = peer.option({ rate: 0, sigma: vols[i % n]!, strike: strikes[i % n]!, time: years[i % n]!, type: i & 1 ? 'call' : 'put', underlying: 97_000 });
    return o.price + o.delta + o.gamma + o.vega * 0.01 - o.theta / 365;
  };
  const ratios: number[] = [];
  let oursRate = 0;
  let peerRate = 0;
  for (let round = 0; round < 7; round++) {
    oursRate = throughput(ours, 300, 4096);
    peerRate = throughput(theirs, 300, 4096);
    ratios.push(peerRate / oursRate);
  }
  ratios.sort((a, b) => a - b);
  const ratio = ratios[3]!;
  record('pricing_vs_peer', ratio);
  rows.push(['price + 4 Greeks vs @uqee/black-scholes (double)', `${fmt(1e9 / oursRate)} ns`, '', `peer ${fmt(1e9 / peerRate)} ns`, `${fmt(ratio)}× the peer's time (median of 7)`]);
}

printTable(rows);
for (const [name, [limit, unit]] of Object.entries(TARGETS)) {
  const value = figures[name]!;
  console.log(`${value <= limit ? 'meets' : 'MISSES'} target ${name} ≤ ${limit} ${unit}: ${fmt(value)}`);
}
if (process.argv.includes('--json')) {
  console.log(`wrote ${mergeResults(figures)}`);
}

/** Moves the USDC balance so the account's margin ratio is `ratio` (1.03: tier1; 1.01: tier2). */
function stressedTo(input: ReturnType<typeof benchPortfolio>, ratio: number): ReturnType<typeof benchPortfolio> {
  const a = assessRisk(SnapshotSchema.parse(input), { id: 'probe' }).assessment;
  const usdc = input.collateral.find((c) => c.asset === 'USDC')!;
  const shift = ratio * a.maintenanceMargin - a.equity;
  return { ...input, collateral: input.collateral.map((c) => (c === usdc ? { ...c, amount: c.amount + shift } : c)) };
}


