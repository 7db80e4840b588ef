/**
 * GNU tar's snapshot files (`--listed-incremental`), one per generation, kept in
 * `state/snapshots/<generation>.snar`. A generation is made with its own copy inside its
 * `.making-<generation>/` folder (fresh for a full, the base full's for a diff, the parent's
 * for an incr); tar updates the copy, and once the generation folder is in place the copy is
 * moved here (`adoptSnapshot`; a crash in between is finished by the next run).
 * `planSnapshotPrune` is pure.
 */
import { promises as fs, constants } from 'node:fs'
import { join } from 'node:path'
import { GENERATION_RE } from '../lib/formats/names.js'
import { ensureDir, fsyncPath } from '../lib/fsx/atomic.js'
import { SNAPSHOT } from '../lib/layout.js'
import { aheadOfClock, byRecency, type KindChoice } from './kind.js'
import type { LocalState } from './local.js'

const SUFFIX = '.snar'

/** Where the snapshot files live, beside `state/generations`. */
export function snapshotsDir(state: string): string {
  return join(state, 'snapshots')
}

/** The kept snapshot of a generation. */
export function snapshotPath(dir: string, generation: string): string {
  return join(dir, generation + SUFFIX)
}

/** The generations whose snapshot is kept. */
export async function listSnapshots(dir: string): Promise<Set<string>> {
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[]
    throw err
  })
  return new Set(names.filter(n => n.endsWith(SUFFIX)).map(n => n.slice(0, -SUFFIX.length)).filter(g => GENERATION_RE.test(g)))
}

/**
 * Puts the snapshot tar will update into the generation being made (`making/snapshot.snar`):
 * none for a full (tar starts a fresh one: level 0), a copy of the base's for a diff, of the
 * parent's for an incr. Returns its path. Never touches the kept snapshot itself.
 */
export async function prepareSnapshot(dir: string, choice: Pick<KindChoice, 'kind' | 'base' | 'parent'>, making: string): Promise<string> {
  const target = join(making, SNAPSHOT)
  const from = choice.kind === 'diff' ? choice.base : choice.kind === 'incr' ? choice.parent : null
  if (from) await fs.copyFile(snapshotPath(dir, from), target, constants.COPYFILE_EXCL)
  return target
}

/**
 * Moves a finished generation's snapshot (`<genDir>/snapshot.snar`) to the kept snapshots,
 * flushed first. Does nothing when there is none (already moved, or made without one).
 */
export async function adoptSnapshot(dir: string, genDir: string, generation: string): Promise<boolean> {
  const src = join(genDir, SNAPSHOT)
  if (!(await fs.lstat(src).then(s => s.isFile(), () => false))) return false
  await ensureDir(dir)
  await fsyncPath(src)
  await fs.rename(src, snapshotPath(dir, generation))
  await fsyncPath(dir)
  await fsyncPath(genDir)
  return true
}

export interface SnapshotEntry {
  generation: string
  reason: string
}

/**
 * Which kept snapshots something can still build on. Kept: the newest non-rejected full's
 * (a diff's base), the newest accepted generation's and any pending one's since that full
 * (an incr's parent, with a fallback if the pending one is rejected). Deleted: those older
 * than the newest full, rejected ones, and accepted ones superseded by a newer accepted one.
 * Generations dated ahead of `now` (the clock was set back) are left out of the reckoning and
 * their snapshots kept, so a clock set back does not make every run a full. Pure.
 */
export function planSnapshotPrune(gens: readonly { generation: string; kind: string; state: LocalState; hasSnapshot: boolean }[], now: Date): { keep: SnapshotEntry[]; delete: SnapshotEntry[] } {
  const newest = byRecency(gens, now).filter(g => !aheadOfClock(g.generation, now))
  const lastFull = newest.find(g => g.kind === 'full' && g.state !== 'rejected')?.generation
  const lastAccepted = newest.find(g => g.state === 'accepted' && (!lastFull || g.generation >= lastFull))?.generation
  const plan = { keep: [] as SnapshotEntry[], delete: [] as SnapshotEntry[] }
  for (const g of byRecency(gens, now).filter(x => x.hasSnapshot)) {
    const keep = (reason: string) => plan.keep.push({ generation: g.generation, reason })
    const drop = (reason: string) => plan.delete.push({ generation: g.generation, reason })
    if (aheadOfClock(g.generation, now)) keep("dated ahead of this host's clock: kept for when the clock is right again (nothing builds on it until then)")
    else if (lastFull && g.generation < lastFull) drop(`older than the newest full ${lastFull}`)
    else if (g.state === 'rejected') drop('rejected by the hub: nothing builds on it')
    else if (g.generation === lastFull) keep('the newest full: the base of the next diff')
    else if (g.state === 'pending') keep('pending: the parent of the next incr until the hub decides')
    else if (g.generation === lastAccepted) keep('the newest accepted generation: the parent of the next incr')
    else drop(`superseded by ${lastAccepted}`)
  }
  return plan
}

/** Deletes the snapshots the plan drops. */
export async function pruneSnapshots(dir: string, drop: readonly SnapshotEntry[]): Promise<void> {
  for (const d of drop) await fs.rm(snapshotPath(dir, d.generation), { force: true })
}
