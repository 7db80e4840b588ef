/**
 * The one-pass verified extraction at the heart of restore. data.tar.zst is read once: its
 * bytes are hashed (against the signed index, when there is one) and fed to `zstd -d`; the
 * tar that comes out is hashed (against the signed manifest), fed to `tar --extract` into
 * a staging folder and, when asked, to a header reader (listings, drills). Verdicts are given
 * only after the whole stream has passed; the caller deletes the staging folder on any error,
 * so nothing unverified ever reaches the target.
 * An encrypted generation's data.tar.zst.age goes through `age --decrypt` first; its
 * ciphertext hash is what the manifest signs (age's own authentication covers the rest), and
 * the tar that comes out must have the size the manifest states.
 */
import { createReadStream, promises as fs } from 'node:fs'
import { HashSink, fanOut, type Digest } from '../fsx/hash.js'
import { startChild, TolerantSink, type StreamChild } from '../proc/pipe.js'
import { checkExit, spawnStream } from '../proc/run.js'
import { decompressArgs } from '../zstd.js'
import { decryptArgs } from '../age.js'
import { pipeline } from 'node:stream/promises'
import { extractArgs } from '../tar.js'
import { RoostError, isRoostError } from '../errors.js'
import { TarHeaderReader, type TarMember } from './tar-headers.js'

export interface ExtractExpectations {
  /** Name for messages, e.g. `wiki/20261122T030000Z-full`. */
  label: string
  /** The manifest's entry for the uncompressed tar (signed by the spoke); plain generations. */
  tar?: { bytes: number; sha256: string }
  /** An encrypted generation: the manifest's ciphertext entry, the tar's size, the identity. */
  sealed?: { file: { bytes: number; sha256: string }; tarBytes: number; identity: string }
  /** The stored archive's entry in a signed index, when the source has one. */
  stored?: { bytes: number; sha256: string }
}

export interface PassOptions {
  /** Extract into this folder; without it the archive is only read (verified, listed). */
  into?: string
  sameOwner?: boolean
  /** Extract only these members (archive names, recursively); a link that lacks one is fine. */
  paths?: readonly string[]
  /** Called with every member's header, in archive order. */
  onMember?: (m: TarMember) => void
}

function same(d: Digest, want: { bytes: number; sha256: string }): boolean {
  return d.bytes === want.bytes && d.sha256 === want.sha256
}

/** True for the lines tar prints when a named member is not in this archive (exit 2). Pure. */
export function isNotFoundLine(line: string): boolean {
  return /^tar: .*: Not found in archive$/.test(line) || line === 'tar: Exiting with failure status due to previous errors'
}

/**
 * `tar --extract` for the given members. Exit 2 whose every stderr line says a named member
 * is not in this archive counts as success: a link of a chain need not hold every path.
 */
function startTar(dir: string, o: PassOptions): StreamChild {
  const argv = extractArgs(dir, { sameOwner: o.sameOwner ?? false, ...(o.paths?.length ? { paths: o.paths } : {}) })
  const what = `tar --extract into ${dir}`
  if (!o.paths?.length) return startChild(argv, { stdout: 'ignore', code: 'TAR_FAILED', what })
  const child = spawnStream(argv, { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe' })
  child.stdin?.on('error', () => {})
  let rest = ''
  let tail = ''
  let onlyNotFound = true
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n')
    rest = lines.pop() ?? ''
    for (const l of lines) if (l && !isNotFoundLine(l)) onlyNotFound = false
    tail = (tail + chunk.toString('utf8')).slice(-16384)
  })
  const done = (async () => {
    const r = await child
    if (rest && !isNotFoundLine(rest)) onlyNotFound = false
    if (r.exitCode === 2 && onlyNotFound && !r.signal) return
    checkExit('tar', r, tail, { code: 'TAR_FAILED', what })
  })()
  done.catch(() => {})
  return { stdin: child.stdin, stdout: null, done, kill: () => void child.kill('SIGKILL') }
}

/**
 * Decompresses, hashes, and (as asked) extracts and lists `archive` in one pass. Throws
 * HASH_MISMATCH (exit 3) when the stored file or the tar differs from what was signed,
 * TAR_FAILED/ZSTD_FAILED (exit 1) for a local failure with correct data.
 */
