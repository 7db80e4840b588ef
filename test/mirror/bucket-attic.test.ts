/**
 * The attic of a bucket mirror, on a local rclone remote (a signed chain made here, no hub):
 * pruned generations are moved into attic/<serial>/ with the index that listed them, the rest
 * of their chain is copied in (from the store, else an older attic folder), a pending move
 * left by a cut sync is finished only for what the published index no longer lists, each
 * attic folder restores bit-exact through the bucket reader, and folders past `keep` expire.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { makeServiceTree, mutateTree } from '../helpers/fixtures.js'
import { makeKey } from '../lib/stores/make-store.js'
import { ChainMaker } from '../lib/stores/make-chain.js'
import { buildTree, openTree, signTree } from '../../lib/formats/tree.js'
import { silentLogger } from '../../lib/log.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { BucketReader } from '../../lib/stores/bucket.js'
import { restoreGeneration } from '../../lib/restore/restore.js'
import { readTreePair } from '../../lib/stores/published-tree.js'
import { expiredAttic, type AtticRecord } from '../../mirror/attic.js'
import { atticPendingDir, bucketAtticDir, expireBucketAttic, keepPendingAttic, keepPrunedInBucket, listBucketAttic, scanPaths, stageAttic } from '../../mirror/bucket-attic.js'
import type { Bucket } from '../../mirror/bucket-store.js'

const FULL = '20261115T030000Z-full'
const INCR1 = '20261116T030000Z-incr'
const INCR2 = '20261117T030000Z-incr'
const log = silentLogger()

t.test('scanPaths sorts a bucket listing into the store, attic folders and their records', async t => {
  const s = scanPaths([
    'TREE.json', `wiki/${FULL}/manifest.json`, `wiki/${FULL}/data.tar.zst`, 'attic/7/TREE.json', 'attic/7/ATTIC.json',
    `attic/7/wiki/${INCR1}/manifest.json`, `attic/${FULL}/x`, 'attic/8/wiki/nope/x', 'wiki/x/y/z',
  ])
  t.same([...s.store.keys()], [`wiki/${FULL}`, `attic/${FULL}`], 'a service named attic is a service (its generations are no serials)')
  t.same([...s.store.get(`wiki/${FULL}`)!].sort(), ['data.tar.zst', 'manifest.json'])
  t.same([...s.attic.keys()], [7])
  t.same([...s.attic.get(7)!.keys()], [`wiki/${INCR1}`])
  t.same([...s.records], [7])
})

t.test('expiredAttic decides for bucket attic folders as for folders: past keep, never with all', async t => {
  const rec = (serial: number, prunedAt: string): { dir: string; record: AtticRecord } => ({ dir: `s3:b/attic/${serial}`, record: { serial, prunedAt, generations: [], linked: [] } })
  const folders = [rec(1, '2026-11-01T00:00:00.000Z'), rec(2, '2026-11-10T00:00:00.000Z')]
  const now = new Date('2026-11-15T00:00:00.000Z')
  t.same(expiredAttic(folders, 7 * 86_400_000, now), ['s3:b/attic/1'])
  t.same(expiredAttic(folders, 5 * 86_400_000, now), ['s3:b/attic/1', 's3:b/attic/2'], 'exactly keep old: expired')
  t.same(expiredAttic(folders, 'all', now), [])
  t.same(expiredAttic(folders, 0, now), ['s3:b/attic/1', 's3:b/attic/2'])
})

t.test('pruned generations move into the attic with their chains, restore from it, and expire', async t => {
  const dir = t.testdir({ 'rclone.conf': '[loc]\ntype = local\n', work: {}, staging: {} })
  const root = join(dir, 'bucket') // the local remote's folder is the bucket
  const b: Bucket = { remote: `loc:${root}`, rclone: { config: join(dir, 'rclone.conf') } }
  const staging = join(dir, 'staging')
  const src = join(dir, 'src', 'wiki')
  await makeServiceTree(src, { seed: 'attic', largeBytes: 1100 * 1024 }) // mutateTree writes at 1 MiB
  const idx = await makeKey(dir, 'idx')
  const spoke = await makeKey(dir, 'spoke')
  const chain = new ChainMaker(root, join(dir, 'work'), 'wiki', src, spoke)
  await chain.add(FULL)
  await mutateTree(src, 'day1')
  await chain.add(INCR1)
  await fs.writeFile(join(src, 'config', 'app.ini'), '[app]\nrewritten\n')
  await chain.add(INCR2)
  const keys = { wiki: spoke.public.line }
  const tree = (serial: number, gens: string[]) => signTree(buildTree(chain.records.filter(r => gens.includes(r.generation)), keys, serial - 1, new Date('2026-11-22T04:00:00Z')), idx)
  const opened = (s: ReturnType<typeof tree>) => ({ signed: s, tree: openTree(s, idx.public) })
  const s1 = tree(1, [FULL, INCR1, INCR2])
  const t0 = new Date('2026-11-20T00:00:00.000Z')

  // a pending move whose generation the published index still lists is dropped, nothing moves
  await stageAttic(staging, s1, [{ service: 'wiki', generation: INCR2 }])
  t.equal(await keepPendingAttic(b, staging, idx.public, opened(s1).tree, t0, log), undefined, 'nothing kept while the index still lists it')
  t.ok(await fs.stat(join(root, 'wiki', INCR2, 'manifest.json')), 'the generation stays in the store')
  t.notOk(await fs.stat(atticPendingDir(staging)).catch(() => undefined), 'the pending record is gone')

  // serial 2 no longer lists INCR2: moved into attic/1, FULL and INCR1 copied in for its chain
  await stageAttic(staging, s1, [{ service: 'wiki', generation: INCR2 }])
  const kept = await keepPendingAttic(b, staging, idx.public, opened(tree(2, [FULL, INCR1])).tree, t0, log)
  t.equal(kept?.dir, bucketAtticDir(b, 1))
  t.same(kept?.record, { serial: 1, prunedAt: t0.toISOString(), generations: [`wiki/${INCR2}`], linked: [`wiki/${FULL}`, `wiki/${INCR1}`] })
  t.notOk(await fs.stat(join(root, 'wiki', INCR2)).catch(() => undefined), 'moved out of the store')
  const a1 = join(root, 'attic', '1')
  t.ok((await readTreePair(a1))!.bytes.equals(s1.bytes), 'the index that listed it is beside it')
  for (const g of [FULL, INCR1]) t.ok(await fs.stat(join(root, 'wiki', g, 'data.tar.zst')), `${g} stays in the store too`)
  t.notOk(await fs.stat(atticPendingDir(staging)).catch(() => undefined), 'the pending record is gone once the moves are done')

  const reader = await BucketReader.open(`${b.remote}/attic/1`, b.rclone, idx.public)
  t.teardown(() => reader.close())
  const to = join(dir, 'restored')
  const r = await restoreGeneration({ reader, service: 'wiki', generation: INCR2, to, log })
  t.same(r.chain, [FULL, INCR1, INCR2], 'the whole chain comes from the attic folder')
  t.same(await compareTrees(chain.copies.get(INCR2)!, join(to, src)), [], 'bit-exact')

  // a later prune of INCR1 when the store no longer holds FULL: FULL is copied from attic/1
  await fs.rm(join(root, 'wiki', FULL), { recursive: true })
  const s3 = tree(3, [FULL, INCR1])
  const t1 = new Date(t0.getTime() + 60_000)
  const second = await keepPrunedInBucket(b, join(dir, 'attic-work'), opened(s3), [{ service: 'wiki', generation: INCR1 }], t1, log)
  t.same(second.record, { serial: 3, prunedAt: t1.toISOString(), generations: [`wiki/${INCR1}`], linked: [`wiki/${FULL}`] })
  t.ok(await fs.stat(join(root, 'attic', '3', 'wiki', FULL, 'data.tar.zst')), 'the link came from the older attic folder')
  t.same(await keepPrunedInBucket(b, join(dir, 'attic-work'), opened(s3), [{ service: 'wiki', generation: INCR1 }], t1, log).then(x => x.record), second.record, 'running it again changes nothing')

  t.same((await listBucketAttic(b)).map(a => a.record.serial), [1, 3])
  t.same(await expireBucketAttic(b, 'all', new Date(t1.getTime() + 1e12), log), [], 'keep: all never expires')
  t.same(await expireBucketAttic(b, 30_000, t1, log), [bucketAtticDir(b, 1)], 'only the folder past keep')
  t.same(await fs.readdir(join(root, 'attic')), ['3'])
  t.same(await expireBucketAttic(b, 30_000, new Date(t1.getTime() + 30_000), log), [bucketAtticDir(b, 3)])
  t.notOk(await fs.stat(join(root, 'attic')).catch(() => undefined), 'the emptied attic is gone')
})
