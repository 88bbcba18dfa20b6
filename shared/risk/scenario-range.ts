import type { RiskProfile } from './profile-schema.ts';
import type { RangeForecast } from './volatility/forecaster.ts';

/**
 * The reach of one underlying's scenario grid (docs/margin.md, "Dynamic range"): the
 * largest fall (`down`) and rise (`up`) it revalues at, as fractions of the price, and
 * where they come from.
 */
export interface ScenarioRange {
  readonly down: number;
  readonly up: number;
  /** `static`: the profile's priceRange; `forecast`: the volatility forecast; `floor` / `cap`: the forecast clamped, or the floor with no history. */
  readonly basis: 'static' | 'forecast' | 'floor' | 'cap';
  /** Annualised volatility behind a dynamic range (the forecast σ of a day × √365); null when static or with no history. */
  readonly volatility: number | null;
  /** Daily returns the forecast rests on; null when static or with no history. */
  readonly observations: number | null;
}

/** Forecasts are made on daily (24-hour) returns: other horizons scale the log move by √(hours / 24). */
export const FORECAST_HORIZON_HOURS = 24;

/**
 * The range of an underlying's grid under the profile: static, or from `forecast` (a
 * 24-hour forecast at the profile's confidence, null with too little history). A dynamic
 * range is the forecast's quantile per side scaled to the horizon, times (1 + buffer) of
 * the anti-procyclicality tool, clamped to [floor, cap].
 */
export function scenarioRangeOf(portfolio: RiskProfile['portfolio'], forecast: RangeForecast | null | undefined): ScenarioRange {
  const settings = portfolio.scenarioRange;
  if (!settings || settings.mode === 'static') {
    return { down: portfolio.priceRange, up: portfolio.priceRange, basis: 'static', volatility: null, observations: null };
  }
  if (!forecast) return { down: settings.floor, up: settings.floor, basis: 'floor', volatility: null, observations: null };
  const scale = Math.sqrt(settings.horizonHours / FORECAST_HORIZON_HOURS);
  const buffer = 1 + (settings.antiProcyclicality?.buffer ?? 0);
  // A fall of r over a day is a log move of ln(1 − r); over the horizon that log move scales by √(h/24).
  const down = (1 - (1 - Math.min(forecast.longRange, 0.999999)) ** scale) * buffer;
  const up = ((1 + forecast.shortRange) ** scale - 1) * buffer;
  const clamp = (r: number) => Math.min(Math.max(r, settings.floor), settings.cap);
  const [d, u] = [clamp(down), clamp(up)];
  const bound = (r: number, c: number) => (c === r ? null : c === settings.cap ? 'cap' : 'floor');
  const basis = bound(down, d) ?? bound(up, u) ?? 'forecast';
  return { down: d, up: u, basis, volatility: forecast.sigma * Math.sqrt(365), observations: forecast.observations };
}
