/**
 * The one-pass verified extraction at the heart of restore. data.tar.zst is read once: its
 * bytes are hashed (against the signed index, when there is one) and fed to `zstd -d`; the
 * tar that comes out is hashed (against the signed manifest) and fed to `tar --extract` into
 * a staging folder. Verdicts are given only after the whole stream has passed; the caller
 * deletes the staging folder on any error, so nothing unverified ever reaches the target.
 */
import { createReadStream, promises as fs } from 'node:fs'
import { HashSink, fanOut, type Digest } from '../fsx/hash.js'
import { startChild, TolerantSink } from '../proc/pipe.js'
import { decompressArgs } from '../zstd.js'
import { extractArgs } from '../tar.js'
import { RoostError, isRoostError } from '../errors.js'

export interface ExtractExpectations {
  /** Name for messages, e.g. `wiki/20261122T030000Z-full`. */
  label: string
  /** The manifest's entry for the uncompressed tar (signed by the spoke). */
  tar: { bytes: number; sha256: string }
  /** The stored archive's entry in a signed index, when the source has one. */
  stored?: { bytes: number; sha256: string }
}

function same(d: Digest, want: { bytes: number; sha256: string }): boolean {
  return d.bytes === want.bytes && d.sha256 === want.sha256
}

/**
 * Decompresses, hashes and extracts `archive` into `staging` in one pass. Throws
 * HASH_MISMATCH (exit 3) when the stored file or the tar differs from what was signed,
 * TAR_FAILED/ZSTD_FAILED (exit 1) for a local failure with correct data.
 */
export async function extractVerified(archive: string, staging: string, expect: ExtractExpectations, o: { sameOwner: boolean }): Promise<Digest> {
  const st = await fs.lstat(archive).catch(() => undefined)
  if (!st?.isFile()) throw new RoostError('HASH_MISMATCH', `${archive} is missing or not a regular file (${expect.label})`)
  const storedSink = new HashSink()
  const tarSink = new HashSink()
  const zstd = startChild(decompressArgs(), { stdout: 'pipe', code: 'ZSTD_FAILED', what: `zstd -d of ${archive}` })
  const tar = startChild(extractArgs(staging, { sameOwner: o.sameOwner }), { stdout: 'ignore', code: 'TAR_FAILED', what: `tar --extract into ${staging}` })
  const src = createReadStream(archive, { highWaterMark: 1 << 20 })
  const [read, decompress, zstdExit, tarExit] = await Promise.allSettled([
    fanOut(src, [storedSink, new TolerantSink(zstd.stdin!)]),
    fanOut(zstd.stdout!, [tarSink, new TolerantSink(tar.stdin!)]),
    zstd.done,
    tar.done,
  ])
  src.destroy()
  const failures = [read, decompress, zstdExit, tarExit].flatMap(r => (r.status === 'rejected' ? [r.reason as unknown] : []))
  const missing = failures.find(e => isRoostError(e, 'TOOL_MISSING'))
  if (missing) throw missing
  if (read.status === 'rejected') throw read.reason
  const stored = storedSink.digest()
  if (expect.stored && !same(stored, expect.stored)) {
    throw new RoostError('HASH_MISMATCH', `${archive} (${expect.label}): sha256 ${stored.sha256} (${stored.bytes} bytes) differs from the signed index (${expect.stored.sha256}, ${expect.stored.bytes} bytes)`, {
      hint: 'this copy is corrupt or was tampered with; restore from another tier',
    })
  }
  const got = tarSink.digest()
  if (!same(got, expect.tar)) {
    throw new RoostError('HASH_MISMATCH', `${archive} (${expect.label}): the decompressed tar has sha256 ${got.sha256} (${got.bytes} bytes), the signed manifest says ${expect.tar.sha256} (${expect.tar.bytes} bytes)`, {
      hint: 'this copy is corrupt or was tampered with; nothing was restored',
    })
  }
  for (const r of [zstdExit, tarExit, decompress]) if (r.status === 'rejected') throw r.reason
  return got
}
