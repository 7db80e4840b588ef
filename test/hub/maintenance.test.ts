/**
 * The scheduled work of a real `roost hub serve` (built binary): a short `verify` cadence
 * records each restore drill where `roost hub status` shows it; a damaged stored archive makes
 * the recorded drill fail (logged at error level, shown with the service and the first
 * problem); the retention pass removes a reset's archive once it expires, with no new arrival.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { roost, startHub, waitFor } from '../helpers/roost.js'
import { silentLogger } from '../../lib/log.js'
import { initHub } from '../../hub/init.js'
import { addAccount } from '../../hub/add-account.js'
import { resetService } from '../../hub/reset.js'
import { readVerifyState } from '../../hub/verify-record.js'
import { removeStaleScratch } from '../../hub/maintenance.js'
import { deliver, must, type HubWorld } from '../lib/stores/hub-world.js'
import { makeKey } from '../lib/stores/make-store.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import type { HubState } from '../../hub/status.js'
import { hubYamlValues, writeHubYaml } from '../../hub/hub-yaml.js'
import { loadHubConfig } from '../../lib/config/hub.js'

const log = silentLogger()
const GEN = '20261122T030000Z-full'
const NEXT = '20261123T030000Z-full'

t.test('a serving hub drills on its schedule, records the outcome for hub status, and expires archives by time', async t => {
  const dir = t.testdir()
  const hubRoot = join(dir, 'hub')
  const config = join(hubRoot, 'hub.yaml')
  // set up in-process (what `hub init` and `hub add-service` run): only serve and status go through the binary
  await initHub({ dir: hubRoot, port: 0, host: '127.0.0.1', log, now: new Date() })
  const key = await makeKey(dir, 'spoke-wiki')
  await addAccount({ configFile: config, kind: 'service', name: 'wiki', key: key.public.line })
  const values = hubYamlValues((await loadHubConfig(config)).config) as Record<string, Record<string, unknown>>
  await writeHubYaml(config, { ...values, verify: { every: '1s' }, prune: { every: '1s' } })
  const hub = await startHub(hubRoot)
  t.teardown(() => hub.stop())
  const w: HubWorld = { dir, hubRoot, hub, port: hub.port, indexPub: join(hubRoot, 'keys', 'index_ed25519.pub'), hostPub: join(hubRoot, 'keys', 'host_ed25519.pub'), keys: { wiki: key } }
  const source = join(dir, 'data', 'wiki')
  await makeServiceTree(source, { seed: 'wiki', largeBytes: 4096 })
  await deliver(w, 'wiki', GEN, source)

  const { paths } = await loadHubConfig(config)
  const status = async (): Promise<HubState> => JSON.parse(must(await roost(['hub', 'status', '--json', '--config', config]), 'hub status')) as HubState
  const recorded = async () => (await readVerifyState(paths)).services.wiki
  await waitFor(async () => (await recorded())?.generation === GEN, 20_000, 'a drill of wiki recorded')
  const s = await status()
  t.match(s.services.find(x => x.name === 'wiki')!.verify, { mode: 'restore-test', ok: true, generation: GEN, problems: 0, first: null, code: null }, 'hub status shows the passed drill of the newest generation')
  t.match(s.verify, { schedule: { everyMs: 1000, restoreTest: true }, last: { 'restore-test': { by: 'serve', ok: true, services: 1, failed: 0 } } }, 'the schedule and the last run')

  // damage the stored archive: the next scheduled drill fails, names the service and the file
  const stored = join(hubRoot, 'store', 'wiki', GEN)
  await fs.chmod(stored, 0o755)
  const archive = (await fs.readdir(stored)).find(n => n.startsWith('data.tar'))!
  await fs.chmod(join(stored, archive), 0o644)
  const bytes = await fs.readFile(join(stored, archive))
  bytes[600]! ^= 0x01
  await fs.writeFile(join(stored, archive), bytes)
  await waitFor(async () => (await recorded())?.ok === false, 20_000, 'a failed drill of wiki recorded')
  const s2 = await status()
  t.match(s2.services.find(x => x.name === 'wiki')!.verify, { mode: 'restore-test', ok: false, code: 'HASH_MISMATCH', first: new RegExp(archive.replace(/\./g, '\\.')) }, 'hub status --json: the failure and the first problem, the damaged file')
  t.match(s2.verify.last['restore-test'], { ok: false, failed: 1 })
  const text = await roost(['hub', 'status', '--config', config])
  t.match(text.stdout, new RegExp(`^wiki: VERIFY FAILED \\(restore test at \\S+\\): .*${archive}.*\\[HASH_MISMATCH\\]$`, 'm'), 'hub status shows it')
  const errors = hub.logs().split('\n').filter(l => l.includes('"scheduled verification failed"')).map(l => JSON.parse(l) as { level: number; service: string; code: string })
  t.match(errors[0], { level: 50, service: 'wiki', code: 'HASH_MISMATCH' }, 'logged at error level')
  t.notMatch(hub.logs(), /"level":50(?!.*scheduled verification failed)/, 'and nothing else went wrong')

  // after a reset and a new full, the old generation is an archive kept for retention.archive;
  // when that is over, the retention pass removes it though nothing arrives (here the operator
  // shortens archive, so the test need not wait for an expiry a new arrival might overtake)
  await resetService({ configFile: config, service: 'wiki', now: new Date() })
  await deliver(w, 'wiki', NEXT, source)
  const stored2 = async () => (await fs.readdir(join(hubRoot, 'store', 'wiki'))).filter(n => n !== 'status.json').sort()
  t.same(await stored2(), [GEN, NEXT], 'the archive is kept after the accept')
  const now = hubYamlValues((await loadHubConfig(config)).config) as Record<string, Record<string, unknown>>
  await writeHubYaml(config, { ...now, retention: { ...now.retention, archive: '1s' } })
  const byPass = /"removed":\["wiki\/20261122T030000Z-full"\],"msg":"scheduled retention pass done"/
  await waitFor(() => byPass.test(hub.logs()), 20_000, 'the scheduled retention pass to remove the expired archive')
  t.same(await stored2(), [NEXT], 'the expired archive is gone, removed by the scheduled pass')
  t.match(await waitFor(async () => ((await recorded())?.ok ? await recorded() : undefined), 20_000, 'a passing drill again'), { generation: NEXT }, 'the next drill, of the new full, passes')
  await hub.stop()
  t.match(hub.logs(), /"msg":"hub stopping"/)
  t.same((await fs.readdir(join(hubRoot, 'state'))).filter(n => n.startsWith('restore-test') || n.endsWith('.lock')), [], 'no scratch folder or lock left behind')
})

t.test('serve removes day-old restore-test folders a killed drill left, and nothing else', async t => {
  const dir = t.testdir()
  const old = join(dir, 'restore-test-0123456789ab')
  const fresh = join(dir, 'restore-test-ba9876543210')
  const other = join(dir, 'services')
  for (const d of [old, fresh, other]) await fs.mkdir(join(d, 'srv'), { recursive: true })
  await fs.chmod(join(old, 'srv'), 0o500)
  const day = new Date(Date.now() - 25 * 3600_000)
  await fs.utimes(old, day, day)
  await fs.utimes(other, day, day)
  const removed = await removeStaleScratch(dir, new Date(), silentLogger())
  t.same(removed, ['restore-test-0123456789ab'])
  t.same((await fs.readdir(dir)).sort(), ['restore-test-ba9876543210', 'services'], 'a fresh drill folder and other state stay')
})
