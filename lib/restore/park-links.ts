/**
 * Keeps the replay of a chain from writing through symlinks an earlier link left.
 *
 * GNU tar defers a symlink whose target is absolute or holds `..` to the end of its own run (an
 * empty placeholder file stands in meanwhile), so within one archive no member is written or
 * hardlinked through it. A chain is replayed by one tar run per link into one staging folder,
 * though, and by the second run those symlinks are real: tar follows them for a member's
 * parent folders (`srv/wiki/esc/x` with `esc -> /etc` writes /etc/x) and for a hardlink's
 * target. So before each later run every symlink in the staging folder is parked (renamed into
 * a folder beside it) and an empty placeholder file takes its place, as tar does itself: a
 * member beneath one then fails ("Not a directory") and nothing leaves the target. After the
 * run each placeholder tar left alone (found by inode, also when its folder was renamed) gets
 * its symlink back by rename (same inode, owner and mtime), and the folders that held them get
 * back the mtime tar gave them, or the one they had.
 */
import { promises as fs } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { run } from '../proc/run.js'
import { removeTree } from '../fsx/atomic.js'

interface ParkedLink {
  /** The symlink's path, absolute. */
  path: string
  /** Where it waits meanwhile. */
  parked: string
  /** The placeholder's inode. */
  ino: bigint
}

/** Symlinks parked for one tar run, and the folders that held them. */
export interface Parking {
  dir: string
  links: ParkedLink[]
  /** mtime (ns) of each folder holding a link: before parking, and right after. */
  folders: Map<string, { before: bigint; after: bigint }>
}

async function symlinksUnder(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      if (e.isSymbolicLink()) out.push(join(dir, e.name))
      else if (e.isDirectory()) await walk(join(dir, e.name))
    }
  }
  await walk(root)
  return out
}

/** Runs `fn` on entries of `folder`, making the folder writable for it if it is read-only. */
async function inFolder<T>(folder: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES') throw err
    const mode = (await fs.lstat(folder)).mode & 0o7777
    await fs.chmod(folder, mode | 0o300)
    try {
      return await fn()
    } finally {
      await fs.chmod(folder, mode)
    }
  }
}

const mtimeOf = async (path: string): Promise<bigint> => (await fs.lstat(path, { bigint: true })).mtimeNs

/** Parks every symlink under `root` in `dir` (made here), leaving placeholders. Undefined when there is none. */
export async function parkLinks(root: string, dir: string): Promise<Parking | undefined> {
  const paths = await symlinksUnder(root)
  if (!paths.length) return undefined
  await fs.mkdir(dir, { mode: 0o700 })
  const p: Parking = { dir, links: [], folders: new Map() }
  for (const folder of new Set(paths.map(x => dirname(x)))) p.folders.set(folder, { before: await mtimeOf(folder), after: 0n })
  for (const [i, path] of paths.entries()) {
    const parked = join(dir, String(i))
    const ino = await inFolder(dirname(path), async () => {
      await fs.rename(path, parked)
      await (await fs.open(path, 'wx', 0o600)).close()
      return (await fs.lstat(path, { bigint: true })).ino
    })
    p.links.push({ path, parked, ino })
  }
  for (const [folder, m] of p.folders) m.after = await mtimeOf(folder)
  return p
}

/** Regular files under `root` whose inode is one of `inos`: inode → path. */
async function findByInode(root: string, inos: Set<bigint>): Promise<Map<bigint, string>> {
  const found = new Map<bigint, string>()
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const path = join(dir, e.name)
      if (e.isDirectory()) await walk(path)
      else if (e.isFile()) {
        const ino = (await fs.lstat(path, { bigint: true })).ino
        if (inos.has(ino)) found.set(ino, path)
      }
    }
  }
  await walk(root)
  return found
}

/** Sets a path's mtime to the nanosecond (Node's utimes cannot), without following a symlink. */
async function setMtime(path: string, ns: bigint): Promise<void> {
  const nsec = (ns % 1_000_000_000n).toString().padStart(9, '0')
  await run(['touch', '--no-dereference', '-m', '-d', `@${ns / 1_000_000_000n}.${nsec}`, '--', path], { what: `setting the mtime of ${path}` })
}

/**
 * Puts back every parked symlink whose placeholder tar left in place (a placeholder tar removed
 * or replaced means the link was deleted or replaced: it stays gone), restores the folders'
 * mtimes and removes the parking folder.
 */
export async function unparkLinks(root: string, p: Parking): Promise<void> {
  const back = new Map<ParkedLink, string>()
  const missing = new Set<bigint>()
  for (const l of p.links) {
    const st = await fs.lstat(l.path, { bigint: true }).catch(() => undefined)
    if (st?.isFile() && st.ino === l.ino) back.set(l, l.path)
    else missing.add(l.ino)
  }
  if (missing.size) {
    const moved = await findByInode(root, missing)
    for (const l of p.links) if (moved.has(l.ino)) back.set(l, moved.get(l.ino)!)
  }
  // each folder keeps the mtime tar gave it; one tar did not touch gets back its own
  const folders = new Map<string, bigint>()
  for (const folder of new Set([...p.folders.keys(), ...[...back.values()].map(x => dirname(x))])) {
    const now = await mtimeOf(folder).catch(() => undefined)
    if (now === undefined || relative(root, folder).startsWith('..')) continue
    const m = p.folders.get(folder)
    folders.set(folder, m && m.after === now ? m.before : now)
  }
  for (const [l, path] of back) await inFolder(dirname(path), () => fs.rename(l.parked, path))
  for (const [folder, want] of folders) if ((await mtimeOf(folder)) !== want) await setMtime(folder, want)
  await removeTree(p.dir)
}
