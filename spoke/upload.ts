/**
 * Talking to the hub with rsync over ssh: upload a generation (data.tar against the hub's
 * tar of the last full or last generation as delta basis, then manifest.json last), read the hub's status.json and list
 * what the hub holds. `parseRsyncStats`, `judgeStatus` and `parseListing` are pure.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { pushArgs, pullArgs, listArgs, runRsync, type TransferOptions } from '../lib/rsync.js'
import { knownHostsLine, endpointTarget, type SshTarget } from '../lib/ssh-client.js'
import { progress } from '../lib/progress.js'
import { RoostError } from '../lib/errors.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'
import { ARCHIVE, BASIS_DIR, BASIS_FULL, BASIS_LAST, ENCRYPTED_ARCHIVE, MANIFEST, STATUS } from '../lib/layout.js'
import { GENERATION_RE, generationKind } from '../lib/formats/names.js'
import { parseServiceStatus, type ServiceStatus } from '../lib/formats/status.js'
import type { SpokeConfig, SpokePaths } from '../lib/config/spoke.js'

/** The hub as an ssh target for this spoke; writes the pinned host key to state/known_hosts. */
export async function prepareTarget(config: SpokeConfig, paths: SpokePaths): Promise<SshTarget> {
  await ensureDir(paths.state)
  await writeFileAtomic(paths.knownHosts, knownHostsLine(config.hub.hostKey), 0o600)
  return endpointTarget(config.hub, config.service, paths.key, paths.knownHosts)
}

/** What rsync --stats reports about one transfer. */
export interface TransferStats {
  /** Bytes rsync put on the wire (after compression). */
  sent: number
  /** Bytes of file data that had no match in the basis. */
  literal: number
  /** Bytes of file data found in the basis (not sent). */
  matched: number
}

function statNumber(text: string, label: string): number {
  const m = new RegExp(`^${label}:\\s*([\\d,.]+)`, 'm').exec(text)
  return m ? Number(m[1]!.replace(/[,.]/g, '')) : 0
}

/** Reads the figures from rsync's --stats output (thousands separators allowed). Pure. */
export function parseRsyncStats(text: string): TransferStats {
  return { sent: statNumber(text, 'Total bytes sent'), literal: statNumber(text, 'Literal data'), matched: statNumber(text, 'Matched data') }
}

/** Runs rsync with an overall deadline; failures become RSYNC_FAILED naming what and why. */
export async function runRsyncTimed(argv: string[], what: string, timeoutMs?: number, onStdout?: (text: string) => void): Promise<string> {
  return runRsync(argv, what, { ...(timeoutMs ? { timeoutMs } : {}), ...(onStdout ? { onStdout } : {}) })
}

export interface UploadOptions {
  /** Bytes per second on the wire (spoke.yaml upload.bwlimit, `spoke run --bwlimit`). */
  bwlimit?: number
  timeoutMs?: number
  /** When the run's time budget ends (epoch ms): rsync gets only the time left. */
  deadline?: number
}

/** rsync's --bwlimit is in KiB/s. Pure. */
export function bwlimitKiB(bytesPerSecond: number | undefined): number | undefined {
  return bytesPerSecond ? Math.max(1, Math.ceil(bytesPerSecond / 1024)) : undefined
}

/**
 * argv for one push (lib/rsync builds it: --partial, never a partial dir towards rrsync),
 * plus two flags. Pure.
 * - --ignore-times: never trust size+mtime against the basis (a same-size tar written in the
 *   same second would be skipped as "up to date"); always delta-check it.
 * - --stats: the figures that show what delta transfer saved.
 * With `keepCut: false` (the manifest) a cut transfer leaves nothing on the hub: a partial
 * manifest must never land where the hub looks for one.
 */
export function uploadArgs(t: SshTarget, file: string, generation: string, o: TransferOptions, keepCut = true): string[] {
  const argv = pushArgs(t, [file], `/${generation}`, o).filter(a => keepCut || a !== '--partial')
  return [argv[0]!, '--stats', '--ignore-times', ...argv.slice(1)]
}

/** The hub's delta basis for a generation: the last full's tar for a full, the last generation's for a diff or incr. Pure. */
export function basisFor(generation: string): string {
  return `/${BASIS_DIR}/${generationKind(generation) === 'full' ? BASIS_FULL : BASIS_LAST}`
}

/** The time an rsync call may take: the upload timeout, cut to what is left of the budget. */
function allowance(o: UploadOptions, what: string, generation: string): number | undefined {
  if (o.deadline === undefined) return o.timeoutMs
  const left = o.deadline - Date.now()
  if (left <= 0) throw budgetExceeded(generation, what)
  return Math.min(left, o.timeoutMs ?? left)
}

function budgetExceeded(generation: string, what: string, cause?: unknown): RoostError {
  return new RoostError('BUDGET_EXCEEDED', `the run's time budget ran out before ${what} was done; ${generation} is kept on this host and the next run resumes it`, {
    hint: 'nothing partial is accepted: the hub keeps the cut file and the next run sends only the rest (run without --time-budget, or give it more time)',
    detail: { generation },
    ...(cause ? { cause } : {}),
  })
}

