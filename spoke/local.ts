/**
 * Generations kept on the spoke, under `state/generations/<generation>/` (data.tar,
 * manifest.json). A generation is made in `.making-<generation>/` and renamed into place
 * only once its manifest is written, so a folder named like a generation is always complete.
 * Its state is a marker beside the files: `.accepted` or `.rejected` (JSON); neither means
 * it still waits for the hub. Once accepted, data.tar is compressed to data.tar.zst
 * (`compressLocal`). `planLocalRetention` is pure.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { GENERATION_RE, generationKind } from '../lib/formats/names.js'
import { fsyncPath, readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'
import { closure, type ChainLink } from '../lib/formats/chain.js'
import { parseManifest } from '../lib/formats/manifest.js'
import { ACCEPTED_MARK, ARCHIVE, MANIFEST, REJECTED_MARK, STORED_ARCHIVE } from '../lib/layout.js'
import { startChild } from '../lib/proc/pipe.js'
import { compressArgs } from '../lib/zstd.js'
import { byRecency } from './kind.js'

export type LocalState = 'pending' | 'accepted' | 'rejected'

export interface LocalGeneration {
  generation: string
  state: LocalState
  dir: string
}

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
    const state: LocalState = (await exists(join(dir, ACCEPTED_MARK))) ? 'accepted' : (await exists(join(dir, REJECTED_MARK))) ? 'rejected' : 'pending'
    out.push({ generation, state, dir })
  }
  return out
}

/** Records the hub's verdict on a local generation. */
export async function markGeneration(dir: string, verdict: 'accepted' | 'rejected', detail: Record<string, unknown>): Promise<void> {
  await writeFileAtomic(join(dir, verdict === 'accepted' ? ACCEPTED_MARK : REJECTED_MARK), JSON.stringify(detail) + '\n', 0o600)
}

/** Removes leftovers of runs that died while making a generation (never uploaded). */
export async function removeUnfinished(root: string): Promise<string[]> {
  const names = await fs.readdir(root).catch(() => [] as string[])
  const gone = names.filter(n => n.startsWith(MAKING_PREFIX))
  for (const n of gone) await fs.rm(join(root, n), { recursive: true, force: true })
  return gone
}

/** A local generation with what its manifest says it builds on, and its label. */
export interface LocalLink extends ChainLink {
  state: LocalState
  dir: string
  label?: string
}

/**
 * Reads base, parent and label from each generation's manifest. A manifest that cannot be
 * read leaves only the kind (from the id): its chain is then unknown, never guessed.
 */
export async function readLocalLinks(gens: readonly LocalGeneration[]): Promise<LocalLink[]> {
  const out: LocalLink[] = []
  for (const g of gens) {
    const link: LocalLink = { generation: g.generation, kind: generationKind(g.generation), state: g.state, dir: g.dir }
    try {
      const text = await readIfExists(join(g.dir, MANIFEST))
      if (text) {
        const m = parseManifest(text, join(g.dir, MANIFEST))
        Object.assign(link, { base: m.base, parent: m.parent }, m.label ? { label: m.label } : {})
      }
    } catch {
      // an unreadable manifest: the chain stays unknown
    }
    out.push(link)
  }
  return out
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
 * Which local generations to keep: the newest `keep` accepted ones, and every generation
 * their chains need (a diff's full, an incr's parents back to the full). Other accepted ones
 * are deleted; a generation the hub has not accepted (pending or rejected) is never deleted.
 * "Newest" as byRecency says: one dated ahead of `now` counts as older than the rest. Pure; newest first.
 */
export function planLocalRetention(gens: readonly (ChainLink & { state: LocalState })[], keep: number, now: Date): LocalRetentionPlan {
  const plan: LocalRetentionPlan = { keep: [], delete: [] }
  const newest = byRecency(gens, now)
  const byId = new Map(newest.map(g => [g.generation, g]))
  const kept = newest.filter(g => g.state === 'accepted').slice(0, Math.max(0, keep))
  const neededBy = new Map<string, string>()
  for (const k of kept) {
    for (const id of closure([k.generation], x => byId.get(x))) if (!neededBy.has(id)) neededBy.set(id, k.generation)
  }
  for (const g of newest) {
    const rank = kept.indexOf(g)
    if (g.state !== 'accepted') plan.keep.push({ generation: g.generation, reason: `${g.state}: not accepted by the hub` })
    else if (rank >= 0) plan.keep.push({ generation: g.generation, reason: `accepted, newest ${rank + 1} of ${keep} kept` })
    else if (neededBy.has(g.generation)) plan.keep.push({ generation: g.generation, reason: `accepted, in the chain of ${neededBy.get(g.generation)}` })
    else plan.delete.push({ generation: g.generation, reason: `accepted, older than the newest ${keep} and in no kept chain` })
  }
  return plan
}

/**
 * Compresses an accepted generation's data.tar to data.tar.zst (streamed through zstd into a
 * temp name, flushed, renamed), then deletes data.tar. A crash before the rename leaves only
 * data.tar (the temp is redone); after it, both: the complete .zst is kept and data.tar goes.
 * Returns what it did.
 */
export async function compressLocal(dir: string): Promise<'compressed' | 'finished' | 'none'> {
  const tar = join(dir, ARCHIVE)
  const zst = join(dir, STORED_ARCHIVE)
  if (!(await exists(tar))) return 'none'
  let how: 'compressed' | 'finished' = 'finished'
  if (!(await exists(zst))) {
    const tmp = join(dir, `.${STORED_ARCHIVE}.tmp`)
    await fs.rm(tmp, { force: true })
    const z = startChild(compressArgs(), { stdout: createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), code: 'ZSTD_FAILED', what: `zstd compressing ${tar}` })
    try {
      await Promise.all([pipeline(createReadStream(tar), z.stdin!), z.done])
    } catch (err) {
      z.kill()
      await z.done.catch(() => {})
      await fs.rm(tmp, { force: true })
      throw err
    }
    await fsyncPath(tmp)
    await fs.rename(tmp, zst)
    await fsyncPath(dir)
    how = 'compressed'
  }
  await fs.rm(tar)
  await fsyncPath(dir)
  return how
}
