import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import type { AlignedData } from 'uplot';
import { must, type Api, type Schemas } from '../api.ts';
import { Chart, TIER_COLORS, verticalLine, type ChartOptions } from '../charts.ts';
import { pct, price, qty, ratio, time, usd } from '../format.ts';
import { usePolling } from '../hooks.ts';
import { ErrorNote, Figure, Loading, TierBadge } from '../ui.ts';

type Assessment = Schemas['Assessment'];
type Ladder = Schemas['LiquidationLadder'];
type Instrument = Schemas['Instrument'];

const REFRESH_MS = 10_000;

/** One account: its figures, ratio gauge, Greeks, positions, the plan and why, the ladder, the ratio's history. */
export function AccountView({ api, accountId }: { api: Api; accountId: string }) {
  const path = { params: { path: { accountId } } };
  const account = usePolling(() => must(api.GET('/v1/accounts/{accountId}', path)), REFRESH_MS, [api, accountId]);
  const assessment = usePolling(() => must(api.GET('/v1/accounts/{accountId}/assessment', path)), REFRESH_MS, [api, accountId]);
  const ladder = usePolling(() => must(api.GET('/v1/accounts/{accountId}/ladder', path)), REFRESH_MS, [api, accountId]);
  const history = usePolling(() => must(api.GET('/v1/accounts/{accountId}/assessments', { params: { path: { accountId }, query: { limit: 100 } } })), REFRESH_MS, [api, accountId]);
  const a = assessment.data;
  const acc = account.data;

  return html`<section aria-labelledby="account-title">
    <p><a href="#/">← Overview</a></p>
    <h1 id="account-title">Account <code>${accountId}</code> ${acc ? html`<${TierBadge} tier=${acc.tier} />` : null}</h1>
    <${ErrorNote} error=${account.error} what="The account" />
    ${acc?.activeLiquidationId ? html`<p class="note">Softland is liquidating this account: <a href="#/liquidations">liquidation ${acc.activeLiquidationId}</a>.</p>` : null}
    ${acc?.assessmentError ? html`<div class="note error" role="alert"><strong>Cannot be assessed:</strong> ${acc.assessmentError.reason}</div>` : null}
    <p><a href=${`#/what-if?account=${encodeURIComponent(accountId)}`}>What if… (edit this book and assess it)</a></p>
    <${ErrorNote} error=${assessment.error} what="The assessment now" />
    ${a ? html`<${Headline} a=${a} ladder=${ladder.data} />` : assessment.error ? null : html`<${Loading} what="the assessment" />`}
    <h2>Liquidation ladder</h2>
    <p class="muted">The margin ratio if one underlying's price moved, everything else unchanged; the tier lines and today's price are marked.</p>
    <${ErrorNote} error=${ladder.error} what="The ladder" />
    ${ladder.data ? html`<${LadderCharts} ladder=${ladder.data} />` : ladder.error ? null : html`<${Loading} what="the ladder" />`}
    ${a ? html`<${Plan} a=${a} /><${Greeks} a=${a} /><${Positions} a=${a} />` : null}
    <h2>Margin ratio history</h2>
    <${ErrorNote} error=${history.error} what="The history" />
    ${history.data ? html`<${History} items=${history.data.data} />` : history.error ? null : html`<${Loading} what="the history" />`}
  </section>`;
}

export function Headline({ a, ladder }: { a: Assessment; ladder: Ladder | undefined }) {
  return html`<div class="figures">
      <${Figure} label="Equity" value=${usd(a.equity)} />
      <${Figure} label="Initial margin" value=${usd(a.initialMargin)} />
      <${Figure} label="Maintenance margin" value=${usd(a.maintenanceMargin)} />
      <${Figure} label="Margin ratio" value=${ratio(a.marginRatio)} hint="equity ÷ maintenance" />
      <${Figure} label="Top-up to target" value=${usd(a.collateralTopUp)} />
    </div>
    <${Gauge} a=${a} thresholds=${ladder?.thresholds} />`;
}

/** The margin ratio on a bar with the tier bands: tier3 below 1, tier2, tier1, warning below initial margin, healthy. */
function Gauge({ a, thresholds }: { a: Assessment; thresholds: Ladder['thresholds'] | undefined }) {
  const t = thresholds ?? { tier1: 1.05, tier2: 1.02, tier3: 1 };
  const im = a.maintenanceMargin > 0 ? a.initialMargin / a.maintenanceMargin : t.tier1 * 1.25;
  const r = a.marginRatio;
  const top = Math.max(im * 1.25, t.tier1 * 1.5, Math.min(r ?? 0, im * 2));
  const x = (v: number) => (Math.max(0, Math.min(v, top)) / top) * 1000;
  const bands = [
    [0, t.tier3, 'band-tier3'],
    [t.tier3, t.tier2, 'band-tier2'],
    [t.tier2, t.tier1, 'band-tier1'],
    [t.tier1, im, 'band-warning'],
    [im, top, 'band-healthy'],
  ] as const;
  const label = r === null ? 'No maintenance margin: no margin ratio' : `Margin ratio ${ratio(r)}: tier3 below ${t.tier3}, tier2 below ${t.tier2}, tier1 below ${t.tier1}, warning below ${ratio(im)} (initial margin)`;
  return html`<figure class="gauge">
    <svg viewBox="0 0 1000 60" role="img" aria-label=${label} preserveAspectRatio="none">
      ${bands.map(([from, to, cls]) => (to > from ? html`<rect class=${cls} x=${x(from)} y="10" width=${x(to) - x(from)} height="30" />` : null))}
      ${[t.tier3, t.tier2, t.tier1, im].map((v) => html`<line class="gauge-tick" x1=${x(v)} x2=${x(v)} y1="6" y2="44" />`)}
      ${r === null ? null : html`<polygon class="gauge-marker" points=${`${x(r) - 9},58 ${x(r) + 9},58 ${x(r)},42`} />`}
    </svg>
    <figcaption class="muted">${label}</figcaption>
  </figure>`;
}

function LadderCharts({ ladder }: { ladder: Ladder }) {
  return html`<div class="ladders">
    ${Object.entries(ladder.underlyings).map(([u, rung]) => html`<${LadderChart} key=${u} underlying=${u} rung=${rung} thresholds=${ladder.thresholds} />`)}
  </div>`;
}

function LadderChart({ underlying, rung, thresholds }: { underlying: string; rung: Ladder['underlyings'][string]; thresholds: Ladder['thresholds'] }) {
  const { options, data } = useMemo(() => {
    const xs = rung.points.map((p) => p.price);
    const ys = rung.points.map((p) => p.marginRatio);
    const ceiling = Math.max(3, thresholds.tier1 * 2);
    const line = (v: number) => xs.map(() => v);
    const options: ChartOptions = {
      title: `${underlying}: margin ratio against its price`,
      scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.min(Math.max(max ?? 1, thresholds.tier1 * 1.2), ceiling)] } },
      axes: [{ label: `${underlying} price` }, { label: 'margin ratio' }],
      series: [
        { label: 'price', value: (_u, v) => price(v) },
        { label: 'margin ratio', stroke: TIER_COLORS.ratio, width: 2, value: (_u, v) => ratio(v) },
        { label: 'tier1', stroke: TIER_COLORS.tier1, dash: [4, 4] },
        { label: 'tier2', stroke: TIER_COLORS.tier2, dash: [4, 4] },
        { label: 'tier3', stroke: TIER_COLORS.tier3, dash: [4, 4] },
      ],
      plugins: [verticalLine(rung.price, TIER_COLORS.price)],
    };
    const data: AlignedData = [xs, ys, line(thresholds.tier1), line(thresholds.tier2), line(thresholds.tier3)];
    return { options, data };
  }, [rung, thresholds, underlying]);
  const levels = rung.liquidationPrices;
  const at = (level: number | null) => (level === rung.price ? 'now' : price(level));
  return html`<div class="ladder">
    <${Chart} options=${options} data=${data} label=${`Liquidation ladder of ${underlying}: margin ratio against its price, today ${price(rung.price)}`} />
    <p class="muted">
      Today ${price(rung.price)}. Tier 1 at ${at(levels.down.tier1)} down / ${at(levels.up.tier1)} up; tier 3 at ${at(levels.down.tier3)} down / ${at(levels.up.tier3)} up
      (— : not within 1%–1000% of today's price).
    </p>
  </div>`;
}

export function Plan({ a }: { a: Assessment }) {
  const plan = a.liquidation;
  if (!plan) return html`<h2>Liquidation plan</h2><p class="muted">None: the account is above tier 1.</p>`;
  return html`<h2>Liquidation plan</h2>
    <p>
      Target margin ratio ${ratio(plan.targetMarginRatio)}: ${plan.targetReached ? 'reached' : `not reached (${plan.shortfall?.reason ?? 'unknown'}; still ${usd(plan.shortfall?.remainingTopUp)} to deposit)`}.
      Liquidates ${usd(plan.liquidatedNotional)} of ${usd(plan.fullLiquidationNotional)} notional
      (${plan.fullLiquidationNotional > 0 ? pct(plan.liquidatedNotional / plan.fullLiquidationNotional).replace('+', '') : '—'} of full liquidation).
      After: equity ${usd(plan.after.equity)}, margin ratio ${ratio(plan.after.marginRatio)}, <${TierBadge} tier=${plan.after.tier} />.
      ${plan.estimatedBadDebt > 0 ? html`<strong> Estimated bad debt ${usd(plan.estimatedBadDebt)}.</strong>` : null}
    </p>
    <ol class="steps">
      ${plan.steps.map(
        (s) => html`<li class="step">
          <div><strong>${s.action === 'sell' ? 'Sell' : 'Buy back'} ${qty(s.quantity)}</strong> of ${s.positionId ? html`position <code>${s.positionId}</code>` : html`collateral ${s.asset}`}
            (${pct(s.fraction).replace('+', '')}) at about ${price(s.estimatedPrice)}; penalty ${usd(s.penalty)}, frees ${usd(s.maintenanceMarginRelief)} of maintenance margin.</div>
          <div class="muted">${s.reason}</div>
        </li>`,
      )}
    </ol>`;
}

function Greeks({ a }: { a: Assessment }) {
  return html`<h2>Greeks per underlying</h2>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Underlying</th><th scope="col" class="num">Delta</th><th scope="col" class="num">Gamma</th><th scope="col" class="num">Vega</th><th scope="col" class="num">Theta</th><th scope="col" class="num">Collateral delta</th><th scope="col" class="num">Maintenance</th><th scope="col">Worst scenario</th></tr></thead>
      <tbody>
        ${Object.entries(a.greeks).map(
          ([u, g]) => html`<tr><th scope="row">${u}</th><td class="num">${qty(g.delta)}</td><td class="num">${qty(g.gamma)}</td><td class="num">${usd(g.vega)}</td><td class="num">${usd(g.theta)}</td><td class="num">${qty(g.collateralDelta)}</td><td class="num">${usd(g.maintenanceMargin)}</td>
            <td>${g.worstScenario ? `${pct(g.worstScenario.priceMove)}, vol ${g.worstScenario.volShock}` : '—'}</td></tr>`,
        )}
      </tbody>
    </table></div>`;
}

function describe(i: Instrument): string {
  if (i.type === 'option') return `${i.underlying} ${i.right} ${price(i.strike)} ${i.expiry.slice(0, 10)}`;
  if (i.type === 'future') return `${i.underlying} future ${i.expiry.slice(0, 10)}`;
  return `${i.underlying} perpetual`;
}

function Positions({ a }: { a: Assessment }) {
  return html`<h2>Positions</h2>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Position</th><th scope="col">Instrument</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Mark</th><th scope="col" class="num">Notional</th><th scope="col" class="num">Value</th><th scope="col" class="num">Maintenance</th><th scope="col" class="num">Initial</th><th scope="col" class="num">Priority</th><th scope="col">Role</th></tr></thead>
      <tbody>
        ${[...a.positions]
          .sort((x, y) => (x.liquidationPriority ?? Number.POSITIVE_INFINITY) - (y.liquidationPriority ?? Number.POSITIVE_INFINITY))
          .map(
            (p) => html`<tr><th scope="row"><code>${p.id}</code></th><td>${describe(p.instrument)}</td><td class="num">${qty(p.quantity)}</td><td class="num">${price(p.markPrice)}</td><td class="num">${usd(p.notional)}</td><td class="num">${usd(p.value)}</td>
              <td class="num">${usd(p.maintenanceMargin)}</td><td class="num">${usd(p.initialMargin)}</td><td class="num">${p.liquidationPriority ?? '—'}</td><td>${p.role}</td></tr>`,
          )}
      </tbody>
    </table></div>`;
}

function History({ items }: { items: readonly Schemas['AssessmentSummary'][] }) {
  const { options, data } = useMemo(() => {
    const points = [...items].filter((s) => s.marginRatio !== null).reverse();
    const options: ChartOptions = {
      scales: { x: { time: true } },
      axes: [{}, { label: 'margin ratio' }],
      series: [{}, { label: 'margin ratio', stroke: TIER_COLORS.ratio, width: 2, points: { show: true }, value: (_u, v) => ratio(v) }],
    };
    const data: AlignedData = [points.map((s) => Date.parse(s.asOf) / 1000), points.map((s) => s.marginRatio)];
    return { options, data };
  }, [items]);
  if (items.length === 0) return html`<p class="muted">No recorded assessment yet: sweeps record one when the tier changes.</p>`;
  return html`${data[0].length >= 2 ? html`<${Chart} options=${options} data=${data} label="Margin ratio of the recorded assessments over time" height=${200} />` : null}
    <p class="muted">${items.length} recorded assessment${items.length === 1 ? '' : 's'}, the latest ${time(items[0]!.asOf)}.</p>`;
}
