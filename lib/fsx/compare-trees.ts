/**
 * Compares two folder trees entry by entry: type, permission bits, owner, mtime, size,
 * content (sha256), symlink target, and hardlink groups. Used by restore drills, the demo
 * and the tests to prove a restore is bit-exact. Reads files as streams.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { hashFile } from './hash.js'

export interface TreeDifference {
  path: string
  what: string
}

interface Entry {
  type: string
  mode: number
  uid: number
  gid: number
  mtimeNs: bigint
  size: bigint
  ino: bigint
  nlink: bigint
  link?: string
}

function typeOf(st: import('node:fs').BigIntStats): string {
  if (st.isFile()) return 'file'
  if (st.isDirectory()) return 'dir'
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFIFO()) return 'fifo'
  if (st.isSocket()) return 'socket'
  return 'device'
}

async function walk(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>()
  const visit = async (rel: string): Promise<void> => {
    const abs = rel ? join(root, rel) : root
    const st = await fs.lstat(abs, { bigint: true })
    const e: Entry = { type: typeOf(st), mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs, size: st.size, ino: st.ino, nlink: st.nlink }
    if (e.type === 'symlink') e.link = await fs.readlink(abs)
    out.set(rel || '.', e)
    if (e.type === 'dir') {
      for (const name of (await fs.readdir(abs)).sort()) await visit(rel ? join(rel, name) : name)
    }
  }
  await visit('')
  return out
}

/** Differences between `expected` and `actual` (empty when they match); at most `limit`. */
export async function compareTrees(expected: string, actual: string, opts: { limit?: number; owners?: boolean; rootMeta?: boolean } = {}): Promise<TreeDifference[]> {
  const limit = opts.limit ?? 20
  const diffs: TreeDifference[] = []
  const add = (path: string, what: string): boolean => {
    diffs.push({ path, what })
    return diffs.length >= limit
  }
  const a = await walk(expected)
  const b = await walk(actual)
  for (const path of b.keys()) if (!a.has(path) && add(path, 'unexpected entry')) return diffs
  const inodeGroupA = new Map<bigint, string>()
  const inodeGroupB = new Map<bigint, string>()
  for (const [path, ea] of a) {
    const eb = b.get(path)
    if (!eb) {
      if (add(path, 'missing')) return diffs
      continue
    }
    if (ea.type !== eb.type) {
      if (add(path, `type ${ea.type} became ${eb.type}`)) return diffs
      continue
    }
    const isRoot = path === '.'
    if (ea.type !== 'symlink' && ea.mode !== eb.mode && (!isRoot || opts.rootMeta)) if (add(path, `mode ${ea.mode.toString(8)} became ${eb.mode.toString(8)}`)) return diffs
    if ((opts.owners ?? true) && (ea.uid !== eb.uid || ea.gid !== eb.gid)) if (add(path, `owner ${ea.uid}:${ea.gid} became ${eb.uid}:${eb.gid}`)) return diffs
    if (ea.type !== 'symlink' && ea.mtimeNs / 1000n !== eb.mtimeNs / 1000n && (!isRoot || opts.rootMeta)) if (add(path, `mtime ${ea.mtimeNs} became ${eb.mtimeNs}`)) return diffs
    if (ea.type === 'symlink' && ea.link !== eb.link) if (add(path, `symlink target ${ea.link} became ${eb.link}`)) return diffs
    if (ea.type === 'file') {
      if (ea.size !== eb.size) {
        if (add(path, `size ${ea.size} became ${eb.size}`)) return diffs
      } else {
        const [ha, hb] = await Promise.all([hashFile(join(expected, path)), hashFile(join(actual, path))])
        if (ha.sha256 !== hb.sha256 && add(path, 'content differs')) return diffs
      }
      if (ea.nlink > 1n) {
        // hardlinks: paths that share an inode in one tree must share one in the other
        const firstA = inodeGroupA.get(ea.ino)
        const firstB = inodeGroupB.get(eb.ino)
        if (firstA === undefined) inodeGroupA.set(ea.ino, path)
        if (firstB === undefined) inodeGroupB.set(eb.ino, path)
        if ((firstA ?? path) !== (firstB ?? path) && add(path, `hardlink to ${firstA ?? 'nothing'} became a link to ${firstB ?? 'nothing'}`)) return diffs
      } else if (eb.nlink > 1n && add(path, 'became a hardlink')) return diffs
    }
  }
  return diffs
}
