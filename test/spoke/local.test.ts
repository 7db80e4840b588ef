import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { listLocalGenerations, markGeneration, planLocalRetention, removeUnfinished, MAKING_PREFIX } from '../../spoke/local.js'

const g = (d: number, state: 'pending' | 'accepted' | 'rejected') => ({ generation: `202611${String(d).padStart(2, '0')}T030000Z-full`, state })

t.test('local retention keeps the newest accepted and never an unaccepted one (golden)', async t => {
  const gens = [g(1, 'accepted'), g(2, 'rejected'), g(3, 'accepted'), g(4, 'pending'), g(5, 'accepted'), g(6, 'accepted')]
  const keep1 = planLocalRetention(gens, 1)
  t.matchSnapshot(keep1, 'keep 1')
  t.same(keep1.delete.map(d => d.generation), [g(5, 'accepted').generation, g(3, 'accepted').generation, g(1, 'accepted').generation])
  t.matchSnapshot(planLocalRetention(gens, 3), 'keep 3')
  const none = planLocalRetention(gens, 0)
  t.same(none.keep.map(k => k.generation).sort(), [g(2, 'rejected').generation, g(4, 'pending').generation])
  t.same(planLocalRetention([], 2), { keep: [], delete: [] })
})

t.test('local generations: states from markers, unfinished ones removed', async t => {
  const root = t.testdir()
  for (const d of ['20261101T030000Z-full', '20261102T030000Z-full', '20261103T030000Z-full', `${MAKING_PREFIX}20261104T030000Z-full`, 'not-a-generation']) {
    await fs.mkdir(join(root, d))
  }
  await markGeneration(join(root, '20261101T030000Z-full'), 'accepted', { at: 'x' })
  await markGeneration(join(root, '20261102T030000Z-full'), 'rejected', { code: 'ARRIVAL_HASH_MISMATCH' })
  const list = await listLocalGenerations(root)
  t.same(list.map(l => [l.generation, l.state]), [
    ['20261101T030000Z-full', 'accepted'],
    ['20261102T030000Z-full', 'rejected'],
    ['20261103T030000Z-full', 'pending'],
  ])
  t.same(await removeUnfinished(root), [`${MAKING_PREFIX}20261104T030000Z-full`])
  await t.rejects(fs.stat(join(root, `${MAKING_PREFIX}20261104T030000Z-full`)))
  t.same(await listLocalGenerations(join(root, 'missing')), [])
})
