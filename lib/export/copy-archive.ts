/**
 * Copying one link's stored archive into an export in one read, verified on the way: a plain
 * link's data.tar.zst is hashed (against the signed index, when the source has one) and
 * decompressed to hash the tar (against the signed manifest); an encrypted link's
 * data.tar.zst.age is copied as it is, its hash checked against the manifest's entry and the
 * index's (nothing can be decompressed without the identity).
 */
import { constants, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { RoostError, isRoostError } from '../errors.js'
import type { Manifest } from '../formats/manifest.js'
import { ARCHIVE, ENCRYPTED_ARCHIVE, STORED_ARCHIVE } from '../layout.js'
import { fanOut, HashSink, type Digest } from '../fsx/hash.js'
import { startChild, TolerantSink } from '../proc/pipe.js'
import { decompressArgs } from '../zstd.js'
import type { FetchedGeneration } from '../stores/store-reader.js'
import type { TarOut } from './tar-writer.js'

/** A link whose verified manifest says which archive it has. */
export interface ArchiveLink {
  generation: string
  manifest: Manifest
}

function same(d: Digest, want: { bytes: number; sha256: string }): boolean {
  return d.bytes === want.bytes && d.sha256 === want.sha256
}

function mismatch(what: string, got: Digest, signed: string, want: { bytes: number; sha256: string }): RoostError {
  return new RoostError('HASH_MISMATCH', `${what}: sha256 ${got.sha256} (${got.bytes} bytes) differs from the ${signed} (${want.sha256}, ${want.bytes} bytes)`, {
    hint: 'this copy is corrupt or was tampered with; no export was written. Export from another tier (hub, mirror)',
  })
}

/** Opens a fetched link's stored archive: a regular file with data, never through a symlink. */
async function openArchive(path: string, label: string): Promise<{ h: fs.FileHandle; size: number }> {
  const h = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined)
  if (!h) throw new RoostError('HASH_MISMATCH', `${path} is missing or not a regular file (${label})`)
  const st = await h.stat().catch(async err => {
    await h.close()
    throw err
  })
  if (!st.isFile() || st.size === 0) {
    await h.close()
    throw new RoostError('HASH_MISMATCH', `${path} is not a regular file with data (${label})`)
  }
  return { h, size: st.size }
}

/** Copies a link's data.tar.zst into the export in one read, checking both hashes on the way. */
async function copyCompressed(tar: TarOut, link: ArchiveLink, fetched: FetchedGeneration, label: string, mtime: Date): Promise<void> {
  const path = join(fetched.dir, STORED_ARCHIVE)
  const want = link.manifest.files.find(f => f.name === ARCHIVE)
  if (!want) throw new RoostError('MANIFEST_INVALID', `${label}: the manifest lists no ${ARCHIVE}`)
  const stored = fetched.expected?.[STORED_ARCHIVE]
  const { h, size } = await openArchive(path, label)
  try {
    const member = await tar.begin({ name: `${link.generation}/${STORED_ARCHIVE}`, size, mtime })
    const storedSink = new HashSink()
    const tarSink = new HashSink()
    const zstd = startChild(decompressArgs(), { stdout: tarSink, code: 'ZSTD_FAILED', what: `zstd -d of ${path}` })
    const src = h.createReadStream({ start: 0, end: size - 1, highWaterMark: 1 << 20, autoClose: false })
    const [copy, zstdExit] = await Promise.allSettled([fanOut(src, [storedSink, new TolerantSink(zstd.stdin!), member.sink]), zstd.done])
    src.destroy()
    const missing = [copy, zstdExit].find(r => r.status === 'rejected' && isRoostError(r.reason, 'TOOL_MISSING'))
    if (missing?.status === 'rejected') throw missing.reason
    if (copy.status === 'rejected') throw copy.reason
    const [storedDigest, tarDigest] = [storedSink.digest(), tarSink.digest()]
    if (stored && !same(storedDigest, stored)) throw mismatch(`${path} (${label})`, storedDigest, 'signed index', stored)
    if (!same(tarDigest, want)) throw mismatch(`${path} (${label}): the decompressed tar`, tarDigest, 'signed manifest', want)
    if (zstdExit.status === 'rejected') throw zstdExit.reason
    await member.close()
  } finally {
    await h.close()
  }
}

/**
 * Copies an encrypted link's data.tar.zst.age into the export as it is, in one read, checking
 * its hash against the signed manifest and (when the source has one) the signed index.
 */
async function copyCiphertext(tar: TarOut, link: ArchiveLink, fetched: FetchedGeneration, label: string, mtime: Date): Promise<void> {
  const path = join(fetched.dir, ENCRYPTED_ARCHIVE)
  const want = link.manifest.files.find(f => f.name === ENCRYPTED_ARCHIVE)
  if (!want) throw new RoostError('MANIFEST_INVALID', `${label}: the manifest of an encrypted generation lists no ${ENCRYPTED_ARCHIVE}`)
  const stored = fetched.expected?.[ENCRYPTED_ARCHIVE]
  const { h, size } = await openArchive(path, label)
  try {
    const member = await tar.begin({ name: `${link.generation}/${ENCRYPTED_ARCHIVE}`, size, mtime })
    const sink = new HashSink()
    const src = h.createReadStream({ start: 0, end: size - 1, highWaterMark: 1 << 20, autoClose: false })
    await fanOut(src, [sink, member.sink]).finally(() => src.destroy())
    const digest = sink.digest()
    if (stored && !same(digest, stored)) throw mismatch(`${path} (${label})`, digest, 'signed index', stored)
    if (!same(digest, want)) throw mismatch(`${path} (${label})`, digest, 'signed manifest', want)
    await member.close()
  } finally {
    await h.close()
  }
}

/**
 * Copies a link's stored archive (its storedArchiveName) into the export as member
 * `<generation>/<name>`, verified on the way. Throws HASH_MISMATCH or MANIFEST_INVALID (exit 3).
 */
export async function copyVerified(tar: TarOut, link: ArchiveLink, fetched: FetchedGeneration, label: string, mtime: Date): Promise<void> {
  return link.manifest.encryption === null ? copyCompressed(tar, link, fetched, label, mtime) : copyCiphertext(tar, link, fetched, label, mtime)
}
