/**
 * A periodic task inside `hub serve`: it looks at its plan (hub/schedule.ts), sleeps on an
 * unref'd timer, runs, and looks again. One run at a time: the next sleep starts only after a
 * run ends, so a task never overlaps itself. A failure is logged and the task goes on. `close`
 * clears the timer, aborts the signal the running task was given and waits for it to stop.
 * Nothing starts until `startPeriodic` is called.
 */
import type { Logger } from '../lib/log.js'
import type { PeriodicPlan } from './schedule.js'

export interface PeriodicTask {
  /** For logs: 'verify', 'prune'. */
  name: string
  /** What to do now; `ranAt` is when this process last started a run (null: never). */
  plan(now: Date, ranAt: Date | null): Promise<PeriodicPlan>
  /** One run; should stop soon after `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
}

export interface Periodic {
  close(): Promise<void>
}

/** Starts `task`: its first plan is looked at at once. */
export function startPeriodic(task: PeriodicTask, o: { log: Logger; now: () => Date }): Periodic {
  const abort = new AbortController()
  let closed = false
  let timer: NodeJS.Timeout | undefined
  let ranAt: Date | null = null
  let current: Promise<void> = Promise.resolve()

  const tick = async (): Promise<void> => {
    timer = undefined
    if (closed) return
    let plan: PeriodicPlan
    try {
      plan = await task.plan(o.now(), ranAt)
    } catch (err) {
      o.log.error({ err, task: task.name }, 'periodic task cannot plan; looking again later')
      plan = { action: 'off', ms: 60_000 }
    }
    if (closed) return
    if (plan.action === 'run') {
      ranAt = o.now()
      await task.run(abort.signal).catch(err => o.log.error({ err, task: task.name }, 'periodic task failed'))
      return arm(0)
    }
    arm(plan.ms)
  }

  const arm = (ms: number): void => {
    if (closed) return
    timer = setTimeout(() => {
      current = tick()
    }, ms)
    timer.unref()
  }

  current = tick()
  return {
    async close() {
      closed = true
      if (timer) clearTimeout(timer)
      abort.abort()
      await current
    },
  }
}
