import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { nextStatus, readServiceStatus, statusPath, writeServiceStatus } from '../../hub/service-status.js'
import { writeRecord } from '../../hub/books.js'
import { parseServiceStatus } from '../../lib/formats/status.js'
import type { GenerationRecord } from '../../lib/formats/tree.js'
import type { HubPaths } from '../../lib/config/hub.js'

const NOW = new Date('2026-11-22T06:00:00.000Z')
const G1 = '20261122T030000Z-full'
const G2 = '20261122T040000Z-incr'

function rec(generation: string, accepted: string): GenerationRecord {
  return { service: 'wiki', generation, kind: generation.endsWith('full') ? 'full' : 'incr', accepted, files: { 'manifest.json': { bytes: 10, sha256: 'a'.repeat(64) }, 'data.tar.zst': { bytes: 90, sha256: 'b'.repeat(64) } } }
}
const records = [rec(G1, '2026-11-22T03:00:09.000Z'), rec(G2, '2026-11-22T04:00:09.000Z')]
const reject = { kind: 'rejected' as const, generation: '20261122T050000Z-incr', at: NOW, code: 'ARRIVAL_HASH_MISMATCH', message: 'bad hash', wantFull: null }

t.test('nextStatus: the newest accepted generation, and what the last event says', async t => {
  const fresh = nextStatus('wiki', undefined, [], undefined, NOW)
  t.same(fresh, { format: 'roost-status/1', service: 'wiki', updated: NOW.toISOString(), last: null, lastReject: null, wantFull: false, wantFullReason: null, generations: 0 })
  const rejected = nextStatus('wiki', fresh, records, reject, NOW)
  t.same(rejected.last, { generation: G2, accepted: '2026-11-22T04:00:09.000Z', bytes: 100 })
  t.same(rejected.lastReject, { generation: '20261122T050000Z-incr', at: NOW.toISOString(), code: 'ARRIVAL_HASH_MISMATCH', message: 'bad hash' })
  t.equal(rejected.wantFull, false, 'a rejection that names no reason leaves the request as it is')
  const broken = nextStatus('wiki', rejected, records, { ...reject, code: 'ARRIVAL_MISSING_BASE', wantFull: 'missing-base' }, NOW)
  t.equal(broken.wantFull, true, 'a broken chain asks for a full')
  t.equal(broken.wantFullReason, 'missing-base', 'and says why')
  const later = nextStatus('wiki', broken, records, { ...reject, wantFull: 'rejected' }, NOW)
  t.equal(later.wantFullReason, 'missing-base', 'a later rejection keeps the first reason')
  const incr = nextStatus('wiki', broken, records, { kind: 'accepted', generation: G2, full: false }, NOW)
  t.equal(incr.lastReject, null, 'an accept clears the last reject')
  t.equal(incr.wantFull, true, 'only a full answers the request for one')
  t.equal(incr.wantFullReason, 'missing-base')
  const full = nextStatus('wiki', incr, records, { kind: 'accepted', generation: G1, full: true }, NOW)
  t.equal(full.wantFull, false)
  t.equal(full.wantFullReason, null, 'an accepted full clears the reason too')
  const reset = nextStatus('wiki', full, records, { kind: 'want-full', reason: 'reset' }, NOW)
  t.same([reset.wantFull, reset.wantFullReason], [true, 'reset'], 'a reset asks for a full')
  t.equal(nextStatus('wiki', broken, records, { kind: 'want-full', reason: 'reset' }, NOW).wantFullReason, 'reset', 'a reset names itself the reason of a standing request')
  t.equal(nextStatus('wiki', broken, records, undefined, NOW).wantFull, true, 'a refresh keeps the request')
  const old = { ...broken, wantFull: true } as Record<string, unknown>
  delete old.wantFullReason
  t.same(parseServiceStatus(JSON.stringify(old)).wantFullReason, undefined, 'a status.json written before wantFullReason still parses')
  t.equal(nextStatus('wiki', parseServiceStatus(JSON.stringify(old)), records, undefined, NOW).wantFullReason, null, 'and its request has no reason')
  t.equal(nextStatus('wiki', fresh, records, { ...reject, generation: 'x'.repeat(300), message: 'm'.repeat(5000) }, NOW).lastReject?.generation.length, 256, 'long names are cut to fit the schema')
})

t.test('writeServiceStatus writes store/<svc>/status.json from the books, 0644', async t => {
  const root = t.testdir()
  const paths: HubPaths = { config: '', root, hostKey: '', indexKey: '', accounts: join(root, 'accounts'), store: join(root, 'store'), rejected: '', staging: '', state: join(root, 'state') }
  for (const r of records) {
    await writeRecord(paths, r)
    await fs.mkdir(join(paths.store, 'wiki', r.generation), { recursive: true })
  }
  t.equal(await readServiceStatus(paths, 'wiki'), undefined, 'none yet')
  await writeServiceStatus(paths, 'wiki', reject, NOW)
  const written = parseServiceStatus(await fs.readFile(statusPath(paths, 'wiki'), 'utf8'))
  t.equal(written.generations, 2)
  t.equal(written.last?.generation, G2)
  t.equal(written.lastReject?.code, 'ARRIVAL_HASH_MISMATCH')
  t.equal((await fs.stat(statusPath(paths, 'wiki'))).mode & 0o777, 0o644)
  const again = await writeServiceStatus(paths, 'wiki', undefined, NOW)
  t.equal(again.lastReject?.code, 'ARRIVAL_HASH_MISMATCH', 'the previous status carries over')
  await fs.writeFile(statusPath(paths, 'wiki'), 'garbage')
  t.equal(await readServiceStatus(paths, 'wiki'), undefined, 'an unreadable status.json is rewritten whole')
  t.equal((await writeServiceStatus(paths, 'wiki', undefined, NOW)).generations, 2)
})
