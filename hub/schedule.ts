/**
 * When `hub serve` runs its periodic work (the scheduled store verification, the retention
 * pass). Pure: the clock and what was recorded are parameters; hub/periodic.ts sleeps and runs.
 */

/** What to do now: run, or look again after `ms` (`off`: not scheduled; look again in case hub.yaml changes). */
export type PeriodicPlan = { action: 'run' } | { action: 'wait'; ms: number; due: Date } | { action: 'off'; ms: number }

/** How long a sleeper waits at most before looking again, so an edited hub.yaml or a moved clock is seen. */
export const RECHECK_MS = 60_000

/**
 * When the next run is due: `every` after the last one started; now when there was none, or
 * when the last one lies in the future (the clock went back, or a damaged record: not believed). Pure.
 */
export function nextDue(last: Date | null, every: number, now: Date): Date {
  if (last === null || last.getTime() > now.getTime()) return now
  return new Date(last.getTime() + every)
}

export interface PeriodicFacts {
  /** The cadence in ms; undefined or 0: not scheduled. */
  every: number | undefined
  /** When the last run started as recorded on disk (by anyone), or null. */
  recorded: Date | null
  /** When this process last started a run, or null: it never runs twice within `every`, whatever the record says. */
  ranAt: Date | null
  now: Date
  recheckMs?: number
}

/** Run now, or how long to wait. Pure. */
export function planPeriodic(f: PeriodicFacts): PeriodicPlan {
  const recheck = f.recheckMs ?? RECHECK_MS
  if (!f.every) return { action: 'off', ms: recheck }
  const now = f.now.getTime()
  const mine = f.ranAt && f.ranAt.getTime() <= now ? f.ranAt.getTime() + f.every : -Infinity
  const due = Math.max(nextDue(f.recorded, f.every, f.now).getTime(), mine)
  if (due <= now) return { action: 'run' }
  return { action: 'wait', ms: Math.min(due - now, recheck), due: new Date(due) }
}
