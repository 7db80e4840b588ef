/**
 * One backup cycle (`roost spoke run`): lock; finish earlier generations; pre hooks; tar
 * streamed, hashed and counted in one pass; post hooks (always); signed manifest; upload
 * (data first, manifest last); the hub's verdict; local retention; unlock. One log line a
 * step; any failure throws a RoostError (non-zero exit) after the post hooks have run.
 */
import { promises as fs } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { loadSpokeConfig, type SpokeConfig, type SpokePaths } from '../lib/config/spoke.js'
import { ensureDir, renameNoReplace } from '../lib/fsx/atomic.js'
import { generationId, type Kind } from '../lib/formats/names.js'
import { readPrivateKey, type PrivateKey } from '../lib/sign.js'
import { RoostError } from '../lib/errors.js'
import { acquireLock } from './lock.js'
import { hookFailures, planHooks, runHooks, type HookRun } from './hooks.js'
import { makeArchive, type ArchiveResult } from './archive.js'
import { buildManifest, roostVersion, writeManifest } from './manifest.js'
import { MAKING_PREFIX, listLocalGenerations, planLocalRetention, removeUnfinished, type LocalGeneration } from './local.js'
import { prepareTarget } from './upload.js'
import { deliver, resumePending, type DeliverOptions, type Resumed } from './deliver.js'

export interface CycleOptions {
  configFile: string
  kind: Kind
  /** How long to wait for the hub's verdict (ms). */
  verdictTimeoutMs: number
  now: () => Date
  log: Logger
}

export interface CycleResult {
  service: string
  generation: string
  kind: Kind
  bytes: number
  entries: number
  sha256: string
  /** tar's exit status (1: some files changed while read). */
  tarExit: number
  /** rsync's "Total bytes sent" for this generation (data.tar + manifest). */
  sent: number
  literal: number
  matched: number
  hooks: HookRun[]
  resumed: Resumed[]
  deleted: string[]
  /** Milliseconds per step. */
  ms: Record<string, number>
}

interface Cycle {
  o: CycleOptions
  config: SpokeConfig
  paths: SpokePaths
  key: PrivateKey
  ms: Record<string, number>
}

async function timed<T>(c: Cycle, step: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now()
  try {
    return await fn()
  } finally {
    c.ms[step] = Date.now() - start
  }
}

/** Runs one cycle under the service's lock. */
export async function runCycle(o: CycleOptions): Promise<CycleResult> {
  if (o.kind !== 'full') throw new RoostError('USAGE', `--kind ${o.kind} is not supported yet; only full generations are made`)
  const start = Date.now()
  const { config, paths } = await loadSpokeConfig(o.configFile)
  await ensureDir(paths.state)
  await ensureDir(paths.generations)
  const lock = await acquireLock(paths.lock)
  o.log.info({ service: config.service, lock: paths.lock, ...(lock.tookOver ? { tookOver: lock.tookOver } : {}) }, 'lock taken')
  try {
    const key = await readPrivateKey(paths.key)
    const c: Cycle = { o, config, paths, key, ms: { lock: Date.now() - start } }
    const r = await cycle(c)
    c.ms.total = Date.now() - start
    return r
  } finally {
    await lock.release()
  }
}

async function cycle(c: Cycle): Promise<CycleResult> {
  const { config, paths, o } = c
  const leftovers = await removeUnfinished(paths.generations)
  if (leftovers.length) o.log.warn({ removed: leftovers }, 'removed generations an earlier run did not finish making')
  const target = await prepareTarget(config, paths)
  const dopts: DeliverOptions = { verdictTimeoutMs: o.verdictTimeoutMs, tmpRoot: paths.state, timeoutMs: config.upload.timeout, ...(config.upload.bwlimit ? { bwlimit: config.upload.bwlimit } : {}) }
  const pending = (await listLocalGenerations(paths.generations)).filter(g => g.state === 'pending')
  const resumed = await timed(c, 'resume', () => resumePending(target, pending, dopts, o.log))
  if (pending.length) o.log.info({ pending: pending.length, resumed: resumed.length }, 'earlier generations finished')
  const made = await makeGeneration(c, await freshGenerationId(c))
  const d = await deliver(target, made.gen, dopts, o.log)
  c.ms.upload = d.uploadMs
  c.ms.verdict = d.verdictMs
  const deleted = await timed(c, 'retention', () => applyRetention(c))
  if (made.postFailure) {
    throw new RoostError('HOOK_FAILED', `${made.gen.generation} was accepted by the hub, but ${made.postFailure}`, { detail: { generation: made.gen.generation } })
  }
  return {
    service: config.service,
    generation: made.gen.generation,
    kind: o.kind,
    bytes: made.archive.bytes,
    entries: made.archive.counts.entries,
    sha256: made.archive.sha256,
    tarExit: made.archive.tarExit,
    ...d.stats,
    hooks: made.hooks,
    resumed,
    deleted,
    ms: c.ms,
  }
}

