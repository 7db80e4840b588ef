/**
 * Retention on a real hub layout with real generations (tar, zstd, signed manifests) ingested
 * through ingestArrival: what an accept prunes, what pin/unpin/reset do, and what a prune
 * leaves on disk (store, books, status.json, TREE.json, staging).
 */
import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { ingestArrival, type IngestOutcome } from '../../../hub/ingest/ingest.js'
import type { IngestContext } from '../../../hub/ingest/accept.js'
import { writeRecord, readServiceBooks, booksDir } from '../../../hub/books.js'
import { pinGeneration, unpinGeneration } from '../../../hub/pin.js'
import { resetService } from '../../../hub/reset.js'
import { pruneHub, type PruneReport } from '../../../hub/retention/command.js'
import { parseServiceStatus } from '../../../lib/formats/status.js'
import { openTree } from '../../../lib/formats/tree.js'
import { isRoostError } from '../../../lib/errors.js'
import { silentLogger } from '../../../lib/log.js'
import type { Kind } from '../../../lib/formats/names.js'
import { keygen, makeHub, makeTar, manifestFor, placeArrival, signedManifest, type TestHub, type TestKey, type TestTar } from '../ingest/kit.js'

const DAY = 86_400_000
const ONLY_LAST = { keepLast: 1, daily: 0, weekly: 0, monthly: 0, yearly: 0 }

const dir = t.testdir()
const wiki = await keygen(join(dir, 'keys'), 'wiki')
const tar = await makeTar(dir, 'small', 16 * 1024)

interface Rig {
  hub: TestHub
  c: IngestContext
  clock: { now: Date }
  deliver(gen: string, kind: Kind, builds?: string, label?: string): Promise<IngestOutcome>
  status(): Promise<ReturnType<typeof parseServiceStatus>>
  stored(): Promise<string[]>
  tree(): Promise<{ serial: number; generations: string[] }>
}

async function rig(t: Test, retention: Record<string, number | string>, retain = true): Promise<Rig> {
  const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line, retention } })
  const clock = { now: new Date('2026-11-01T03:00:00.000Z') }
  const c: IngestContext = { paths: hub.paths, config: hub.config, indexKey: hub.indexKey.key, log: silentLogger(), now: () => clock.now, retain }
  return {
    hub,
    c,
    clock,
    async deliver(gen, kind, builds, label) {
      clock.now = new Date(clock.now.getTime() + DAY)
      const m = manifestFor('wiki', gen, tar as TestTar, { kind, base: kind === 'diff' ? builds! : null, parent: kind === 'incr' ? builds! : null, ...(label ? { label } : {}) })
      await placeArrival(hub.paths, 'wiki', gen, { tar: tar.path, manifest: signedManifest(wiki as TestKey, m).text })
      return ingestArrival({ ...c, config: hub.config }, 'wiki', gen)
    },
    async status() {
      return parseServiceStatus(await fs.readFile(join(hub.paths.store, 'wiki', 'status.json'), 'utf8'))
    },
    async stored() {
      return (await fs.readdir(join(hub.paths.store, 'wiki'))).filter(n => n !== 'status.json').sort()
    },
    async tree() {
      const [bytes, signature] = await Promise.all([fs.readFile(join(hub.paths.store, 'TREE.json')), fs.readFile(join(hub.paths.store, 'TREE.json.sig'), 'utf8')])
      const tree = openTree({ bytes, signature }, hub.indexKey.key.public)
      return { serial: tree.serial, generations: Object.keys(tree.services.wiki?.generations ?? {}).sort() }
    },
  }
}

const F1 = '20261101T030000Z-full'
const I1 = '20261102T030000Z-incr'
const F2 = '20261103T030000Z-full'
const I2 = '20261104T030000Z-incr'

