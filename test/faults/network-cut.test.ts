/**
 * Fault: the network between the hub and a mirror is cut. The test makes two network
 * namespaces joined by a veth pair — the hub's host (10.231.0.1) and the mirror's host
 * (10.231.0.2), reachable from nowhere else — and runs `roost hub serve` in one and every
 * mirror command in the other. What must hold:
 * - a sync whose link goes down mid-transfer fails within seconds (ssh's keepalive,
 *   `upstream.keepalive: 1s` here, 15 s by default), exit 1, with a message that names the
 *   upstream; nothing half-fetched is published (the mirror's signed tree is byte-identical,
 *   `mirror verify` passes); once the link is back the next sync completes the generation;
 * - `mirror watch` survives the cut: it dials again and a generation published while the
 *   link was down reaches the mirror once it is back.
 * The protection: the keepalive in lib/ssh-client.ts (without it a cut link hangs until
 * rsync's 10-minute I/O timeout), staging and the publish-last order in mirror/sync.ts, the
 * redial in mirror/watch.ts.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { execa } from 'execa'
import { bytesUnder, ROOST, roost, startHub, waitFor, type RunningHub, NODE } from '../helpers/roost.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { generationId } from '../../lib/formats/names.js'
import { makeKey } from '../lib/stores/make-store.js'
import { deliver, must, type HubWorld } from '../lib/stores/hub-world.js'
import { scratch } from '../attacks/kit.js'

const root = process.getuid?.() === 0
const id = (process.pid % 100_000).toString(36)
const NS_HUB = `roost-h-${id}`
const NS_MIRROR = `roost-m-${id}`
const VETH_HUB = `rh${id}`
const VETH_MIRROR = `rm${id}`
const HUB_ADDR = '10.231.0.1'
const MIRROR_ADDR = '10.231.0.2'

const ip = (...args: string[]): string => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString()
const inMirror = (...argv: string[]): string[] => ['ip', 'netns', 'exec', NS_MIRROR, ...argv]
/** Runs a roost command on the mirror's host. */
const mirrorRoost = (args: string[], timeout = 120_000) =>
  execa('ip', ['netns', 'exec', NS_MIRROR, ...NODE, ROOST, ...args], { reject: false, timeout, env: { ROOST_LOG_LEVEL: 'warn' } })

function makeNetwork(): void {
  for (const ns of [NS_HUB, NS_MIRROR]) {
    try {
      ip('netns', 'del', ns) // a leftover of a killed run with the same pid
    } catch {
      /* none */
    }
  }
  ip('netns', 'add', NS_HUB)
  ip('netns', 'add', NS_MIRROR)
  ip('link', 'add', VETH_HUB, 'netns', NS_HUB, 'type', 'veth', 'peer', 'name', VETH_MIRROR, 'netns', NS_MIRROR)
  ip('-n', NS_HUB, 'addr', 'add', `${HUB_ADDR}/30`, 'dev', VETH_HUB)
  ip('-n', NS_MIRROR, 'addr', 'add', `${MIRROR_ADDR}/30`, 'dev', VETH_MIRROR)
  for (const [ns, dev] of [[NS_HUB, VETH_HUB], [NS_MIRROR, VETH_MIRROR]] as const) {
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('-n', ns, 'link', 'set', dev, 'up')
  }
}

/** Cuts (or mends) the mirror host's link: its end of the veth pair goes down (or up). */
function link(state: 'up' | 'down'): void {
  ip('-n', NS_MIRROR, 'link', 'set', VETH_MIRROR, state)
}

const pair = async (store: string): Promise<string> =>
  (await fs.readFile(join(store, 'TREE.json'), 'utf8')) + (await fs.readFile(join(store, 'TREE.json.sig'), 'utf8'))