/** The bytes done in the last of rsync's --info=progress2 lines in `text` (`  1,234,567  45% …`). Pure. */
export function progressBytes(text: string): number | undefined {
  const lines = text.split(/[\r\n]/).map(l => /^\s*([\d,]+)\s+\d+%/.exec(l)).filter(m => m !== null)
  const last = lines[lines.length - 1]
  return last ? Number(last[1]!.replace(/,/g, '')) : undefined
}

async function push(t: SshTarget, dir: string, file: string, generation: string, o: UploadOptions, x: TransferOptions, keepCut: boolean): Promise<TransferStats> {
  const what = `uploading ${generation}/${file}`
  const timeout = allowance(o, what, generation)
  // on a terminal, rsync reports progress (bytes through it) and the line shows it
  const tty = Boolean(process.stderr.isTTY)
  const shown = progress('upload')
  const size = tty ? (await fs.stat(join(dir, file)).catch(() => undefined))?.size : undefined
  const argv = uploadArgs(t, join(dir, file), generation, x, keepCut)
  try {
    const out = await runRsyncTimed(tty ? [argv[0]!, '--info=progress2', ...argv.slice(1)] : argv, what, timeout, tty ? text => {
      const done = progressBytes(text)
      if (done !== undefined) shown.update(file, done, size)
    } : undefined)
    return parseRsyncStats(out)
  } catch (err) {
    if (o.deadline !== undefined && Date.now() >= o.deadline - 50) throw budgetExceeded(generation, what, err)
    throw err
  } finally {
    shown.end()
  }
}

/**
 * Uploads a generation folder: data.tar into `/<generation>/` with the hub's tar of the last
 * full (for a full) or the last generation (diff, incr) as delta basis, then manifest.json in
 * a second call (the manifest arriving is what makes the upload count). A cut data.tar stays
 * on the hub and the next call resumes from it. Throws BUDGET_EXCEEDED when the deadline cuts it.
 * An encrypted generation's data.tar.zst.age goes without basis or wire compression: fresh
 * ciphertext matches nothing and does not compress (a cut one still resumes).
 */
export async function uploadGeneration(t: SshTarget, dir: string, generation: string, o: UploadOptions = {}): Promise<TransferStats & { archiveMs: number; manifestMs: number }> {
  const bw = bwlimitKiB(o.bwlimit)
  const common = bw ? { bwlimit: bw } : {}
  let start = Date.now()
  const encrypted = await fs.lstat(join(dir, ENCRYPTED_ARCHIVE)).then(st => st.isFile(), () => false)
  const data = encrypted
    ? await push(t, dir, ENCRYPTED_ARCHIVE, generation, o, { ...common, compress: false }, true)
    : await push(t, dir, ARCHIVE, generation, o, { ...common, basisDir: basisFor(generation) }, true)
  const archiveMs = Date.now() - start
  start = Date.now()
  const man = await push(t, dir, MANIFEST, generation, o, common, false)
  return { sent: data.sent + man.sent, literal: data.literal + man.literal, matched: data.matched + man.matched, archiveMs, manifestMs: Date.now() - start }
}

/**
 * True when rsync failed because the path is not on the hub (not because the hub is
 * unreachable): rsync's 23, or rrsync refusing a missing file or a missing store folder
 * (which rsync reports as 12, like a dropped connection, so its words decide).
 */
export function isMissing(err: unknown): boolean {
  if (!(err instanceof RoostError) || err.code !== 'RSYNC_FAILED') return false
  const code = err.detail?.exitCode
  return code === 23 || (code === 12 && /rrsync error: .*(No such file or directory|Restricted directory does not exist)/.test(err.hint ?? ''))
}

/** The hub's status.json for this service, or undefined when the hub has written none yet. */
export async function fetchStatus(t: SshTarget, tmpRoot: string): Promise<ServiceStatus | undefined> {
  const dir = await fs.mkdtemp(join(tmpRoot, '.status-'))
  try {
    await runRsyncTimed(pullArgs(t, [`/${STATUS}`], dir, { compress: false, ioTimeout: 60 }), `reading ${STATUS} from the hub`, 120_000)
    return parseServiceStatus(await fs.readFile(join(dir, STATUS), 'utf8'), `the hub's ${STATUS}`)
  } catch (err) {
    if (isMissing(err)) return undefined
    throw err
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

export type Verdict = { verdict: 'accepted' } | { verdict: 'rejected'; code: string; message: string } | { verdict: 'pending' }

/** What the hub's status says about one generation. Pure. */
export function judgeStatus(status: ServiceStatus | undefined, generation: string): Verdict {
  if (status?.last?.generation === generation) return { verdict: 'accepted' }
  if (status?.lastReject?.generation === generation) return { verdict: 'rejected', code: status.lastReject.code, message: status.lastReject.message }
  return { verdict: 'pending' }
}

/** Generation folder names in an `rsync --list-only` listing. Pure. */
export function parseListing(text: string): string[] {
  const out: string[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith('d')) continue
    const name = line.trim().split(/\s+/).pop() ?? ''
    if (GENERATION_RE.test(name)) out.push(name)
  }
  return out.sort()
}

/** The generations the hub holds in this service's store (empty when it has none yet). */
export async function listHubGenerations(t: SshTarget): Promise<string[]> {
  try {
    return parseListing(await runRsyncTimed(listArgs(t, '/'), 'listing the hub store', 120_000))
  } catch (err) {
    if (isMissing(err)) return []
    throw err
  }
}
