/**
 * What a sync into a bucket must do. Pure: the plan of a store-folder sync (plan-sync.ts: the
 * same rollback guard, the same fetch / recheck / remove), adjusted for a store that cannot
 * be rehashed in place for free:
 *   - a generation found in the bucket but not in its published index was left by a cut sync:
 *     if that sync recorded it as uploaded and verified (state/bucket-uploads.json) for the
 *     same files, it only waits to be published; otherwise it is fetched again (the upload
 *     skips what is already there whole, and everything is verified by hash after it);
 *   - a published generation whose files changed in the index, or that verify found damaged,
 *     is rechecked (downloaded and hashed) and repaired if bad.
 */
import type { Tree, TreeGeneration } from '../lib/formats/tree.js'
import { planSync, type GenRef, type PlanOptions, type SyncPlan } from './plan-sync.js'

export interface BucketPlan extends SyncPlan {
  /** Uploaded and verified by a cut sync, for exactly these files: published now, nothing moved. */
  uploaded: GenRef[]
}

/** Generations a cut sync uploaded and verified ('svc/gen' → the files it verified). */
export type UploadRecord = Readonly<Record<string, TreeGeneration['files']>>

function sameFiles(a: TreeGeneration['files'] | undefined, b: TreeGeneration['files']): boolean {
  if (!a) return false
  const names = Object.keys(b)
  return Object.keys(a).length === names.length && names.every(n => a[n]?.sha256 === b[n]!.sha256 && a[n]?.bytes === b[n]!.bytes)
}

/**
 * Plans a sync into a bucket. `have` holds 'svc/gen' for every generation with files in the
 * bucket. Throws INDEX_ROLLBACK as planSync does.
 */
export function planBucketSync(published: Tree | undefined, incoming: Tree, have: ReadonlySet<string>, uploads: UploadRecord, o: PlanOptions = {}): BucketPlan {
  const plan = planSync(published, incoming, have, o)
  const fetch = [...plan.fetch]
  const recheck: GenRef[] = []
  const uploaded: GenRef[] = []
  for (const g of plan.recheck) {
    const k = `${g.service}/${g.generation}`
    const want = incoming.services[g.service]!.generations[g.generation]!.files
    if (published?.services[g.service]?.generations[g.generation]) recheck.push(g)
    else if (!o.suspect?.has(k) && sameFiles(uploads[k], want)) uploaded.push(g)
    else fetch.push(g)
  }
  const order = (a: GenRef, b: GenRef): number => (a.service === b.service ? (a.generation < b.generation ? -1 : 1) : a.service < b.service ? -1 : 1)
  return { ...plan, fetch: fetch.sort(order), recheck, uploaded }
}
