/**
 * Moves what a verified extraction left in a staging folder into the target folder, by
 * rename (the staging folder lives inside the target), so hardlinks, modes and mtimes stay
 * exactly as tar made them; where a folder of the target is another file system, by copy.
 */
import { promises as fs, type BigIntStats } from 'node:fs'
import { join } from 'node:path'
import { run } from '../proc/run.js'

/** Folders an archive holds only as parents of its sources (`srv` for `/srv/wiki`). Pure. */
export function parentFolders(sources: readonly string[]): Set<string> {
  const out = new Set<string>()
  for (const s of sources) {
    const parts = s.split('/').filter(Boolean)
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('/'))
  }
  return out
}

async function lstatOrUndefined(path: string): Promise<BigIntStats | undefined> {
  return fs.lstat(path, { bigint: true }).catch(() => undefined)
}

/**
 * Renames a folder to another parent. Linux needs write permission on a moved folder (its
 * `..` changes): a read-only folder gets it for the instant of the rename (chmod keeps mtime).
 */
async function renameEntry(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EXDEV') return copyAcross(from, to)
    const st = await lstatOrUndefined(from)
    if ((err as NodeJS.ErrnoException).code !== 'EACCES' || !st?.isDirectory()) throw err
    await fs.chmod(from, Number(st.mode) | 0o200)
    await fs.rename(from, to)
    await fs.chmod(to, Number(st.mode & 0o7777n))
  }
}

/**
 * `to` is on another file system than the staging folder (a target with /srv or /var/lib
 * mounted apart): copy with everything tar made (modes, owners, mtimes, ACLs, xattrs, and the
 * hardlinks within the entry), then remove the staged copy.
 */
async function copyAcross(from: string, to: string): Promise<void> {
  await run(['cp', '--archive', '--no-target-directory', '--', from, to], { what: `copying ${from} across file systems to ${to}` })
  await fs.rm(from, { recursive: true, force: true })
}

/** Gives `path` the mode, owner and mtime (to the nanosecond: Node's utimes cannot) of `st`. */
async function applyMeta(path: string, st: BigIntStats): Promise<void> {
  await fs.chmod(path, Number(st.mode & 0o7777n))
  await fs.lchown(path, Number(st.uid), Number(st.gid)).catch(() => {})
  const sec = st.mtimeNs / 1_000_000_000n
  const nsec = (st.mtimeNs % 1_000_000_000n).toString().padStart(9, '0')
  await run(['touch', '--no-dereference', '-m', '-d', `@${sec}.${nsec}`, '--', path], { what: `setting the mtime of ${path}` })
}

/**
 * Moves every entry of `from` into `to`. Where `to` already has an entry of the same name
 * (only with --force): two folders are merged — the restored folder's mode, owner and mtime
 * win, except for folders the archive holds only as parents of its sources, which keep
 * theirs (restoring /srv/wiki must not change /srv) — and anything else is replaced.
 */
export async function moveInto(from: string, to: string, parents: ReadonlySet<string> = new Set(), rel = ''): Promise<void> {
  for (const name of await fs.readdir(from)) {
    const src = join(from, name)
    const dst = join(to, name)
    const path = rel ? `${rel}/${name}` : name
    const there = await lstatOrUndefined(dst)
    if (!there) {
      await renameEntry(src, dst)
      continue
    }
    const st = await fs.lstat(src, { bigint: true })
    if (st.isDirectory() && there.isDirectory()) {
      await fs.chmod(dst, Number(there.mode & 0o7777n) | 0o700)
      await moveInto(src, dst, parents, path)
      await fs.rmdir(src)
      await applyMeta(dst, parents.has(path) ? there : st)
      continue
    }
    await fs.rm(dst, { recursive: true, force: true })
    await renameEntry(src, dst)
  }
}
