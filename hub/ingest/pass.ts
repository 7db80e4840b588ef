/**
 * The one expensive pass over an arrival's uploaded archive, reading it once (never following
 * a symlink) while memory stays flat. A plain data.tar feeds the sha256, the stdin of
 * `zstd -3 -T0` (its output hashed as it is written to staging/…/data.tar.zst) and the stdin
 * of `tar --list --verbose` (its lines counted). An encrypted data.tar.zst.age is copied to
 * staging under the same name while it is hashed: the hub holds no key, so the bytes it
 * checked are the bytes it stores.
 */
import { fsyncPath } from '../../lib/fsx/atomic.js'
import { createWriteStream, promises as fs, constants } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { progress } from '../../lib/progress.js'
import { pipeline } from 'node:stream/promises'
import { fanOut, HashingStream, HashSink, type Digest } from '../../lib/fsx/hash.js'
import { startChild, TolerantSink } from '../../lib/proc/pipe.js'
import { compressArgs } from '../../lib/zstd.js'
import { listArgs, ListingCounter } from '../../lib/tar.js'
import { ENCRYPTED_ARCHIVE, STORED_ARCHIVE, storedArchiveName, uploadedArchiveName } from '../../lib/layout.js'
import type { Manifest } from '../../lib/formats/manifest.js'
import { RoostError } from '../../lib/errors.js'
import type { PassFacts } from './check-arrival.js'

export interface PassResult {
  /** Everything but storedBytes, which the caller adds (it knows the manifest's size). */
  pass: Omit<PassFacts, 'storedBytes'>
  /** sha256 and size of the archive written into the staging folder (storedArchiveName). */
  stored: Digest
}

function problemOf(err: unknown): string {
  const e = err as RoostError
  const hint = typeof e.hint === 'string' ? e.hint.split('\n').filter(Boolean).pop() : undefined
  return (hint ?? e.message ?? String(err)).slice(0, 500)
}

/** Opens an uploaded file for the pass: a regular file, never through a symlink. */
async function openUpload(path: string): Promise<fs.FileHandle> {
  const h = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  const st = await h.stat()
  if (!st.isFile()) {
    await h.close()
    throw new RoostError('ARRIVAL_REJECTED', `${path} is not a regular file`)
  }
  return h
}

/**
 * Reads `tarPath` once (never following a symlink) and writes `stagingDir/data.tar.zst`.
 * Throws (ZSTD_FAILED, I/O errors) only for the hub's own failures; a tar that does not
 * list comes back as `listed: false`.
 */
export async function streamArrival(tarPath: string, stagingDir: string): Promise<PassResult> {
  const h = await openUpload(tarPath)
  const src = h.createReadStream({ highWaterMark: 1 << 20 })
  // on a terminal (`hub import`, `hub serve` run by hand): bytes of the upload read so far
  const shown = progress('ingest')
  const size = (await h.stat()).size
  const label = basename(dirname(tarPath))
  let read = 0
  src.on('data', (chunk: Buffer | string) => shown.update(label, (read += chunk.length), size))
  src.once('close', () => shown.end())
  const hash = new HashSink()
  const zstPath = join(stagingDir, STORED_ARCHIVE)
  const zHash = new HashingStream()
  const written = pipeline(zHash, createWriteStream(zstPath, { flags: 'wx', mode: 0o600 }))
  const zstd = startChild(compressArgs(), { stdout: zHash, code: 'ZSTD_FAILED', what: `zstd compressing ${tarPath}` })
  const counter = new ListingCounter()
  const tar = startChild(listArgs(), { stdout: counter, code: 'TAR_FAILED', what: `tar listing ${tarPath}` })
  try {
    await fanOut(src, [hash, zstd.stdin!, new TolerantSink(tar.stdin!)])
    await Promise.all([zstd.done, written])
  } catch (err) {
    zstd.kill()
    tar.kill()
    src.destroy()
    await written.catch(() => {})
    throw err
  }
  let listProblem: string | undefined
  await tar.done.catch(err => {
    if (err instanceof RoostError && err.code === 'TOOL_MISSING') throw err
    listProblem = problemOf(err)
  })
  await fsyncPath(zstPath)
  const d = hash.digest()
  return {
    pass: { sha256: d.sha256, bytes: d.bytes, listed: listProblem === undefined, ...(listProblem ? { listProblem } : {}), counts: counter.counts },
    stored: zHash.digest(),
  }
}

/**
 * Reads an encrypted arrival's `agePath` once (never following a symlink), hashing it as it
 * is written to `stagingDir/data.tar.zst.age`: the stored digest is the uploaded one. No
 * listing and no counts (see check-arrival.ts). Throws only for the hub's own failures.
 */
export async function copyCiphertext(agePath: string, stagingDir: string): Promise<PassResult> {
  const h = await openUpload(agePath)
  const out = join(stagingDir, ENCRYPTED_ARCHIVE)
  const hash = new HashingStream()
  await pipeline(h.createReadStream({ highWaterMark: 1 << 20 }), hash, createWriteStream(out, { flags: 'wx', mode: 0o600 }))
  await fsyncPath(out)
  const d = hash.digest()
  return { pass: { sha256: d.sha256, bytes: d.bytes }, stored: d }
}

/**
 * The pass for an arrival in `arrivalDir` whose manifest is `m` (checked by checkArrival):
 * its uploaded archive read once, and its stored archive (storedArchiveName) in `stagingDir`.
 */
export async function passArrival(m: Manifest, arrivalDir: string, stagingDir: string): Promise<PassResult> {
  const upload = join(arrivalDir, uploadedArchiveName(m))
  return storedArchiveName(m) === ENCRYPTED_ARCHIVE ? copyCiphertext(upload, stagingDir) : streamArrival(upload, stagingDir)
}