t.test('each accept applies the service retention: older chains go, the index and status.json follow', async t => {
  const r = await rig(t, ONLY_LAST)
  t.equal((await r.deliver(F1, 'full')).outcome, 'accepted')
  t.equal((await r.deliver(I1, 'incr', F1)).outcome, 'accepted')
  t.same(await r.stored(), [F1, I1], 'the incr keeps the full it builds on')
  const before = await r.tree()
  t.equal((await r.deliver(F2, 'full')).outcome, 'accepted')
  t.same(await r.stored(), [F2], 'a new full: the old chain is removed')
  t.same((await readServiceBooks(r.hub.paths, 'wiki')).map(x => x.generation), [F2])
  t.same(await fs.readdir(booksDir(r.hub.paths, 'wiki')), [`${F2}.json`], 'their books records are deleted')
  const tree = await r.tree()
  t.same(tree.generations, [F2], 'TREE.json lists only what is stored')
  t.ok(tree.serial > before.serial + 1, 'the index was republished after the prune')
  t.equal((await r.status()).generations, 1)
  t.same(await fs.readdir(r.hub.paths.staging), [], 'the removed folders are deleted')
  const record = JSON.parse(await fs.readFile(join(booksDir(r.hub.paths, 'wiki'), `${F2}.json`), 'utf8'))
  t.same([record.base, record.parent], [null, null], 'the books record what a generation builds on')
})

t.test('with retain off (hub import), an accept removes nothing', async t => {
  const r = await rig(t, ONLY_LAST, false)
  await r.deliver(F1, 'full')
  await r.deliver(F2, 'full')
  t.same(await r.stored(), [F1, F2])
})

t.test('reset: diffs and incrs are refused until a full arrives; nothing builds on the archive after', async t => {
  const r = await rig(t, {})
  await r.deliver(F1, 'full')
  const configFile = join(r.hub.root, 'hub.yaml')
  r.clock.now = new Date(r.clock.now.getTime() + DAY / 2)
  const reset = await resetService({ configFile, service: 'wiki', now: r.clock.now })
  t.same([reset.archived, reset.archiveUntil], [1, new Date(r.clock.now.getTime() + 90 * DAY).toISOString()])
  t.same([(await r.status()).wantFull, (await r.status()).wantFullReason], [true, 'reset'])

  const refused = await r.deliver(I1, 'incr', F1)
  t.equal(refused.outcome === 'rejected' && refused.code, 'ARRIVAL_FULL_REQUIRED')
  t.match(refused.outcome === 'rejected' && refused.message, /the hub wants a full because the service was reset at /)
  t.same([(await r.status()).wantFull, (await r.status()).wantFullReason], [true, 'reset'], 'still wanted, for the same reason')

  t.equal((await r.deliver(F2, 'full')).outcome, 'accepted')
  t.same([(await r.status()).wantFull, (await r.status()).wantFullReason], [false, null], 'an accepted full clears the request')

  const onArchive = await r.deliver('20261105T030000Z-diff', 'diff', F1)
  t.equal(onArchive.outcome === 'rejected' && onArchive.code, 'ARRIVAL_MISSING_BASE')
  t.match(onArchive.outcome === 'rejected' && onArchive.message, /belongs to its archive/)
  t.equal((await r.status()).wantFullReason, 'missing-base')
  await r.deliver('20261106T030000Z-full', 'full')
  t.equal((await r.deliver('20261107T030000Z-incr', 'incr', '20261106T030000Z-full')).outcome, 'accepted', 'a chain on the new full is fine')
  t.ok((await r.stored()).includes(F1), 'the archive is kept for `archive` (90 days by default)')
})

