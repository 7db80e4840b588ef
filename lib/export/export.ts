/**
 * `roost export`: writes a generation with its whole chain (the full first, then every diff
 * or incr up to it) as one self-contained tar a person can carry (format in format.ts).
 * Every manifest is read through `readVerifiedManifest`; every stored archive is read once,
 * and in that one pass copied into the export, hashed (against the signed index, when the
 * source has one) and, for a plain link, decompressed to hash the tar (against the signed
 * manifest); an encrypted link's ciphertext is copied as it is (copy-archive.ts). The
 * export is written under a temp name beside FILE and only renamed to FILE after every
 * check passed: a failure leaves no FILE.
 */
import { createWriteStream, promises as fs, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Logger } from '../log.js'
import { RoostError } from '../errors.js'
import { assertName, isGenerationId } from '../formats/names.js'
import { dependsOn, resolveChain } from '../formats/chain.js'
import type { Manifest } from '../formats/manifest.js'
import { MANIFEST } from '../layout.js'
import { fsyncPath } from '../fsx/atomic.js'
import { readVerifiedManifest } from '../stores/verified-manifest.js'
import { fetchManifestOnly, type FetchedGeneration, type StoreReader } from '../stores/store-reader.js'
import { chooseGeneration } from '../restore/choose.js'
import { EXPORT_FORMAT, EXPORT_INFO, renderExportInfo, type ExportInfo } from './format.js'
import { TarOut } from './tar-writer.js'
import { copyVerified } from './copy-archive.js'

export interface ExportOptions {
  reader: StoreReader
  service: string
  generation: string
  /** The export file to write. */
  to: string
  /** Replace an existing file. */
  force?: boolean
  now: () => Date
  log: Logger
}

export interface ExportResult {
  service: string
  generation: string
  /** Every generation in the export, oldest first. */
  chain: string[]
  source: string
  file: string
  bytes: number
  /** Fingerprint of the key the manifests were verified with. */
  key: string
}

/** A link of the chain, its manifest read and verified before any archive is fetched. */
interface Link {
  generation: string
  manifest: Manifest
  manifestBytes: Buffer
}

/** roost's version from package.json (two or three levels above this module, source or built). */
export function roostVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'roost' && pkg.version) return pkg.version
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0'
}

/**
 * Reads and verifies the manifests of the chain ending in `generation`, oldest first, before
 * any archive is fetched. Throws GENERATION_NOT_FOUND, CHAIN_BROKEN (a link is not held) or a
 * verification error (exit 3).
 */
async function collectChain(reader: StoreReader, service: string, generation: string): Promise<Link[]> {
  const available = await reader.listGenerations(service)
  chooseGeneration(available, generation, service, reader.source)
  const held = new Set(available)
  const links = new Map<string, Link>()
  for (let id: string | null = generation; id !== null && held.has(id) && !links.has(id); ) {
    const fetched = await fetchManifestOnly(reader, service, id)
    try {
      const { manifest, bytes } = await readVerifiedManifest(fetched, reader, service, id)
      links.set(id, { generation: id, manifest, manifestBytes: bytes })
      id = dependsOn(manifest)
    } finally {
      await fetched.cleanup()
    }
  }
  return resolveChain(generation, id => links.get(id)?.manifest, reader.source).map(id => links.get(id)!)
}

/** Fetches one link whole and checks its manifest is the one verified before. */
async function fetchLink(reader: StoreReader, service: string, link: Link): Promise<FetchedGeneration> {
  const fetched = await reader.fetch(service, link.generation)
  try {
    const { bytes } = await readVerifiedManifest(fetched, reader, service, link.generation)
    if (!bytes.equals(link.manifestBytes)) throw new RoostError('HASH_MISMATCH', `${service}/${link.generation}: the manifest changed while exporting`, { hint: 'run the export again' })
    return fetched
  } catch (err) {
    await fetched.cleanup()
    throw err
  }
}

/** The absolute path of FILE, refusing a folder, a missing parent, or (without force) an existing file. */
async function checkTarget(to: string, force: boolean): Promise<string> {
  const abs = resolve(to)
  const parent = await fs.stat(dirname(abs)).catch(() => undefined)
  if (!parent?.isDirectory()) throw new RoostError('USAGE', `--to ${abs}: the folder ${dirname(abs)} does not exist`)
  const st = await fs.lstat(abs).catch(() => undefined)
  if (st?.isDirectory()) throw new RoostError('USAGE', `--to ${abs} is a folder; name the export file to write`)
  if (st && !force) throw new RoostError('TARGET_NOT_EMPTY', `--to ${abs} already exists; refusing to overwrite it`, { hint: 'choose another name, or pass --force to replace it' })
  return abs
}

/** Moves the finished temp file to FILE: never over an existing file unless forced. */
async function place(tmp: string, file: string, force: boolean): Promise<void> {
  if (force) {
    await fs.rename(tmp, file)
  } else {
    try {
      await fs.link(tmp, file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RoostError('TARGET_NOT_EMPTY', `--to ${file} appeared while exporting; refusing to overwrite it`)
      throw err
    }
    await fs.rm(tmp)
  }
  await fsyncPath(dirname(file))
}

/** Writes the export of `chain` into `tmp`: roost-export.json, then each link's manifest and archive. */
async function writeExport(tmp: string, info: ExportInfo, links: readonly Link[], reader: StoreReader, log: Logger): Promise<number> {
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 })
  const tar = new TarOut(out)
  try {
    const mtime = new Date(info.created)
    await tar.addBuffer({ name: EXPORT_INFO, mtime }, renderExportInfo(info))
    for (const link of links) {
      const fetched = await fetchLink(reader, info.service, link)
      try {
        await tar.addBuffer({ name: `${link.generation}/${MANIFEST}`, mtime }, link.manifestBytes)
        await copyVerified(tar, link, fetched, `${info.service}/${link.generation}`, mtime)
      } finally {
        await fetched.cleanup()
      }
      log.info({ generation: link.generation }, 'link verified and written')
    }
    await tar.end()
  } finally {
    out.destroy()
  }
  await fsyncPath(tmp)
  return tar.bytes
}

/**
 * Exports a generation with its chain into one file. Throws GENERATION_NOT_FOUND or
 * CHAIN_BROKEN (exit 1), HASH_MISMATCH / MANIFEST_* (exit 3), TARGET_NOT_EMPTY (exit 2);
 * in every case no FILE is left behind.
 */
export async function exportGeneration(o: ExportOptions): Promise<ExportResult> {
  assertName(o.service, 'service')
  if (!isGenerationId(o.generation)) throw new RoostError('USAGE', `'${o.generation}' is not a generation id like 20261122T030000Z-full`)
  const file = await checkTarget(o.to, o.force ?? false)
  const log = o.log.child({ service: o.service, generation: o.generation })
  const links = await collectChain(o.reader, o.service, o.generation)
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const key = await o.reader.manifestKey(o.service)
    const chain = links.map(l => l.generation)
    log.info({ chain, source: o.reader.source }, 'chain manifests verified')
    const info: ExportInfo = { format: EXPORT_FORMAT, service: o.service, generation: o.generation, chain, created: o.now().toISOString(), key: key.line, roost: roostVersion() }
    const bytes = await writeExport(tmp, info, links, o.reader, log)
    await place(tmp, file, o.force ?? false)
    return { service: o.service, generation: o.generation, chain, source: o.reader.source, file, bytes, key: key.fingerprint }
  } finally {
    await fs.rm(tmp, { force: true })
  }
}
