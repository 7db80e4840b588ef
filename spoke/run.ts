/**
 * One backup cycle (`roost spoke run`): lock; finish earlier generations; read the hub's
 * status.json and choose the kind (full, diff, incr); make the generation (spoke/make.ts);
 * upload (data first, manifest last) within the run's time budget; the hub's verdict; local
 * retention (chains kept whole), snapshot pruning and compression of accepted copies;
 * unlock. One log line a step; any failure throws a RoostError (non-zero exit).
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { loadSpokeConfig } from '../lib/config/spoke.js'
import { ensureDir } from '../lib/fsx/atomic.js'
import type { Kind } from '../lib/formats/names.js'
import type { SshTarget } from '../lib/ssh-client.js'
import { readPrivateKey } from '../lib/sign.js'
import { RoostError } from '../lib/errors.js'
import { acquireLock } from './lock.js'
import type { HookRun } from '../lib/hooks.js'
import { compressLocal, listLocalGenerations, planLocalRetention, readLocalLinks, removeUnfinished } from './local.js'
import { fetchStatus, prepareTarget } from './upload.js'
import { deliver, resumePending, type DeliverOptions, type Resumed } from './deliver.js'
import { chooseKind, kindHistory, type KindChoice } from './kind.js'
import { adoptSnapshot, listSnapshots, planSnapshotPrune, pruneSnapshots, snapshotsDir } from './snapshots.js'
import { freshGenerationId, makeGeneration, timed, type MakeContext } from './make.js'

export interface CycleOptions {
  configFile: string
  /** `--kind`: overrides the policy (never the hub's demand for a full). */
  kind?: Kind | undefined
  /** `--label`: a tag in the manifest (already checked against LABEL_RE). */
  label?: string | undefined
  /** `--bwlimit` in bytes per second (overrides upload.bwlimit). */
  bwlimit?: number | undefined
  /** `--time-budget` in ms (overrides upload.budget): the deadline, from the run's start, for its uploads. */
  timeBudgetMs?: number | undefined
  /** How long to wait for the hub's verdict (ms). */
  verdictTimeoutMs: number
  now: () => Date
  log: Logger
}

