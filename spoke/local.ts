/**
 * Generations kept on the spoke, under `state/generations/<generation>/` (data.tar,
 * manifest.json). A generation is made in `.making-<generation>/` and renamed into place
 * only once its manifest is written, so a folder named like a generation is always complete.
 * Its state is a marker beside the files: `.accepted` or `.rejected` (JSON); neither means
 * it still waits for the hub. `planLocalRetention` is pure.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { GENERATION_RE } from '../lib/formats/names.js'
import { writeFileAtomic } from '../lib/fsx/atomic.js'

export type LocalState = 'pending' | 'accepted' | 'rejected'

export interface LocalGeneration {
  generation: string
  state: LocalState
  dir: string
}

const ACCEPTED = '.accepted'
const REJECTED = '.rejected'
/** Prefix of a generation still being made (removed when a run finds it: it never left). */
export const MAKING_PREFIX = '.making-'

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false)
}

/** The local generations, oldest first. */
export async function listLocalGenerations(root: string): Promise<LocalGeneration[]> {
  const names = await fs.readdir(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[]
    throw err
  })
  const out: LocalGeneration[] = []
  for (const generation of names.filter(n => GENERATION_RE.test(n)).sort()) {
    const dir = join(root, generation)
    const state: LocalState = (await exists(join(dir, ACCEPTED))) ? 'accepted' : (await exists(join(dir, REJECTED))) ? 'rejected' : 'pending'
    out.push({ generation, state, dir })
  }
  return out
}

/** Records the hub's verdict on a local generation. */
export async function markGeneration(dir: string, verdict: 'accepted' | 'rejected', detail: Record<string, unknown>): Promise<void> {
  await writeFileAtomic(join(dir, verdict === 'accepted' ? ACCEPTED : REJECTED), JSON.stringify(detail) + '\n', 0o600)
}

/** Removes leftovers of runs that died while making a generation (never uploaded). */
export async function removeUnfinished(root: string): Promise<string[]> {
  const names = await fs.readdir(root).catch(() => [] as string[])
  const gone = names.filter(n => n.startsWith(MAKING_PREFIX))
  for (const n of gone) await fs.rm(join(root, n), { recursive: true, force: true })
  return gone
}

export interface RetentionEntry {
  generation: string
  reason: string
}

export interface LocalRetentionPlan {
  keep: RetentionEntry[]
  delete: RetentionEntry[]
}

/**
 * Which local generations to keep: the newest `keep` accepted ones. Older accepted ones are
 * deleted; a generation the hub has not accepted (pending or rejected) is never deleted. Pure.
 */
export function planLocalRetention(gens: readonly { generation: string; state: LocalState }[], keep: number): LocalRetentionPlan {
  const plan: LocalRetentionPlan = { keep: [], delete: [] }
  let accepted = 0
  for (const g of [...gens].sort((a, b) => (a.generation < b.generation ? 1 : -1))) {
    if (g.state !== 'accepted') {
      plan.keep.push({ generation: g.generation, reason: `${g.state}: not accepted by the hub` })
    } else if (accepted < keep) {
      accepted++
      plan.keep.push({ generation: g.generation, reason: `accepted, newest ${accepted} of ${keep} kept` })
    } else {
      plan.delete.push({ generation: g.generation, reason: `accepted, older than the newest ${keep}` })
    }
  }
  return plan
}
