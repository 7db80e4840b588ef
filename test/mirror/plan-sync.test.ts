import t from 'tap'
import { planSync } from '../../mirror/plan-sync.js'
import type { Tree, TreeGeneration } from '../../lib/formats/tree.js'

const gen = (sha: string): TreeGeneration => ({
  kind: 'full',
  accepted: '2026-11-22T03:01:00.000Z',
  files: { 'data.tar.zst': { bytes: 100, sha256: sha.repeat(64) }, 'manifest.json': { bytes: 10, sha256: 'f'.repeat(64) } },
})

function tree(serial: number, gens: Record<string, Record<string, TreeGeneration>>): Tree {
  const services: Tree['services'] = {}
  for (const [svc, g] of Object.entries(gens)) services[svc] = { key: `ssh-ed25519 AAAA${svc}`, generations: g }
  return { format: 'roost-tree/1', serial, published: '2026-11-22T04:00:00.000Z', services }
}

const A = '20261120T030000Z-full'
const B = '20261121T030000Z-full'
const C = '20261122T030000Z-full'

t.test('first sync: everything is fetched, nothing removed', async t => {
  const incoming = tree(3, { wiki: { [A]: gen('a'), [B]: gen('b') }, forum: { [A]: gen('c') } })
  const plan = planSync(undefined, incoming, new Set())
  t.equal(plan.upToDate, false)
  t.equal(plan.fetch.length, 3)
  t.matchSnapshot(plan, 'first sync plan')
})

t.test('new generations are fetched, vanished ones removed, verified ones kept', async t => {
  const published = tree(3, { wiki: { [A]: gen('a'), [B]: gen('b') }, forum: { [A]: gen('c') } })
  const incoming = tree(5, { wiki: { [B]: gen('b'), [C]: gen('d') }, forum: { [A]: gen('c') } })
  const have = new Set([`wiki/${A}`, `wiki/${B}`, `forum/${A}`])
  const plan = planSync(published, incoming, have)
  t.same(plan.fetch, [{ service: 'wiki', generation: C }])
  t.same(plan.remove, [{ service: 'wiki', generation: A }])
  t.same(plan.recheck, [], 'generations verified against the published tree are not rehashed')
  t.matchSnapshot(plan, 'incremental plan')
})

t.test('generations in the store but not verified against this tree are rechecked', async t => {
  const published = tree(3, { wiki: { [A]: gen('a') } })
  // B was moved into the store by a sync that was cut before it published; A is suspected of rot
  const incoming = tree(4, { wiki: { [A]: gen('a'), [B]: gen('b') } })
  const plan = planSync(published, incoming, new Set([`wiki/${A}`, `wiki/${B}`]), { suspect: new Set([`wiki/${A}`]) })
  t.same(plan.fetch, [])
  t.same(plan.recheck, [{ service: 'wiki', generation: A }, { service: 'wiki', generation: B }])
  const changed = planSync(published, tree(4, { wiki: { [A]: gen('9') } }), new Set([`wiki/${A}`]))
  t.same(changed.recheck, [{ service: 'wiki', generation: A }], 'a generation whose files changed in the index is rechecked')
  t.matchSnapshot(plan, 'recheck plan')
})

t.test('a lower serial is refused as a rollback', async t => {
  const published = tree(7, { wiki: { [A]: gen('a') } })
  t.throws(() => planSync(published, tree(6, { wiki: {} }), new Set([`wiki/${A}`])), { code: 'INDEX_ROLLBACK', exitCode: 3 })
  t.throws(() => planSync(undefined, tree(6, {}), new Set(), { floor: 7 }), { code: 'INDEX_ROLLBACK' }, 'the recorded floor guards a lost TREE.json')
})

t.test('an equal serial with the store complete is up to date', async t => {
  const published = tree(7, { wiki: { [A]: gen('a') } })
  const plan = planSync(published, tree(7, { wiki: { [A]: gen('a') } }), new Set([`wiki/${A}`]))
  t.equal(plan.upToDate, true)
  t.matchSnapshot(plan, 'up to date')
  const missing = planSync(published, tree(7, { wiki: { [A]: gen('a') } }), new Set())
  t.equal(missing.upToDate, false, 'a generation missing from the store is fetched again')
  t.same(missing.fetch, [{ service: 'wiki', generation: A }])
})
