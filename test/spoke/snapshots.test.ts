import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { makeServiceTree } from '../helpers/fixtures.js'
import { makeArchive } from '../../spoke/archive.js'
import { adoptSnapshot, listSnapshots, planSnapshotPrune, prepareSnapshot, pruneSnapshots, snapshotPath } from '../../spoke/snapshots.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { silentLogger } from '../../lib/log.js'
import { SNAPSHOT } from '../../lib/layout.js'
import { changeTree, replay } from './chain-fixture.js'

type S = 'pending' | 'accepted' | 'rejected'
const NOW = new Date('2026-12-01T00:00:00Z')
const g = (day: number, kind: string, state: S = 'accepted', hasSnapshot = true) => ({ generation: `202611${String(day).padStart(2, '0')}T030000Z-${kind}`, kind, state, hasSnapshot })

t.test('snapshot pruning keeps what the next diff or incr builds on (golden)', async t => {
  const gens = [g(1, 'full'), g(2, 'incr'), g(3, 'incr', 'accepted', false), g(8, 'full'), g(9, 'incr'), g(10, 'diff'), g(11, 'incr', 'rejected'), g(12, 'incr', 'pending')]
  const plan = planSnapshotPrune(gens, NOW)
  t.matchSnapshot(plan, 'plan')
  t.same(plan.keep.map(k => k.generation).sort(), [g(8, 'full'), g(10, 'diff'), g(12, 'incr')].map(x => x.generation), 'the newest full, the newest accepted, the pending one')
  t.same(plan.delete.map(d => d.generation).sort(), [g(1, 'full'), g(2, 'incr'), g(9, 'incr'), g(11, 'incr')].map(x => x.generation))
  const rejectedFull = planSnapshotPrune([g(1, 'full'), g(2, 'incr'), g(3, 'full', 'rejected')], NOW)
  t.same(rejectedFull.keep.map(k => k.generation), [g(2, 'incr').generation, g(1, 'full').generation], 'a rejected full does not retire the chain before it')
  t.same(planSnapshotPrune([], NOW), { keep: [], delete: [] })
})

t.test('snapshot pruning after the clock was set back: the chain made since is kept, the future-dated one too', async t => {
  // a full and an incr dated 2036 (the clock ran ahead), then the clock set right: full 1, incr 2
  const ahead = (d: number, kind: string) => ({ generation: `203611${String(d).padStart(2, '0')}T030000Z-${kind}`, kind, state: 'accepted' as S, hasSnapshot: true })
  const plan = planSnapshotPrune([ahead(1, 'full'), ahead(2, 'incr'), g(1, 'full'), g(2, 'incr')], NOW)
  t.same(plan.keep.map(k => k.generation), [g(2, 'incr').generation, g(1, 'full').generation, ahead(2, 'incr').generation, ahead(1, 'full').generation], "today's full and incr are what the next run builds on; the future-dated ones are kept for a clock set wrong")
  t.same(plan.delete, [], 'nothing deleted: before this, the full made today was dropped as older than the 2036 full, and every run made a full')
  t.match(plan.keep.find(k => k.generation === ahead(1, 'full').generation)?.reason, /ahead of this host's clock/)
  const later = planSnapshotPrune([ahead(1, 'full'), ahead(2, 'incr'), g(1, 'full'), g(2, 'incr')], new Date('2037-01-01T00:00:00Z'))
  t.same(later.delete.map(d => d.generation).sort(), [g(1, 'full').generation, g(2, 'incr').generation], 'once the clock passes them, the usual rules')
})

t.test('full then incr with tar snapshots: the incr holds only the changes, and the replay equals the source', async t => {
  const dir = t.testdir()
  const src = join(dir, 'srv', 'wiki')
  await makeServiceTree(src, { seed: 'snap', largeBytes: 2 * 1024 * 1024 })
  const snaps = join(dir, 'snapshots')
  const log = silentLogger()

  const full = join(dir, '20261101T030000Z-full')
  await fs.mkdir(full)
  const fullSnap = await prepareSnapshot(snaps, { kind: 'full', base: null, parent: null }, full)
  t.equal(fullSnap, join(full, SNAPSHOT))
  t.notOk(await fs.stat(fullSnap).catch(() => undefined), 'a full starts without a snapshot (level 0)')
  const a = await makeArchive({ sources: [src], excludes: [], dir: full, snapshot: fullSnap }, log)
  t.ok(await adoptSnapshot(snaps, full, '20261101T030000Z-full'), 'the snapshot is moved to the kept ones')
  t.notOk(await adoptSnapshot(snaps, full, '20261101T030000Z-full'), 'a second adopt finds nothing to move')
  t.same([...(await listSnapshots(snaps))], ['20261101T030000Z-full'])

  await changeTree(src, 'day02')
  const incr = join(dir, '20261102T030000Z-incr')
  await fs.mkdir(incr)
  const incrSnap = await prepareSnapshot(snaps, { kind: 'incr', base: null, parent: '20261101T030000Z-full' }, incr)
  const kept = await fs.readFile(snapshotPath(snaps, '20261101T030000Z-full'))
  const b = await makeArchive({ sources: [src], excludes: [], dir: incr, snapshot: incrSnap }, log)
  t.ok(b.bytes < a.bytes / 10, `the incr (${b.bytes} bytes) is far smaller than the full (${a.bytes} bytes)`)
  t.same(await fs.readFile(snapshotPath(snaps, '20261101T030000Z-full')), kept, "tar updated the copy, never the full's kept snapshot")
  await adoptSnapshot(snaps, incr, '20261102T030000Z-incr')

  const out = join(dir, 'restored')
  await fs.mkdir(out)
  replay([a.path, b.path], out)
  t.same(await compareTrees(src, join(out, src.slice(1)), { owners: false }), [], 'full + incr replayed equals the changed source (deleted and renamed files too)')

  await pruneSnapshots(snaps, [{ generation: '20261101T030000Z-full', reason: 'test' }])
  t.same([...(await listSnapshots(snaps))], ['20261102T030000Z-incr'])
  await t.rejects(prepareSnapshot(snaps, { kind: 'diff', base: '20261101T030000Z-full', parent: null }, join(dir, 'x')), { code: 'ENOENT' }, 'a diff cannot be prepared without its base snapshot')
})
