/**
 * Making one generation on the spoke: pre hooks, tar (with its own copy of tar's snapshot:
 * fresh for a full, the base's or parent's for a diff or incr), post hooks (always), the
 * signed manifest; then `.making-<gen>/` is renamed into place and its snapshot moved to the
 * kept snapshots. On any failure nothing is left behind.
 */
import { promises as fs } from 'node:fs'
import { hostname } from 'node:os'
import { basename, join } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { SpokeConfig, SpokePaths } from '../lib/config/spoke.js'
import type { PrivateKey } from '../lib/sign.js'
import { ensureDir, renameNoReplace } from '../lib/fsx/atomic.js'
import { GENERATION_RE, generationId, generationTime } from '../lib/formats/names.js'
import { RoostError } from '../lib/errors.js'
import { hookFailures, planHooks, runHooks, type HookRun } from '../lib/hooks.js'
import { makeArchive, type ArchiveResult } from './archive.js'
import { buildManifest, roostVersion, writeManifest } from './manifest.js'
import { MAKING_PREFIX, type LocalGeneration } from './local.js'
import { adoptSnapshot, prepareSnapshot, snapshotsDir } from './snapshots.js'
import type { KindChoice } from './kind.js'

/** What making a generation needs from the run. */
export interface MakeContext {
  o: { now: () => Date; log: Logger; label?: string | undefined }
  config: SpokeConfig
  paths: SpokePaths
  key: PrivateKey
  /** Milliseconds per step (filled in). */
  ms: Record<string, number>
}

/** Runs `fn`, recording how long it took under `step`. */
export async function timed<T>(c: { ms: Record<string, number> }, step: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now()
  try {
    return await fn()
  } finally {
    c.ms[step] = Date.now() - start
  }
}

/** A generation id of this kind newer than `newest` (waits out the second if it must). */
export async function freshGenerationId(now: () => Date, kind: KindChoice['kind'], newest: string): Promise<string> {
  for (let i = 0; ; i++) {
    const id = generationId(now(), kind)
    // waiting helps only when the newest is dated within a second or two ahead (a clock that went back further: chooseKind made a full)
    if (id.slice(0, 16) > newest.slice(0, 16) || i >= 3 || !GENERATION_RE.test(newest) || generationTime(newest).getTime() - now().getTime() > 5_000) return id
    await new Promise(r => setTimeout(r, 1000 - (now().getTime() % 1000) + 5))
  }
}

export interface Made {
  gen: LocalGeneration
  archive: ArchiveResult
  hooks: HookRun[]
  postFailure?: string
}

/** Makes the generation `generation` as `choice` says; returns it pending, in place. */
export async function makeGeneration(c: MakeContext, generation: string, choice: KindChoice): Promise<Made> {
  const { config, paths, o } = c
  const making = join(paths.generations, MAKING_PREFIX + generation)
  const ctx = { service: config.service, generation, kind: choice.kind }
  let archive: ArchiveResult | undefined
  let failure: unknown
  try {
    await ensureDir(making)
    const recipients = config.encrypt ? { recipients: config.encrypt.recipients } : {}
    const snapshot = await prepareSnapshot(snapshotsDir(paths.state), choice, making)
    const pre = await timed(c, 'pre', () => runHooks(planHooks(config.hooks.pre, 'pre', ctx), o.log))
    if (pre.length) o.log.info({ generation, hooks: pre.length, ms: c.ms.pre }, 'pre hooks done')
    const preFailure = hookFailures(pre)
    if (preFailure) failure = new RoostError('HOOK_FAILED', `${preFailure}; no generation was made`)
    else {
      try {
        archive = await timed(c, 'archive', () => makeArchive({ sources: config.sources, excludes: config.excludes, dir: making, snapshot, ...recipients }, o.log))
        o.log.info({ generation, kind: choice.kind, bytes: archive.bytes, entries: archive.counts.entries, sha256: archive.sha256, ms: archive.ms }, 'archive written')
      } catch (err) {
        failure = err // post hooks run first; then it is thrown
      }
    }
    const post = await runPost(c, ctx, failure)
    const hooks = [...pre, ...post.runs]
    if (failure || !archive) throw failure
    const facts = { service: ctx.service, generation, kind: choice.kind, base: choice.base, parent: choice.parent, created: o.now(), host: hostname(), roostVersion: roostVersion(), hooks, archive, counts: archive.counts, ...recipients }
    const label = o.label ? { label: o.label } : {}
    await timed(c, 'manifest', () => writeManifest(making, buildManifest({ ...facts, ...label, sources: config.sources, excludes: config.excludes }), c.key))
    o.log.info({ generation, ms: c.ms.manifest }, 'manifest signed')
    const dir = join(paths.generations, generation)
    await renameNoReplace(making, dir)
    await adoptSnapshot(snapshotsDir(paths.state), dir, generation)
    return { gen: { generation, state: 'pending', dir }, archive: { ...archive, path: join(dir, basename(archive.path)) }, hooks, ...(post.failure ? { postFailure: post.failure } : {}) }
  } catch (err) {
    await fs.rm(making, { recursive: true, force: true })
    throw err
  }
}

/** Post hooks: always run; a failure after an earlier failure is folded into its message. */
async function runPost(c: MakeContext, ctx: { service: string; generation: string; kind: string }, failure: unknown): Promise<{ runs: HookRun[]; failure?: string }> {
  const runs = await timed(c, 'post', () => runHooks(planHooks(c.config.hooks.post, 'post', { ...ctx, result: failure ? 'failed' : 'ok' }), c.o.log))
  if (runs.length) c.o.log.info({ generation: ctx.generation, hooks: runs.length, ms: c.ms.post }, 'post hooks done')
  const postFailure = hookFailures(runs)
  if (postFailure && failure instanceof RoostError) {
    throw new RoostError(failure.code, `${failure.message}; also ${postFailure}`, { cause: failure, ...(failure.hint ? { hint: failure.hint } : {}) })
  }
  return { runs, ...(postFailure ? { failure: postFailure } : {}) }
}
