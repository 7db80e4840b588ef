import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { asksForFull, checkOfDrill, checksOfRehash, emptyVerifyState, lastRunStart, readVerifyState, recordVerify, withOutcome, type ServiceCheck, type VerifyRun } from '../../hub/verify-record.js'
import type { HubPaths } from '../../lib/config/hub.js'

const AT = new Date('2026-11-22T06:00:00.000Z')
const ok = (): ServiceCheck => ({ at: AT.toISOString(), mode: 'restore-test', ok: true, generation: `20261122T030000Z-full`, problems: 0, first: null, code: null, sealedOnly: false })
const run = (started: string, extra: Partial<VerifyRun> = {}): VerifyRun => ({ started, finished: started, by: 'serve', ok: true, services: 1, failed: 0, error: null, ...extra })

t.test('checkOfDrill: a passed drill, one with differences (the first named), one that could not finish', async t => {
  const base = { service: 'wiki', generation: 'g1', source: 's', chain: ['g1'], entries: 3, files: 2, bytes: 10, ms: 5, sealedOnly: false }
  t.same(checkOfDrill({ ...base, ok: true, differences: [] }, AT), { at: AT.toISOString(), mode: 'restore-test', ok: true, generation: 'g1', problems: 0, first: null, code: null, sealedOnly: false })
  t.match(checkOfDrill({ ...base, ok: false, differences: [{ path: 'srv/a', what: 'missing' }, { path: 'srv/b', what: 'mode differs' }] }, AT), { ok: false, problems: 2, first: '/srv/a: missing', code: 'VERIFY_FAILED' })
  t.match(checkOfDrill({ ok: false, service: 'wiki', error: { code: 'HASH_MISMATCH', message: 'x'.repeat(5000), exitCode: 3 } }, AT), { ok: false, generation: null, problems: 1, code: 'HASH_MISMATCH', first: /^x{4095}…$/ })
})

t.test('checksOfRehash: each checked service, the first damaged file of a damaged one', async t => {
  const problems = [{ service: 'wiki', generation: 'g2', path: '/s/wiki/g2/data.tar', what: 'sha256 differs' as const }, { service: 'wiki', generation: 'g3', path: '/s/wiki/g3/data.tar', what: 'missing' as const }]
  const c = checksOfRehash({ ok: false, services: 2, generations: 4, files: 8, bytes: 1, problems, checked: ['blog', 'wiki'] }, AT)
  t.same(Object.keys(c), ['blog', 'wiki'])
  t.match(c.blog, { mode: 'rehash', ok: true, first: null })
  t.match(c.wiki, { mode: 'rehash', ok: false, generation: 'g2', problems: 2, first: '/s/wiki/g2/data.tar: sha256 differs', code: 'VERIFY_FAILED' })
})

t.test('withOutcome: a run over every service replaces every result; one service only its own; the last run per kind', async t => {
  let s = withOutcome(emptyVerifyState(), { mode: 'restore-test', results: { wiki: ok(), gone: ok() }, run: run('2026-11-01T00:00:00.000Z') })
  t.same(Object.keys(s.services).sort(), ['gone', 'wiki'])
  t.same(lastRunStart(s, 'restore-test'), new Date('2026-11-01T00:00:00.000Z'))
  t.equal(lastRunStart(s, 'rehash'), null, 'each kind has its own schedule')
  s = withOutcome(s, { mode: 'rehash', results: { wiki: { ...ok(), mode: 'rehash', ok: false } } })
  t.same([s.services.wiki!.ok, s.services.gone!.ok, lastRunStart(s, 'rehash')], [false, true, null], 'one service by hand: its result only, no run')
  s = withOutcome(s, { mode: 'restore-test', results: { wiki: ok() }, run: run('2026-11-08T00:00:00.000Z') })
  t.same(Object.keys(s.services), ['wiki'], 'a service no longer in the store drops out')
  s = withOutcome(s, { mode: 'restore-test', results: {}, run: run('2026-11-15T00:00:00.000Z', { ok: false, error: { code: 'INDEX_MISSING', message: 'no TREE.json' } }) })
  t.same(Object.keys(s.services), ['wiki'], 'a run that could not start keeps the results')
  t.equal(s.last['restore-test']!.error!.code, 'INDEX_MISSING')
})

t.test('recordVerify writes state/verify.json atomically; a damaged one is started afresh', async t => {
  const root = t.testdir()
  const paths = { state: join(root, 'state') } as HubPaths
  t.same(await readVerifyState(paths), emptyVerifyState(), 'none yet')
  await recordVerify(paths, { mode: 'restore-test', results: { wiki: ok() }, run: run('2026-11-01T00:00:00.000Z') })
  const written = JSON.parse(await fs.readFile(join(paths.state, 'verify.json'), 'utf8'))
  t.equal(written.format, 'roost-verify/1')
  t.same((await readVerifyState(paths)).services.wiki, ok())
  t.equal((await fs.stat(join(paths.state, 'verify.json'))).mode & 0o777, 0o600)
  await t.rejects(fs.stat(join(paths.state, 'verify.lock')), { code: 'ENOENT' }, 'its lock is released')
  await fs.writeFile(join(paths.state, 'verify.json'), '{damaged')
  t.same(await readVerifyState(paths), emptyVerifyState())
})

t.test('a damaged copy asks the spoke for a full; a local failure does not', async t => {
  const base = { at: '2026-12-03T00:00:00.000Z', mode: 'rehash' as const, generation: 'g', problems: 1, first: 'x', sealedOnly: false }
  t.ok(asksForFull({ ...base, ok: false, code: 'VERIFY_FAILED' }))
  t.ok(asksForFull({ ...base, ok: false, code: 'HASH_MISMATCH' }))
  t.ok(asksForFull({ ...base, ok: false, code: 'CHAIN_BROKEN' }))
  t.notOk(asksForFull({ ...base, ok: false, code: 'TAR_FAILED' }), 'the scratch disk filling is not the copy\'s fault')
  t.notOk(asksForFull({ ...base, ok: true, code: null, problems: 0, first: null }))
})
