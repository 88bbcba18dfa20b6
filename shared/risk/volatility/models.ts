import type { ScenarioRangeSettings } from '../profile-schema.ts';
import { ewmaNormal, filteredHistoricalSimulation, garchNormal, type RangeForecast, type VolatilityForecaster } from './forecaster.ts';

/** The FHS settings clearing houses use (docs/volatility.md): RiskMetrics λ, about four years of standardised returns. */
export const FHS_LAMBDA = 0.94;
export const FHS_WINDOW = 1000;

export type ModelName = Extract<ScenarioRangeSettings, { mode: 'dynamic' }>['model'];

/** The forecaster a profile's `scenarioRange.model` names. */
export const FORECASTERS: Readonly<Record<ModelName, () => VolatilityForecaster>> = {
  fhs: () => filteredHistoricalSimulation({ lambda: FHS_LAMBDA, window: FHS_WINDOW }),
  ewma: () => ewmaNormal({ lambda: FHS_LAMBDA }),
  garch: () => garchNormal(),
};

/** `inner` with its ranges clamped to [floor, cap], as a dynamic profile charges them (before its anti-procyclicality buffer). */
export function clampedForecaster(inner: VolatilityForecaster, floor: number, cap: number): VolatilityForecaster {
  const clamp = (r: number) => Math.min(Math.max(r, floor), cap);
  return {
    name: `${inner.name}, clamped to [${floor}, ${cap}]`,
    forecast(returns, confidence): RangeForecast | null {
      const f = inner.forecast(returns, confidence);
      return f && { ...f, longRange: clamp(f.longRange), shortRange: clamp(f.shortRange) };
    },
  };
}
