/**
 * The attic: where generations the upstream has pruned wait out the mirror's `keep` grace
 * period (or stay forever with `keep: all`), still restorable. A sync that drops generations
 * moves them into `attic/<serial>/`, where <serial> is the index that still listed them, and
 * puts a copy of that signed index beside them: each attic folder is a store folder of its own
 * (`roost restore --from <root>/attic/<serial>`), trusted through the same index key. Links of
 * their chains that are still held elsewhere (the store, an older attic folder) are hard-linked
 * in, so every chain in an attic folder restores from it alone. Nothing in the attic is ever
 * served downstream or listed in the published index.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { GENERATION_RE } from '../lib/formats/names.js'
import { TREE_FILE, TREE_SIG_FILE, type SignedTree } from '../lib/formats/tree.js'
import { ensureDir, removeTree, writeFileAtomic } from '../lib/fsx/atomic.js'
import { genDir } from './store-ops.js'
import type { GenRef } from './plan-sync.js'

export const ATTIC_FILE = 'ATTIC.json'

export interface AtticRecord {
  /** The serial of the index in this folder (the last that listed its generations). */
  serial: number
  prunedAt: string
  /** 'svc/gen' moved here from the store. */
  generations: string[]
  /** 'svc/gen' hard-linked here because a chain needs them. */
  linked: string[]
}

export function atticDir(root: string): string {
  return join(root, 'attic')
}

/** Which attic folders are past `keep` at `now`. Pure. */
export function expiredAttic(records: readonly { dir: string; record: AtticRecord }[], keep: number | 'all', now: Date): string[] {
  if (keep === 'all') return []
  return records.filter(r => now.getTime() - Date.parse(r.record.prunedAt) >= keep).map(r => r.dir)
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false)
}

/** The base (diff) or parent (incr) a stored manifest names, if any. */
async function linkOf(dir: string): Promise<string | undefined> {
  try {
    const m = JSON.parse(await fs.readFile(join(dir, 'manifest.json'), 'utf8')) as { parent?: unknown; base?: unknown }
    const id = typeof m.parent === 'string' ? m.parent : typeof m.base === 'string' ? m.base : undefined
    return id && GENERATION_RE.test(id) ? id : undefined
  } catch {
    return undefined
  }
}

/** Hard-links a generation folder's files into `to` (read-only, as in the store). */
async function linkGeneration(from: string, to: string): Promise<void> {
  await ensureDir(to, 0o755)
  for (const name of await fs.readdir(from)) await fs.link(join(from, name), join(to, name))
  await fs.chmod(to, 0o555)
}

/** Every attic folder with its record (folders without a readable record are skipped). */
export async function listAttic(root: string): Promise<{ dir: string; record: AtticRecord }[]> {
  const base = atticDir(root)
  const out: { dir: string; record: AtticRecord }[] = []
  for (const e of await fs.readdir(base, { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory()) continue
    try {
      out.push({ dir: join(base, e.name), record: JSON.parse(await fs.readFile(join(base, e.name, ATTIC_FILE), 'utf8')) as AtticRecord })
    } catch {
      // an attic folder cut while it was made: the next expiry pass removes it once old enough
    }
  }
  return out.sort((a, b) => a.record.serial - b.record.serial)
}

/**
 * Moves pruned generations from the store into attic/<serial>/ with the signed index that
 * listed them, and links in the rest of their chains. Returns the folder.
 */
export async function keepPruned(root: string, store: string, published: SignedTree, serial: number, gens: readonly GenRef[], now: Date, log: Logger): Promise<string> {
  const dir = join(atticDir(root), String(serial))
  await ensureDir(atticDir(root), 0o755)
  await ensureDir(dir, 0o755)
  await writeFileAtomic(join(dir, TREE_SIG_FILE), published.signature, 0o444)
  await writeFileAtomic(join(dir, TREE_FILE), published.bytes, 0o444)
  const older = (await listAttic(root)).filter(a => a.dir !== dir)
  const moved: string[] = []
  const linked: string[] = []
  for (const g of gens) {
    await ensureDir(join(dir, g.service), 0o755)
    const to = genDir(dir, g)
    if (!(await exists(to))) await fs.rename(genDir(store, g), to)
    moved.push(`${g.service}/${g.generation}`)
  }
  // the rest of each chain, from wherever it is still held
  for (const g of gens) {
    let id = await linkOf(genDir(dir, g))
    while (id) {
      const link = { service: g.service, generation: id }
      const here = genDir(dir, link)
      if (!(await exists(here))) {
        const from = [genDir(store, link), ...older.map(a => genDir(a.dir, link))]
        let found: string | undefined
        for (const f of from) if (await exists(f)) found ??= f
        if (!found) break
        await linkGeneration(found, here)
        linked.push(`${g.service}/${id}`)
      }
      id = await linkOf(here)
    }
  }
  const record: AtticRecord = { serial, prunedAt: now.toISOString(), generations: moved, linked }
  await writeFileAtomic(join(dir, ATTIC_FILE), JSON.stringify(record, null, 2) + '\n', 0o644)
  log.info({ attic: dir, generations: moved, linked }, 'pruned generations kept in the attic')
  return dir
}

/** Removes attic folders past `keep`. Returns the folders removed. */
export async function expireAttic(root: string, keep: number | 'all', now: Date, log: Logger): Promise<string[]> {
  const gone = expiredAttic(await listAttic(root), keep, now)
  for (const dir of gone) {
    await removeTree(dir)
    log.info({ attic: dir }, 'attic folder past its keep period removed')
  }
  return gone
}
