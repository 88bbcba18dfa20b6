const MS_PER_YEAR = 365 * 24 * 60 * 60 * 1000;

/** Year fraction from `fromMs` (epoch milliseconds) to an ISO timestamp, ACT/365 (negative once it has passed). */
export function yearsSince(fromMs: number, toIso: string): number {
  return (Date.parse(toIso) - fromMs) / MS_PER_YEAR;
}

export const DAYS_PER_YEAR = 365;
