/**
 * rclone argv builders (pure, snapshot-tested) and thin runners: a bucket on any object store
 * rclone knows (S3, Ceph RGW, MinIO, B2, GCS, … or a local folder) is reached the same way.
 * A place in a bucket is a `REMOTE:path` string (`s3:roost-tree/wiki/<generation>`).
 *
 * rclone does every transfer and every remote hash; what comes back to roost is small and read
 * line by line (listings, hash lines) or piped straight to a file (`cat`), so memory does not
 * grow with the data. Recursive listings use `--fast-list` (one flat listing on a bucket: fewer
 * requests, and correct on S3 servers whose delimiter listings are incomplete).
 *
 * Exit codes worth knowing: 1 syntax or usage, 2 uncategorised error, 3 directory not found,
 * 4 file not found, 5 temporary error (retry), 6 less serious error, 7 fatal (account
 * suspended, quota), 8 transfer limit reached, 9 nothing transferred (--error-on-no-transfer).
 */
import { createInterface } from 'node:readline'
import type { Writable } from 'node:stream'
import { run } from './proc/run.js'
import { startChild } from './proc/pipe.js'
import { RoostError } from './errors.js'

/** How to reach rclone's remotes: its config file (rclone's own default when absent) and a bandwidth cap. */
export interface Rclone {
  /** rclone's config file (`--config`). */
  config?: string
  /** Bytes per second for transfers (`--bwlimit`). */
  bwlimit?: number
}

/** Joins a remote (`s3:bucket/tree`, `s3:`, `local:/srv/b/`) and path parts with '/'. Pure. */
export function remotePath(remote: string, ...parts: string[]): string {
  if (!parts.length) return remote
  const sep = remote.endsWith(':') || remote.endsWith('/') ? '' : '/'
  return `${remote}${sep}${parts.join('/')}`
}

/** The part of argv every call shares: the config file, and never a password prompt. Pure. */
function base(r: Rclone, command: string[]): string[] {
  return ['rclone', ...command, ...(r.config ? ['--config', r.config] : []), '--ask-password=false']
}

function bw(r: Rclone): string[] {
  return r.bwlimit ? ['--bwlimit', `${Math.max(1, Math.floor(r.bwlimit))}B`] : []
}

/** Copies the files directly inside a local folder to a remote folder (existing equal files are skipped). Pure. */
export function uploadArgs(r: Rclone, localDir: string, to: string): string[] {
  return [...base(r, ['copy', localDir, to]), '--max-depth', '1', ...bw(r)]
}

/** Copies one local file to a remote file. Pure. */
export function copytoArgs(r: Rclone, localFile: string, to: string): string[] {
  return [...base(r, ['copyto', localFile, to]), ...bw(r)]
}

/**
 * Moves the files directly inside a remote folder to another folder of the same remote,
 * server-side (a rename on a local remote, copy + delete inside the object store on S3 and
 * the like: nothing crosses this host's line), and removes the emptied source folder. Pure.
 */
export function moveArgs(r: Rclone, from: string, to: string): string[] {
  return [...base(r, ['move', from, to]), '--max-depth', '1', '--delete-empty-src-dirs']
}

/** Copies the files directly inside a remote folder to another folder of the same remote, server-side (equal files are skipped). Pure. */
export function copyRemoteArgs(r: Rclone, from: string, to: string): string[] {
  return [...base(r, ['copy', from, to]), '--max-depth', '1']
}

/** Copies the named files at the top of a remote folder into a local folder (absent ones are skipped). Pure. */
export function downloadNamedArgs(r: Rclone, from: string, names: readonly string[], localDir: string): string[] {
  return [...base(r, ['copy', from, localDir]), '--max-depth', '1', ...names.flatMap(n => ['--include', `/${globEscape(n)}`]), ...bw(r)]
}

/** rclone filter patterns treat `*?[]{}\` specially; names in the index never hold them, but escape anyway. Pure. */
function globEscape(name: string): string {
  return name.replace(/[*?[\]{}\\]/g, c => `\\${c}`)
}

