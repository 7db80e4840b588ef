/**
 * Compares a restored folder with the effective state of its chain (what the archives'
 * headers say it must hold): every entry present with the same type, size, permission bits,
 * mtime (to the microsecond, as compare-trees), symlink target and hardlink partner, and
 * nothing extra besides the folders tar makes as parents. Reads metadata only: the content
 * was already checked against the signed tar hash while it was extracted.
 */
import { promises as fs, type BigIntStats } from 'node:fs'
import { join } from 'node:path'
import type { TreeDifference } from '../fsx/compare-trees.js'
import type { ChainState, StateEntry } from './chain-state.js'

export type { TreeDifference }

interface Seen {
  st: BigIntStats
  link?: string
}

function fsType(st: BigIntStats): string {
  if (st.isFile()) return 'file'
  if (st.isDirectory()) return 'dir'
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFIFO()) return 'fifo'
  if (st.isCharacterDevice()) return 'char'
  if (st.isBlockDevice()) return 'block'
  return 'other'
}

function wantType(e: StateEntry): string {
  return e.type === 'hardlink' ? 'file' : e.type
}

async function walk(root: string, rel: string, out: Map<string, Seen>): Promise<void> {
  const abs = rel ? join(root, rel) : root
  for (const name of (await fs.readdir(abs)).sort()) {
    const r = rel ? `${rel}/${name}` : name
    const st = await fs.lstat(join(root, r), { bigint: true })
    out.set(r, st.isSymbolicLink() ? { st, link: await fs.readlink(join(root, r)) } : { st })
    if (st.isDirectory()) await walk(root, r, out)
  }
}

/** What differs between one expected entry and what is on disk (undefined when they match). */
function differs(e: StateEntry, seen: Seen | undefined, all: Map<string, Seen>, owners: boolean): string | undefined {
  if (!seen) return 'missing'
  const { st } = seen
  if (fsType(st) !== wantType(e)) return `type ${wantType(e)} became ${fsType(st)}`
  if (e.type === 'hardlink') {
    const partner = all.get(e.linkname ?? '')
    if (partner && partner.st.ino !== st.ino) return `not a hardlink of ${e.linkname}`
  }
  if (e.type !== 'symlink' && Number(st.mode & 0o7777n) !== e.mode) return `mode ${e.mode.toString(8)} became ${Number(st.mode & 0o7777n).toString(8)}`
  if ((e.type === 'file' || e.type === 'hardlink') && st.size !== BigInt(e.size)) return `size ${e.size} became ${st.size}`
  if (e.type !== 'symlink' && st.mtimeNs / 1000n !== e.mtimeNs / 1000n) return `mtime ${e.mtimeNs} became ${st.mtimeNs}`
  if (e.type === 'symlink' && seen.link !== e.linkname) return `symlink target ${e.linkname} became ${seen.link}`
  if (owners && (Number(st.uid) !== e.uid || Number(st.gid) !== e.gid)) return `owner ${e.uid}:${e.gid} became ${st.uid}:${st.gid}`
  return undefined
}

/**
 * Differences between `root` (a restored folder, archive paths relative to it) and `state`,
 * at most `limit` (default 20); empty when they match. `owners` compares uid and gid too.
 */
export async function compareWithState(root: string, state: ChainState, o: { owners?: boolean; limit?: number } = {}): Promise<TreeDifference[]> {
  const limit = o.limit ?? 20
  const all = new Map<string, Seen>()
  await walk(root, '', all)
  const diffs: TreeDifference[] = []
  const expected = new Set<string>(state.implicitFolders())
  for (const e of state.entries()) {
    expected.add(e.path)
    const what = differs(e, all.get(e.path), all, o.owners ?? false)
    if (what && diffs.push({ path: e.path, what }) >= limit) return diffs
  }
  for (const path of all.keys()) {
    if (!expected.has(path) && diffs.push({ path, what: 'unexpected entry' }) >= limit) return diffs
  }
  return diffs
}

/**
 * True when the names and types under `root/name` are exactly what the state holds there
 * (no metadata compared): the check that a restore limited to `--path` replayed every change.
 */
export async function sameShape(root: string, state: ChainState, name: string): Promise<boolean> {
  const all = new Map<string, Seen>()
  const top = await fs.lstat(join(root, name), { bigint: true }).catch(() => undefined)
  if (!top) return !state.get(name)
  if (top.isDirectory()) await walk(root, name, all)
  all.set(name, { st: top })
  const expected = new Map<string, string>()
  for (const p of state.implicitFolders(name)) expected.set(p, 'dir')
  for (const e of state.entries(name)) expected.set(e.path, wantType(e))
  if (expected.size !== all.size) return false
  for (const [p, seen] of all) if (expected.get(p) !== fsType(seen.st)) return false
  return true
}
