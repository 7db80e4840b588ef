/**
 * Accepting an arrival. The staging folder (the stored archive from the pass — data.tar.zst,
 * or an encrypted service's data.tar.zst.age — plus the manifest's exact bytes) is made
 * read-only, recorded in the books, and renamed into store/<svc>/<generation>/: that rename
 * is the commit point, and it never replaces anything. Then a plain upload's tar becomes the
 * next upload's delta basis (incoming/.basis/last/data.tar, and for a full also
 * .basis/full/data.tar) while an encrypted accept removes any basis (see basis.ts), the
 * arrival folder goes, status.json is rewritten and the index republished. A crash anywhere leaves either the arrival in incoming
 * (re-ingested on restart) or a stored generation whose clean-up `finishAccept` redoes.
 * The caller holds the store lock (hub/store-lock.ts) from the commit to the end of the clean-up.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { hashFile, type Digest } from '../../lib/fsx/hash.js'
import { ensureDir, renameNoReplace, writeFileAtomic } from '../../lib/fsx/atomic.js'
import { ARCHIVE, MANIFEST, storedArchiveName } from '../../lib/layout.js'
import type { Manifest } from '../../lib/formats/manifest.js'
import type { HubConfig, HubPaths } from '../../lib/config/hub.js'
import type { PrivateKey } from '../../lib/sign.js'
import type { Logger } from '../../lib/log.js'
import { booksDir, writeRecord, type BookRecord } from '../books.js'
import { writeServiceStatus } from '../service-status.js'
import { publishIndex } from '../index/publish.js'
import { arrivalDir, pendingMark } from './gather.js'
import { dropBasis, renewBasis } from './basis.js'

/** What one ingest needs: the config as it is now, the hub's folders, the index key, a clock. */
export interface IngestContext {
  paths: HubPaths
  config: HubConfig
  indexKey: PrivateKey
  log: Logger
  now: () => Date
  /** Apply the service's retention after each accept (default true; `hub import` may turn it off). */
  retain?: boolean
}

/** Staging folder names: `<svc>-<generation>-<random>`. */
export const STAGING_RE = /^[a-z][a-z0-9-]{0,31}-\d{8}T\d{6}Z-(full|diff|incr)-[0-9a-f]{12}$/

/** Makes a fresh, private staging folder for one arrival (same file system as the store). */
export async function makeStaging(paths: HubPaths, service: string, generation: string): Promise<string> {
  await ensureDir(paths.staging)
  const dir = join(paths.staging, `${service}-${generation}-${randomBytes(6).toString('hex')}`)
  await fs.mkdir(dir, { mode: 0o700 })
  return dir
}

async function writeSynced(path: string, data: Buffer, mode: number): Promise<void> {
  const h = await fs.open(path, 'wx', 0o600)
  try {
    await h.writeFile(data)
    await h.sync()
  } finally {
    await h.close()
  }
  await fs.chmod(path, mode)
}

function digestOf(data: Buffer): Digest {
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length }
}

/**
 * Moves a staging folder holding the stored archive (`storedArchiveName(m)`) into the store
 * with the manifest's exact bytes, read-only, after writing its books record under the
 * archive's real name. Never replaces an existing generation.
 */
export async function commitGeneration(c: IngestContext, m: Manifest, manifestBytes: Buffer, staging: string, stored: Digest): Promise<BookRecord> {
  const archive = storedArchiveName(m)
  await writeSynced(join(staging, MANIFEST), manifestBytes, 0o444)
  await fs.chmod(join(staging, archive), 0o444)
  const record = recordOf(m, c.now(), { [MANIFEST]: digestOf(manifestBytes), [archive]: { sha256: stored.sha256, bytes: stored.bytes } })
  await writeRecord(c.paths, record)
  await setPendingMark(c.paths, m.service, m.generation)
  await ensureDir(c.paths.store, 0o755)
  await ensureDir(join(c.paths.store, m.service), 0o755)
  const target = join(c.paths.store, m.service, m.generation)
  await renameNoReplace(staging, target)
  await fs.chmod(target, 0o555)
  return record
}

/**
 * Writes the books record of a stored generation that has none (a crash between the store
 * rename and the books would leave one; with the normal order this never runs).
 */
export async function ensureRecord(c: IngestContext, m: Manifest): Promise<void> {
  const file = join(booksDir(c.paths, m.service), `${m.generation}.json`)
  if (await fs.lstat(file).then(() => true, () => false)) return
  const dir = join(c.paths.store, m.service, m.generation)
  const files: BookRecord['files'] = {}
  for (const name of [MANIFEST, storedArchiveName(m)]) files[name] = await hashFile(join(dir, name))
  await writeRecord(c.paths, recordOf(m, c.now(), files))
}

/** The books record of an accepted manifest: what it is, when the hub took it, what it builds on. */
function recordOf(m: Manifest, accepted: Date, files: BookRecord['files']): BookRecord {
  return {
    service: m.service,
    generation: m.generation,
    kind: m.kind,
    accepted: accepted.toISOString(),
    files,
    base: m.base,
    parent: m.parent,
    ...(m.label === undefined ? {} : { label: m.label }),
  }
}

/**
 * After the commit: keeps a plain upload's tar as the next upload's delta basis (see
 * renewBasis) or, for an encrypted generation, removes the service's basis (see dropBasis);
 * removes the arrival folder (and the uploaded archive in it), rewrites status.json and
 * republishes the index. Safe to run again for a generation already finished.
 */
export async function finishAccept(c: IngestContext, m: Manifest): Promise<{ serial: number }> {
  const dir = arrivalDir(c.paths, m.service, m.generation)
  if (m.encryption !== null) {
    await dropBasis(c.paths, m.service)
  } else {
    const tar = join(dir, ARCHIVE)
    const st = await fs.lstat(tar).catch(() => undefined)
    if (st?.isFile() && !(await renewBasis(c.paths, m.service, m.kind, tar))) c.log.warn({ service: m.service }, 'incoming/.basis kept changing under the hub; the next upload has no delta basis')
  }
  await fs.rm(dir, { recursive: true, force: true })
  await writeServiceStatus(c.paths, m.service, { kind: 'accepted', generation: m.generation, full: m.kind === 'full' }, c.now())
  const published = await publishIndex({ paths: c.paths, config: c.config, indexKey: c.indexKey, now: c.now(), log: c.log })
  await fs.rm(pendingMark(c.paths, m.service, m.generation), { force: true })
  return published
}

async function setPendingMark(paths: HubPaths, service: string, generation: string): Promise<void> {
  const mark = pendingMark(paths, service, generation)
  await ensureDir(join(paths.state, 'ingest-pending'))
  await ensureDir(join(mark, '..'))
  await writeFileAtomic(mark, '', 0o600)
}

/** Removes staging folders an interrupted ingest left behind (only names ingest makes). */
export async function cleanStaging(paths: HubPaths): Promise<number> {
  const names = await fs.readdir(paths.staging).catch(() => [] as string[])
  let n = 0
  for (const name of names.filter(x => STAGING_RE.test(x))) {
    const dir = join(paths.staging, name)
    await fs.chmod(dir, 0o700).catch(() => {})
    await fs.rm(dir, { recursive: true, force: true })
    n++
  }
  return n
}
