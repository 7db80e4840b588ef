/**
 * Fetches the upstream's TREE.json and TREE.json.sig into staging/.index and checks the
 * signature with the pinned index key. The upstream may be between the two renames of its
 * own publication, so a bad signature is fetched again (up to `attempts` times, pausing
 * between) before it is declared forged: INDEX_BAD_SIGNATURE, exit 3, nothing changed.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { RoostError, isRoostError } from '../lib/errors.js'
import { openTree, TREE_FILE, TREE_SIG_FILE, type SignedTree, type Tree } from '../lib/formats/tree.js'
import type { PublicKey } from '../lib/sign.js'
import type { SshTarget } from '../lib/ssh-client.js'
import { pullArgs, runRsync } from '../lib/rsync.js'
import { ensureDir } from '../lib/fsx/atomic.js'
import { readTreePair } from '../lib/stores/published-tree.js'

export interface FetchIndexOptions {
  attempts?: number
  delayMs?: number
}

async function fetchPair(target: SshTarget, dir: string): Promise<SignedTree> {
  // Fresh copies every time: rsync's quick check (size + mtime) could keep a stale file.
  await fs.rm(join(dir, TREE_FILE), { force: true })
  await fs.rm(join(dir, TREE_SIG_FILE), { force: true })
  await runRsync(pullArgs(target, [`/${TREE_FILE}`, `/${TREE_SIG_FILE}`], dir), `fetching ${TREE_FILE} from ${target.host}:${target.port}`)
  const pair = await readTreePair(dir)
  if (!pair) throw new RoostError('INDEX_MISSING', `the upstream ${target.host}:${target.port} sent no ${TREE_FILE}`)
  return pair
}

/**
 * Only the upstream's TREE.json.sig (about 150 bytes), fetched afresh: what the quick check
 * compares. Undefined when it cannot be had (the full fetch then says why).
 */
export async function fetchSignature(target: SshTarget, dir: string): Promise<string | undefined> {
  const probe = join(dir, 'probe')
  await fs.rm(probe, { recursive: true, force: true })
  await ensureDir(probe)
  try {
    await runRsync(pullArgs(target, [`/${TREE_SIG_FILE}`], probe, { compress: false }), `fetching ${TREE_SIG_FILE} from ${target.host}:${target.port}`)
    return await fs.readFile(join(probe, TREE_SIG_FILE), 'utf8')
  } catch {
    return undefined
  } finally {
    await fs.rm(probe, { recursive: true, force: true })
  }
}

/** The upstream's current tree, signature checked. */
export async function fetchIndex(target: SshTarget, dir: string, key: PublicKey, log: Logger, o: FetchIndexOptions = {}): Promise<{ tree: Tree; signed: SignedTree }> {
  const attempts = o.attempts ?? 3
  await ensureDir(dir)
  for (let i = 1; ; i++) {
    const signed = await fetchPair(target, dir)
    try {
      return { tree: openTree(signed, key, `upstream ${TREE_FILE}`), signed }
    } catch (err) {
      if (!isRoostError(err, 'INDEX_BAD_SIGNATURE')) throw err
      if (i >= attempts) {
        throw new RoostError('INDEX_BAD_SIGNATURE', `${err.message} (fetched ${attempts} times)`, { cause: err, hint: 'the upstream index is forged or corrupt; the published tree here is unchanged' })
      }
      log.warn({ attempt: i }, 'upstream index signature does not verify; fetching it again')
    }
    await new Promise(r => setTimeout(r, o.delayMs ?? 500 * i))
  }
}
