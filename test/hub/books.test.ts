import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { readAllBooks, readServiceBooks, recordBytes, totalBytes, writeRecord, booksDir, deleteRecord, orphanRecords } from '../../hub/books.js'
import type { GenerationRecord } from '../../lib/formats/tree.js'
import type { HubPaths } from '../../lib/config/hub.js'
import { isRoostError } from '../../lib/errors.js'

function paths(root: string): HubPaths {
  return { config: join(root, 'hub.yaml'), root, hostKey: '', indexKey: '', accounts: join(root, 'accounts'), store: join(root, 'store'), rejected: join(root, 'rejected'), staging: join(root, 'staging'), state: join(root, 'state') }
}

function rec(service: string, generation: string, accepted: string, bytes = 100): GenerationRecord {
  return { service, generation, kind: 'full', accepted, files: { 'manifest.json': { bytes: 10, sha256: 'a'.repeat(64) }, 'data.tar.zst': { bytes, sha256: 'b'.repeat(64) } } }
}

async function keep(p: HubPaths, r: GenerationRecord): Promise<void> {
  await writeRecord(p, r)
  await fs.mkdir(join(p.store, r.service, r.generation), { recursive: true })
}

t.test('records are read back sorted by acceptance on the hub clock, then by id', async t => {
  const p = paths(t.testdir())
  await keep(p, rec('wiki', '20261124T030000Z-full', '2026-11-22T05:00:00.000Z'))
  await keep(p, rec('wiki', '20261122T030000Z-full', '2026-11-22T04:00:00.000Z'))
  await keep(p, rec('wiki', '20261123T030000Z-full', '2026-11-22T04:00:00.000Z'))
  await keep(p, rec('blog', '20261122T030000Z-full', '2026-11-22T04:00:00.000Z', 7))
  const wiki = await readServiceBooks(p, 'wiki')
  t.same(wiki.map(r => r.generation), ['20261122T030000Z-full', '20261123T030000Z-full', '20261124T030000Z-full'])
  t.equal((await fs.stat(join(booksDir(p, 'wiki'), '20261122T030000Z-full.json'))).mode & 0o777, 0o600)
  t.same((await readAllBooks(p)).map(r => r.service), ['blog', 'wiki', 'wiki', 'wiki'])
  t.equal(recordBytes(wiki[0]!), 110)
  t.equal(totalBytes(await readAllBooks(p)), 3 * 110 + 17)
  t.same(await readServiceBooks(p, 'nobody'), [], 'no books: no records')
})

t.test('a record whose generation is not in the store (a crash before the rename) is skipped', async t => {
  const p = paths(t.testdir())
  await keep(p, rec('wiki', '20261122T030000Z-full', '2026-11-22T04:00:00.000Z'))
  await writeRecord(p, rec('wiki', '20261123T030000Z-full', '2026-11-22T05:00:00.000Z'))
  t.same((await readServiceBooks(p, 'wiki')).map(r => r.generation), ['20261122T030000Z-full'])
})

t.test('a damaged record is an error naming its file', async t => {
  const p = paths(t.testdir())
  await keep(p, rec('wiki', '20261122T030000Z-full', '2026-11-22T04:00:00.000Z'))
  const file = join(booksDir(p, 'wiki'), '20261123T030000Z-full.json')
  await fs.writeFile(file, '{not json')
  const err = await readServiceBooks(p, 'wiki').catch(e => e)
  t.ok(isRoostError(err, 'INDEX_INVALID'))
  t.match(err.message, file)
  await fs.writeFile(file, JSON.stringify(rec('wiki', '20261122T030000Z-full', '2026-11-22T04:00:00.000Z')))
  t.ok(isRoostError(await readServiceBooks(p, 'wiki').catch(e => e), 'INDEX_INVALID'), 'a record filed under another generation')
})

t.test('refuses to write an invalid record', async t => {
  const p = paths(t.testdir())
  await t.rejects(writeRecord(p, { ...rec('wiki', '20261122T030000Z-full', 'yesterday') }))
})

t.test('a record carries base, parent and label; records written before them still parse', async t => {
  const p = paths(t.testdir())
  const old = rec('wiki', '20261122T030000Z-full', '2026-11-22T04:00:00.000Z')
  await keep(p, old)
  const incr = { ...rec('wiki', '20261123T030000Z-incr', '2026-11-23T04:00:00.000Z'), kind: 'incr' as const, base: null, parent: '20261122T030000Z-full', label: 'pre-update' }
  await keep(p, incr)
  const [a, b] = await readServiceBooks(p, 'wiki')
  t.same(a, old, 'an old record: no base, parent or label')
  t.same([b!.base, b!.parent, b!.label], [null, '20261122T030000Z-full', 'pre-update'])
  await t.rejects(writeRecord(p, { ...incr, parent: '../../etc' }), 'a parent that is not a generation id is refused')
  await t.rejects(writeRecord(p, { ...incr, label: 'has space' }), 'so is a bad label')
})

t.test('deleteRecord removes one record; orphanRecords finds records whose store folder is gone', async t => {
  const p = paths(t.testdir())
  await keep(p, rec('wiki', '20261122T030000Z-full', '2026-11-22T04:00:00.000Z'))
  await keep(p, rec('wiki', '20261123T030000Z-full', '2026-11-23T04:00:00.000Z'))
  t.same(await orphanRecords(p, 'wiki'), [])
  await fs.rm(join(p.store, 'wiki', '20261122T030000Z-full'), { recursive: true })
  t.same(await orphanRecords(p, 'wiki'), ['20261122T030000Z-full'])
  await deleteRecord(p, 'wiki', '20261122T030000Z-full')
  await deleteRecord(p, 'wiki', '20261122T030000Z-full')
  t.same(await fs.readdir(booksDir(p, 'wiki')), ['20261123T030000Z-full.json'], 'deleting twice is fine')
  await t.rejects(deleteRecord(p, 'wiki', '../x'), 'only generation ids become paths')
})