t.test('pin, unpin and prune by hand', async t => {
  const r = await rig(t, { keepLast: 5, daily: 0, weekly: 0, monthly: 0, yearly: 0 })
  for (const [g, k, b] of [[F1, 'full'], [I1, 'incr', F1], [F2, 'full']] as Array<[string, Kind, string?]>) await r.deliver(g, k, b)
  await r.deliver(I2, 'incr', F2, 'pre-update')
  const configFile = join(r.hub.root, 'hub.yaml')
  // tighten retention by hand, as an operator edits hub.yaml
  await r.hub.setServices({ wiki: { key: wiki.line, retention: ONLY_LAST } })
  const now = r.clock.now

  const dry = await pruneHub({ configFile, dryRun: true, log: silentLogger(), now })
  const plan = (dry.json as PruneReport).services[0]!
  t.same(plan.remove.map(x => x.generation), [F1, I1])
  t.same(plan.keep.map(x => [x.generation, x.reasons]), [[F2, [`needed by ${I2}`]], [I2, ['newest', 'last 1']]])
  t.same(await r.stored(), [F1, I1, F2, I2], 'a dry run changes nothing')
  t.matchSnapshot(dry.text, 'dry-run text')
  t.equal(plan.keep[1]!.label, 'pre-update', 'the books carry the label')

  const pin = await pinGeneration({ configFile, service: 'wiki', generation: I1, note: 'keep me', now })
  t.same([pin.pinned, pin.changed, pin.note], [true, true, 'keep me'])
  t.equal((await pinGeneration({ configFile, service: 'wiki', generation: I1, note: 'keep me', now })).changed, false, 'pinning again changes nothing')
  const pinned = ((await pruneHub({ configFile, dryRun: true, log: silentLogger(), now })).json as PruneReport).services[0]!
  t.same(pinned.remove, [], 'the pinned incr keeps itself and the full it builds on')
  t.same(pinned.keep.find(x => x.generation === F1)?.reasons, [`needed by ${I1}`])

  t.ok(isRoostError(await pinGeneration({ configFile, service: 'wiki', generation: '20261201T030000Z-full', now }).catch(e => e), 'GENERATION_NOT_FOUND'))
  t.ok(isRoostError(await pinGeneration({ configFile, service: 'nobody', generation: F1, now }).catch(e => e), 'SERVICE_UNKNOWN'))
  t.ok(isRoostError(await pinGeneration({ configFile, service: 'wiki', generation: '../x', now }).catch(e => e), 'USAGE'))

  t.same((await unpinGeneration({ configFile, service: 'wiki', generation: I1, now })).changed, true)
  t.same((await unpinGeneration({ configFile, service: 'wiki', generation: I1, now })).changed, false, 'unpinning again changes nothing')
  t.ok(isRoostError(await unpinGeneration({ configFile, service: 'wiki', generation: '20261201T030000Z-full', now }).catch(e => e), 'GENERATION_NOT_FOUND'))

  const serial = (await r.tree()).serial
  const done = ((await pruneHub({ configFile, dryRun: false, log: silentLogger(), now })).json as PruneReport).services[0]!
  t.same(done.removed, [F1, I1])
  t.equal(done.serial, serial + 1, 'the index is republished once')
  t.same(await r.stored(), [F2, I2])
  t.same((await r.tree()).generations, [F2, I2])
  t.equal((await r.status()).generations, 2)
  const again = ((await pruneHub({ configFile, service: 'wiki', dryRun: false, log: silentLogger(), now })).json as PruneReport).services[0]!
  t.same([again.removed, again.serial], [[], null], 'a second prune has nothing to do and publishes nothing')
  t.ok(isRoostError(await pruneHub({ configFile, service: 'nobody', dryRun: true, log: silentLogger(), now }).catch(e => e), 'SERVICE_UNKNOWN'))
})

t.test('a prune a crash cut short: a record without its store folder is skipped, then deleted', async t => {
  const r = await rig(t, {})
  await r.deliver(F1, 'full')
  const ghost = '20261020T030000Z-full'
  await writeRecord(r.hub.paths, { service: 'wiki', generation: ghost, kind: 'full', accepted: '2026-10-20T03:00:09.000Z', files: { 'manifest.json': { bytes: 1, sha256: 'a'.repeat(64) } } })
  t.same((await readServiceBooks(r.hub.paths, 'wiki')).map(x => x.generation), [F1], 'readers skip it')
  await pruneHub({ configFile: join(r.hub.root, 'hub.yaml'), dryRun: false, log: silentLogger(), now: r.clock.now })
  t.same(await fs.readdir(booksDir(r.hub.paths, 'wiki')), [`${F1}.json`], 'the next prune deletes it')
})
