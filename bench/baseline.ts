import type { Snapshot } from '../shared/schemas/snapshot.ts';

/**
 * Plain textbook implementations, run beside ours in the same process so the
 * benchmark reports ratios rather than machine-dependent absolutes.
 */

/** Abramowitz & Stegun 26.2.17 normal CDF: the textbook approximation (|error| < 7.5e-8). */
export function textbookNormalCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = (Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)) * poly;
  return x >= 0 ? 1 - tail : tail;
}

/** Textbook Black-Scholes (zero rates). */
export function textbookPrice(right: 'call' | 'put', spot: number, strike: number, years: number, vol: number): number {
  if (years <= 0) return Math.max(right === 'call' ? spot - strike : strike - spot, 0);
  const d1 = (Math.log(spot / strike) + 0.5 * vol * vol * years) / (vol * Math.sqrt(years));
  const d2 = d1 - vol * Math.sqrt(years);
  return right === 'call'
    ? spot * textbookNormalCdf(d1) - strike * textbookNormalCdf(d2)
    : strike * textbookNormalCdf(-d2) - spot * textbookNormalCdf(-d1);
}

/**
 * A direct transcription of docs/margin.md's portfolio margin: for every underlying and
 * every scenario, reprice every position from scratch. Same answer shape as the
 * engine's maintenance margin, without its precomputation.
 */
export function textbookPortfolioMargin(s: Snapshot): number {
  const moves = [-0.16, -0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12, 0.16];
  const years = (iso: string) => (Date.parse(iso) - Date.parse(s.asOf)) / (365 * 86_400_000);
  const shock = (t: number) => {
    const days = Math.max(t * 365, 1);
    const scale = (30 / days) ** (days <= 30 ? 0.3 : 0.13);
    return [1, 1 + 0.5 * scale, 1 - 0.25 * scale];
  };
  const value = (p: Snapshot['positions'][number], spot: number, volFactor: number) => {
    const inst = p.instrument;
    if (inst.type !== 'option') return p.quantity * spot;
    const t = years(inst.expiry);
    const vol = (p.impliedVolatility ?? s.market[inst.underlying]!.volatility ?? 0.5) * shock(t)[volFactor]!;
    return p.quantity * textbookPrice(inst.right, spot, inst.strike, t, vol);
  };
  let mm = 0;
  for (const u of new Set(s.positions.map((p) => p.instrument.underlying))) {
    const spot = s.market[u]!.price;
    const legs = s.positions.filter((p) => p.instrument.underlying === u);
    const base = legs.reduce((sum, p) => sum + value(p, spot, 0), 0);
    let worst = 0;
    for (const m of moves) {
      for (let v = 0; v < 3; v++) {
        const pnl = legs.reduce((sum, p) => sum + value(p, spot * (1 + m), v), 0) - base;
        worst = Math.max(worst, -pnl);
      }
    }
    mm += worst;
  }
  return mm;
}
