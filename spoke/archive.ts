/**
 * Makes a generation's archive in ONE pass: GNU tar's stdout is fanned out to a hash, the
 * archive file and a `tar --list --verbose` child whose listing is counted. Memory stays flat
 * whatever the size. tar's exit 1 (a file changed while it was read) is a warning.
 * An encrypted service's tar goes on through `zstd` and `age -r …` in the same pass: the file
 * written (data.tar.zst.age) and its hash are the ciphertext, the counts the plain tar's.
 */
import { fsyncPath } from '../lib/fsx/atomic.js'
import { createWriteStream } from 'node:fs'
import { PassThrough, type Writable } from 'node:stream'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { createArgs, listArgs, ListingCounter, TAR_CREATE_OK } from '../lib/tar.js'
import { HashSink, fanOut } from '../lib/fsx/hash.js'
import { spawnStream, tailCollector, checkExit } from '../lib/proc/run.js'
import { startChild } from '../lib/proc/pipe.js'
import { progress } from '../lib/progress.js'
import { ARCHIVE, ENCRYPTED_ARCHIVE } from '../lib/layout.js'
import { compressArgs } from '../lib/zstd.js'
import { encryptArgs } from '../lib/age.js'
import type { Counts } from '../lib/formats/manifest.js'

export interface ArchiveOptions {
  sources: readonly string[]
  excludes: readonly string[]
  /** The folder the archive is written into (as data.tar). */
  dir: string
  /**
   * tar's snapshot file (`--listed-incremental`): absent or empty makes a full; a copy of an
   * earlier generation's makes an archive of what changed since. tar updates it in place.
   */
  snapshot?: string
  /** age recipients (spoke.yaml `encrypt.recipients`): compress and encrypt on the way out. */
  recipients?: readonly string[]
}

export interface ArchiveResult {
  path: string
  /** The written file's sha256 and size: the plain tar's, or the ciphertext's when encrypted. */
  sha256: string
  bytes: number
  /** Entries counted from the plain tar; `bytes` is the plain tar's size. */
  counts: Counts
  encrypted: boolean
  /** tar's exit status: 0, or 1 when files changed while being read. */
  tarExit: number
  ms: number
}

/** Where the plain tar goes after the listing: straight into the file, or through zstd and age. */
interface Output {
  /** Takes the plain tar. */
  input: Writable
  /** The written file's digest, once everything has finished. */
  finished: Promise<{ sha256: string; bytes: number }>
  kill(): void
}

function plainOutput(path: string): Output {
  const hash = new HashSink()
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 })
  const input = new PassThrough({ highWaterMark: 1 << 20 })
  const finished = fanOut(input, [hash, file]).then(() => hash.digest())
  return { input, finished, kill: () => file.destroy() }
}

function sealedOutput(path: string, recipients: readonly string[]): Output {
  const hash = new HashSink()
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 })
  const age = startChild(encryptArgs(recipients), { stdout: 'pipe', code: 'AGE_FAILED', what: 'age encrypting the archive' })
  const zstd = startChild(compressArgs(), { stdout: age.stdin!, code: 'ZSTD_FAILED', what: 'zstd compressing the archive' })
  const written = fanOut(age.stdout!, [hash, file])
  const finished = Promise.all([written, zstd.done, age.done]).then(() => hash.digest())
  return {
    input: zstd.stdin!,
    finished,
    kill: () => {
      zstd.kill()
      age.kill()
      file.destroy()
    },
  }
}

/**
 * Streams the sources through tar into `dir/data.tar` (or, with recipients, through zstd and
 * age into `dir/data.tar.zst.age`), hashing and counting on the way. Throws TAR_FAILED when
 * tar (or the listing) fails, ZSTD_FAILED / AGE_FAILED for those; the caller removes `dir`.
 */
export async function makeArchive(o: ArchiveOptions, log: Logger): Promise<ArchiveResult> {
  const start = Date.now()
  const encrypted = Boolean(o.recipients?.length)
  const path = join(o.dir, encrypted ? ENCRYPTED_ARCHIVE : ARCHIVE)
  const tar = spawnStream(createArgs({ sources: o.sources, excludes: o.excludes, ...(o.snapshot ? { snapshot: o.snapshot } : {}) }), { stdin: 'ignore' })
  const tarStderr = tailCollector(tar.stderr)
  const counter = new ListingCounter()
  const listing = startChild(listArgs(), { stdout: counter, code: 'TAR_FAILED', what: 'tar --list of the new archive' })
  const plain = new HashSink()
  const out = encrypted ? sealedOutput(path, o.recipients!) : plainOutput(path)
  out.finished.catch(() => {}) // awaited below; avoid an unhandled rejection meanwhile
  const shown = progress('archive')
  const ticker = setInterval(() => shown.update('tar', plain.bytes), 250)
  try {
    await fanOut(tar.stdout!, [plain, out.input, listing.stdin!])
    clearInterval(ticker)
    shown.update('tar', plain.bytes)
    shown.end()
    const result = await tar
    checkExit('tar', result, tarStderr(), { code: 'TAR_FAILED', okCodes: TAR_CREATE_OK, what: 'tar (making the archive)' })
    await listing.done
    const d = await out.finished
    if (result.exitCode === 1) log.warn({ stderr: tarStderr().trim().split('\n').slice(-5).join('\n') }, 'tar: some files changed while being read')
    await fsyncPath(path)
    return { path, sha256: d.sha256, bytes: d.bytes, counts: { ...counter.counts, bytes: plain.bytes }, encrypted, tarExit: result.exitCode ?? 0, ms: Date.now() - start }
  } catch (err) {
    clearInterval(ticker)
    shown.end()
    tar.kill('SIGKILL')
    listing.kill()
    out.kill()
    await Promise.allSettled([tar, listing.done, out.finished])
    // tar's own failure explains a broken pipe downstream better than the pipe does
    const result = await tar
    if (result.exitCode !== undefined && !TAR_CREATE_OK.includes(result.exitCode)) {
      checkExit('tar', result, tarStderr(), { code: 'TAR_FAILED', okCodes: TAR_CREATE_OK, what: 'tar (making the archive)' })
    }
    throw err
  }
}
