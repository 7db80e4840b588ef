import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { describeStatus, hubStatus, serviceState, type HubState } from '../../hub/status.js'
import { writeRecord } from '../../hub/books.js'
import { emptyServiceState, withPin, writeServiceState } from '../../hub/service-state.js'
import { writeServiceStatus } from '../../hub/service-status.js'
import { publishIndex } from '../../hub/index/publish.js'
import type { GenerationRecord } from '../../lib/formats/tree.js'
import { silentLogger } from '../../lib/log.js'
import { keygen, makeHub } from './ingest/kit.js'
import { recordVerify, type ServiceCheck } from '../../hub/verify-record.js'
import { loadHubConfig } from '../../lib/config/hub.js'

const NOW = new Date('2026-11-22T06:00:00.000Z')
const HOUR = 3_600_000

function rec(service: string, generation: string, accepted: string, bytes: number): GenerationRecord {
  return { service, generation, kind: 'full', accepted, files: { 'manifest.json': { bytes: 1000, sha256: 'a'.repeat(64) }, 'data.tar.zst': { bytes, sha256: 'b'.repeat(64) } } }
}

t.test('serviceState: age against the cadence, size, rejects (pure)', async t => {
  const records = [rec('wiki', '20261121T030000Z-full', '2026-11-21T03:00:00.000Z', 1000), rec('wiki', '20261122T030000Z-full', '2026-11-22T03:00:00.000Z', 3000)]
  const s = serviceState('wiki', 24 * HOUR, records, [{ folder: 'a', code: 'ARRIVAL_HASH_MISMATCH', message: 'old', at: '2026-11-20T00:00:00.000Z' }, { folder: 'b', code: 'ARRIVAL_REPLAYED', message: 'new', at: '2026-11-21T00:00:00.000Z' }], NOW)
  t.same(s.last, { generation: '20261122T030000Z-full', accepted: '2026-11-22T03:00:00.000Z', ageMs: 3 * HOUR })
  t.equal(s.late, false)
  t.equal(s.storedBytes, 6000)
  t.equal(s.generations, 2)
  t.equal(s.rejects, 2)
  t.equal(s.lastReject?.code, 'ARRIVAL_REPLAYED', 'the newest reject')
  t.equal(serviceState('wiki', 2 * HOUR, records, [], NOW).late, true, 'late when older than the cadence')
  const never = serviceState('new', HOUR, [], [], NOW)
  t.equal(never.last, null)
  t.equal(never.late, false)
  t.equal(never.lastReject, null)
})

t.test('describeStatus renders a readable table', async t => {
  const state: HubState = {
    now: NOW.toISOString(),
    services: [
      serviceState('blog', HOUR, [rec('blog', '20261122T010000Z-full', '2026-11-22T01:00:00.000Z', 5 * 1024 * 1024)], [{ folder: '20261122T050000Z-full', code: 'ARRIVAL_BAD_SIGNATURE', message: 'manifest.json: the signature does not verify', at: '2026-11-22T05:00:00.000Z' }], NOW, {
        pinned: 2,
        wantFull: 'rejected',
        alerts: ['burst: 9 arrivals in 40m 0s, expected 1 per 1h (more than 4 within 1h is a burst); removals of generations accepted before 2026-11-22T00:40:00.000Z are held'],
      }),
      serviceState('wiki', 24 * HOUR, [rec('wiki', '20261122T030000Z-full', '2026-11-22T03:00:00.000Z', 2048)], [], NOW, undefined, {
        at: '2026-11-22T04:10:00.000Z', mode: 'restore-test', ok: false, generation: '20261122T030000Z-full', problems: 3, first: '/srv/wiki/a.txt: content differs', code: 'VERIFY_FAILED', sealedOnly: false,
      }),
      serviceState('new', 24 * HOUR, [], [], NOW),
    ],
    mirrors: [{ name: 'offsite', path: ['offsite'], serial: null, lagMs: null, lastContact: null, behind: false, note: 'no trace yet' }],
    index: { serial: 7, published: '2026-11-22T03:00:01.000Z' },
    store: { path: '/srv/roost/store', freeBytes: 10 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 },
    verify: {
      schedule: { everyMs: 7 * 24 * HOUR, restoreTest: true, nextDue: '2026-11-29T04:00:00.000Z' },
      last: { 'restore-test': { started: '2026-11-22T04:00:00.000Z', finished: '2026-11-22T04:10:00.000Z', by: 'serve', ok: false, services: 3, failed: 1, error: null } },
    },
  }
  const text = describeStatus(state)
  t.match(text, /blog\s+20261122T010000Z-full\s+5h 0m\s+1h 0m\s+LATE/)
  t.match(text, /offsite\s+-\s+-\s+-\s+no\s+no trace yet/)
  t.match(text, /blog: the hub wants a full \(rejected\)\nblog: ALERT burst: 9 arrivals/)
  t.match(text, /PINNED/)
  t.match(text, /^wiki: VERIFY FAILED \(restore test of 20261122T030000Z-full at 2026-11-22T04:10:00.000Z\): \/srv\/wiki\/a\.txt: content differs \(and 2 more\) \[VERIFY_FAILED\]$/m, 'a failed check: the service and its first difference')
  t.match(text, /^verify: restore test every 7d 0h, next due 2026-11-29T04:00:00.000Z; last restore test 2026-11-22T04:00:00.000Z \(serve\): 1 of 3 services FAILED$/m)
  t.matchSnapshot(text, 'status text')
  t.match(describeStatus({ ...state, services: [], mirrors: [], index: null, verify: { schedule: null, last: {} } }), /no services[\s\S]*verify: not scheduled \(hub\.yaml: verify\)\n[\s\S]*no mirrors[\s\S]*not published yet/)
})

