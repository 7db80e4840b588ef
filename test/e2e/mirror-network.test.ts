/**
 * The mirror network on loopback, every part real (roost hub serve, roost mirror serve and
 * watch as processes, OpenSSH ssh and rsync, rrsync): hub → A → B, where A watches the hub
 * and serves B, and B watches A. A publish on the hub reaches B within seconds; B's trace
 * reaches the hub through A and names the hops; a generation the hub prunes stays restorable
 * from A's attic; the watches dial again after the hub restarts; lag shows in hub status; a
 * file rotten on B is repaired from a peer while its upstream is down; the volunteer limits
 * hold (a bandwidth cap measured, a disk cap and allowed hours refusing cleanly).
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { execa, type ResultPromise } from 'execa'
import { bytesUnder, ROOST, startHub, waitFor, spawnRoost } from '../helpers/roost.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { generationId } from '../../lib/formats/names.js'
import { loadHubConfig } from '../../lib/config/hub.js'
import { hubYamlValues, writeHubYaml } from '../../hub/hub-yaml.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { loadMirrorConfig } from '../../lib/config/mirror.js'
import { silentLogger } from '../../lib/log.js'
import { syncMirror } from '../../mirror/sync.js'
import { addMirror, deliver, must, roost, startHubWorld } from '../lib/stores/hub-world.js'

const ago = (min: number, kind: 'full' | 'incr' = 'full') => generationId(new Date(Date.now() - min * 60_000), kind)
const G1 = ago(50)
const G2 = ago(40)
const G3 = ago(30)
const G4 = ago(20)

interface Daemon {
  child: ResultPromise
  logs(): string
  stop(): Promise<void>
}

function daemon(args: string[]): Daemon {
  let logs = ''
  const child = spawnRoost(args, { reject: false, stdin: 'ignore', env: { ROOST_LOG_LEVEL: 'debug' } })
  child.stderr?.on('data', (d: Buffer) => (logs += d.toString()))
  child.stdout?.on('data', (d: Buffer) => (logs += d.toString()))
  return {
    child,
    logs: () => logs,
    async stop() {
      child.kill('SIGTERM')
      await Promise.race([child, new Promise(r => setTimeout(r, 10_000))])
      child.kill('SIGKILL')
      await child
    },
  }
}

async function treeSerial(store: string): Promise<number | undefined> {
  const text = await fs.readFile(join(store, 'TREE.json'), 'utf8').catch(() => undefined)
  return text ? (JSON.parse(text) as { serial: number }).serial : undefined
}

async function lists(store: string, gen: string): Promise<boolean> {
  return (await fs.readFile(join(store, 'TREE.json'), 'utf8').catch(() => '')).includes(`"${gen}"`)
}

let mark = Date.now()
const lap = (t: { comment(m: string): void }, what: string): void => {
  t.comment(`${what}: ${Date.now() - mark} ms`)
  mark = Date.now()
}

t.test('hub → A → B: watch, serve, traces, attic, reconnect, lag, repair from a peer, volunteer limits', async t => {
  // servers live in a folder of our own, removed after every process is stopped
  const dir = await fs.mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'roost-net-'))
  const daemons: Daemon[] = []
  let w = await startHubWorld(dir, ['wiki'])
  t.teardown(async () => {
    for (const d of daemons.reverse()) await d.stop()
    await w.hub.stop()
    await fs.rm(dir, { recursive: true, force: true })
  })
  const hubConfig = join(w.hubRoot, 'hub.yaml')
  // one generation kept (so the next prunes the last), and the port pinned (so a restarted hub keeps it)
  const values = hubYamlValues((await loadHubConfig(hubConfig)).config) as { listen: { port: number }; services: Record<string, Record<string, unknown>> }
  values.listen.port = w.port
  values.services.wiki!.retention = { keepLast: 1, daily: 0, weekly: 0, monthly: 0, yearly: 0, burst: 100 }
  await writeHubYaml(hubConfig, values)
  const src = join(dir, 'data', 'wiki')
  await makeServiceTree(src, { seed: 'net', largeBytes: 64 * 1024 })
  await deliver(w, 'wiki', G1, src)
  const hubStore = join(w.hubRoot, 'store')
  const oldPair = [await fs.readFile(join(hubStore, 'TREE.json')), await fs.readFile(join(hubStore, 'TREE.json.sig'))] as const

  lap(t, 'before: A: pulls from the hub and will serve B')
  // A: pulls from the hub and will serve B
  const aRoot = join(dir, 'a')
  const aInit = await roost(['mirror', 'init', aRoot, '--upstream', `127.0.0.1:${w.port}`, '--name', 'a', '--index-key', w.indexPub, '--serve', '127.0.0.1:0', '--json'])
  t.equal(aInit.exitCode, 0, 'mirror init --serve', { stderr: aInit.stderr })
  await addMirror(w, 'a', JSON.parse(aInit.stdout).key.line)
  const aConfig = join(aRoot, 'mirror.yaml')
  const aStore = join(aRoot, 'store')
  must(await roost(['mirror', 'sync', '--config', aConfig]), 'A sync')
  const status1 = JSON.parse(must(await roost(['hub', 'status', '--json', '--config', hubConfig]), 'hub status')) as { mirrors: Array<{ name: string; path: string[]; serial: number; lagMs: number; lastContact: string | null }>; index: { serial: number } }
  const a1 = status1.mirrors.find(m => m.name === 'a')
  t.equal(a1?.serial, status1.index.serial, "A's trace reached the hub: it holds the hub's serial")
  t.equal(a1?.lagMs, 0, 'no lag')
  t.ok(a1?.lastContact, 'last contact recorded')

  const aServe = daemon(['mirror', 'serve', '--config', aConfig])
  daemons.push(aServe)
  const aPort = await waitFor(async () => {
    const text = await fs.readFile(join(aRoot, 'state', 'listen.json'), 'utf8').catch(() => undefined)
    return text ? (JSON.parse(text) as { port: number }).port : undefined
  }, 20_000, 'A to serve')

  lap(t, 'before: B: pulls from A (As host key read with ')
  // B: pulls from A (A's host key read with ssh-keyscan), registered on A with add-mirror
  const bRoot = join(dir, 'b')
  const bInit = await roost(['mirror', 'init', bRoot, '--upstream', `127.0.0.1:${aPort}`, '--name', 'b', '--index-key', w.indexPub, '--json'])
  t.equal(bInit.exitCode, 0, 'B init against A', { stderr: bInit.stderr })
  const bKey = JSON.parse(bInit.stdout).key.line as string
  const added = await roost(['mirror', 'add-mirror', 'b', '--key', bKey, '--config', aConfig])
  t.equal(added.exitCode, 0, 'A add-mirror b', { stderr: added.stderr })
  t.match(added.stdout, /roost mirror init DIR --upstream 127\.0\.0\.1:0 --name b --index-key 'ssh-ed25519 /, 'prints the downstream init line')
  t.equal((await roost(['mirror', 'add-mirror', 'c', '--key', bKey, '--config', aConfig])).exitCode, 2, 'the same key for another name is refused')
  const bConfig = join(bRoot, 'mirror.yaml')
  const bStore = join(bRoot, 'store')
  const aWatch = daemon(['mirror', 'watch', '--config', aConfig])
  const bWatch = daemon(['mirror', 'watch', '--config', bConfig])
  daemons.push(aWatch, bWatch)
  await waitFor(() => lists(bStore, G1), 30_000, 'B to get G1 through A').catch(err => {
    t.comment(`B watch:\n${bWatch.logs().slice(-3000)}\nA serve:\n${aServe.logs().slice(-3000)}`)
    throw err
  })
  t.pass('B syncs from A on connecting')

  lap(t, 'before: a publish on the hub reaches B through A')
  // a publish on the hub reaches B through A's watch and B's watch
  const t0 = Date.now()
  await deliver(w, 'wiki', G2, src)
  const accepted = Date.now()
  await waitFor(() => lists(bStore, G2), 30_000, 'G2 to reach B')
  t.comment(`hub accepted G2 → B verified and published it: ${Date.now() - accepted} ms (delivery ${accepted - t0} ms)`)
  t.equal(await treeSerial(bStore), await treeSerial(join(w.hubRoot, 'store')), "B publishes the hub's serial")
  t.equal((await roost(['mirror', 'verify', '--config', bConfig])).exitCode, 0, 'B verifies')
  const overSsh = join(dir, 'restored-over-ssh')
  const fromA = await roost(['restore', 'wiki', G2, '--from', 'upstream', '--config', bConfig, '--to', overSsh])
  t.equal(fromA.exitCode, 0, "restore over SSH from the mirror B pulls from (A's serve)", { stderr: fromA.stderr })
  t.same(await compareTrees(src, join(overSsh, src)), [], 'bit-exact with the source')

  lap(t, 'before: G1 was pruned by the hub (keepLast 1): g')
  // G1 was pruned by the hub (keepLast 1): gone from A's store, kept in A's attic, restorable
  await waitFor(async () => !(await lists(aStore, G1)), 20_000, 'A to drop G1')
  const attic = join(aRoot, 'attic')
  const folders = await fs.readdir(attic)
  t.equal(folders.length, 1, 'one attic folder')
  t.ok(await fs.stat(join(attic, folders[0]!, 'wiki', G1, 'manifest.json')), 'G1 is in the attic')
  t.notOk(await fs.stat(join(aStore, 'wiki', G1)).catch(() => undefined), 'and not in the store B reads')
  const out = join(dir, 'restored')
  const restored = await roost(['restore', 'wiki', G1, '--from', join(attic, folders[0]!), '--index-key', w.indexPub, '--to', out])
  t.equal(restored.exitCode, 0, 'a pruned generation restores from the attic', { stderr: restored.stderr })
  t.same(await compareTrees(src, join(out, src)), [], 'bit-exact with the source')

  lap(t, 'before: Bs trace reaches the hub through A (at ')
  // B's trace reaches the hub through A (at A's next sync) and names the hops
  await waitFor(async () => (await fs.stat(join(aRoot, 'accounts', 'b', 'trace', 'TRACE.json')).catch(() => undefined)) !== undefined, 20_000, "B's trace on A")
  must(await roost(['mirror', 'sync', '--config', aConfig]), 'A sync')
  const status2 = JSON.parse(must(await roost(['hub', 'status', '--json', '--config', hubConfig]), 'hub status')) as typeof status1
  const b2 = status2.mirrors.find(m => m.name === 'b')
  t.same(b2?.path, ['a', 'b'], "B's trace names the hops: hub → a → b")
  t.equal(b2?.serial, status2.index.serial, 'B holds the newest serial')
  t.match(must(await roost(['hub', 'status', '--config', hubConfig]), 'hub status'), /a → b\s+\d+\s+0s/, 'hub status shows the tier')

  lap(t, 'before: the hub restarts: both watches dial agai')
  // the hub restarts: both watches dial again and G3 still flows to B
  await w.hub.stop()
  w = { ...w, hub: await startHub(w.hubRoot) }
  t.equal(w.hub.port, w.port, 'the hub is back on its port')
  await deliver(w, 'wiki', G3, src)
  await waitFor(() => lists(bStore, G3), 60_000, 'G3 to reach B after the hub restarted')
  t.match(aWatch.logs(), /watch connection lost; dialling again/, "A's watch saw the cut")

  lap(t, 'before: rot on B repaired from a peer (the hub, ')
  // rot on B repaired from a peer (the hub, where b is registered too) while its upstream A is down
  await bWatch.stop()
  await aServe.stop()
  daemons.splice(daemons.indexOf(bWatch), 1)
  daemons.splice(daemons.indexOf(aServe), 1)
  await addMirror(w, 'b', bKey)
  const bYaml = await fs.readFile(bConfig, 'utf8')
  const hostKey = (await fs.readFile(w.hostPub, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')
  await fs.writeFile(bConfig, `${bYaml}peers:\n  - host: 127.0.0.1\n    port: ${w.port}\n    hostKey: ${hostKey}\n`)
  const rotten = join(bStore, 'wiki', G3, 'data.tar.zst')
  await fs.chmod(rotten, 0o644)
  const fh = await fs.open(rotten, 'r+')
  await fh.write(Buffer.from('rot'), 0, 3, 10)
  await fh.close()
  const repair = await roost(['mirror', 'verify', '--repair', '--config', bConfig, '--json'])
  t.equal(repair.exitCode, 0, 'verify --repair mends it', { stdout: repair.stdout, stderr: repair.stderr })
  t.same(JSON.parse(repair.stdout).repair.repaired, { [`wiki/${G3}`]: `127.0.0.1:${w.port}` }, 'from the peer, the upstream being down')
  t.equal((await roost(['mirror', 'verify', '--config', bConfig])).exitCode, 0, 'B verifies again')

  lap(t, 'before: lag: with As watch stopped, a new publi')
  // lag: with A's watch stopped, a new publish leaves A behind, and hub status says by how much
  await aWatch.stop()
  daemons.length = 0
  await deliver(w, 'wiki', G4, src)
  await new Promise(r => setTimeout(r, 1100))
  const status3 = JSON.parse(must(await roost(['hub', 'status', '--json', '--config', hubConfig]), 'hub status')) as typeof status1
  const a3 = status3.mirrors.find(m => m.name === 'a')
  t.ok(a3 && a3.serial < status3.index.serial && a3.lagMs >= 1000, `A shows its lag (serial ${a3?.serial} of ${status3.index.serial}, ${a3?.lagMs} ms)`)

  // an older, genuinely signed index replayed by the upstream: refused, A's published tree unchanged
  const genuine = [await fs.readFile(join(hubStore, 'TREE.json')), await fs.readFile(join(hubStore, 'TREE.json.sig'))] as const
  const aBefore = await fs.readFile(join(aStore, 'TREE.json'))
  await fs.writeFile(join(hubStore, 'TREE.json.sig'), oldPair[1])
  await fs.writeFile(join(hubStore, 'TREE.json'), oldPair[0])
  const replayed = await roost(['mirror', 'sync', '--config', aConfig])
  t.equal(replayed.exitCode, 3, 'a replayed older index is refused (exit 3)')
  t.match(replayed.stderr, /INDEX_ROLLBACK|lower than/)
  t.ok((await fs.readFile(join(aStore, 'TREE.json'))).equals(aBefore), "A's published tree is unchanged")
  await fs.writeFile(join(hubStore, 'TREE.json.sig'), genuine[1])
  await fs.writeFile(join(hubStore, 'TREE.json'), genuine[0])

  lap(t, 'before: volunteer limits, on mirror C straight o')
  // volunteer limits, on mirror C straight off the hub
  const cRoot = join(dir, 'c')
  const cInit = await roost(['mirror', 'init', cRoot, '--upstream', `127.0.0.1:${w.port}`, '--name', 'c', '--index-key', w.indexPub, '--host-key', w.hostPub, '--json'])
  await addMirror(w, 'c', JSON.parse(cInit.stdout).key.line)
  const cConfig = join(cRoot, 'mirror.yaml')
  const cYaml = await fs.readFile(cConfig, 'utf8')
  await fs.writeFile(cConfig, `${cYaml}limits:\n  disk: 16K\n`)
  const capped = await roost(['mirror', 'sync', '--config', cConfig])
  t.equal(capped.exitCode, 1, 'a sync beyond limits.disk is refused')
  t.match(capped.stderr, /DISK_CAP|beyond limits\.disk/)
  t.same(await fs.readdir(join(cRoot, 'store')), [], 'nothing was fetched')
  const h = new Date().getHours()
  const away = `${String((h + 2) % 24).padStart(2, '0')}:00-${String((h + 3) % 24).padStart(2, '0')}:00`
  await fs.writeFile(cConfig, `${cYaml}limits:\n  hours: '${away}'\n`)
  const outside = await roost(['mirror', 'sync', '--config', cConfig])
  t.equal(outside.exitCode, 0, 'outside the allowed hours: nothing done, not a failure')
  t.match(outside.stdout, /nothing done: outside the allowed hours/)
  // the bandwidth cap: 1.5 MiB of random data at 512 KiB/s takes about 3 s
  const big = join(dir, 'data', 'big')
  await fs.mkdir(big, { recursive: true })
  await fs.writeFile(join(big, 'noise.bin'), randomBytes(1536 * 1024))
  await deliver(w, 'wiki', ago(10), big)
  await fs.writeFile(cConfig, `${cYaml}limits:\n  bandwidth: 512K\n`)
  const slow = await roost(['mirror', 'sync', '--config', cConfig, '--json'], { env: { ROOST_LOG_LEVEL: 'info' } })
  t.equal(slow.exitCode, 0, 'the capped sync completes', { stderr: slow.stderr })
  const stored = slow.stderr.split('\n').filter(l => l.includes('generation verified and stored')).map(l => JSON.parse(l) as { bytes: number; ms: number })
  const bytes = stored.reduce((n, r) => n + r.bytes, 0)
  const seconds = stored.reduce((n, r) => n + r.ms, 0) / 1000
  t.comment(`bandwidth cap 512 KiB/s: ${bytes} bytes in ${seconds.toFixed(1)} s = ${(bytes / 1024 / seconds).toFixed(0)} KiB/s`)
  t.ok(bytes > 1536 * 1024 && bytes / 1024 / seconds < 512 * 1.1, `the cap holds while transferring (${(bytes / 1024 / seconds).toFixed(0)} KiB/s ≤ 512 KiB/s + 10 %)`)

  // a transfer still running when the allowed hours end is stopped (uncapped, 1 MiB would be done
  // within the second), nothing is published, its partial file is kept, and the next sync resumes
  const more = join(dir, 'data', 'more')
  await fs.mkdir(more, { recursive: true })
  await fs.writeFile(join(more, 'noise.bin'), randomBytes(1024 * 1024))
  const G5 = ago(5)
  await deliver(w, 'wiki', G5, more)
  await fs.writeFile(cConfig, `${cYaml}limits:\n  bandwidth: 512K\n  hours: '01:00-02:00'\n`)
  const cut = await loadMirrorConfig(cConfig)
  const before = await treeSerial(join(cRoot, 'store'))
  const stopped = await syncMirror(cut.config, cut.paths, silentLogger(), () => new Date(2026, 11, 6, 1, 59, 59), { trace: false })
  t.match(stopped.stopped, /allowed hours \(01:00-02:00\) ended/, 'the sync is stopped when the allowed hours end')
  t.equal(await treeSerial(join(cRoot, 'store')), before, 'nothing new was published')
  t.ok((await bytesUnder(join(cRoot, 'staging', 'wiki', G5))) > 0, 'the cut transfer is kept in staging to resume from')
  await fs.writeFile(cConfig, `${cYaml}limits:\n  bandwidth: 512K\n`)
  const resumed = await roost(['mirror', 'sync', '--config', cConfig, '--json'])
  t.equal(resumed.exitCode, 0, 'the next sync completes it', { stderr: resumed.stderr })
  t.ok(await lists(join(cRoot, 'store'), G5), 'and publishes it')
})
