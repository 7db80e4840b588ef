/**
 * Carrying out retention. `gatherPlan` reads a service's books, pins and resets and asks the
 * pure planRetention; `executePlan` removes what the plan removes: each generation's store
 * folder is made writable and renamed out of the store into staging/ (same file system; the
 * name has the shape of an ingest's staging folder, so a crash's leftovers are cleaned at the
 * next `hub serve`), its books record deleted, then status.json rewritten and the index
 * republished once, and only then are the renamed folders deleted. A crash in between leaves a
 * record without a store folder, which every books reader skips and the next prune deletes.
 * The caller holds the store lock (hub/store-lock.ts) around gather and execute.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ensureDir, removeTree } from '../../lib/fsx/atomic.js'
import { retentionPolicy, type HubConfig, type HubPaths, type RetentionPolicy } from '../../lib/config/hub.js'
import type { PrivateKey } from '../../lib/sign.js'
import type { Logger } from '../../lib/log.js'
import { deleteRecord, orphanRecords, readServiceBooks, type BookRecord } from '../books.js'
import { readServiceState, type ServiceState } from '../service-state.js'
import { writeServiceStatus } from '../service-status.js'
import { publishIndex } from '../index/publish.js'
import { planRetention, type RetentionPlan } from './plan.js'

export interface PruneDeps {
  paths: HubPaths
  config: HubConfig
  indexKey: PrivateKey
  log: Logger
  now: Date
}

export interface GatheredPlan {
  records: BookRecord[]
  state: ServiceState
  policy: RetentionPolicy
  plan: RetentionPlan
}

/** Reads what retention needs for one service and plans (changes nothing). */
export async function gatherPlan(paths: HubPaths, config: HubConfig, service: string, now: Date): Promise<GatheredPlan> {
  const records = await readServiceBooks(paths, service)
  const state = await readServiceState(paths, service)
  const policy = retentionPolicy(config, service)
  return { records, state, policy, plan: planRetention(records, policy, now, state.pins, state.resets) }
}

export interface PruneResult {
  /** Generations removed from the store and the books, in arrival order. */
  removed: string[]
  /** The serial of the index published afterwards, or null when nothing changed. */
  serial: number | null
}

async function moveOut(d: PruneDeps, service: string, generation: string): Promise<string | undefined> {
  const dir = join(d.paths.store, service, generation)
  if (!(await fs.lstat(dir).then(() => true, () => false))) return undefined
  await ensureDir(d.paths.staging)
  const aside = join(d.paths.staging, `${service}-${generation}-${randomBytes(6).toString('hex')}`)
  await fs.chmod(dir, 0o700) // moving a folder to another parent rewrites its '..': it must be writable
  try {
    await fs.rename(dir, aside)
  } catch (err) {
    await fs.chmod(dir, 0o555).catch(() => {}) // still in the store: read-only again
    throw err
  }
  return aside
}

/** Removes the generations `plan.remove` names from the store and the books. The caller holds the store lock. */
export async function executePlan(d: PruneDeps, service: string, plan: RetentionPlan): Promise<PruneResult> {
  const moved: string[] = []
  const removed: string[] = []
  for (const { generation } of plan.remove) {
    const aside = await moveOut(d, service, generation)
    if (aside) moved.push(aside)
    await deleteRecord(d.paths, service, generation)
    removed.push(generation)
  }
  const orphans = await orphanRecords(d.paths, service)
  for (const generation of orphans) await deleteRecord(d.paths, service, generation)
  let serial: number | null = null
  if (removed.length) {
    await writeServiceStatus(d.paths, service, undefined, d.now)
    serial = (await publishIndex({ paths: d.paths, config: d.config, indexKey: d.indexKey, now: d.now, log: d.log })).serial
  }
  for (const dir of moved) await removeTree(dir)
  if (orphans.length) d.log.info({ service, records: orphans }, 'deleted books records whose store folder was gone')
  return { removed, serial }
}

/**
 * Plans and applies one service's retention, logging each alert as a warning
 * (`retention alert`). What `hub serve` runs after each accepted generation. The caller holds the store lock.
 */
export async function applyRetention(d: PruneDeps, service: string): Promise<GatheredPlan & PruneResult> {
  const g = await gatherPlan(d.paths, d.config, service, d.now)
  for (const a of g.plan.alerts) d.log.warn({ service, alert: a.kind, arrivals: a.arrivals, began: a.began, message: a.message }, 'retention alert')
  const r = await executePlan(d, service, g.plan)
  if (r.removed.length) d.log.info({ service, removed: r.removed, serial: r.serial }, 'retention removed generations')
  return { ...g, ...r }
}