t.test('hubStatus reads the books, rejected/, the index and the disk', async t => {
  const dir = t.testdir()
  const wiki = await keygen(join(dir, 'keys'), 'wiki')
  const blog = await keygen(join(dir, 'keys'), 'blog')
  const hub = await makeHub(join(dir, 'hub'), { wiki: { key: wiki.line, every: '1d' }, blog: { key: blog.line, every: '1h' } }, { offsite: { key: blog.line } })
  for (const r of [rec('wiki', '20261122T030000Z-full', '2026-11-22T03:00:00.000Z', 4000), rec('blog', '20261122T010000Z-full', '2026-11-22T01:00:00.000Z', 9000)]) {
    await writeRecord(hub.paths, r)
    await fs.mkdir(join(hub.paths.store, r.service, r.generation), { recursive: true })
  }
  for (const [name, code, at] of [['20261122T020000Z-full-20261122T020001.000Z', 'ARRIVAL_HASH_MISMATCH', '2026-11-22T02:00:01.000Z'], ['20261122T040000Z-full-20261122T040001.000Z', 'ARRIVAL_BAD_SIGNATURE', '2026-11-22T04:00:01.000Z']] as const) {
    await fs.mkdir(join(hub.paths.rejected, 'blog', name), { recursive: true })
    await fs.writeFile(join(hub.paths.rejected, 'blog', name, 'reason.json'), JSON.stringify({ code, message: `because ${code}`, at, service: 'blog', folder: name.slice(0, 21) }))
  }
  await fs.mkdir(join(hub.paths.rejected, 'blog', 'no-reason'), { recursive: true })
  await publishIndex({ paths: hub.paths, config: hub.config, indexKey: hub.indexKey.key, now: NOW, log: silentLogger() })
  await writeServiceState(hub.paths, withPin(emptyServiceState('wiki'), '20261122T030000Z-full', NOW, 'keep'))
  await writeServiceStatus(hub.paths, 'wiki', { kind: 'want-full', reason: 'reset' }, NOW)

  const out = await hubStatus(hub.paths, hub.config, NOW)
  const s = out.json as HubState
  t.same(s.services.map(x => x.name), ['blog', 'wiki'])
  const [b, w] = s.services
  t.equal(w!.late, false)
  t.equal(w!.storedBytes, 5000)
  t.equal(w!.everyMs, 24 * HOUR)
  t.equal(b!.late, true, 'blog is 5 h old against a 1 h cadence')
  t.equal(b!.rejects, 3)
  t.equal(b!.lastReject?.code, 'ARRIVAL_BAD_SIGNATURE')
  t.same([w!.pinned, w!.wantFull, w!.alerts], [1, 'reset', []], 'pins and the request for a full, from the service state and status.json')
  t.same([b!.pinned, b!.wantFull], [0, null])
  t.same(s.mirrors, [{ name: 'offsite', path: ['offsite'], serial: null, lagMs: null, lastContact: null, behind: false, note: 'no trace yet' }])
  t.equal(s.index?.serial, 1)
  t.ok(s.store.freeBytes > 0 && s.store.totalBytes >= s.store.freeBytes, 'disk space of the store')
  t.match(out.text, /SERVICE\s+LAST GENERATION/)
  t.match(out.text, /index: serial 1/)
  t.match(out.text, /ARRIVAL_BAD_SIGNATURE/)
})