/** A generation id newer than every local one (waits out the second if it must). */
async function freshGenerationId(c: Cycle): Promise<string> {
  const newest = (await listLocalGenerations(c.paths.generations)).at(-1)?.generation ?? ''
  for (let i = 0; ; i++) {
    const id = generationId(c.o.now(), c.o.kind)
    if (id > newest || i >= 3) return id
    await new Promise(r => setTimeout(r, 1000 - (c.o.now().getTime() % 1000) + 5))
  }
}

interface Made {
  gen: LocalGeneration
  archive: ArchiveResult
  hooks: HookRun[]
  postFailure?: string
}

/**
 * Pre hooks, the archive, post hooks (always), the signed manifest; then the folder is
 * renamed into place. On any failure nothing is left behind.
 */
async function makeGeneration(c: Cycle, generation: string): Promise<Made> {
  const { config, paths, o } = c
  const making = join(paths.generations, MAKING_PREFIX + generation)
  const ctx = { service: config.service, generation }
  let archive: ArchiveResult | undefined
  let failure: unknown
  try {
    await ensureDir(making)
    const pre = await timed(c, 'pre', () => runHooks(planHooks(config.hooks.pre, 'pre', ctx), o.log))
    if (pre.length) o.log.info({ generation, hooks: pre.length, ms: c.ms.pre }, 'pre hooks done')
    const preFailure = hookFailures(pre)
    if (preFailure) failure = new RoostError('HOOK_FAILED', `${preFailure}; no generation was made`)
    else {
      try {
        archive = await timed(c, 'archive', () => makeArchive({ sources: config.sources, excludes: config.excludes, dir: making }, o.log))
        o.log.info({ generation, bytes: archive.bytes, entries: archive.counts.entries, sha256: archive.sha256, ms: archive.ms }, 'archive written')
      } catch (err) {
        failure = err // post hooks run first; then it is thrown
      }
    }
    const post = await runPost(c, ctx, failure)
    const hooks = [...pre, ...post.runs]
    if (failure || !archive) throw failure
    const facts = { ...ctx, kind: o.kind, base: null, parent: null, created: o.now(), host: hostname(), roostVersion: roostVersion(), hooks, archive, counts: archive.counts }
    await timed(c, 'manifest', () => writeManifest(making, buildManifest({ ...facts, sources: config.sources, excludes: config.excludes }), c.key))
    o.log.info({ generation, ms: c.ms.manifest }, 'manifest signed')
    const dir = join(paths.generations, generation)
    await renameNoReplace(making, dir)
    return { gen: { generation, state: 'pending', dir }, archive: { ...archive, path: join(dir, 'data.tar') }, hooks, ...(post.failure ? { postFailure: post.failure } : {}) }
  } catch (err) {
    await fs.rm(making, { recursive: true, force: true })
    throw err
  }
}

/** Post hooks: always run; a failure after an earlier failure is folded into its message. */
async function runPost(c: Cycle, ctx: { service: string; generation: string }, failure: unknown): Promise<{ runs: HookRun[]; failure?: string }> {
  const runs = await timed(c, 'post', () => runHooks(planHooks(c.config.hooks.post, 'post', { ...ctx, result: failure ? 'failed' : 'ok' }), c.o.log))
  if (runs.length) c.o.log.info({ generation: ctx.generation, hooks: runs.length, ms: c.ms.post }, 'post hooks done')
  const postFailure = hookFailures(runs)
  if (postFailure && failure instanceof RoostError) {
    throw new RoostError(failure.code, `${failure.message}; also ${postFailure}`, { cause: failure, ...(failure.hint ? { hint: failure.hint } : {}) })
  }
  return { runs, ...(postFailure ? { failure: postFailure } : {}) }
}

/** Deletes accepted local generations older than the newest `keepLocal`. */
async function applyRetention(c: Cycle): Promise<string[]> {
  const plan = planLocalRetention(await listLocalGenerations(c.paths.generations), c.config.keepLocal)
  for (const d of plan.delete) await fs.rm(join(c.paths.generations, d.generation), { recursive: true, force: true })
  c.o.log.info({ kept: plan.keep.map(k => k.generation), deleted: plan.delete.map(d => d.generation) }, 'local retention')
  return plan.delete.map(d => d.generation)
}

