/**
 * `roost mirror verify` for a mirror whose store is a bucket: the published TREE.json is read
 * from the bucket and checked with the pinned index key, then every file it lists is read
 * back and hashed (`rclone hashsum sha256 --download`: rclone streams each file through the
 * hash, nothing is stored, memory stays flat) and compared with the index, with sizes from
 * one flat listing. A hash the object store keeps beside an object (an S3 ETag) is not
 * trusted for this: it was computed once, on upload, and says nothing about the bytes now.
 * Damaged generations go to state/suspects.json, so the next sync repairs them.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { MirrorConfig, MirrorPaths } from '../lib/config/mirror.js'
import { RoostError } from '../lib/errors.js'
import { parsePublicKey } from '../lib/sign.js'
import { treeGenerations } from '../lib/formats/tree.js'
import { ensureDir } from '../lib/fsx/atomic.js'
import { hashByDownload, listFiles, remotePath } from '../lib/rclone.js'
import { readBucketTree } from '../lib/stores/bucket.js'
import { acquireLock } from './lock.js'
import { bucketOf } from './bucket.js'
import { writeSuspects } from './suspects.js'
import type { VerifyProblem, VerifyReport } from './verify.js'

/** Rehashes the bucket's published tree. Throws INDEX_MISSING when nothing is published, INDEX_BAD_SIGNATURE when TREE.json is forged. */
export async function verifyBucket(config: MirrorConfig, paths: MirrorPaths, log: Logger, now: () => Date): Promise<VerifyReport> {
  await ensureDir(paths.state)
  const lock = await acquireLock(paths.lock)
  const work = join(paths.state, 'verify-bucket')
  try {
    const b = bucketOf(config, paths)
    const key = parsePublicKey(config.indexKey, `${paths.config}: indexKey`)
    const published = await readBucketTree(b.rclone, b.remote, join(work, 'index'), key)
    if (!published) throw new RoostError('INDEX_MISSING', `${b.remote} has no published TREE.json yet`, { hint: 'run roost mirror sync first' })
    const { tree } = published
    const gens = treeGenerations(tree)
    const wanted = gens.flatMap(g => Object.keys(g.entry.files).map(name => ({ path: `${g.service}/${g.generation}/${name}`, g, want: g.entry.files[name]! })))
    const listFile = join(work, 'files')
    await fs.writeFile(listFile, wanted.map(w => w.path).join('\n') + '\n')
    const sizes = new Map((await listFiles(b.rclone, b.remote, { recursive: true })).map(f => [f.path, f.bytes]))
    const hashes = await hashByDownload(b.rclone, b.remote, listFile, `reading back ${b.remote}`)
    const problems: VerifyProblem[] = []
    let files = 0
    let bytes = 0
    for (const { path: rel, g, want } of wanted) {
      const path = remotePath(b.remote, rel)
      const at = { service: g.service, generation: g.generation }
      const size = sizes.get(rel)
      const hash = hashes.get(rel)
      if (size === undefined || hash === undefined) problems.push({ ...at, path, what: 'missing' })
      else if (size !== want.bytes) problems.push({ ...at, path, what: 'size differs', detail: `${size} bytes, the index says ${want.bytes}` })
      else {
        files++
        bytes += size
        if (hash !== want.sha256) problems.push({ ...at, path, what: 'sha256 differs', detail: `${hash}, the index says ${want.sha256}` })
      }
    }
    const damaged = [...new Set(problems.map(p => `${p.service}/${p.generation}`))]
    await writeSuspects(paths.state, damaged, now())
    if (problems.length) log.warn({ problems: problems.length, generations: damaged.length, remote: b.remote }, 'verify found damage')
    else log.info({ serial: tree.serial, files, bytes, remote: b.remote }, 'bucket verified')
    return { ok: problems.length === 0, serial: tree.serial, services: Object.keys(tree.services).length, generations: gens.length, files, bytes, problems }
  } finally {
    await fs.rm(work, { recursive: true, force: true })
    await lock.release()
  }
}
