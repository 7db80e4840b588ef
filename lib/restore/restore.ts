/**
 * Restores one generation of a service from any store reader into a target folder.
 * Order of trust: the manifest's signature (key from the signed index or the spoke's own
 * key), then — in one streaming pass — the stored archive's sha256 (against the index, when
 * there is one) and the tar's sha256 (against the manifest). Extraction goes to a staging
 * folder inside the target; only after every check passed is anything moved into place.
 */
import { removeTree } from '../fsx/atomic.js'
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Logger } from '../log.js'
import { RoostError } from '../errors.js'
import { assertName, isGenerationId } from '../formats/names.js'
import type { Manifest } from '../formats/manifest.js'
import { readVerifiedManifest } from '../stores/verified-manifest.js'
import { ARCHIVE, STORED_ARCHIVE } from '../layout.js'
import type { FetchedGeneration, StoreReader } from '../stores/store-reader.js'
import { extractVerified } from './extract.js'
import { moveInto, parentFolders } from './move-into.js'

export interface RestoreOptions {
  reader: StoreReader
  service: string
  /** Default: the newest generation. */
  generation?: string
  /** The target folder; archives hold paths relative to /, so `/srv/wiki` lands in `TO/srv/wiki`. */
  to: string
  /** Restore into a non-empty target (entries of the same name are replaced or merged). */
  force?: boolean
  log: Logger
}

export interface RestoreResult {
  service: string
  generation: string
  kind: string
  source: string
  to: string
  /** Entries in the archive (files, folders, links), and regular files among them. */
  entries: number
  files: number
  /** Bytes of the (uncompressed) tar that was verified and extracted. */
  bytes: number
}

/** The generation to restore: the one asked for, or the newest. Pure. */
export function chooseGeneration(available: readonly string[], requested: string | undefined, service: string, source: string): string {
  if (requested !== undefined) {
    if (!available.includes(requested)) {
      throw new RoostError('GENERATION_NOT_FOUND', `generation ${requested} of service '${service}' is not in ${source}`, {
        hint: available.length ? `available: ${available.slice(-5).join(', ')}${available.length > 5 ? ' …' : ''}` : 'it has no generations',
      })
    }
    return requested
  }
  const newest = [...available].sort().at(-1)
  if (!newest) throw new RoostError('GENERATION_NOT_FOUND', `service '${service}' has no generations in ${source}`)
  return newest
}

/** Makes sure the target exists and is empty (unless forced); returns its absolute path. */
export async function prepareTarget(to: string, force: boolean): Promise<string> {
  const abs = resolve(to)
  const st = await fs.lstat(abs).catch(() => undefined)
  if (!st) {
    await fs.mkdir(abs, { recursive: true, mode: 0o700 })
    return abs
  }
  if (!st.isDirectory()) throw new RoostError('USAGE', `--to ${abs} exists and is not a folder`)
  if (!force && (await fs.readdir(abs)).length > 0) {
    throw new RoostError('TARGET_NOT_EMPTY', `--to ${abs} is not empty; refusing to restore over it`, { hint: 'choose an empty folder, or pass --force to restore over what is there' })
  }
  return abs
}

async function loadManifest(fetched: FetchedGeneration, reader: StoreReader, service: string, generation: string): Promise<Manifest> {
  const { manifest: m } = await readVerifiedManifest(fetched, reader, service, generation)
  if (m.encryption) throw new RoostError('USAGE', `${service}/${generation} is encrypted; this roost cannot decrypt it yet`)
  return m
}

/**
 * Restores a generation (default: the newest) into `to`. Refuses a non-empty target unless
 * forced (TARGET_NOT_EMPTY, exit 2); a bad signature or hash is exit 3 with the target as it was.
 */
export async function restoreGeneration(o: RestoreOptions): Promise<RestoreResult> {
  assertName(o.service, 'service')
  if (o.generation !== undefined && !isGenerationId(o.generation)) {
    throw new RoostError('USAGE', `'${o.generation}' is not a generation id like 20261122T030000Z-full`)
  }
  const to = await prepareTarget(o.to, o.force ?? false)
  const generation = chooseGeneration(await o.reader.listGenerations(o.service), o.generation, o.service, o.reader.source)
  const label = `${o.service}/${generation}`
  const log = o.log.child({ service: o.service, generation })
  const fetched = await o.reader.fetch(o.service, generation)
  try {
    const manifest = await loadManifest(fetched, o.reader, o.service, generation)
    const tar = manifest.files.find(f => f.name === ARCHIVE)
    if (!tar) throw new RoostError('MANIFEST_INVALID', `${label}: the manifest lists no ${ARCHIVE}`)
    log.info({ source: o.reader.source }, 'manifest signature verified')
    const staging = join(to, `.roost-restore-${randomBytes(6).toString('hex')}`)
    await fs.mkdir(staging, { mode: 0o700 })
    try {
      const expect = { label, tar, ...(fetched.expected?.[STORED_ARCHIVE] ? { stored: fetched.expected[STORED_ARCHIVE] } : {}) }
      const digest = await extractVerified(join(fetched.dir, STORED_ARCHIVE), staging, expect, { sameOwner: process.getuid?.() === 0 })
      log.info({ bytes: digest.bytes }, 'archive verified and extracted')
      await moveInto(staging, to, parentFolders(manifest.sources))
    } finally {
      // a cleanup failure is logged, never allowed to hide why the restore failed
      await removeTree(staging).catch(err => log.error({ err, staging }, 'could not remove the restore staging folder'))
    }
    const c = manifest.counts
    return { service: o.service, generation, kind: manifest.kind, source: o.reader.source, to, entries: c.entries, files: c.files + c.hardlinks, bytes: tar.bytes }
  } finally {
    await fetched.cleanup()
  }
}
