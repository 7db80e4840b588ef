/**
 * `roost hub reset SERVICE`: the service starts afresh. The reset is recorded in the
 * service's state, and status.json asks for a full (reason `reset`), so the spoke's next run
 * is a full and no diff or incr is accepted before it. The generations stored so far become
 * the service's archive: no new generation may build on them, and retention keeps them for
 * `retention.archive` after the reset, then removes them like any other (pins still win).
 * Holds the store lock.
 */
import type { Output } from '../lib/cli.js'
import { loadHubConfig, retentionPolicy } from '../lib/config/hub.js'
import { readServiceBooks } from './books.js'
import { readServiceState, withReset, writeServiceState } from './service-state.js'
import { writeServiceStatus } from './service-status.js'
import { withStoreLock } from './store-lock.js'
import { checkTarget } from './pin.js'

export interface ResetResult {
  service: string
  at: string
  /** Generations that became the archive. */
  archived: number
  /** Retention keeps the archive until then (pins and what they need, longer). */
  archiveUntil: string
}

/** Resets a service (see the file comment). Throws SERVICE_UNKNOWN for a service not in hub.yaml. */
export async function resetService(o: { configFile: string; service: string; now: Date }): Promise<ResetResult> {
  const { config, paths } = await loadHubConfig(o.configFile)
  checkTarget(config, o.service)
  return withStoreLock(paths, async () => {
    const records = await readServiceBooks(paths, o.service)
    await writeServiceState(paths, withReset(await readServiceState(paths, o.service), o.now))
    await writeServiceStatus(paths, o.service, { kind: 'want-full', reason: 'reset' }, o.now)
    const until = new Date(o.now.getTime() + retentionPolicy(config, o.service).archive)
    return { service: o.service, at: o.now.toISOString(), archived: records.length, archiveUntil: until.toISOString() }
  })
}

/** The text a person reads. Pure. */
export function renderReset(r: ResetResult): Output {
  const text = `${r.service}: reset at ${r.at}; its next run must be a full.\n${r.archived} generation${r.archived === 1 ? '' : 's'} became its archive, kept until ${r.archiveUntil} (pinned ones and their chains longer).\n`
  return { json: r, text }
}
