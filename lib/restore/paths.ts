/**
 * `--path`: the paths a restore is limited to, checked and turned into archive member names
 * (`/srv/wiki/pages` → `srv/wiki/pages`), and the staging-side helpers that go with them.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { RoostError } from '../errors.js'
import { removeTree } from '../fsx/atomic.js'

/**
 * Archive names for the requested absolute paths (as they were on the source host). Refuses
 * (USAGE) an empty path, a relative one, `/` alone, and any `.` or `..` component. Pure.
 */
export function archivePaths(paths: readonly string[]): string[] {
  const out: string[] = []
  for (const p of paths) {
    if (!p || p.includes('\0')) throw new RoostError('USAGE', '--path must not be empty')
    if (!p.startsWith('/')) throw new RoostError('USAGE', `--path '${p}' must be absolute, as on the source host (e.g. /srv/wiki/pages)`)
    const parts = p.split('/').filter(Boolean)
    if (parts.some(x => x === '..' || x === '.')) throw new RoostError('USAGE', `--path '${p}' must not have '.' or '..' components`)
    if (parts.length === 0) throw new RoostError('USAGE', "--path / is the whole generation: leave --path out")
    const name = parts.join('/')
    if (!out.includes(name)) out.push(name)
  }
  return out
}

/** True when `rel` is one of `names` or inside one. Pure. */
export function within(rel: string, names: readonly string[]): boolean {
  return names.some(n => rel === n || rel.startsWith(`${n}/`))
}

/** True when `rel` is a folder on the way to one of `names`. Pure. */
export function above(rel: string, names: readonly string[]): boolean {
  return names.some(n => n.startsWith(`${rel}/`))
}

/**
 * Removes from `root` everything that is neither one of `names`, inside one, nor on the way
 * to one. A read-only folder on the way is opened for the removal and closed again.
 */
export async function pruneTo(root: string, names: readonly string[], rel = ''): Promise<void> {
  const dir = rel ? join(root, rel) : root
  const mode = (await fs.lstat(dir)).mode & 0o7777
  await fs.chmod(dir, mode | 0o700)
  for (const name of await fs.readdir(dir)) {
    const r = rel ? `${rel}/${name}` : name
    if (within(r, names)) continue
    if (above(r, names) && (await fs.lstat(join(root, r))).isDirectory()) await pruneTo(root, names, r)
    else await removeTree(join(root, r))
  }
  await fs.chmod(dir, mode)
}

/** Entries restored under `root` (files: regular files), not counting the folders in `skip`. */
export async function countTree(root: string, skip: ReadonlySet<string>, rel = ''): Promise<{ entries: number; files: number }> {
  const c = { entries: 0, files: 0 }
  for (const d of await fs.readdir(rel ? join(root, rel) : root, { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name
    if (!skip.has(r)) c.entries++
    if (d.isFile()) c.files++
    if (d.isDirectory()) {
      const sub = await countTree(root, skip, r)
      c.entries += sub.entries
      c.files += sub.files
    }
  }
  return c
}
