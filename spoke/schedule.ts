/**
 * `roost spoke schedule`: stays running and runs one backup cycle on every tick of the cron
 * expression in spoke.yaml, never two at a time. The one home of node-cron.
 *
 * `decideTick` is the pure decision (run, or skip because a cycle is still running or the
 * scheduler is stopping); `startScheduler` is the thin wrapper around node-cron that applies it;
 * `scheduleSpoke` loads the config, runs cycles until SIGTERM/SIGINT, waits for the running cycle
 * and returns a summary. A failed cycle is logged and the scheduler goes on; a cycle refused
 * because another run (a cron `spoke run`) holds the lock is logged the same way.
 */
import { stopSignal } from '../lib/signals.js'
import cron, { type Logger as CronLogger } from 'node-cron'
import { basename } from 'node:path'
import type { Logger } from '../lib/log.js'
import { RoostError } from '../lib/errors.js'
import { loadSpokeConfig } from '../lib/config/spoke.js'
import { runCycle, type CycleResult } from './run.js'

/** What the scheduler knows at a tick. */
export interface TickFacts {
  /** When the running cycle started; undefined when none is running. */
  runningSince: Date | undefined
  /** Set once SIGTERM/SIGINT arrived: no new cycle starts. */
  stopping: boolean
}

export type TickDecision = { action: 'run' } | { action: 'skip'; reason: string }

/** Decides whether a tick starts a cycle. Pure. Never starts one while another is running. */
export function decideTick(f: TickFacts): TickDecision {
  if (f.stopping) return { action: 'skip', reason: 'the scheduler is stopping' }
  if (f.runningSince) return { action: 'skip', reason: `the cycle started at ${f.runningSince.toISOString()} is still running` }
  return { action: 'run' }
}

/**
 * Returns the cron expression from spoke.yaml's `schedule`, or throws CONFIG_INVALID naming the
 * key and the file when it is missing or not a valid 5- or 6-field expression.
 */
export function checkSchedule(expression: string | undefined, file: string): string {
  const where = `${basename(file)}: at 'schedule'`
  const hint = "e.g. schedule: '15 3 * * *' (every day at 03:15), or '0 */6 * * *'; 6 fields put seconds first"
  if (expression === undefined) throw new RoostError('CONFIG_INVALID', `${where}: missing; roost spoke schedule needs a cron expression`, { hint })
  const v = cron.validateDetailed(expression)
  if (!v.valid) {
    const why = v.errors.map(e => e.message).join('; ') || 'not a cron expression'
    throw new RoostError('CONFIG_INVALID', `${where}: '${expression}' is not a valid cron expression: ${why}`, { hint })
  }
  return expression
}

/** How a tick ended: the one log line each tick writes carries it as `result`. */
export type TickResult = 'done' | 'failed' | 'locked' | 'skipped'

export interface SchedulerStats {
  ticks: number
  done: number
  failed: number
  locked: number
  skipped: number
}

export interface SchedulerOptions<T> {
  expression: string
  /** Runs one cycle; a rejection is logged (with its RoostError code) and never stops the scheduler. */
  runOne: (tick: Date) => Promise<T>
  /** What of a cycle's result goes on the tick's log line. */
  describe: (result: T) => Record<string, unknown>
  log: Logger
  timezone?: string
}

export interface Scheduler {
  readonly stats: SchedulerStats
  /** True while a cycle runs. */
  busy(): boolean
  /** Stops taking ticks; resolves once the running cycle (if any) has ended. */
  stop(): Promise<void>
}

/** node-cron's own messages (e.g. a missed tick) go to our logger, not the console. */
function cronLogger(log: Logger): CronLogger {
  return {
    info: m => log.info({ cron: String(m) }, 'scheduler'),
    warn: m => log.warn({ cron: String(m) }, 'scheduler'),
    error: (m, err) => log.error({ cron: String(m), err }, 'scheduler'),
    debug: m => log.debug({ cron: String(m) }, 'scheduler'),
  }
}

/**
 * Starts calling `runOne` on every tick of `expression`. A tick that comes while a cycle is
 * running is skipped (one log line says so); the tick callback returns at once, so node-cron
 * never sees a busy task and this module alone decides about overlap.
 */
