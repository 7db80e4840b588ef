/**
 * `roost mirror sync` for a mirror whose store is a bucket (mirror.yaml `bucket:`), in the
 * two stages of a folder sync. Stage one: fetch and verify the upstream's signed TREE.json
 * (rollback refused, against the bucket's published index and state/sync.json), then for each
 * new generation: rsync it into local staging and hash every file against the index (the
 * same stageGeneration as a folder sync, resumable), upload it to `<remote>/<svc>/<gen>/`
 * with rclone, check the upload by hash (bucket-store.ts says how), and only then delete the
 * staged copy: the local disk holds one generation at a time. Stage two, only when all of
 * that passed: publish the index in the bucket (signature first), then deal with what it no
 * longer lists: what the previous index listed (the upstream pruned it) goes to the bucket's
 * attic unless `keep` is 0 (bucket-attic.ts), leftovers no index listed are deleted. A sync cut
 * anywhere leaves the bucket's published tree intact; the next one uploads an interrupted
 * publish again, finishes interrupted moves into the attic, publishes generations a cut sync
 * already verified (state/bucket-uploads.json), and resumes the rest. Every transfer of stage
 * one (rsync and rclone) stops when `signal` aborts (the end of the allowed hours); once the
 * index is published the sync runs to its end.
 */
import { promises as fs } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { MirrorConfig, MirrorPaths } from '../lib/config/mirror.js'
import { RoostError, isRoostError } from '../lib/errors.js'
import { parsePublicKey, type PublicKey } from '../lib/sign.js'
import type { SignedTree, Tree } from '../lib/formats/tree.js'
import { endpointTarget, knownHostsLine } from '../lib/ssh-client.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'
import { remoteHashes } from '../lib/rclone.js'
import { readBucketTree } from '../lib/stores/bucket.js'
import { progress } from '../lib/progress.js'
import { acquireLock } from './lock.js'
import { fetchIndex } from './fetch-index.js'
import { stageGeneration, type FetchContext } from './fetch-generation.js'
import type { GenRef } from './plan-sync.js'
import { planBucketSync, type BucketPlan } from './bucket-plan.js'
import { checkUpload, chooseUploadCheck, clearUploads, deleteBucketFiles, listBucket, readUploads, recordUpload, removeBucketGeneration, uploadGeneration, type Bucket, type UploadCheck } from './bucket-store.js'
import { commitBucketPending, publishToBucket } from './bucket-publish.js'
import { genDir } from './store-ops.js'
import { clearSuspects, readSuspects } from './suspects.js'
import { readSyncRecord, recordSync, type SyncResult } from './sync.js'
import { expireBucketAttic, keepPendingAttic, stageAttic } from './bucket-attic.js'

const label = (g: GenRef): string => `${g.service}/${g.generation}`

/** The bucket of a mirror.yaml (its rclone config made absolute), or a usage error when it has none. */
export function bucketOf(config: MirrorConfig, paths: MirrorPaths): Bucket {
  if (!config.bucket) throw new RoostError('USAGE', `${paths.config} has no bucket: section`)
  const rcloneConfig = config.bucket.rcloneConfig ? resolve(dirname(paths.config), config.bucket.rcloneConfig) : undefined
  return { remote: config.bucket.remote, rclone: { ...(rcloneConfig ? { config: rcloneConfig } : {}), ...(config.limits.bandwidth ? { bwlimit: config.limits.bandwidth } : {}) } }
}

/** The bucket's published index, or undefined when there is none or it does not verify (then nothing in it counts as verified). */
async function readPublished(b: Bucket, paths: MirrorPaths, key: PublicKey, log: Logger): Promise<{ tree: Tree; signed: SignedTree } | undefined> {
  try {
    return await readBucketTree(b.rclone, b.remote, join(paths.staging, '.bucket-index'), key, { attempts: 1 })
  } catch (err) {
    if (!isRoostError(err) || err.code === 'RCLONE_FAILED') throw err
    log.warn({ err: err.message }, "the bucket's published index does not verify; every generation in it will be fetched and checked again")
    return undefined
  }
}

