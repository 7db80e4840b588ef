/**
 * Publishing a verified tree in a bucket: the commit point of a bucket sync, in the order
 * mirror/publish.ts keeps for a folder. The pair is first written complete and fsynced to
 * staging/.publish/ (the pending pair, local), then TREE.json.sig is uploaded, then TREE.json;
 * each upload replaces one object whole. A reader between the two uploads sees a new
 * signature beside the old TREE.json, which never verifies, and reads again
 * (lib/stores/bucket.ts); a new TREE.json never appears before its signature. A sync cut
 * between the uploads leaves the pending pair: the next sync uploads it again before anything
 * else (every generation it lists was uploaded and verified before it was written).
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { isRoostError } from '../lib/errors.js'
import { openTree, TREE_FILE, TREE_SIG_FILE, type SignedTree } from '../lib/formats/tree.js'
import type { PublicKey } from '../lib/sign.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'
import { readTreePair } from '../lib/stores/published-tree.js'
import { copytoArgs, remotePath, runRclone } from '../lib/rclone.js'
import { pendingDir } from './publish.js'
import type { Bucket } from './bucket-store.js'

async function upload(b: Bucket, dir: string, name: string): Promise<void> {
  await runRclone(copytoArgs(b.rclone, join(dir, name), remotePath(b.remote, name)), `publishing ${remotePath(b.remote, name)}`)
}

/**
 * Uploads a pending pair (signature first) if it verifies and is newer than `current`, the
 * bucket's published pair when that verifies; discards it otherwise. Returns the serial
 * published, if any.
 */
export async function commitBucketPending(b: Bucket, staging: string, key: PublicKey, current: SignedTree | undefined, log: Logger): Promise<number | undefined> {
  const dir = pendingDir(staging)
  const pending = await readTreePair(dir)
  const discard = (): Promise<void> => fs.rm(dir, { recursive: true, force: true })
  if (!pending) {
    await discard()
    return undefined
  }
  let serial: number
  try {
    serial = openTree(pending, key, join(dir, TREE_FILE)).serial
  } catch (err) {
    if (!isRoostError(err)) throw err
    log.warn({ err: err.message }, 'discarding an incomplete pending index')
    await discard()
    return undefined
  }
  const currentSerial = current ? openTree(current, key).serial : -1
  if (serial < currentSerial || (current && serial === currentSerial && current.bytes.equals(pending.bytes))) {
    await discard()
    return undefined
  }
  await upload(b, dir, TREE_SIG_FILE)
  await upload(b, dir, TREE_FILE)
  await discard()
  return serial
}

/** Publishes a verified tree in the bucket: pending pair first, then the two uploads (signature first). */
export async function publishToBucket(b: Bucket, staging: string, signed: SignedTree, key: PublicKey, current: SignedTree | undefined, log: Logger): Promise<void> {
  const dir = pendingDir(staging)
  await fs.rm(dir, { recursive: true, force: true })
  await ensureDir(dir)
  await writeFileAtomic(join(dir, TREE_SIG_FILE), signed.signature, 0o644)
  await writeFileAtomic(join(dir, TREE_FILE), signed.bytes, 0o644)
  await commitBucketPending(b, staging, key, current, log)
}
