import t from 'tap'
import { planBucketSync } from '../../mirror/bucket-plan.js'
import { chooseUploadCheck } from '../../mirror/bucket-store.js'
import type { Tree, TreeGeneration } from '../../lib/formats/tree.js'

const gen = (sha: string): TreeGeneration => ({
  kind: 'full',
  accepted: '2026-11-22T03:01:00.000Z',
  files: { 'data.tar.zst': { bytes: 100, sha256: sha.repeat(64) }, 'manifest.json': { bytes: 10, sha256: 'f'.repeat(64) } },
})

function tree(serial: number, gens: Record<string, TreeGeneration>): Tree {
  return { format: 'roost-tree/1', serial, published: '2026-11-22T04:00:00.000Z', services: { wiki: { key: 'ssh-ed25519 AAAAwiki', generations: gens } } }
}

const A = '20261120T030000Z-full'
const B = '20261121T030000Z-full'
const C = '20261122T030000Z-full'

t.test('a generation a cut sync uploaded and verified is only published', async t => {
  const published = tree(3, { [A]: gen('a') })
  const incoming = tree(4, { [A]: gen('a'), [B]: gen('b'), [C]: gen('c') })
  const have = new Set([`wiki/${A}`, `wiki/${B}`, `wiki/${C}`])
  const plan = planBucketSync(published, incoming, have, { [`wiki/${B}`]: gen('b').files })
  t.same(plan.uploaded, [{ service: 'wiki', generation: B }], 'recorded as verified for the same files')
  t.same(plan.fetch, [{ service: 'wiki', generation: C }], 'in the bucket but not known whole: fetched again (the upload resumes)')
  t.same(plan.recheck, [])
})

t.test('a record for other files, or a suspect, does not count', async t => {
  const incoming = tree(4, { [B]: gen('b'), [C]: gen('c') })
  const have = new Set([`wiki/${B}`, `wiki/${C}`])
  const plan = planBucketSync(undefined, incoming, have, { [`wiki/${B}`]: gen('x').files, [`wiki/${C}`]: gen('c').files }, { suspect: new Set([`wiki/${C}`]) })
  t.same(plan.uploaded, [])
  t.same(plan.fetch.map(g => g.generation), [B, C])
})

t.test('published generations that changed or are suspect are rechecked; gone ones removed; rollback refused', async t => {
  const published = tree(3, { [A]: gen('a'), [B]: gen('b') })
  const incoming = tree(4, { [B]: gen('b'), [C]: gen('c') })
  const have = new Set([`wiki/${A}`, `wiki/${B}`])
  const plan = planBucketSync(published, incoming, have, {}, { suspect: new Set([`wiki/${B}`]) })
  t.same(plan.recheck, [{ service: 'wiki', generation: B }])
  t.same(plan.fetch, [{ service: 'wiki', generation: C }])
  t.same(plan.remove, [{ service: 'wiki', generation: A }])
  t.throws(() => planBucketSync(published, tree(2, {}), have, {}), { code: 'INDEX_ROLLBACK' })
  t.throws(() => planBucketSync(undefined, tree(2, {}), have, {}, { floor: 3 }), { code: 'INDEX_ROLLBACK' }, 'the recorded floor guards a lost index')
  t.equal(planBucketSync(published, published, have, {}).upToDate, true)
})

t.test('uploads are checked with the best hash the remote gives', async t => {
  t.equal(chooseUploadCheck(['md5', 'sha1', 'whirlpool', 'crc32', 'sha256']), 'sha256', 'a local remote: straight against the index')
  t.equal(chooseUploadCheck(['md5']), 'md5', 'S3')
  t.equal(chooseUploadCheck(['sha1']), 'sha1', 'B2')
  t.equal(chooseUploadCheck(['quickxor']), 'download', 'nothing roost knows: read back')
  t.equal(chooseUploadCheck([]), 'download')
})
