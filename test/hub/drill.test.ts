import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../../lib/log.js'
import { loadHubConfig } from '../../lib/config/hub.js'
import { hubRestoreTest, rehashStore } from '../../hub/drill.js'
import { registerDrill } from '../../hub/drill-cli.js'
import { drillFailed, type RestoreTestReport } from '../../lib/restore/restore-test.js'
import { makeServiceTree, mutateTree } from '../helpers/fixtures.js'
import { deliver, deliverChain, startHubWorld } from '../lib/stores/hub-world.js'
import { runCli } from '../lib/stores/run-cli.js'
import { readVerifyState } from '../../hub/verify-record.js'

const log = silentLogger()
const WIKI = ['20261120T030000Z-full', '20261121T030000Z-diff', '20261122T030000Z-incr']
const FORUM = '20261122T040000Z-full'

t.test('hub verify rehashes the store, and --restore-test drills every service on the hub\'s own copy', async t => {
  const dir = t.testdir()
  const w = await startHubWorld(dir, ['wiki', 'forum'])
  t.teardown(() => w.hub.stop())
  const wiki = join(dir, 'data', 'wiki')
  const forum = join(dir, 'data', 'forum')
  await makeServiceTree(wiki, { seed: 'wiki', largeBytes: 64 * 1024 })
  await makeServiceTree(forum, { seed: 'forum', largeBytes: 4096 })
  await fs.mkdir(join(dir, 'work'))
  await deliverChain(w, 'wiki', wiki, WIKI, join(dir, 'work'), async i => {
    if (i === 1) await mutateTree(wiki, 'd1')
    else await fs.rename(join(wiki, 'sessions'), join(wiki, 'old-sessions'))
  })
  await deliver(w, 'forum', FORUM, forum)
  const config = join(w.hubRoot, 'hub.yaml')
  const { paths } = await loadHubConfig(config)

  const rehash = await rehashStore(paths, undefined, log)
  t.match(rehash, { ok: true, services: 2, generations: 4, files: 8, problems: [] }, 'every stored file matches the books')
  const drill = await hubRestoreTest(paths, undefined, log)
  t.equal(drill.exitCode, 0)
  t.same(drill.results.map(r => [r.service, r.ok, 'chain' in r ? r.chain.length : 0]), [['forum', true, 1], ['wiki', true, 3]], 'each service, its newest chain, no differences')
  const one = await runCli('hub', registerDrill, ['verify', 'wiki', '--restore-test', '--config', config])
  t.match(one.out, { exitCode: 0, text: /restore test of wiki 20261122T030000Z-incr \(chain of 3: .*\).*: OK/ }, 'one service, through the command')

  const stored = join(w.hubRoot, 'store', 'forum', FORUM)
  await fs.chmod(stored, 0o755)
  await fs.chmod(join(stored, 'data.tar.zst'), 0o644)
  const bytes = await fs.readFile(join(stored, 'data.tar.zst'))
  bytes[10]! ^= 0x01
  await fs.writeFile(join(stored, 'data.tar.zst'), bytes)
  const bad = await runCli('hub', registerDrill, ['verify', '--config', config])
  t.match(bad.out, { exitCode: 3, text: /verification FAILED, 1 problem.*\n.*forum.*data\.tar\.zst: sha256 differs/ }, 'the rehash names the damaged file, exit 3')
  const rec = await readVerifyState(paths)
  t.match(rec.services, { forum: { mode: 'rehash', ok: false, generation: FORUM, problems: 1, first: /data\.tar\.zst: sha256 differs/ }, wiki: { mode: 'rehash', ok: true } }, 'the command records what it found for hub status')
  t.match(rec.last, { rehash: { by: 'command', ok: false, services: 2, failed: 1 } }, 'a run over every service: the schedule counts from it')
  const status = JSON.parse(await fs.readFile(join(w.hubRoot, 'store', 'forum', 'status.json'), 'utf8')) as { wantFull: boolean; wantFullReason: string }
  t.match(status, { wantFull: true, wantFullReason: 'mismatch' }, "the damaged service's spoke is asked for a full")
  const wikiStatus = JSON.parse(await fs.readFile(join(w.hubRoot, 'store', 'wiki', 'status.json'), 'utf8')) as { wantFull: boolean }
  t.equal(wikiStatus.wantFull, false, 'the sound one is not')
  t.equal(rec.last['restore-test'], undefined, 'the drill of one service was recorded, but is no run over every service')
  const badDrill = await hubRestoreTest(paths, undefined, log)
  t.equal(badDrill.exitCode, 3, 'the drill fails with exit 3')
  t.match(badDrill.results, [{ service: 'forum', ok: false, error: { code: 'HASH_MISMATCH' } }, { service: 'wiki', ok: true }], 'and says which service and why')
  t.match((await runCli('hub', registerDrill, ['verify', 'wiki', '--config', config])).out, { exitCode: undefined, text: /^verified 1 services, 3 generations/ }, 'one service rehashed')
  t.match((await runCli('hub', registerDrill, ['verify', 'nosuch', '--restore-test', '--config', config])).err, { code: 'SERVICE_UNKNOWN' })
  t.match((await runCli('hub', registerDrill, ['verify', 'nosuch', '--config', config])).err, { code: 'SERVICE_UNKNOWN' })
  t.same((await fs.readdir(paths.state)).filter(n => n.startsWith('restore-test')), [], 'no scratch folder is left behind')
})

t.test('a drill that finds differences is VERIFY_FAILED naming the first ones', async t => {
  const r: RestoreTestReport = { ok: false, service: 'wiki', generation: 'g', source: 's', chain: ['g'], entries: 1, files: 1, bytes: 1, ms: 1, differences: Array.from({ length: 7 }, (_, i) => ({ path: `srv/f${i}`, what: 'missing' })), sealedOnly: false }
  const err = drillFailed(r)
  t.match(err, { code: 'VERIFY_FAILED', exitCode: 3, message: /found 7 difference.*\n\/srv\/f0: missing\n(.*\n){3}\/srv\/f4: missing\n… \(2 more\)$/ })
})
