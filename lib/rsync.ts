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
  5: 'error starting client-server protocol',
  10: 'error in socket I/O',
  11: 'error in file I/O',
  12: 'error in rsync protocol data stream',
  20: 'interrupted',
  23: 'partial transfer',
  24: 'some source files vanished',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for daemon connection',
  255: 'ssh failed (unreachable, refused, or host key mismatch)',
}

/** Runs an rsync argv; a failure becomes RSYNC_FAILED with rsync's meaning and its last lines. */
export async function runRsync(argv: string[], what: string, o: { signal?: AbortSignal } = {}): Promise<string> {
  try {
    return (await run(argv, { code: 'RSYNC_FAILED', what, ...(o.signal ? { signal: o.signal } : {}) })).stdout
  } catch (err) {
    if (err instanceof RoostError && typeof err.detail?.exitCode === 'number') {
      const code = err.detail.exitCode
      throw new RoostError('RSYNC_FAILED', `${what}: rsync exited ${code} (${RSYNC_EXIT[code] ?? 'error'})`, { hint: err.hint, cause: err, detail: err.detail })
    }
    throw err
  }
}
