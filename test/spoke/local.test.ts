import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { compressLocal, listLocalGenerations, markGeneration, planLocalRetention, readLocalLinks, removeUnfinished, MAKING_PREFIX } from '../../spoke/local.js'

type S = 'pending' | 'accepted' | 'rejected'
const NOW = new Date('2026-12-01T00:00:00Z')
const id = (d: number, kind: string) => `202611${String(d).padStart(2, '0')}T030000Z-${kind}`
const full = (d: number, state: S) => ({ generation: id(d, 'full'), kind: 'full' as const, state })
const incr = (d: number, parent: string, state: S = 'accepted') => ({ generation: id(d, 'incr'), kind: 'incr' as const, base: null, parent, state })
const diff = (d: number, base: string, state: S = 'accepted') => ({ generation: id(d, 'diff'), kind: 'diff' as const, base, parent: null, state })

t.test('local retention keeps the newest accepted and never an unaccepted one (golden)', async t => {
  const gens = [full(1, 'accepted'), full(2, 'rejected'), full(3, 'accepted'), full(4, 'pending'), full(5, 'accepted'), full(6, 'accepted')]
  const keep1 = planLocalRetention(gens, 1, NOW)
  t.matchSnapshot(keep1, 'keep 1')
  t.same(keep1.delete.map(d => d.generation), [id(5, 'full'), id(3, 'full'), id(1, 'full')])
  t.matchSnapshot(planLocalRetention(gens, 3, NOW), 'keep 3')
  const none = planLocalRetention(gens, 0, NOW)
  t.same(none.keep.map(k => k.generation).sort(), [id(2, 'full'), id(4, 'full')])
  t.same(planLocalRetention([], 2, NOW), { keep: [], delete: [] })
})

t.test('local retention keeps every generation a kept one needs (golden)', async t => {
  // full 1 ← incr 2 ← incr 3; full 4 ← diff 5, full 4 ← incr 6 ← incr 7 (pending)
  const gens = [full(1, 'accepted'), incr(2, id(1, 'full')), incr(3, id(2, 'incr')), full(4, 'accepted'), diff(5, id(4, 'full')), incr(6, id(5, 'diff')), incr(7, id(6, 'incr'), 'pending')]
  const keep1 = planLocalRetention(gens, 1, NOW)
  t.matchSnapshot(keep1, 'keep 1 with chains')
  t.same(keep1.keep.map(k => k.generation), [id(7, 'incr'), id(6, 'incr'), id(5, 'diff'), id(4, 'full')], 'the incr, the diff it builds on and their full')
  t.same(keep1.delete.map(d => d.generation), [id(3, 'incr'), id(2, 'incr'), id(1, 'full')])
  const keep4 = planLocalRetention(gens, 4, NOW)
  t.same(keep4.delete, [], 'incr 3 (kept) needs incr 2 and full 1')
  t.match(keep4.keep.find(k => k.generation === id(1, 'full'))?.reason, /in the chain of 20261103T030000Z-incr/)
  const broken = planLocalRetention([incr(2, id(1, 'full')), incr(3, id(2, 'incr'))], 1, NOW)
  t.same(broken.keep.map(k => k.generation), [id(3, 'incr'), id(2, 'incr')], 'a chain whose full is gone keeps what it has')
})

t.test('local retention after the clock was set back: what was made since counts as newer than what was dated ahead', async t => {
  // made while the clock ran 10 years ahead: 2036; then the clock was set right and full 1, 2 were made
  const future = (y: number) => ({ generation: `2036110${y}T030000Z-full`, kind: 'full' as const, state: 'accepted' as S })
  const gens = [future(1), future(2), full(1, 'accepted'), full(2, 'accepted')]
  const plan = planLocalRetention(gens, 2, NOW)
  t.same(plan.keep.map(k => k.generation), [id(2, 'full'), id(1, 'full')], 'the two made since the clock was set back are the newest two')
  t.same(plan.delete.map(d => d.generation), ['20361102T030000Z-full', '20361101T030000Z-full'], 'those dated in the future go first')
  t.same(planLocalRetention(gens, 2, new Date('2037-01-01T00:00:00Z')).keep.map(k => k.generation), ['20361102T030000Z-full', '20361101T030000Z-full'], 'once the clock passes them they are the newest again')
})

t.test('local generations: states from markers, unfinished ones removed, links from manifests', async t => {
  const root = t.testdir()
  for (const d of ['20261101T030000Z-full', '20261102T030000Z-full', '20261103T030000Z-incr', `${MAKING_PREFIX}20261104T030000Z-full`, 'not-a-generation']) {
    await fs.mkdir(join(root, d))
  }
  await markGeneration(join(root, '20261101T030000Z-full'), 'accepted', { at: 'x' })
  await markGeneration(join(root, '20261102T030000Z-full'), 'rejected', { code: 'ARRIVAL_HASH_MISMATCH' })
  const list = await listLocalGenerations(root)
  t.same(list.map(l => [l.generation, l.state]), [
    ['20261101T030000Z-full', 'accepted'],
    ['20261102T030000Z-full', 'rejected'],
    ['20261103T030000Z-incr', 'pending'],
  ])
  t.same(await removeUnfinished(root), [`${MAKING_PREFIX}20261104T030000Z-full`])
  await t.rejects(fs.stat(join(root, `${MAKING_PREFIX}20261104T030000Z-full`)))
  t.same(await listLocalGenerations(join(root, 'missing')), [])
  await fs.writeFile(join(root, '20261102T030000Z-full', 'manifest.json'), '{ not json')
  const links = await readLocalLinks(list)
  t.same(links.map(l => [l.generation, l.kind, l.base, l.parent]), [
    ['20261101T030000Z-full', 'full', undefined, undefined],
    ['20261102T030000Z-full', 'full', undefined, undefined],
    ['20261103T030000Z-incr', 'incr', undefined, undefined],
  ], 'without a readable manifest only the kind is known')
})

t.test('an accepted copy is compressed with zstd and its tar removed; a crash in between is finished', async t => {
  const dir = t.testdir({ 'data.tar': 'x'.repeat(100_000) })
  t.equal(await compressLocal(dir), 'compressed')
  t.same((await fs.readdir(dir)).sort(), ['data.tar.zst'])
  t.equal(execFileSync('zstd', ['-d', '-q', '-c', join(dir, 'data.tar.zst')]).toString(), 'x'.repeat(100_000), 'the .zst holds the tar')
  t.equal(await compressLocal(dir), 'none', 'nothing left to do')

  // a crash after the rename left both: the complete .zst stays, data.tar goes
  const both = t.testdir({ 'data.tar': 'y'.repeat(1000), 'data.tar.zst': 'kept as it is' })
  t.equal(await compressLocal(both), 'finished')
  t.same(await fs.readdir(both), ['data.tar.zst'])
  t.equal(await fs.readFile(join(both, 'data.tar.zst'), 'utf8'), 'kept as it is')

  // a crash while compressing left a temp: it is redone
  const half = t.testdir({ 'data.tar': 'z'.repeat(1000), '.data.tar.zst.tmp': 'half' })
  t.equal(await compressLocal(half), 'compressed')
  t.same(await fs.readdir(half), ['data.tar.zst'])
  t.equal(execFileSync('zstd', ['-d', '-q', '-c', join(half, 'data.tar.zst')]).toString(), 'z'.repeat(1000))
})