export interface ListOptions {
  recursive?: boolean
  /** Ask the remote for this hash of every file (the local backend computes it by reading the file). */
  hashType?: string
}

/** Lists files (one JSON object per line between `[` and `]`). Pure. */
export function lsjsonArgs(r: Rclone, path: string, o: ListOptions = {}): string[] {
  const a = [...base(r, ['lsjson', path]), '--files-only', '--no-mimetype']
  if (o.recursive) a.push('--recursive', '--fast-list')
  if (o.hashType) a.push('--hash-type', o.hashType)
  return a
}

/** Streams one remote file to stdout. Pure. */
export function catArgs(r: Rclone, path: string): string[] {
  return [...base(r, ['cat', path]), ...bw(r)]
}

/** Deletes one remote file. Pure. */
export function deletefileArgs(r: Rclone, path: string): string[] {
  return base(r, ['deletefile', path])
}

/** Deletes a remote folder and everything in it. Pure. */
export function purgeArgs(r: Rclone, path: string): string[] {
  return base(r, ['purge', path])
}

/** Removes an empty remote folder (fails when it is not empty). Pure. */
export function rmdirArgs(r: Rclone, path: string): string[] {
  return base(r, ['rmdir', path])
}

/**
 * Hashes the files named in `filesFrom` (paths relative to `root`, one a line) by downloading
 * them: rclone streams each through the hash, nothing is kept. Pure.
 */
export function hashsumDownloadArgs(r: Rclone, root: string, filesFrom: string, hash = 'sha256'): string[] {
  return [...base(r, ['hashsum', hash, root]), '--download', '--fast-list', '--files-from-raw', filesFrom, ...bw(r)]
}

/** The remote's features as JSON (its `Hashes` list says which hashes it can give without a download). Pure. */
export function featuresArgs(r: Rclone, remote: string): string[] {
  return base(r, ['backend', 'features', remote])
}

const RCLONE_EXIT: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'error',
  3: 'directory not found',
  4: 'file not found',
  5: 'temporary error',
  6: 'less serious error',
  7: 'fatal error: account suspended or quota exceeded',
  8: 'transfer limit reached',
  9: 'nothing transferred',
}

/** rclone's environment: roost's minimal one, plus the password of an encrypted rclone config when set. */
function env(): Record<string, string> {
  const pass = process.env.RCLONE_CONFIG_PASS
  return pass ? { RCLONE_CONFIG_PASS: pass } : {}
}

/** Turns a failed run into RCLONE_FAILED with rclone's meaning and its last lines. */
function explain(err: unknown, what: string): unknown {
  if (err instanceof RoostError && typeof err.detail?.exitCode === 'number') {
    const code = err.detail.exitCode
    return new RoostError('RCLONE_FAILED', `${what}: rclone exited ${code} (${RCLONE_EXIT[code] ?? 'error'})`, { hint: err.hint, cause: err, detail: err.detail })
  }
  return err
}

export interface RcloneRunOptions {
  /** Exit codes that count as success (e.g. 3 where a missing folder means "nothing there"). */
  okCodes?: number[]
  signal?: AbortSignal
}

/** Runs an rclone argv whose output is small; returns its exit code and stdout. */
export async function runRclone(argv: readonly string[], what: string, o: RcloneRunOptions = {}): Promise<{ exitCode: number; stdout: string }> {
  try {
    const r = await run(argv, { code: 'RCLONE_FAILED', what, env: env(), ...(o.okCodes ? { okCodes: [0, ...o.okCodes] } : {}), ...(o.signal ? { signal: o.signal } : {}) })
    return { exitCode: r.exitCode, stdout: r.stdout }
  } catch (err) {
    throw explain(err, what)
  }
}

