const MS_PER_YEAR = 365 * 24 * 60 * 60 * 1000;

/** Year fraction between two ISO timestamps, ACT/365 (negative once `to` has passed). */
export function yearsBetween(fromIso: string, toIso: string): number {
  return (Date.parse(toIso) - Date.parse(fromIso)) / MS_PER_YEAR;
}

export const DAYS_PER_YEAR = 365;
