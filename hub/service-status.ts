/**
 * status.json (`roost-status/1`): what the hub tells a service's spoke, written by the hub
 * only, into `store/<svc>/status.json` (the spoke reads it; it can never write there).
 * `nextStatus` decides the content (pure); `writeServiceStatus` reads the books and writes it.
 */
import { join } from 'node:path'
import { ServiceStatusSchema, parseServiceStatus, type ServiceStatus, type WantFullReason } from '../lib/formats/status.js'
import type { GenerationRecord } from '../lib/formats/tree.js'
import { ensureDir, readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'
import { STATUS } from '../lib/layout.js'
import type { HubPaths } from '../lib/config/hub.js'
import { readServiceBooks, recordBytes } from './books.js'

/** What just happened to the service, if anything. */
export type StatusEvent =
  | { kind: 'accepted'; generation: string; full: boolean }
  /** `wantFull`: why the rejection asks for a full, or null when it leaves the request as it is. */
  | { kind: 'rejected'; generation: string; at: Date; code: string; message: string; wantFull: WantFullReason | null }
  /** Ask the spoke for a full on its next run (reset, a mismatch found elsewhere). */
  | { kind: 'want-full'; reason: WantFullReason }

/**
 * The next status.json. `records` are the service's books sorted by acceptance; the newest
 * is `last`. An accept clears `lastReject` (it reports only a rejection newer than the last
 * accept); an accepted full clears `wantFull`; a reject that asks for a full, or a
 * `want-full` event, sets it. A standing request keeps its reason through later rejections;
 * a `want-full` event (reset, mismatch) names itself the reason.
 */
export function nextStatus(service: string, prev: ServiceStatus | undefined, records: readonly GenerationRecord[], event: StatusEvent | undefined, now: Date): ServiceStatus {
  const newest = records[records.length - 1]
  let lastReject = prev?.lastReject ?? null
  let wantFull = prev?.wantFull ?? false
  let reason: string | null = wantFull ? (prev?.wantFullReason ?? null) : null
  const ask = (why: WantFullReason | null, override: boolean): void => {
    if (why === null || (wantFull && !override)) return
    wantFull = true
    reason = why
  }
  if (event?.kind === 'accepted') {
    lastReject = null
    if (event.full) [wantFull, reason] = [false, null]
  } else if (event?.kind === 'rejected') {
    lastReject = { generation: event.generation.slice(0, 256), at: event.at.toISOString(), code: event.code.slice(0, 64), message: event.message.slice(0, 4096) }
    ask(event.wantFull, false)
  } else if (event?.kind === 'want-full') {
    ask(event.reason, true)
  }
  return ServiceStatusSchema.parse({
    format: 'roost-status/1',
    service,
    updated: now.toISOString(),
    last: newest ? { generation: newest.generation, accepted: newest.accepted, bytes: recordBytes(newest) } : null,
    lastReject,
    wantFull,
    wantFullReason: reason,
    generations: records.length,
  })
}

/** Where a service's status.json lives. */
export function statusPath(paths: HubPaths, service: string): string {
  return join(paths.store, service, STATUS)
}

/** The service's current status.json, or undefined when there is none (or it is unreadable). */
export async function readServiceStatus(paths: HubPaths, service: string): Promise<ServiceStatus | undefined> {
  const text = await readIfExists(statusPath(paths, service))
  if (text === undefined) return undefined
  try {
    return parseServiceStatus(text, statusPath(paths, service))
  } catch {
    return undefined // the hub rewrites it whole from the books
  }
}

/** Recomputes and writes store/<svc>/status.json atomically (mode 0644). */
export async function writeServiceStatus(paths: HubPaths, service: string, event: StatusEvent | undefined, now: Date): Promise<ServiceStatus> {
  const prev = await readServiceStatus(paths, service)
  const status = nextStatus(service, prev, await readServiceBooks(paths, service), event, now)
  await ensureDir(paths.store, 0o755)
  await ensureDir(join(paths.store, service), 0o755)
  await writeFileAtomic(statusPath(paths, service), JSON.stringify(status, null, 2) + '\n', 0o644)
  return status
}