t.test('the network cut between the hub and a mirror', { skip: root ? false : 'needs root to make network namespaces' }, async t => {
  const dir = await scratch('network-cut')
  let hub: RunningHub | undefined
  const children: Array<ReturnType<typeof execa>> = []
  t.teardown(async () => {
    for (const c of children) c.kill('SIGKILL')
    await Promise.all(children.map(c => c.catch(() => {})))
    await hub?.stop()
    for (const ns of [NS_HUB, NS_MIRROR]) {
      try {
        ip('netns', 'del', ns)
      } catch {
        /* not made */
      }
    }
    await fs.rm(dir, { recursive: true, force: true })
  })
  makeNetwork()

  // the hub, on its own host
  const hubRoot = join(dir, 'hub')
  must(await roost(['hub', 'init', hubRoot, '--listen', HUB_ADDR, '--port', '2222']), 'hub init')
  const wikiKey = await makeKey(dir, 'spoke-wiki')
  must(await roost(['hub', 'add-service', 'wiki', '--key', wikiKey.public.line, '--config', join(hubRoot, 'hub.yaml')]), 'hub add-service')
  hub = await startHub(hubRoot, { wrap: ['ip', 'netns', 'exec', NS_HUB] })
  const w: HubWorld = { dir, hubRoot, hub, port: hub.port, indexPub: join(hubRoot, 'keys', 'index_ed25519.pub'), hostPub: join(hubRoot, 'keys', 'host_ed25519.pub'), keys: { wiki: wikiKey } }
  const src = join(dir, 'data', 'wiki')
  await makeServiceTree(src, { seed: 'wiki', largeBytes: 256 * 1024 })
  const G1 = generationId(new Date(Date.now() - 3_600_000), 'full')
  await deliver(w, 'wiki', G1, src)

  // the mirror, on the other host: init pins the host key with ssh-keyscan across the link
  const mroot = join(dir, 'mirror')
  const init = await mirrorRoost(['mirror', 'init', mroot, '--upstream', `${HUB_ADDR}:2222`, '--name', 'm1', '--index-key', w.indexPub])
  t.equal(init.exitCode, 0, 'mirror init across the link', { stderr: init.stderr })
  const keyLine = /roost hub add-mirror m1 --key '([^']+)'/.exec(init.stdout)![1]!
  must(await roost(['hub', 'add-mirror', 'm1', '--key', keyLine, '--config', join(hubRoot, 'hub.yaml')]), 'hub add-mirror')
  const config = join(mroot, 'mirror.yaml')
  const yaml = await fs.readFile(config, 'utf8')
  await fs.writeFile(config, yaml.replace(/(hostKey: .*\n)/, '$1  keepalive: 1s\n'))
  t.match(await fs.readFile(config, 'utf8'), /upstream:\n(  .*\n)*  keepalive: 1s\n/, 'the keepalive sits in the upstream section')
  const sync1 = await mirrorRoost(['mirror', 'sync', '--config', config, '--json'])
  t.equal(sync1.exitCode, 0, 'the first sync over the link', { stderr: sync1.stderr })
  const store = join(mroot, 'store')

  await t.test('a sync cut mid-transfer fails in seconds, publishes nothing, and the next one completes it', async t => {
    const big = join(dir, 'data', 'big')
    await fs.mkdir(big, { recursive: true })
    await fs.writeFile(join(big, 'large.bin'), randomBytes(6 * 1024 * 1024)) // 6 s at 1 MiB/s
    const G2 = generationId(new Date(Date.now() - 1_800_000), 'full')
    await deliver(w, 'wiki', G2, big)
    const before = await pair(store)
    const plain = await fs.readFile(config, 'utf8')
    await fs.writeFile(config, plain + 'limits: { bandwidth: 1M }\n') // slow enough to cut mid-transfer
    const sync = mirrorRoost(['mirror', 'sync', '--config', config])
    children.push(sync)
    const staged = join(mroot, 'staging', 'wiki', G2)
    await waitFor(async () => (await bytesUnder(staged)) > 512 * 1024, 30_000, 'half a MiB of the generation to arrive')
    link('down')
    const cutAt = Date.now()
    const r = await sync
    const took = (Date.now() - cutAt) / 1000
    link('up')
    await fs.writeFile(config, plain)
    t.equal(r.exitCode, 1, 'the cut sync exits 1', { stderr: r.stderr })
    t.ok(took < 30, `it gave up ${took.toFixed(1)} s after the cut (keepalive 1 s × 4), not at rsync's 10-minute timeout`)
    t.match(r.stderr, /^roost: fetching wiki\/\S+: the connection to 10\.231\.0\.1 was lost mid-transfer/m, 'one clear message naming the upstream', { stderr: r.stderr })
    t.equal(await pair(store), before, "the mirror's signed tree is byte-identical")
    t.notOk(await fs.stat(join(store, 'wiki', G2)).catch(() => undefined), 'nothing of the cut generation is in the store')
    t.equal((await mirrorRoost(['mirror', 'verify', '--config', config])).exitCode, 0, 'mirror verify passes after the cut')
    const partial = await bytesUnder(staged)
    t.ok(partial > 512 * 1024, `the partial transfer is kept (${partial} bytes) for the next sync`)

    const again = await mirrorRoost(['mirror', 'sync', '--config', config, '--json'])
    t.equal(again.exitCode, 0, 'the sync after the link is back exits 0', { stderr: again.stderr })
    t.same(JSON.parse(again.stdout).fetched, [`wiki/${G2}`], 'and completes the generation')
    t.equal((await mirrorRoost(['mirror', 'verify', '--config', config])).exitCode, 0, 'mirror verify passes')
  })

  await t.test('mirror watch survives the cut: what was published meanwhile arrives once the link is back', async t => {
    const watch = execa('ip', ['netns', 'exec', NS_MIRROR, ...NODE, ROOST, 'mirror', 'watch', '--config', config], { reject: false, env: { ROOST_LOG_LEVEL: 'info' } })
    children.push(watch)
    let exited = false
    void watch.then(() => (exited = true))
    let log = ''
    watch.stderr?.on('data', (d: Buffer) => (log += d.toString()))
    watch.stdout?.on('data', (d: Buffer) => (log += d.toString()))
    await waitFor(() => /"serial"|watching/.test(log), 30_000, 'the watch to connect')
    link('down')
    const G3 = generationId(new Date(Date.now() - 600_000), 'full')
    await deliver(w, 'wiki', G3, src)
    await new Promise(r => setTimeout(r, 6000)) // longer than the keepalive's 4 s: the watch sees the cut
    t.notOk(await fs.stat(join(store, 'wiki', G3)).catch(() => undefined), 'nothing arrives while the link is down')
    link('up')
    const mended = Date.now()
    await waitFor(async () => (await fs.readFile(join(store, 'TREE.json'), 'utf8')).includes(`"${G3}"`), 60_000, 'the generation to reach the mirror after the link is back')
    t.pass(`the generation reached the mirror ${((Date.now() - mended) / 1000).toFixed(1)} s after the link came back`)
    t.notOk(exited, 'the watch is still running')
    t.match(log, /lost|closed|dial|again|retry/i, 'the watch logged the lost connection', { log: log.slice(-2000) })
    t.equal((await mirrorRoost(['mirror', 'verify', '--config', config])).exitCode, 0, 'mirror verify passes')
  })
})
