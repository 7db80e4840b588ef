/**
 * Makes a generation's archive in ONE pass: GNU tar's stdout is fanned out to a hash, the
 * archive file and a `tar --list --verbose` child whose listing is counted. Memory stays flat
 * whatever the size. tar's exit 1 (a file changed while it was read) is a warning.
 */
import { fsyncPath } from '../lib/fsx/atomic.js'
import { createWriteStream, promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { createArgs, listArgs, ListingCounter, TAR_CREATE_OK } from '../lib/tar.js'
import { HashSink, fanOut } from '../lib/fsx/hash.js'
import { spawnStream, tailCollector, checkExit } from '../lib/proc/run.js'
import { startChild } from '../lib/proc/pipe.js'
import { ARCHIVE } from '../lib/layout.js'
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
}

export interface ArchiveResult {
  path: string
  sha256: string
  bytes: number
  counts: Counts
  /** tar's exit status: 0, or 1 when files changed while being read. */
  tarExit: number
  ms: number
}

/**
 * Streams the sources through tar into `dir/data.tar`, hashing and counting on the way.
 * Throws TAR_FAILED when tar (or the listing) fails; the caller removes `dir`.
 */
export async function makeArchive(o: ArchiveOptions, log: Logger): Promise<ArchiveResult> {
  const start = Date.now()
  const path = join(o.dir, ARCHIVE)
  const tar = spawnStream(createArgs({ sources: o.sources, excludes: o.excludes, ...(o.snapshot ? { snapshot: o.snapshot } : {}) }), { stdin: 'ignore' })
  const tarStderr = tailCollector(tar.stderr)
  const counter = new ListingCounter()
  const listing = startChild(listArgs(), { stdout: counter, code: 'TAR_FAILED', what: 'tar --list of the new archive' })
  const hash = new HashSink()
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 })
  try {
    await fanOut(tar.stdout!, [hash, file, listing.stdin!])
    const result = await tar
    checkExit('tar', result, tarStderr(), { code: 'TAR_FAILED', okCodes: TAR_CREATE_OK, what: 'tar (making the archive)' })
    await listing.done
    if (result.exitCode === 1) log.warn({ stderr: tarStderr().trim().split('\n').slice(-5).join('\n') }, 'tar: some files changed while being read')
    await fsyncPath(path)
    const d = hash.digest()
    return { path, sha256: d.sha256, bytes: d.bytes, counts: { ...counter.counts, bytes: d.bytes }, tarExit: result.exitCode ?? 0, ms: Date.now() - start }
  } catch (err) {
    tar.kill('SIGKILL')
    listing.kill()
    file.destroy()
    await Promise.allSettled([tar, listing.done])
    // tar's own failure explains a broken pipe downstream better than the pipe does
    const result = await tar
    if (result.exitCode !== undefined && !TAR_CREATE_OK.includes(result.exitCode)) {
      checkExit('tar', result, tarStderr(), { code: 'TAR_FAILED', okCodes: TAR_CREATE_OK, what: 'tar (making the archive)' })
    }
    throw err
  }
}
