/**
 * rsync argv builders (pure, snapshot-tested) and a thin runner. Exit codes worth knowing:
 * 23 partial transfer, 24 source files vanished, 30 timeout, 255 ssh failed.
 */
import { rsyncRsh, remotePrefix, type SshTarget } from './ssh-client.js'
import { run } from './proc/run.js'
import { RoostError } from './errors.js'
import { PARTIAL_DIR } from './layout.js'

export interface TransferOptions {
  /** A folder on the receiving side (a leading / is the restricted root) whose files are delta bases. */
  basisDir?: string
  /** KiB per second. */
  bwlimit?: number
  /** Seconds without progress before rsync gives up. */
  ioTimeout?: number
  /** Compress on the wire with zstd (worth it for tars, not for compressed files). */
  compress?: boolean
}

function common(t: SshTarget, o: TransferOptions, keepCut: string[]): string[] {
  const a = ['rsync', '--recursive', '--times', ...keepCut, '-e', rsyncRsh(t)]
  if (o.compress ?? true) a.push('--compress', '--compress-choice=zstd')
  if (o.basisDir) a.push(`--copy-dest=${o.basisDir}`)
  if (o.bwlimit) a.push(`--bwlimit=${o.bwlimit}`)
  a.push(`--timeout=${o.ioTimeout ?? 600}`)
  return a
}

/**
 * Upload local files into a remote folder (always a folder: rrsync will not overwrite a named
 * file). A cut upload is kept under its own name (`--partial`) and is the basis the next try
 * resumes from: rrsync pins a `--partial-dir` to a /proc/self/fd path where rsync can neither
 * keep a cut file nor place a `--delay-updates` file (it discards a completed file and exits 0),
 * so neither is used towards the hub. The hub ingests nothing until the manifest, sent last, lands.
 */
export function pushArgs(t: SshTarget, localFiles: readonly string[], remoteDir: string, o: TransferOptions = {}): string[] {
  const dir = remoteDir.endsWith('/') ? remoteDir : remoteDir + '/'
  return [...common(t, o, ['--partial']), '--', ...localFiles, `${remotePrefix(t)}${dir}`]
}

/**
 * Download remote paths into a local folder. A cut download waits in the partial dir, and
 * files appear only when the whole transfer is done (`--delay-updates`).
 */
export function pullArgs(t: SshTarget, remotePaths: readonly string[], localDir: string, o: TransferOptions = {}): string[] {
  const dir = localDir.endsWith('/') ? localDir : localDir + '/'
  const [first, ...rest] = remotePaths
  if (!first) throw new Error('pullArgs: no remote paths')
  // extra sources on the same host are written as ':path' (rsync's multi-source form)
  return [...common(t, o, [`--partial-dir=${PARTIAL_DIR}`, '--delay-updates']), '--', `${remotePrefix(t)}${first}`, ...rest.map(p => `:${p}`), dir]
}

/** List a remote folder (one entry per line: mode size date time name). */
export function listArgs(t: SshTarget, remotePath: string): string[] {
  return ['rsync', '--list-only', '-e', rsyncRsh(t), '--', `${remotePrefix(t)}${remotePath}`]
}

const RSYNC_EXIT: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files',
  5: 'the other end refused the rsync request',
  10: 'error in socket I/O',
  11: 'error in file I/O',
  12: 'error in rsync protocol data stream',
  20: 'interrupted',
  23: 'partial transfer',
  24: 'some source files vanished',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for daemon connection',
  255: 'ssh failed (unreachable, key not registered, or host key mismatch)',
}

/** What rsync's failure means, from its exit code and the last lines it (or ssh) printed. Pure. */
export function rsyncFailure(code: number, stderr: string, remote = 'the other end'): string {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) return `${remote}'s host key is not the pinned one (host key verification failed)`
  if (/Permission denied \(publickey/.test(stderr)) return `${remote} refused our key (permission denied)`
  const unreachable = /Connection refused|No route to host|Network is unreachable|Could not resolve hostname|port \d+: Connection timed out|Connection timed out during banner/.exec(stderr)
  if (unreachable) return `could not reach ${remote} (${unreachable[0].replace(/^port \d+: | during banner$/g, '')})`
  if ((code === 12 || code === 10 || code === 255 || code === 30) && /connection unexpectedly closed|Broken pipe|Connection reset|Timeout, server|closed by remote host|timeout in data send\/receive|io timeout/i.test(stderr)) {
    return `the connection to ${remote} was lost mid-transfer (rsync exited ${code}: a cut link, or ${remote} stopped)`
  }
  return `rsync exited ${code} (${RSYNC_EXIT[code] ?? 'error'})`
}

/** The host of the `user@host:path` operand of an rsync argv, if it has one. Pure. */
export function rsyncRemote(argv: readonly string[]): string | undefined {
  for (const a of argv) {
    const m = /^[a-z][a-z0-9-]*@(\[[^\]]+\]|[^:/\s]+):/.exec(a)
    if (m) return m[1]
  }
  return undefined
}

/** Runs an rsync argv; a failure becomes RSYNC_FAILED with what it means and rsync's last lines. */
export async function runRsync(argv: string[], what: string, o: { signal?: AbortSignal; timeoutMs?: number; onStdout?: (text: string) => void } = {}): Promise<string> {
  try {
    return (await run(argv, { code: 'RSYNC_FAILED', what, ...(o.signal ? { signal: o.signal } : {}), ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}), ...(o.onStdout ? { onStdout: o.onStdout } : {}) })).stdout
  } catch (err) {
    if (err instanceof RoostError && typeof err.detail?.exitCode === 'number') {
      const code = err.detail.exitCode
      const remote = rsyncRemote(argv)
      throw new RoostError('RSYNC_FAILED', `${what}: ${rsyncFailure(code, err.hint ?? '', remote)}`, { hint: err.hint, cause: err, detail: { ...err.detail, ...(remote ? { remote } : {}) } })
    }
    throw err
  }
}