/** Removes staging leftovers but the index caches, the pending pair and `keep` (a cut transfer about to resume). */
async function cleanStaging(staging: string, keep?: GenRef): Promise<void> {
  for (const e of await fs.readdir(staging)) {
    if (e.startsWith('.')) continue
    if (keep && e === keep.service) {
      for (const g of await fs.readdir(join(staging, e))) if (g !== keep.generation) await fs.rm(join(staging, e, g), { recursive: true, force: true })
    } else {
      await fs.rm(join(staging, e), { recursive: true, force: true })
    }
  }
}

interface Ctx {
  fetch: FetchContext
  bucket: Bucket
  /** How uploads are checked (asked of the remote once, when the first upload needs it). */
  check: () => Promise<UploadCheck>
  state: string
  listFile: string
  key: PublicKey
  keep: number | 'all'
  now: () => Date
}

/** Stages, uploads and checks one generation, then frees its staging. `bad` (a repair): delete those files from the bucket first. */
async function carryGeneration(c: Ctx, g: GenRef, tree: Tree, bad?: Parameters<typeof deleteBucketFiles>[1]): Promise<number> {
  const t0 = Date.now()
  c.fetch.signal?.throwIfAborted()
  const files = tree.services[g.service]!.generations[g.generation]!.files
  await stageGeneration(c.fetch, g, tree.services[g.service]!.generations[g.generation]!)
  if (bad) await deleteBucketFiles(c.bucket, bad)
  const check = await c.check()
  await uploadGeneration(c.bucket, g, files, genDir(c.fetch.staging, g), check, c.listFile, c.fetch.log, c.fetch.signal)
  await recordUpload(c.state, g, files)
  await fs.rm(genDir(c.fetch.staging, g), { recursive: true, force: true })
  await fs.rmdir(join(c.fetch.staging, g.service)).catch(() => {})
  const bytes = Object.values(files).reduce((n, f) => n + f.bytes, 0)
  c.fetch.log.info({ service: g.service, generation: g.generation, bytes, ms: Date.now() - t0, check }, 'generation verified and uploaded')
  return bytes
}

/** Stage one (fetch, upload, check; recheck and repair), the commit point (publish), then removals (into the attic unless `keep` is 0). */
async function carryOut(c: Ctx, plan: BucketPlan, incoming: { tree: Tree; signed: SignedTree }, current: { tree: Tree; signed: SignedTree } | undefined): Promise<{ bytes: number; repaired: string[]; kept: string[] }> {
  let bytes = 0
  const repaired: string[] = []
  await cleanStaging(c.fetch.staging, plan.fetch[0])
  const shown = progress('sync')
  try {
    for (const [i, g] of plan.fetch.entries()) {
      shown.update(`${label(g)}, generation`, i + 1, plan.fetch.length, 'items')
      bytes += await carryGeneration(c, g, incoming.tree)
    }
  } finally {
    shown.end()
  }
  for (const g of plan.recheck) {
    c.fetch.signal?.throwIfAborted()
    const files = incoming.tree.services[g.service]!.generations[g.generation]!.files
    const problems = await checkUpload(c.bucket, g, files, 'download', genDir(c.fetch.staging, g), c.listFile, c.fetch.signal)
    if (!problems.length) continue
    c.fetch.log.warn({ service: g.service, generation: g.generation, files: problems.map(p => p.path) }, 'generation in the bucket is damaged; repairing it')
    await carryGeneration(c, g, incoming.tree, problems)
    repaired.push(label(g))
  }
  // what the previous index listed is kept a while (the upstream pruned it); leftovers it never listed go
  const listed = (g: GenRef): boolean => Boolean(current?.tree.services[g.service]?.generations[g.generation])
  const toKeep = c.keep !== 0 && current ? plan.remove.filter(listed) : []
  if (toKeep.length) await stageAttic(c.fetch.staging, current!.signed, toKeep)
  await publishToBucket(c.bucket, c.fetch.staging, incoming.signed, c.key, current?.signed, c.fetch.log)
  c.fetch.log.info({ serial: incoming.tree.serial, remote: c.bucket.remote }, 'index published')
  await clearUploads(c.state)
  const kept = await keepPendingAttic(c.bucket, c.fetch.staging, c.key, incoming.tree, c.now(), c.fetch.log)
  for (const g of plan.remove) {
    if (toKeep.includes(g)) continue
    await removeBucketGeneration(c.bucket, g)
    c.fetch.log.info({ service: g.service, generation: g.generation }, 'generation removed')
  }
  await cleanStaging(c.fetch.staging)
  await clearSuspects(c.state)
  return { bytes, repaired, kept: kept?.record.generations.filter(k => toKeep.some(g => label(g) === k)) ?? [] }
}

