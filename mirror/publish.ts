/**
 * Publishing a verified tree in the mirror's store: the commit point of a sync.
 *
 * The pair is first written complete and fsynced to staging/.publish/ (the pending pair, on
 * the store's file system), then TREE.json.sig is renamed into the store, then TREE.json.
 * Readers (lib/stores/published-tree.ts) re-read a pair whose signature does not verify, so
 * the instant between the two renames only costs them a retry; and since the signature
 * moves first, a new TREE.json never appears before its signature. A sync killed between
 * the renames leaves the pending pair behind: the next sync rolls it forward before
 * anything else (every generation it lists was verified and stored before it was written).
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { isRoostError } from '../lib/errors.js'
import { openTree, TREE_FILE, TREE_SIG_FILE, type SignedTree } from '../lib/formats/tree.js'
import type { PublicKey } from '../lib/sign.js'
import { ensureDir, writeFileAtomic, fsyncPath } from '../lib/fsx/atomic.js'
import { readTreePair } from '../lib/stores/published-tree.js'

/** Where the pending pair waits. */
export function pendingDir(staging: string): string {
  return join(staging, '.publish')
}

/**
 * Moves a complete pending pair into the store if it verifies and is newer than what is
 * published; discards it otherwise. Returns the serial rolled forward, if any.
 */
export async function commitPending(staging: string, store: string, key: PublicKey, log: Logger): Promise<number | undefined> {
  const dir = pendingDir(staging)
  const pending = await readTreePair(dir)
  if (!pending) {
    await fs.rm(dir, { recursive: true, force: true })
    return undefined
  }
  const current = await readTreePair(store)
  // cut after the first rename: the signature is already in the store
  const sigMoved = pending.signature === ''
  const candidate = sigMoved ? { bytes: pending.bytes, signature: current?.signature ?? '' } : pending
  let serial: number
  try {
    serial = openTree(candidate, key, join(dir, TREE_FILE)).serial
  } catch (err) {
    if (!isRoostError(err)) throw err
    log.warn({ err: err.message }, 'discarding an incomplete pending index')
    await fs.rm(dir, { recursive: true, force: true })
    return undefined
  }
  let publishedSerial = -1
  try {
    if (current && !sigMoved) publishedSerial = openTree(current, key).serial
  } catch {
    // a mismatched pair in the store: exactly what a publish cut between its renames leaves
  }
  if (serial < publishedSerial || (serial === publishedSerial && current?.bytes.equals(pending.bytes))) {
    await fs.rm(dir, { recursive: true, force: true })
    return undefined
  }
  if (!sigMoved) await fs.rename(join(dir, TREE_SIG_FILE), join(store, TREE_SIG_FILE))
  await fs.rename(join(dir, TREE_FILE), join(store, TREE_FILE))
  await fsyncPath(store)
  await fs.rm(dir, { recursive: true, force: true })
  return serial
}

/** Publishes a verified tree: pending pair first, then the two renames (signature first). */
export async function publishTree(staging: string, store: string, signed: SignedTree, key: PublicKey, log: Logger): Promise<void> {
  const dir = pendingDir(staging)
  await fs.rm(dir, { recursive: true, force: true })
  await ensureDir(dir)
  await writeFileAtomic(join(dir, TREE_SIG_FILE), signed.signature, 0o644)
  await writeFileAtomic(join(dir, TREE_FILE), signed.bytes, 0o644)
  await commitPending(staging, store, key, log)
}
