/**
 * Retention through the built binary against a running hub: `hub prune --dry-run` prints the
 * plan with reasons and changes nothing; `hub prune` removes and republishes the index; a
 * pinned incr keeps itself and its full; `hub reset` makes the hub refuse incrs with
 * ARRIVAL_FULL_REQUIRED until a full arrives; a burst of arrivals is logged as a
 * `retention alert` and shown by `hub status`. Generations are built with the ingest test kit
 * and placed in incoming as a spoke's upload ends; the hub's watcher ingests them.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { roost, startHub, waitFor } from '../helpers/roost.js'
import { keygen, makeTar, manifestFor, placeArrival, signedManifest } from '../hub/ingest/kit.js'
import { loadHubConfig } from '../../lib/config/hub.js'
import { hubYamlValues, writeHubYaml } from '../../hub/hub-yaml.js'
import { parseServiceStatus } from '../../lib/formats/status.js'
import { parseTree } from '../../lib/formats/tree.js'
import type { Kind } from '../../lib/formats/names.js'

const F0 = '20260101T030000Z-full'
const F1 = '20260102T030000Z-full'
const I1 = '20260103T030000Z-incr'
const F2 = '20260104T030000Z-full'
const I2 = '20260105T030000Z-incr'
const I3 = '20260106T030000Z-incr'
const F3 = '20260107T030000Z-full'

t.test('prune, pin, unpin, reset and burst alerts on a running hub', async t => {
  const dir = t.testdir()
  const hubRoot = join(dir, 'hub')
  const config = join(hubRoot, 'hub.yaml')
  t.equal((await roost(['hub', 'init', hubRoot, '--port', '0'])).exitCode, 0, 'hub init')
  const wiki = await keygen(join(dir, 'keys'), 'wiki')
  t.equal((await roost(['hub', 'add-service', 'wiki', '--key', wiki.line, '--config', config])).exitCode, 0, 'add-service')
  const setRetention = async (retention: Record<string, number | string>): Promise<void> => {
    const values = hubYamlValues((await loadHubConfig(config)).config) as { services: Record<string, Record<string, unknown>> }
    values.services.wiki!.retention = retention
    await writeHubYaml(config, values)
  }
  await setRetention({ keepLast: 10, burst: 100 })
  const hub = await startHub(hubRoot)
  t.teardown(() => hub.stop())

  const tar = await makeTar(dir, 'wiki', 16 * 1024)
  const store = join(hubRoot, 'store')
  const status = async () => parseServiceStatus(await fs.readFile(join(store, 'wiki', 'status.json'), 'utf8'))
  const tree = async () => parseTree(await fs.readFile(join(store, 'TREE.json'), 'utf8'))
  const stored = async () => (await fs.readdir(join(store, 'wiki'))).filter(n => n !== 'status.json').sort()
  /** Places an upload and waits for the hub's verdict: 'accepted' or the rejection code. */
  const deliver = async (gen: string, kind: Kind, builds?: string): Promise<string> => {
    const m = manifestFor('wiki', gen, tar, { kind, base: kind === 'diff' ? builds! : null, parent: kind === 'incr' ? builds! : null })
    await placeArrival({ ...(await loadHubConfig(config)).paths }, 'wiki', gen, { tar: tar.path, manifest: signedManifest(wiki, m).text })
    return waitFor(async () => {
      const s = await status().catch(() => undefined)
      // the hub writes reason.json before status.json: the verdict is in when both are
      const rejected = (await fs.readdir(join(hubRoot, 'rejected', 'wiki')).catch(() => [] as string[])).find(n => n.startsWith(gen))
      if (rejected && s?.lastReject?.generation === gen) return (JSON.parse(await fs.readFile(join(hubRoot, 'rejected', 'wiki', rejected, 'reason.json'), 'utf8').catch(() => '{}')) as { code?: string }).code
      return s?.last?.generation === gen ? 'accepted' : undefined
    }, 30_000, `the verdict on ${gen}`)
  }

  for (const [g, k, b] of [[F0, 'full'], [F1, 'full'], [I1, 'incr', F1], [F2, 'full'], [I2, 'incr', F2]] as Array<[string, Kind, string?]>) {
    t.equal(await deliver(g, k, b), 'accepted', `${g} accepted`)
  }
  t.same(await stored(), [F0, F1, I1, F2, I2], 'keep-last 10 keeps all five')

  // the operator tightens retention; nothing happens until the next accept or a prune
  await setRetention({ keepLast: 1, daily: 0, weekly: 0, monthly: 0, yearly: 0, burst: 100 })
  const serial0 = (await tree()).serial
  const dry = await roost(['hub', 'prune', '--dry-run', '--config', config])
  t.equal(dry.exitCode, 0, dry.stderr)
  t.match(dry.stdout, /^wiki: keep 2, remove 3 \(dry run: nothing changed\)$/m)
  t.match(dry.stdout, new RegExp(`remove\\s+${F0}\\s+accepted \\S+\\s+not kept by last 1`))
  t.match(dry.stdout, new RegExp(`keep\\s+${F2}\\s+accepted \\S+\\s+needed by ${I2}`))
  t.match(dry.stdout, new RegExp(`keep\\s+${I2}\\s+accepted \\S+\\s+newest; last 1`))
  t.same(await stored(), [F0, F1, I1, F2, I2], 'the dry run changed nothing')
  t.equal((await tree()).serial, serial0, 'and published nothing')
  const dryJson = await roost(['hub', 'prune', 'wiki', '--dry-run', '--json', '--config', config])
  const plan = JSON.parse(dryJson.stdout) as { dryRun: boolean; services: Array<{ remove: Array<{ generation: string; reason: string }> }> }
  t.same(plan.services[0]!.remove.map(r => r.generation), [F0, F1, I1])

  const pin = await roost(['hub', 'pin', 'wiki', I1, '--note', 'before the upgrade', '--config', config])
  t.equal(pin.exitCode, 0, pin.stderr)
  t.match(pin.stdout, /pinned \(before the upgrade\)/)
  const missing = await roost(['hub', 'pin', 'wiki', '20200101T000000Z-full', '--config', config])
  t.equal(missing.exitCode, 1)
  t.match(missing.stderr, /GENERATION_NOT_FOUND/)

  const prune = await roost(['hub', 'prune', '--json', '--config', config])
  t.equal(prune.exitCode, 0, prune.stderr)
  const done = JSON.parse(prune.stdout) as { services: Array<{ removed: string[]; serial: number; keep: Array<{ generation: string; reasons: string[] }> }> }
  t.same(done.services[0]!.removed, [F0], 'only what neither a rule, a pin nor a chain keeps')
  t.same(done.services[0]!.keep.find(k => k.generation === F1)?.reasons, [`needed by ${I1}`])
  t.same(await stored(), [F1, I1, F2, I2])
  const after = await tree()
  t.equal(after.serial, serial0 + 1, 'the index was republished once')
  t.same(Object.keys(after.services.wiki!.generations).sort(), [F1, I1, F2, I2], 'the removed generation left TREE.json')

  const st = JSON.parse((await roost(['hub', 'status', '--json', '--config', config])).stdout) as { services: Array<{ name: string; pinned: number; generations: number }> }
  t.match(st.services[0], { name: 'wiki', pinned: 1, generations: 4 })
  t.equal((await roost(['hub', 'unpin', 'wiki', I1, '--config', config])).exitCode, 0)
  const again = JSON.parse((await roost(['hub', 'prune', 'wiki', '--json', '--config', config])).stdout) as { services: Array<{ removed: string[] }> }
  t.same(again.services[0]!.removed, [F1, I1], 'unpinned, the old chain goes')

  const reset = await roost(['hub', 'reset', 'wiki', '--config', config])
  t.equal(reset.exitCode, 0, reset.stderr)
  t.match(reset.stdout, /next run must be a full/)
  t.same([(await status()).wantFull, (await status()).wantFullReason], [true, 'reset'])
  t.equal(await deliver(I3, 'incr', I2), 'ARRIVAL_FULL_REQUIRED', 'an incr after a reset is refused')
  t.equal((await status()).lastReject?.code, 'ARRIVAL_FULL_REQUIRED')
  t.equal((await status()).wantFull, true, 'the hub still wants a full')
  t.equal(await deliver(F3, 'full'), 'accepted', 'a full is accepted')
  t.same([(await status()).wantFull, (await status()).wantFullReason], [false, null], 'and clears the request')
  t.same(await stored(), [F2, I2, F3], 'the generations before the reset are kept as its archive')

  // a burst: more than 2 arrivals within a day (every: 1d). The running hub sees a changed
  // hub.yaml from the arrival after the one that noticed the change: deliver two.
  await setRetention({ keepLast: 1, daily: 0, weekly: 0, monthly: 0, yearly: 0, burst: 2 })
  t.equal(await deliver('20260108T030000Z-full', 'full'), 'accepted')
  t.equal(await deliver('20260109T030000Z-full', 'full'), 'accepted')
  await waitFor(() => hub.logs().includes('retention alert'), 10_000, 'the retention alert in the log')
  t.match(hub.logs(), /"msg":"retention alert"/)
  const text = await roost(['hub', 'status', '--config', config])
  t.match(text.stdout, /wiki: ALERT burst: \d+ arrivals in/)
  const left = await stored()
  t.ok([F2, I2, '20260109T030000Z-full'].every(g => left.includes(g)), `what arrived before the burst began, and the newest, are kept (${left.join(', ')})`)
})
