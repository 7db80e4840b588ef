/**
 * Brings one generation from the upstream into the mirror's store: rsync into
 * staging/<svc>/<gen>/ (resumable), hash every file against the verified index, and only
 * then move it into the store. A file that does not match is deleted from staging (the next
 * sync fetches it again) and the sync fails naming it; it never enters the store.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { RoostError } from '../lib/errors.js'
import type { TreeGeneration } from '../lib/formats/tree.js'
import type { SshTarget } from '../lib/ssh-client.js'
import { pullArgs, runRsync } from '../lib/rsync.js'
import { ensureDir } from '../lib/fsx/atomic.js'
import { PARTIAL_DIR } from '../lib/layout.js'
import { checkFiles, describeProblems } from '../lib/stores/check-files.js'
import { genDir, installGeneration } from './store-ops.js'
import type { GenRef } from './plan-sync.js'

/** rsync's in-flight temp file for `name`: `.name.XXXXXX`. Pure. */
export function tempFileOf(entry: string, names: ReadonlySet<string>): string | undefined {
  const m = /^\.(.+)\.[A-Za-z0-9]{6}$/.exec(entry)
  return m && names.has(m[1]!) ? m[1] : undefined
}

/**
 * rsync keeps a cut file in the partial dir only when it is stopped by a signal it can
 * catch; a SIGKILL leaves its temp file `.name.XXXXXX` instead. Moving the largest such
 * file into the partial dir makes the next transfer resume from it (it becomes the delta
 * basis) rather than start over.
 */
export async function adoptPartials(dir: string, names: ReadonlySet<string>): Promise<void> {
  const entries = await fs.readdir(dir).catch(() => [] as string[])
  for (const entry of entries) {
    const name = tempFileOf(entry, names)
    if (!name) continue
    const from = join(dir, entry)
    const to = join(dir, PARTIAL_DIR, name)
    const [a, b] = await Promise.all([fs.lstat(from), fs.lstat(to).catch(() => undefined)])
    if (a.isFile() && (!b || a.size > b.size)) {
      await ensureDir(join(dir, PARTIAL_DIR))
      await fs.rename(from, to)
    } else {
      await fs.rm(from, { force: true })
    }
  }
}

/** Removes everything in a staged generation that the index does not list. */
async function pruneExtras(dir: string, names: ReadonlySet<string>): Promise<void> {
  for (const entry of await fs.readdir(dir)) if (!names.has(entry)) await fs.rm(join(dir, entry), { recursive: true, force: true })
}

export interface FetchContext {
  target: SshTarget
  staging: string
  store: string
  log: Logger
  /** Bytes per second for rsync (mirror.yaml limits.bandwidth). */
  bandwidth?: number
  /** Aborts a transfer (the end of the allowed hours). */
  signal?: AbortSignal
}

/**
 * Fetches one generation into staging/<svc>/<gen>/ (resuming a cut transfer) and checks every
 * file against the index. Throws HASH_MISMATCH (exit 3) naming bad files, which are deleted.
 */
export async function stageGeneration(c: FetchContext, g: GenRef, entry: TreeGeneration): Promise<void> {
  const dir = genDir(c.staging, g)
  const names = new Set(Object.keys(entry.files))
  await ensureDir(join(c.staging, g.service))
  await ensureDir(dir)
  await adoptPartials(dir, names)
  await runRsync(pullArgs(c.target, [`/${g.service}/${g.generation}/`], dir, { compress: false, ...(c.bandwidth ? { bwlimit: Math.max(1, Math.floor(c.bandwidth / 1024)) } : {}) }), `fetching ${g.service}/${g.generation}`, c.signal ? { signal: c.signal } : {})
  await pruneExtras(dir, names)
  const problems = await checkFiles(dir, entry.files)
  if (problems.length) {
    for (const p of problems) await fs.rm(p.path, { force: true })
    throw new RoostError('HASH_MISMATCH', `${g.service}/${g.generation} from the upstream does not match its signed index:\n${describeProblems(problems)}`, {
      hint: 'the bad files were deleted from staging and nothing entered the store; the next sync fetches them again',
      detail: { files: problems.map(p => p.path) },
    })
  }
}

/** Fetches, verifies and installs one generation in the store folder. */
export async function fetchGeneration(c: FetchContext, g: GenRef, entry: TreeGeneration): Promise<void> {
  const t0 = Date.now()
  await stageGeneration(c, g, entry)
  await installGeneration(c.staging, c.store, g)
  const bytes = Object.values(entry.files).reduce((n, f) => n + f.bytes, 0)
  c.log.info({ service: g.service, generation: g.generation, bytes, ms: Date.now() - t0 }, 'generation verified and stored')
}