export async function passArchive(archive: string, expect: ExtractExpectations, o: PassOptions): Promise<Digest> {
  if (!expect.tar === !expect.sealed) throw new Error('passArchive: expect a plain tar or a sealed archive')
  const st = await fs.lstat(archive).catch(() => undefined)
  if (!st?.isFile()) throw new RoostError('HASH_MISMATCH', `${archive} is missing or not a regular file (${expect.label})`)
  const storedSink = new HashSink()
  const tarSink = new HashSink()
  const headers = o.onMember ? new TarHeaderReader(o.onMember) : undefined
  const age = expect.sealed ? startChild(decryptArgs(expect.sealed.identity), { stdout: 'pipe', code: 'DECRYPT_FAILED', what: `age --decrypt of ${archive}` }) : undefined
  const zstd = startChild(decompressArgs(), { stdout: 'pipe', code: 'ZSTD_FAILED', what: `zstd -d of ${archive}` })
  const tar = o.into ? startTar(o.into, o) : undefined
  const src = createReadStream(archive, { highWaterMark: 1 << 20 })
  const sinks: NodeJS.WritableStream[] = [tarSink, ...(tar ? [new TolerantSink(tar.stdin!)] : []), ...(headers ? [headers] : [])]
  const [read, decrypt, ageExit, decompress, zstdExit, tarExit] = await Promise.allSettled([
    fanOut(src, [storedSink, new TolerantSink((age ?? zstd).stdin!)]),
    age ? pipeline(age.stdout!, new TolerantSink(zstd.stdin!)) : Promise.resolve(),
    age ? age.done : Promise.resolve(),
    fanOut(zstd.stdout!, sinks),
    zstd.done,
    tar ? tar.done : Promise.resolve(),
  ])
  src.destroy()
  const failures = [read, decrypt, ageExit, decompress, zstdExit, tarExit].flatMap(r => (r.status === 'rejected' ? [r.reason as unknown] : []))
  const missing = failures.find(e => isRoostError(e, 'TOOL_MISSING'))
  if (missing) throw missing
  if (read.status === 'rejected') throw read.reason
  const stored = storedSink.digest()
  if (expect.stored && !same(stored, expect.stored)) {
    throw new RoostError('HASH_MISMATCH', `${archive} (${expect.label}): sha256 ${stored.sha256} (${stored.bytes} bytes) differs from the signed index (${expect.stored.sha256}, ${expect.stored.bytes} bytes)`, {
      hint: 'this copy is corrupt or was tampered with; restore from another tier',
    })
  }
  if (expect.sealed && !same(stored, expect.sealed.file)) {
    throw new RoostError('HASH_MISMATCH', `${archive} (${expect.label}): the ciphertext has sha256 ${stored.sha256} (${stored.bytes} bytes), the signed manifest says ${expect.sealed.file.sha256} (${expect.sealed.file.bytes} bytes)`, {
      hint: 'this copy is corrupt or was tampered with; nothing was restored',
    })
  }
  // the ciphertext is the signed one: age failing now means the identity, not the data
  if (ageExit.status === 'rejected') throw ageExit.reason
  const got = tarSink.digest()
  if (expect.tar && !same(got, expect.tar)) {
    throw new RoostError('HASH_MISMATCH', `${archive} (${expect.label}): the decompressed tar has sha256 ${got.sha256} (${got.bytes} bytes), the signed manifest says ${expect.tar.sha256} (${expect.tar.bytes} bytes)`, {
      hint: 'this copy is corrupt or was tampered with; nothing was restored',
    })
  }
  if (expect.sealed && got.bytes !== expect.sealed.tarBytes) {
    throw new RoostError('HASH_MISMATCH', `${archive} (${expect.label}): the decrypted tar has ${got.bytes} bytes, the signed manifest says ${expect.sealed.tarBytes}`, {
      hint: 'the spoke that signed it recorded another size; nothing was restored',
    })
  }
  for (const r of [zstdExit, tarExit, decompress, decrypt]) if (r.status === 'rejected') throw r.reason
  if (headers?.error) throw new RoostError('TAR_FAILED', `${archive} (${expect.label}): ${headers.error.message}`, { cause: headers.error })
  return got
}

/**
 * Checks an encrypted archive without its identity (the hub's drill): one read hashes the
 * ciphertext against the signed manifest and the index. Throws HASH_MISMATCH (exit 3).
 */
export async function checkSealed(archive: string, expect: { label: string; file: { bytes: number; sha256: string }; stored?: { bytes: number; sha256: string } }): Promise<Digest> {
  const st = await fs.lstat(archive).catch(() => undefined)
  if (!st?.isFile()) throw new RoostError('HASH_MISMATCH', `${archive} is missing or not a regular file (${expect.label})`)
  const sink = new HashSink()
  await pipeline(createReadStream(archive, { highWaterMark: 1 << 20 }), sink)
  const d = sink.digest()
  for (const [want, what] of [[expect.file, 'the signed manifest'], [expect.stored, 'the signed index']] as const) {
    if (want && !same(d, want)) {
      throw new RoostError('HASH_MISMATCH', `${archive} (${expect.label}): sha256 ${d.sha256} (${d.bytes} bytes) differs from ${what} (${want.sha256}, ${want.bytes} bytes)`, {
        hint: 'this copy is corrupt or was tampered with; restore from another tier',
      })
    }
  }
  return d
}

/** Decompresses, hashes and extracts `archive` into `staging` in one pass (see passArchive). */
export async function extractVerified(archive: string, staging: string, expect: ExtractExpectations, o: { sameOwner: boolean }): Promise<Digest> {
  return passArchive(archive, expect, { into: staging, sameOwner: o.sameOwner })
}
