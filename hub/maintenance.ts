/**
 * What `hub serve` does on its own schedule, beside ingest (each a hub/periodic.ts task, read
 * from the current hub.yaml each time it plans):
 * - `verify`: the store check `roost hub verify [--restore-test]` does, every `verify.every`
 *   counted from the last complete run in state/verify.json (by hand or by serve); off when
 *   hub.yaml has no `verify`. It takes no store lock, so ingest never waits for it. A failure
 *   is logged at error level and recorded for `hub status`.
 * - `prune`: every service's retention (`roost hub prune`, holding the store lock), every
 *   `prune.every`, first at start: archives kept after `hub reset` expire by time, also when
 *   no new generation arrives to trigger retention.
 * - `alerts`: the alert check (hub/alert-task.ts) every `alerts.every`; off without `alerts`.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { removeTree } from '../lib/fsx/atomic.js'
import type { ConfigSource } from './config-source.js'
import { startPeriodic, type Periodic, type PeriodicTask } from './periodic.js'
import { planPeriodic } from './schedule.js'
import { lastRunStart, readVerifyState } from './verify-record.js'
import { verifyHub } from './verify-run.js'
import { pruneHub, type PruneReport } from './retention/command.js'
import { checkAlerts } from './alert-task.js'

export interface MaintenanceOptions {
  source: ConfigSource
  log: Logger
  now: () => Date
}

function verifyTask(o: MaintenanceOptions): PeriodicTask {
  const log = o.log.child({ part: 'verify' })
  return {
    name: 'verify',
    async plan(now, ranAt) {
      const { config, paths } = o.source.get()
      const v = config.verify
      const recorded = v ? lastRunStart(await readVerifyState(paths, log), v.restoreTest ? 'restore-test' : 'rehash') : null
      return planPeriodic({ every: v?.every, recorded, ranAt, now })
    },
    async run(signal) {
      const { config, paths } = o.source.get()
      if (!config.verify) return
      const started = Date.now()
      log.info({ restoreTest: config.verify.restoreTest }, 'scheduled verification starting')
      try {
        const r = await verifyHub({ paths, restoreTest: config.verify.restoreTest, by: 'serve', log, now: o.now, signal })
        const failed = Object.entries(r.checks).filter(([, c]) => !c.ok)
        for (const [service, c] of failed) log.error({ service, generation: c.generation, code: c.code, problems: c.problems, first: c.first }, 'scheduled verification failed')
        if (r.report.interrupted) log.info({ services: Object.keys(r.checks).length }, 'scheduled verification stopped early: the hub is stopping')
        else if (!failed.length) log.info({ services: Object.keys(r.checks).length, ms: Date.now() - started }, 'scheduled verification passed')
      } catch (err) {
        log.error({ err }, 'scheduled verification could not run')
      }
    },
  }
}

function pruneTask(o: MaintenanceOptions): PeriodicTask {
  const log = o.log.child({ part: 'retention' })
  return {
    name: 'prune',
    async plan(now, ranAt) {
      return planPeriodic({ every: o.source.get().config.prune.every, recorded: null, ranAt, now })
    },
    async run() {
      try {
        const out = await pruneHub({ configFile: o.source.get().paths.config, dryRun: false, log, now: o.now() })
        const removed = (out.json as PruneReport).services.flatMap(s => s.removed.map(g => `${s.service}/${g}`))
        log[removed.length ? 'info' : 'debug']({ removed }, 'scheduled retention pass done')
      } catch (err) {
        log.error({ err }, 'scheduled retention pass failed; the next pass tries again')
      }
    },
  }
}

function alertTask(o: MaintenanceOptions): PeriodicTask {
  const log = o.log.child({ part: 'alerts' })
  return {
    name: 'alerts',
    async plan(now, ranAt) {
      return planPeriodic({ every: o.source.get().config.alerts?.every, recorded: null, ranAt, now })
    },
    async run() {
      try {
        const { config, paths } = o.source.get()
        await checkAlerts({ config, paths, now: o.now(), log })
      } catch (err) {
        log.error({ err }, 'alert check failed; the next check tries again')
      }
    },
  }
}

/** How old a restore-test scratch folder must be before serve takes it for a killed drill's. */
const STALE_SCRATCH_MS = 24 * 3600_000

/**
 * Removes `restore-test-*` scratch folders a killed drill left in state/ (a drill removes its
 * own on every other way out). Only day-old ones: a `hub verify` run by hand may be using one.
 */
export async function removeStaleScratch(stateDir: string, now: Date, log: Logger): Promise<string[]> {
  const removed: string[] = []
  for (const name of await fs.readdir(stateDir).catch(() => [] as string[])) {
    if (!name.startsWith('restore-test-')) continue
    const p = join(stateDir, name)
    const st = await fs.lstat(p).catch(() => undefined)
    if (!st?.isDirectory() || now.getTime() - st.mtimeMs < STALE_SCRATCH_MS) continue
    await removeTree(p).then(() => removed.push(name), err => log.warn({ err, path: p }, 'could not remove a stale restore-test folder'))
  }
  if (removed.length) log.info({ removed }, 'removed restore-test folders left by a killed drill')
  return removed
}

/** Starts the scheduled verification and the retention pass. `close` stops both and waits for a running one. */
export function startMaintenance(o: MaintenanceOptions): Periodic {
  void removeStaleScratch(o.source.get().paths.state, o.now(), o.log)
  const tasks = [startPeriodic(verifyTask(o), o), startPeriodic(pruneTask(o), o), startPeriodic(alertTask(o), o)]
  return {
    async close() {
      await Promise.all(tasks.map(t => t.close()))
    },
  }
}
