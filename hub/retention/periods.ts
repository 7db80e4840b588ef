/**
 * The calendar periods GFS retention buckets generations into, on the hub's clock (UTC):
 * day `2026-11-22`, ISO week `2026-W47`, month `2026-11`, year `2026`. Pure.
 */

export const PERIODS = ['daily', 'weekly', 'monthly', 'yearly'] as const
export type Period = (typeof PERIODS)[number]

/** ISO 8601 week of a UTC time: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()))
  const weekday = d.getUTCDay() || 7 // Monday 1 … Sunday 7
  d.setUTCDate(d.getUTCDate() + 4 - weekday) // the Thursday of this week decides its year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1)
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7)
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}

/** The period a UTC time falls in, as a label that also names it for people. */
export function periodOf(period: Period, t: Date): string {
  const iso = t.toISOString()
  switch (period) {
    case 'daily':
      return iso.slice(0, 10)
    case 'weekly':
      return isoWeek(t)
    case 'monthly':
      return iso.slice(0, 7)
    case 'yearly':
      return iso.slice(0, 4)
  }
}