/**
 * Runs one sync into the mirror's bucket under the mirror's lock (shared with verify).
 * `signal` stops its transfers (syncMirror passes the end of the allowed hours).
 */
export async function syncBucket(config: MirrorConfig, paths: MirrorPaths, log: Logger, now: () => Date, signal?: AbortSignal): Promise<SyncResult> {
  await ensureDir(paths.state)
  const lock = await acquireLock(paths.lock)
  try {
    const bucket = bucketOf(config, paths)
    await ensureDir(paths.staging)
    await writeFileAtomic(paths.knownHosts, knownHostsLine(config.upstream.hostKey), 0o600)
    const key = parsePublicKey(config.indexKey, `${paths.config}: indexKey`)
    let current = await readPublished(bucket, paths, key, log)
    const rolled = await commitBucketPending(bucket, paths.staging, key, current?.signed, log)
    if (rolled !== undefined) {
      log.info({ serial: rolled }, 'uploaded an interrupted publish')
      current = await readPublished(bucket, paths, key, log)
    }
    // moves into the attic a cut sync left undone, then attic folders past `keep`
    const finished = await keepPendingAttic(bucket, paths.staging, key, current?.tree, now(), log)
    if (finished) log.info({ attic: finished.dir }, 'finished moving pruned generations into the attic')
    const expired = await expireBucketAttic(bucket, config.keep, now(), log)
    const target = endpointTarget(config.upstream, config.name, paths.key, paths.knownHosts)
    const incoming = await fetchIndex(target, join(paths.staging, '.index'), key, log)
    const plan = planBucketSync(current?.tree, incoming.tree, await listBucket(bucket), await readUploads(paths.state), { suspect: await readSuspects(paths.state), floor: (await readSyncRecord(paths.state))?.serial })
    const base = { from: plan.from ?? null, serial: plan.to }
    if (plan.upToDate) {
      log.info({ serial: plan.to }, 'already up to date')
      await recordSync(paths.state, incoming.signed, incoming.tree, now(), [], [])
      return { upToDate: true, ...base, fetched: [], repaired: [], removed: [], bytes: 0, kept: [], expired }
    }
    log.info({ from: plan.from, to: plan.to, fetch: plan.fetch.length, uploaded: plan.uploaded.length, recheck: plan.recheck.length, remove: plan.remove.length, remote: bucket.remote }, 'sync planned')
    let check: Promise<UploadCheck> | undefined
    const lazyCheck = (): Promise<UploadCheck> => (check ??= remoteHashes(bucket.rclone, bucket.remote).then(chooseUploadCheck))
    const fetch: FetchContext = { target, staging: paths.staging, store: paths.store, log, ...(signal ? { signal } : {}), ...(config.limits.bandwidth ? { bandwidth: config.limits.bandwidth } : {}) }
    const ctx: Ctx = { fetch, bucket, check: lazyCheck, state: paths.state, listFile: join(paths.staging, '.bucket-files'), key, keep: config.keep, now }
    const done = await carryOut(ctx, plan, incoming, current)
    const fetched = [...plan.uploaded, ...plan.fetch].map(label).sort()
    const result = { upToDate: false, ...base, fetched, repaired: done.repaired, removed: plan.remove.map(label), bytes: done.bytes, kept: done.kept, expired }
    await recordSync(paths.state, incoming.signed, incoming.tree, now(), result.fetched, result.removed)
    return result
  } finally {
    await lock.release()
  }
}