t.test('hubStatus shows a burst of arrivals, and a service whose retention cannot be planned', async t => {
  const dir = t.testdir()
  const wiki = await keygen(join(dir, 'keys'), 'wiki')
  const hub = await makeHub(join(dir, 'hub'), { wiki: { key: wiki.line, every: '1d' }, blog: { key: wiki.line } })
  for (let i = 0; i < 6; i++) {
    const r = rec('wiki', `20261122T0${i}0000Z-full`, `2026-11-22T0${i}:00:00.000Z`, 10)
    await writeRecord(hub.paths, r)
    await fs.mkdir(join(hub.paths.store, 'wiki', r.generation), { recursive: true })
  }
  await fs.mkdir(join(hub.paths.state, 'services'), { recursive: true })
  await fs.writeFile(join(hub.paths.state, 'services', 'blog.json'), '{damaged')
  const out = await hubStatus(hub.paths, hub.config, NOW)
  const [blog, w] = (out.json as HubState).services
  t.equal(w!.alerts.length, 1)
  t.match(w!.alerts[0], /^burst: 6 arrivals in 5h 0m, expected 1 per 1d/)
  t.match(out.text, /wiki: ALERT burst: 6 arrivals/)
  t.match(blog!.alerts[0], /^retention cannot be planned: .*blog\.json: not JSON/, 'the other services are still shown')
})

t.test('hubStatus shows the recorded store checks and when the next scheduled one is due', async t => {
  const dir = t.testdir()
  const wiki = await keygen(join(dir, 'keys'), 'wiki')
  const hub = await makeHub(join(dir, 'hub'), { wiki: { key: wiki.line }, blog: { key: wiki.line } })
  await fs.appendFile(join(hub.root, 'hub.yaml'), 'verify: { every: 2d }\n')
  const { config, paths } = await loadHubConfig(join(hub.root, 'hub.yaml'))
  const bad: ServiceCheck = { at: '2026-11-22T05:00:00.000Z', mode: 'restore-test', ok: false, generation: null, problems: 1, first: 'store/wiki/g/data.tar: sha256 differs\nmore', code: 'HASH_MISMATCH', sealedOnly: false }
  const run = { started: '2026-11-22T04:00:00.000Z', finished: '2026-11-22T05:00:00.000Z', by: 'serve' as const, ok: false, services: 1, failed: 1, error: null }
  await recordVerify(paths, { mode: 'restore-test', results: { wiki: bad }, run })
  const out = await hubStatus(paths, config, NOW)
  const s = out.json as HubState
  t.same(s.services.map(x => [x.name, x.verify]), [['blog', null], ['wiki', bad]], 'per service, as recorded')
  t.same(s.verify, { schedule: { everyMs: 2 * 24 * HOUR, restoreTest: true, nextDue: '2026-11-24T04:00:00.000Z' }, last: { 'restore-test': run } })
  t.match(out.text, /^wiki: VERIFY FAILED \(restore test at 2026-11-22T05:00:00.000Z\): store\/wiki\/g\/data\.tar: sha256 differs \[HASH_MISMATCH\]$/m)
  const off = await hubStatus(paths, { ...config, verify: undefined }, NOW)
  t.equal((off.json as HubState).verify.schedule, null, 'not scheduled without hub.yaml verify')
  t.match(off.text, /^verify: not scheduled \(hub\.yaml: verify\); last restore test 2026-11-22T04:00:00\.000Z \(serve\): 1 of 1 services FAILED$/m)
})
