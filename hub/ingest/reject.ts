/**
 * Rejecting an arrival: the folder moves (one rename) from ingesting/ (where ingest took it from incoming) to
 * rejected/<svc>/<folder>-<hub time>/ with a reason.json, the service's status.json says what
 * happened, and a warning is logged. The store is never touched.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { GENERATION_RE } from '../../lib/formats/names.js'
import { ensureDir, writeFileAtomic } from '../../lib/fsx/atomic.js'
import { writeServiceStatus } from '../service-status.js'
import type { WantFullReason } from '../../lib/formats/status.js'
import type { ArrivalCode } from './check-arrival.js'
import { arrivalDir } from './gather.js'
import type { IngestContext } from './accept.js'

export const REASON = 'reason.json'

/** reason.json, beside the rejected files. */
export interface RejectReason {
  code: ArrivalCode
  message: string
  /** Hub clock. */
  at: string
  service: string
  /** The arrival folder's name (in incoming, then ingesting/). */
  folder: string
}

/** A folder name safe to use under rejected/: the generation id, or a sanitised stand-in. Pure. */
export function rejectedName(folder: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '')
  const safe = GENERATION_RE.test(folder) ? folder : folder.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, 80) || 'arrival'
  return `${safe}-${stamp}`
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false)
}

async function moveAside(from: string, parent: string, name: string): Promise<string> {
  let dest = join(parent, name)
  if (await exists(dest)) dest = `${dest}-${randomBytes(3).toString('hex')}`
  const st = await fs.lstat(from)
  if (st.isDirectory()) {
    await fs.rename(from, dest)
  } else {
    // a symlink or file posing as an arrival folder: keep it inside a folder of our own
    await fs.mkdir(dest, { mode: 0o700 })
    await fs.rename(from, join(dest, 'arrival'))
  }
  return dest
}

/**
 * Moves the taken `ingesting/<folder>` of `service` to rejected/ with reason.json and updates the
 * service's status.json (asking for a full when `v.wantFull` names why). Returns the new folder.
 * The caller holds the store lock (status.json is read, changed and rewritten).
 */
export async function rejectArrival(c: IngestContext, service: string, folder: string, v: { code: ArrivalCode; message: string; wantFull: WantFullReason | null }): Promise<string> {
  const at = c.now()
  await ensureDir(c.paths.rejected)
  await ensureDir(join(c.paths.rejected, service))
  const dest = await moveAside(arrivalDir(c.paths, service, folder), join(c.paths.rejected, service), rejectedName(folder, at))
  const reasonFile = join(dest, REASON)
  if (await exists(reasonFile)) await fs.rm(reasonFile, { recursive: true, force: true })
  const reason: RejectReason = { code: v.code, message: v.message, at: at.toISOString(), service, folder }
  await writeFileAtomic(reasonFile, JSON.stringify(reason, null, 2) + '\n', 0o644)
  if (Object.hasOwn(c.config.services, service)) {
    await writeServiceStatus(c.paths, service, { kind: 'rejected', generation: folder, at, code: v.code, message: v.message, wantFull: v.wantFull }, at)
  }
  c.log.warn({ service, folder, code: v.code, reason: v.message, rejected: dest }, 'arrival rejected')
  return dest
}