export interface CycleResult {
  service: string
  generation: string
  kind: Kind
  /** The full a diff builds on. */
  base: string | null
  /** The generation an incr builds on. */
  parent: string | null
  /** Why this kind was made. */
  reason: string
  label?: string
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

interface Cycle extends MakeContext {
  o: CycleOptions
  deadline?: number
}

/** Runs one cycle under the service's lock. */
export async function runCycle(o: CycleOptions): Promise<CycleResult> {
  const start = Date.now()
  const { config, paths } = await loadSpokeConfig(o.configFile)
  const budget = o.timeBudgetMs ?? config.upload.budget
  await ensureDir(paths.state)
  await ensureDir(paths.generations)
  const lock = await acquireLock(paths.lock)
  o.log.info({ service: config.service, lock: paths.lock, ...(lock.tookOver ? { tookOver: lock.tookOver } : {}), ...(budget ? { budgetMs: budget } : {}) }, 'lock taken')
  try {
    const key = await readPrivateKey(paths.key)
    const c: Cycle = { o, config, paths, key, ms: { lock: Date.now() - start }, ...(budget ? { deadline: start + budget } : {}) }
    const r = await cycle(c)
    c.ms.total = Date.now() - start
    return r
  } finally {
    await lock.release()
  }
}

async function cycle(c: Cycle): Promise<CycleResult> {
  const { config, paths, o } = c
  await tidy(c)
  const target = await prepareTarget(config, paths)
  const bwlimit = o.bwlimit ?? config.upload.bwlimit
  const dopts: DeliverOptions = { verdictTimeoutMs: o.verdictTimeoutMs, tmpRoot: paths.state, timeoutMs: config.upload.timeout, ...(bwlimit ? { bwlimit } : {}), ...(c.deadline ? { deadline: c.deadline } : {}) }
  const pending = (await listLocalGenerations(paths.generations)).filter(g => g.state === 'pending')
  const resumed = await timed(c, 'resume', () => resumePending(target, pending, dopts, o.log))
  if (pending.length) o.log.info({ pending: pending.length, resumed: resumed.length }, 'earlier generations finished')
  const { choice, newest } = await decide(c, target)
  const made = await makeGeneration(c, await freshGenerationId(o.now, choice.kind, newest), choice)
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
    kind: choice.kind,
    base: choice.base,
    parent: choice.parent,
    reason: choice.reason,
    ...(o.label ? { label: o.label } : {}),
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

/** Removes what an earlier run left half-made, and finishes moving snapshots a crash left behind. */
async function tidy(c: Cycle): Promise<void> {
  const leftovers = await removeUnfinished(c.paths.generations)
  if (leftovers.length) c.o.log.warn({ removed: leftovers }, 'removed generations an earlier run did not finish making')
  for (const g of await listLocalGenerations(c.paths.generations)) {
    if (await adoptSnapshot(snapshotsDir(c.paths.state), g.dir, g.generation)) c.o.log.warn({ generation: g.generation }, 'kept the snapshot an earlier run left in its generation folder')
  }
}

/** Reads the hub's status.json (the run fails when the hub cannot be reached) and chooses the kind. */
async function decide(c: Cycle, target: SshTarget): Promise<{ choice: KindChoice; newest: string }> {
  const status = await timed(c, 'status', () => fetchStatus(target, c.paths.state)).catch((err: unknown) => {
    if (!(err instanceof RoostError)) throw err
    throw new RoostError('HUB_UNREACHABLE', `cannot read this service's status from the hub: ${err.message}; no generation was made`, { cause: err, ...(err.hint ? { hint: err.hint } : {}) })
  })
  const history = kindHistory(await listLocalGenerations(c.paths.generations), await listSnapshots(snapshotsDir(c.paths.state)))
  const choice = chooseKind({ requested: c.o.kind, policy: c.config.generations, history, hubWantsFull: status?.wantFull ?? false, now: c.o.now() })
  const fields = { kind: choice.kind, base: choice.base, parent: choice.parent, reason: choice.reason }
  if (choice.overridden) c.o.log.warn(fields, `--kind ${choice.overridden} cannot be made; making a full`)
  else c.o.log.info(fields, 'kind chosen')
  return { choice, newest: history.at(-1)?.generation ?? '' }
}

/**
 * Local retention: deletes accepted generations older than the newest `keepLocal` unless a
 * kept one's chain needs them; prunes snapshots nothing can build on; compresses the
 * accepted copies that are still plain tars.
 */
async function applyRetention(c: Cycle): Promise<string[]> {
  const { paths, o } = c
  const links = await readLocalLinks(await listLocalGenerations(paths.generations))
  const plan = planLocalRetention(links, c.config.keepLocal, c.o.now())
  for (const d of plan.delete) await fs.rm(join(paths.generations, d.generation), { recursive: true, force: true })
  o.log.info({ kept: plan.keep.map(k => k.generation), deleted: plan.delete.map(d => d.generation) }, 'local retention')
  const gone = new Set(plan.delete.map(d => d.generation))
  const left = links.filter(l => !gone.has(l.generation))
  const snaps = snapshotsDir(paths.state)
  const prune = planSnapshotPrune(kindHistory(left, await listSnapshots(snaps)), c.o.now())
  await pruneSnapshots(snaps, prune.delete)
  if (prune.delete.length) o.log.info({ kept: prune.keep.map(k => k.generation), deleted: prune.delete.map(d => d.generation) }, 'snapshots pruned')
  for (const l of left.filter(x => x.state === 'accepted')) {
    const how = await compressLocal(l.dir)
    if (how !== 'none') o.log.info({ generation: l.generation, how }, 'local copy compressed')
  }
  return plan.delete.map(d => d.generation)
}