export function startScheduler<T>(o: SchedulerOptions<T>): Scheduler {
  const stats: SchedulerStats = { ticks: 0, done: 0, failed: 0, locked: 0, skipped: 0 }
  let running: { since: Date; done: Promise<void> } | undefined
  let stopping = false
  const finish = (tick: Date, since: Date, result: TickResult, extra: Record<string, unknown>): void => {
    stats[result]++
    const line = { tick: tick.toISOString(), result, ms: Date.now() - since.getTime(), ...extra }
    if (result === 'failed') o.log.error(line, 'tick')
    else if (result === 'locked') o.log.warn(line, 'tick')
    else o.log.info(line, 'tick')
  }
  const cycle = async (tick: Date, since: Date): Promise<void> => {
    try {
      finish(tick, since, 'done', o.describe(await o.runOne(tick)))
    } catch (err) {
      const code = err instanceof RoostError ? err.code : 'INTERNAL'
      finish(tick, since, code === 'LOCKED' ? 'locked' : 'failed', { code, err })
    }
  }
  const onTick = (ctx: { date: Date }): void => {
    stats.ticks++
    const since = new Date()
    const d = decideTick({ runningSince: running?.since, stopping })
    if (d.action === 'skip') {
      stats.skipped++
      o.log.warn({ tick: ctx.date.toISOString(), result: 'skipped', reason: d.reason }, 'tick')
      return
    }
    const done = cycle(ctx.date, since).finally(() => {
      running = undefined
    })
    running = { since, done }
  }
  const task = cron.schedule(o.expression, onTick, { name: 'roost-spoke', logger: cronLogger(o.log), ...(o.timezone ? { timezone: o.timezone } : {}) })
  return {
    stats,
    busy: () => running !== undefined,
    stop: async () => {
      stopping = true
      await task.stop()
      await task.destroy()
      await running?.done
    },
  }
}

export interface ScheduleSpokeOptions {
  configFile: string
  /** How long each cycle waits for the hub's verdict (ms), as `spoke run --wait`. */
  verdictTimeoutMs: number
  now: () => Date
  log: Logger
  /** Resolves when the scheduler should stop (default: the first SIGTERM or SIGINT). */
  stop?: Promise<unknown>
}

export interface ScheduleSummary extends SchedulerStats {
  service: string
  schedule: string
  /** What ended it: SIGTERM, SIGINT or 'stop'. */
  stoppedBy: string
}

/** What a finished cycle puts on its tick's log line. */
function describeCycle(r: CycleResult): Record<string, unknown> {
  return { generation: r.generation, kind: r.kind, why: r.reason, bytes: r.bytes, sent: r.sent, ...(r.resumed.length ? { resumed: r.resumed.length } : {}) }
}

/**
 * Runs cycles on the configured schedule until SIGTERM/SIGINT (or `stop`), then waits for the
 * running cycle and returns what happened. Throws CONFIG_INVALID before the first tick when
 * `schedule` is missing or invalid.
 */
export async function scheduleSpoke(o: ScheduleSpokeOptions): Promise<ScheduleSummary> {
  const sig = stopSignal()
  try {
    const { config } = await loadSpokeConfig(o.configFile)
    const expression = checkSchedule(config.schedule, o.configFile)
    const scheduler = startScheduler<CycleResult>({
      expression,
      // no kind: each cycle makes what spoke.yaml's generations policy (or the hub) asks for
      runOne: () => runCycle({ configFile: o.configFile, verdictTimeoutMs: o.verdictTimeoutMs, now: o.now, log: o.log }),
      describe: describeCycle,
      log: o.log,
    })
    o.log.info({ service: config.service, schedule: expression, config: o.configFile }, 'scheduler started')
    const stoppedBy = String(await Promise.race([o.stop?.then(() => 'stop') ?? new Promise(() => {}), sig.promise]))
    o.log.info({ stoppedBy, waiting: scheduler.busy() }, 'scheduler stopping')
    await scheduler.stop()
    o.log.info({ ...scheduler.stats }, 'scheduler stopped')
    return { service: config.service, schedule: expression, stoppedBy, ...scheduler.stats }
  } finally {
    sig.dispose()
  }
}
