/**
 * The bucket reader: a store kept in a bucket of an object store (a mirror with `bucket:` in
 * its mirror.yaml, or any copy of the hub's store put there with rclone), read through rclone.
 * Trust comes from the signed index alone, as for a store folder: TREE.json must verify with
 * the pinned index key, each service's manifest key is taken from it, and every file is
 * checked against its size and sha256 there while rclone streams it down (`rclone cat` through
 * the hash into a temp folder of the reader's own): one pass, memory flat. A file that does
 * not match is deleted and named (HASH_MISMATCH, exit 3); it is never handed to restore.
 */
import { promises as fs, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { RoostError, isRoostError } from '../errors.js'
import type { PublicKey } from '../sign.js'
import { openTree, TREE_FILE, TREE_SIG_FILE, type SignedTree, type StoredFile, type Tree } from '../formats/tree.js'
import { HashingStream } from '../fsx/hash.js'
import { ensureDir } from '../fsx/atomic.js'
import { MANIFEST } from '../layout.js'
import { catInto, downloadNamedArgs, remotePath, runRclone, type Rclone } from '../rclone.js'
import { generationIds, generationIn, serviceKey } from './tree-lookup.js'
import { readTreePair, type ReadTreeOptions } from './published-tree.js'
import type { FetchedGeneration, StoreReader } from './store-reader.js'

/** The prefix of `--from` that names a bucket: `rclone:REMOTE:path`. */
export const RCLONE_PREFIX = 'rclone:'

/**
 * Downloads a bucket's TREE.json and TREE.json.sig into `dir` (fresh copies) and checks the
 * signature. Undefined when the bucket has no TREE.json. A writer publishes the signature
 * first, so a bad pair is read again (`attempts`) before INDEX_BAD_SIGNATURE is final.
 */
export async function readBucketTree(r: Rclone, remote: string, dir: string, key: PublicKey, o: ReadTreeOptions = {}): Promise<{ tree: Tree; signed: SignedTree } | undefined> {
  const attempts = o.attempts ?? 5
  await ensureDir(dir)
  for (let i = 1; ; i++) {
    await fs.rm(join(dir, TREE_FILE), { force: true })
    await fs.rm(join(dir, TREE_SIG_FILE), { force: true })
    // exit 3: the folder does not exist (a local remote never written to): nothing published
    await runRclone(downloadNamedArgs(r, remote, [TREE_FILE, TREE_SIG_FILE], dir), `reading ${remotePath(remote, TREE_FILE)}`, { okCodes: [3] })
    const signed = await readTreePair(dir)
    if (!signed) return undefined
    try {
      return { tree: openTree(signed, key, remotePath(remote, TREE_FILE)), signed }
    } catch (err) {
      if (!isRoostError(err, 'INDEX_BAD_SIGNATURE') || i >= attempts) throw err
    }
    await new Promise(res => setTimeout(res, o.delayMs ?? 200))
  }
}

/**
 * Streams one remote file into `path` (created new) through the hash, and checks it against
 * the index. Throws HASH_MISMATCH naming the remote file, after deleting the local copy.
 */
export async function fetchVerified(r: Rclone, from: string, path: string, want: StoredFile): Promise<void> {
  const hashing = new HashingStream()
  const done = pipeline(hashing, createWriteStream(path, { flags: 'wx', mode: 0o600 }))
  try {
    await catInto(r, from, hashing, `downloading ${from}`)
    await done
  } catch (err) {
    hashing.destroy()
    await done.catch(() => {})
    await fs.rm(path, { force: true })
    throw err
  }
  const got = hashing.digest()
  if (got.bytes !== want.bytes || got.sha256 !== want.sha256) {
    await fs.rm(path, { force: true })
    throw new RoostError('HASH_MISMATCH', `${from}: ${got.bytes} bytes with sha256 ${got.sha256}, the signed index says ${want.bytes} bytes with ${want.sha256}`, {
      hint: 'the copy in the bucket is damaged or was altered; nothing was restored from it (a mirror repairs it with roost mirror verify, then roost mirror sync)',
    })
  }
}

/** Reads generations from a bucket through rclone, trusting only what the index key signed. */
export class BucketReader implements StoreReader {
  readonly source: string

  private constructor(
    readonly remote: string,
    private readonly rclone: Rclone,
    readonly tree: Tree,
    private readonly work: string,
  ) {
    this.source = `${RCLONE_PREFIX}${remote}`
  }

  /** Opens a bucket: downloads and checks its TREE.json into a temp folder of its own. Throws INDEX_* errors. */
  static async open(remote: string, rclone: Rclone, indexKey: PublicKey): Promise<BucketReader> {
    const work = await fs.mkdtemp(join(tmpdir(), 'roost-bucket-'))
    try {
      const published = await readBucketTree(rclone, remote, join(work, 'index'), indexKey)
      if (!published) {
        throw new RoostError('INDEX_MISSING', `${remote} has no ${TREE_FILE}: not a store, or nothing was published to it yet`, {
          hint: `--from ${RCLONE_PREFIX}REMOTE:path names the folder holding TREE.json (the bucket.remote of the mirror's mirror.yaml)`,
        })
      }
      return new BucketReader(remote, rclone, published.tree, work)
    } catch (err) {
      await fs.rm(work, { recursive: true, force: true })
      throw err
    }
  }



  private get where(): string {
    return `the index of ${this.remote}`
  }

  async listGenerations(service: string): Promise<string[]> {
    return generationIds(this.tree, service, this.where)
  }

  async manifestKey(service: string): Promise<PublicKey> {
    return serviceKey(this.tree, service, this.where)
  }

  private async download(service: string, generation: string, names: readonly string[], files: Readonly<Record<string, StoredFile>>): Promise<FetchedGeneration> {
    const dir = join(this.work, `${service}-${generation}-${randomBytes(4).toString('hex')}`)
    await ensureDir(dir)
    const cleanup = (): Promise<void> => fs.rm(dir, { recursive: true, force: true })
    try {
      for (const name of names) await fetchVerified(this.rclone, remotePath(this.remote, service, generation, name), join(dir, name), files[name]!)
    } catch (err) {
      await cleanup()
      throw err
    }
    return { dir, expected: files, cleanup }
  }

  async fetch(service: string, generation: string): Promise<FetchedGeneration> {
    const files = generationIn(this.tree, service, generation, this.where).files
    return this.download(service, generation, Object.keys(files).sort(), files)
  }

  /** Only manifest.json (to resolve a chain before any archive crosses the network). */
  async fetchManifest(service: string, generation: string): Promise<FetchedGeneration> {
    const files = generationIn(this.tree, service, generation, this.where).files
    if (!files[MANIFEST]) throw new RoostError('MANIFEST_INVALID', `${service}/${generation} in the index of ${this.remote} lists no ${MANIFEST}`)
    return this.download(service, generation, [MANIFEST], files)
  }

  /** Removes the temp folder. */
  async close(): Promise<void> {
    await fs.rm(this.work, { recursive: true, force: true })
  }
}
