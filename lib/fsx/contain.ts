/**
 * Path containment: a path is inside a root only after both are resolved with realpath and
 * the path starts with the root plus a separator (a plain startsWith lets
 * /accounts/wiki-evil pass for /accounts/wiki).
 */
import { promises as fs } from 'node:fs'
import { resolve, sep } from 'node:path'
import { RoostError } from '../errors.js'

/** Pure: is `path` equal to or below `root`? Both must already be absolute and resolved. */
export function isWithin(root: string, path: string): boolean {
  const r = root.endsWith(sep) ? root : root + sep
  return path === root || path.startsWith(r)
}

/** Resolves symlinks in `path` (which must exist) and checks it stays inside `root`. */
export async function containedRealpath(root: string, path: string): Promise<string> {
  const realRoot = await fs.realpath(root)
  const real = await fs.realpath(resolve(root, path))
  if (!isWithin(realRoot, real)) {
    throw new RoostError('PATH_OUTSIDE_ROOT', `${path} resolves outside ${root}`)
  }
  return real
}
