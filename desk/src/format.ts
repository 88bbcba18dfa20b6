/** How the desk writes numbers: money in the quote asset (USD by default), ratios as plain numbers like the API's. */

const money = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const quantity = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 8 });
const prices = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 6 });

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return Math.abs(value) >= 1e7 ? compact.format(value) : money.format(value);
}

/** A price: enough digits for a BTC and a small-cap quote alike. */
export function price(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return prices.format(value);
}

export function qty(value: number): string {
  return quantity.format(value);
}

/** A margin ratio (equity / maintenance margin): "1.034"; "—" when there is no requirement. */
export function ratio(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return Math.abs(value) >= 1000 ? compact.format(value) : value.toFixed(3);
}

/** A signed fraction as a percentage: −0.062 → "−6.2%". */
export function pct(value: number, digits = 1): string {
  const s = `${(value * 100).toFixed(digits)}%`;
  return value > 0 ? `+${s}` : s.replace('-', '−');
}

/** How long ago, for people: "4 s ago", "3 min ago", "2 h ago". */
export function ago(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function time(iso: string | null | undefined): string {
  return iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) : '—';
}
