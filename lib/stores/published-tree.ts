/**
 * Reads a store's published index (TREE.json + TREE.json.sig) while a writer may be
 * publishing the next one.
 *
 * The publication protocol (mirror/publish.ts writes it this way):
 *   1. both files are written complete and fsynced under temp names on the store's file
 *      system (a mirror keeps this pending pair in staging/.publish, and rolls it forward
 *      at its next start if it was killed between the renames);
 *   2. TREE.json.sig is renamed into place, then TREE.json (each rename is atomic).
 * A reader therefore sees the old pair, the new pair, or — for the instant between the two
 * renames — a new signature beside the old TREE.json. A mismatched pair can never be
 * accepted (the ed25519 signature covers TREE.json's exact bytes), it only fails, so a
 * reader that sees a bad signature reads the pair again a few times before concluding the
 * copy is forged or corrupt. The signature goes first so that a new TREE.json, the file
 * readers act on, only ever appears once its signature is already in place.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { RoostError, isRoostError } from '../errors.js'
import { openTree, TREE_FILE, TREE_MAX_BYTES, TREE_SIG_FILE, type SignedTree, type Tree } from '../formats/tree.js'
import type { PublicKey } from '../sign.js'

export interface ReadTreeOptions {
  /** How many times to read the pair before a bad signature is final (default 5). */
  attempts?: number
  /** Pause between attempts in ms (default 200). */
  delayMs?: number
}

async function readSmall(path: string, max: number): Promise<Buffer | undefined> {
  const h = await fs.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (!h) return undefined
  try {
    const st = await h.stat()
    if (!st.isFile()) throw new RoostError('INDEX_INVALID', `${path} is not a regular file`)
    if (st.size > max) throw new RoostError('INDEX_INVALID', `${path} is larger than ${max} bytes`)
    return await h.readFile()
  } finally {
    await h.close()
  }
}

/** Reads the pair as it is now: undefined when TREE.json does not exist. Checks nothing. */
export async function readTreePair(storeDir: string): Promise<SignedTree | undefined> {
  const bytes = await readSmall(join(storeDir, TREE_FILE), TREE_MAX_BYTES)
  if (!bytes) return undefined
  const sig = await readSmall(join(storeDir, TREE_SIG_FILE), 64 * 1024)
  return { bytes, signature: sig ? sig.toString('utf8') : '' }
}

/**
 * The published tree of a store folder, checked with the pinned index key, or undefined when
 * nothing is published yet. Throws INDEX_BAD_SIGNATURE (after re-reading) or INDEX_INVALID.
 */
export async function readPublishedTree(storeDir: string, key: PublicKey, o: ReadTreeOptions = {}): Promise<{ tree: Tree; signed: SignedTree } | undefined> {
  const attempts = o.attempts ?? 5
  for (let i = 1; ; i++) {
    const signed = await readTreePair(storeDir)
    if (!signed) return undefined
    try {
      return { tree: openTree(signed, key, join(storeDir, TREE_FILE)), signed }
    } catch (err) {
      if (!isRoostError(err, 'INDEX_BAD_SIGNATURE') || i >= attempts) throw err
    }
    await new Promise(r => setTimeout(r, o.delayMs ?? 200))
  }
}