/** Runs an rclone argv and hands each line of its stdout to `onLine` as it comes (nothing is buffered whole). `signal` stops it. */
export async function rcloneLines(argv: readonly string[], what: string, onLine: (line: string) => void, o: RcloneRunOptions = {}): Promise<void> {
  const child = startChild(argv, { stdin: 'ignore', stdout: 'pipe', env: env(), code: 'RCLONE_FAILED', what, ...(o.okCodes ? { okCodes: [0, ...o.okCodes] } : {}), ...(o.signal ? { signal: o.signal } : {}) })
  const stop = (): void => child.kill()
  if (o.signal?.aborted) stop()
  else o.signal?.addEventListener('abort', stop, { once: true })
  try {
    for await (const line of createInterface({ input: child.stdout!, crlfDelay: Infinity })) onLine(line)
    await child.done
  } catch (err) {
    child.kill()
    await child.done.catch(() => {})
    throw explain(err, what)
  } finally {
    o.signal?.removeEventListener('abort', stop)
  }
}

/** Streams one remote file into `sink` (rclone does the transfer; backpressure holds memory flat). */
export async function catInto(r: Rclone, path: string, sink: Writable, what: string): Promise<void> {
  const child = startChild(catArgs(r, path), { stdin: 'ignore', stdout: sink, env: env(), code: 'RCLONE_FAILED', what })
  await child.done.catch(err => {
    throw explain(err, what)
  })
}

/** One file of a listing. */
export interface RemoteFile {
  /** Relative to the listed folder, '/'-separated. */
  path: string
  bytes: number
  /** The hash asked for, when the remote gave it. */
  hash?: string
}

/** Parses one line of `rclone lsjson` output (undefined for `[`, `]` and folders). Pure. */
export function parseLsjsonLine(line: string, hashType?: string): RemoteFile | undefined {
  const text = line.trim().replace(/,$/, '')
  if (!text.startsWith('{')) return undefined
  const o = JSON.parse(text) as { Path?: unknown; Size?: unknown; IsDir?: unknown; Hashes?: Record<string, unknown> }
  if (o.IsDir || typeof o.Path !== 'string' || typeof o.Size !== 'number') return undefined
  const hash = hashType ? o.Hashes?.[hashType] : undefined
  return { path: o.Path, bytes: o.Size, ...(typeof hash === 'string' && hash ? { hash: hash.toLowerCase() } : {}) }
}

/** Lists the files under a remote folder; a folder that does not exist lists as empty. */
export async function listFiles(r: Rclone, path: string, o: ListOptions = {}): Promise<RemoteFile[]> {
  const out: RemoteFile[] = []
  await rcloneLines(lsjsonArgs(r, path, o), `listing ${path}`, line => {
    const f = parseLsjsonLine(line, o.hashType)
    if (f) out.push(f)
  }, { okCodes: [3] })
  return out
}

/** Parses one line of `rclone hashsum` output: `<hex>  <path>`. Pure. */
export function parseHashLine(line: string): { hash: string; path: string } | undefined {
  const m = /^([0-9a-fA-F]+) {2}(.+)$/.exec(line)
  return m ? { hash: m[1]!.toLowerCase(), path: m[2]! } : undefined
}

/** Downloads and hashes the listed files (paths relative to `root`); files that are not there are absent from the map. */
export async function hashByDownload(r: Rclone, root: string, filesFrom: string, what: string, signal?: AbortSignal): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  await rcloneLines(hashsumDownloadArgs(r, root, filesFrom), what, line => {
    const h = parseHashLine(line)
    if (h) out.set(h.path, h.hash)
  }, { okCodes: [3], ...(signal ? { signal } : {}) })
  return out
}

/** The hashes a remote gives without a download (lower case: md5, sha1, sha256, …). */
export async function remoteHashes(r: Rclone, remote: string): Promise<string[]> {
  const { stdout } = await runRclone(featuresArgs(r, remote), `reading the features of ${remote}`)
  try {
    const hashes = (JSON.parse(stdout) as { Hashes?: unknown }).Hashes
    return Array.isArray(hashes) ? hashes.filter((h): h is string => typeof h === 'string').map(h => h.toLowerCase()) : []
  } catch (err) {
    throw new RoostError('RCLONE_FAILED', `rclone backend features ${remote} did not print JSON`, { cause: err })
  }
}
