/**
 * The delta bases in a service's incoming, kept by the hub for the spoke's next upload:
 * `.basis/last/data.tar` (the last accepted generation's tar: a diff or incr is sent against it)
 * and `.basis/full/data.tar` (the last accepted full's tar: a full is sent against it).
 *
 * incoming is the spoke's to write, so nothing there is trusted or followed: the new `.basis`
 * is built in `ingesting/` (out of the spoke's reach), the old one is first moved out of
 * incoming whole (rename never follows a symlink), the last full's tar is carried over only if
 * it is a regular file in real folders, and the new folder is renamed into place. A spoke that
 * spoils its basis only loses efficiency: hashes still decide. The old layout's
 * `.basis/data.tar` goes with the old folder.
 *
 * An encrypted service keeps no basis: its ciphertext differs on every run, so a basis saves
 * nothing, and the hub must hold none of its plaintext once it has switched to encryption.
 * Its accept removes whatever `.basis` the service had (`dropBasis`).
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { removeTree } from '../../lib/fsx/atomic.js'
import { ARCHIVE, BASIS_DIR, BASIS_FULL, BASIS_LAST } from '../../lib/layout.js'
import type { HubPaths } from '../../lib/config/hub.js'
import type { Kind } from '../../lib/formats/names.js'
import { ingestingDir } from './gather.js'

const LEFTOVER_RE = /^\.basis-(new|old|junk)-[0-9a-f]{12}$/

async function isKind(path: string, kind: 'dir' | 'file'): Promise<boolean> {
  const st = await fs.lstat(path).catch(() => undefined)
  return kind === 'dir' ? Boolean(st?.isDirectory()) : Boolean(st?.isFile())
}

async function moveIfThere(from: string, to: string): Promise<boolean> {
  try {
    await fs.rename(from, to)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/** Renames `fresh` onto `target`, moving whatever the spoke put at `target` meanwhile aside (a few tries). */
async function swapIn(fresh: string, target: string, side: string): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    try {
      await fs.rename(fresh, target)
      return true
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR' && code !== 'EISDIR') throw err
      const junk = join(side, `.basis-junk-${randomBytes(6).toString('hex')}`)
      await moveIfThere(target, junk)
      await removeTree(junk)
    }
  }
  return false
}

/** Moves the leftovers of an earlier, interrupted renewal out of the way. */
async function clearLeftovers(side: string): Promise<void> {
  for (const name of (await fs.readdir(side)).filter(n => LEFTOVER_RE.test(n))) await removeTree(join(side, name))
}

/**
 * Removes the service's `.basis` (the plaintext tars of its last accepted generations), as an
 * encrypted accept must: moved out of incoming whole (never followed), then deleted. Safe to
 * run again. The caller holds the store lock.
 */
export async function dropBasis(paths: HubPaths, service: string): Promise<void> {
  const side = ingestingDir(paths, service)
  await fs.mkdir(side, { recursive: true, mode: 0o700 })
  await clearLeftovers(side)
  const old = join(side, `.basis-old-${randomBytes(6).toString('hex')}`)
  if (await moveIfThere(join(paths.accounts, service, 'incoming', BASIS_DIR), old)) await removeTree(old)
}

/**
 * Makes `tar` (an accepted generation's uploaded data.tar, moved, not copied) the service's
 * `.basis/last/data.tar`, and for a full also its `.basis/full/data.tar` (a hard link: one
 * copy on disk). For a diff or incr the last full's tar is carried over. Returns false when
 * the spoke kept recreating `.basis` so the new one could not be put in place (it then has none).
 * The caller holds the store lock.
 */
export async function renewBasis(paths: HubPaths, service: string, kind: Kind, tar: string): Promise<boolean> {
  const side = ingestingDir(paths, service)
  await fs.mkdir(side, { recursive: true, mode: 0o700 })
  await clearLeftovers(side)
  const tag = randomBytes(6).toString('hex')
  const fresh = join(side, `.basis-new-${tag}`)
  const old = join(side, `.basis-old-${tag}`)
  await fs.mkdir(join(fresh, BASIS_LAST), { recursive: true, mode: 0o700 })
  await fs.mkdir(join(fresh, BASIS_FULL), { mode: 0o700 })
  await fs.rename(tar, join(fresh, BASIS_LAST, ARCHIVE))
  const target = join(paths.accounts, service, 'incoming', BASIS_DIR)
  await moveIfThere(target, old)
  if (kind === 'full') {
    await fs.link(join(fresh, BASIS_LAST, ARCHIVE), join(fresh, BASIS_FULL, ARCHIVE))
  } else if ((await isKind(old, 'dir')) && (await isKind(join(old, BASIS_FULL), 'dir')) && (await isKind(join(old, BASIS_FULL, ARCHIVE), 'file'))) {
    await fs.rename(join(old, BASIS_FULL, ARCHIVE), join(fresh, BASIS_FULL, ARCHIVE))
  }
  const placed = await swapIn(fresh, target, side)
  await removeTree(old)
  if (!placed) await removeTree(fresh)
  return placed
}
