/**
 * The mirror against a real hub on 127.0.0.1: init pins the keys, sync pulls and verifies
 * over OpenSSH + rsync + rrsync, verify finds bit rot and the next sync repairs it, a forged
 * upstream index changes nothing, and a sync killed with SIGKILL half-way leaves the
 * published tree verifiable and is completed by the next one.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { bytesUnder, ROOST, spawnRoost } from '../helpers/roost.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { generationId } from '../../lib/formats/names.js'
import { openTree, type SignedTree } from '../../lib/formats/tree.js'
import { readPublicKeyArg } from '../../lib/sign.js'
import { addMirror, deliver, roost, startHubWorld } from '../lib/stores/hub-world.js'

const G1 = generationId(new Date(Date.now() - 3_600_000), 'full')
const G2 = generationId(new Date(Date.now() - 1_800_000), 'full')

async function pair(store: string): Promise<SignedTree> {
  return { bytes: await fs.readFile(join(store, 'TREE.json')), signature: await fs.readFile(join(store, 'TREE.json.sig'), 'utf8') }
}

t.test('mirror init, sync, verify, repair, forged index, killed sync', async t => {
  const dir = t.testdir()
  const w = await startHubWorld(dir, ['wiki'])
  t.teardown(() => w.hub.stop())
  const src = join(dir, 'data', 'wiki')
  await makeServiceTree(src, { seed: 'wiki', largeBytes: 1024 * 1024 })
  await deliver(w, 'wiki', G1, src)
  const indexKey = await readPublicKeyArg(w.indexPub)

  // init: the host key is read with ssh-keyscan, the index key is pinned from the hub's .pub
  const root = join(dir, 'mirror')
  const init = await roost(['mirror', 'init', root, '--upstream', `127.0.0.1:${w.port}`, '--name', 'm1', '--index-key', w.indexPub])
  t.equal(init.exitCode, 0, 'mirror init exits 0', { stderr: init.stderr })
  const register = /roost hub add-mirror m1 --key '([^']+)'/.exec(init.stdout)
  t.ok(register, 'prints the line to register the mirror on the hub')
  const again = await roost(['mirror', 'init', root, '--upstream', `127.0.0.1:${w.port}`, '--name', 'm1', '--index-key', w.indexPub])
  t.equal(again.exitCode, 2, 'refuses to overwrite an existing mirror.yaml')
  await addMirror(w, 'm1', register![1]!)
  const config = join(root, 'mirror.yaml')
  const store = join(root, 'store')

  const sync1 = await roost(['mirror', 'sync', '--config', config, '--json'])
  t.equal(sync1.exitCode, 0, 'the first sync exits 0', { stderr: sync1.stderr })
  t.same(JSON.parse(sync1.stdout).fetched, [`wiki/${G1}`])
  const published = openTree(await pair(store), indexKey)
  t.ok(published.services.wiki?.generations[G1], 'the published tree lists the generation and verifies with the index key')
  t.same((await fs.readdir(join(store, 'wiki', G1))).sort(), ['data.tar.zst', 'manifest.json'])
  t.equal((await fs.stat(join(store, 'wiki', G1, 'data.tar.zst'))).mode & 0o777, 0o444, 'stored files are read-only')
  const sync2 = await roost(['mirror', 'sync', '--config', config])
  t.match(sync2.stdout, /up to date/, 'an equal serial is nothing to do')
  const verify1 = await roost(['mirror', 'verify', '--config', config])
  t.equal(verify1.exitCode, 0, 'verify exits 0 after the sync', { stdout: verify1.stdout, stderr: verify1.stderr })

  // bit rot: one flipped byte is found, named, and repaired by the next sync
  const zst = join(store, 'wiki', G1, 'data.tar.zst')
  const h = await fs.open(zst, 'r+')
  const b = Buffer.alloc(1)
  await h.read(b, 0, 1, 100)
  await h.write(Buffer.from([b[0]! ^ 0xff]), 0, 1, 100)
  await h.close()
  const verify2 = await roost(['mirror', 'verify', '--config', config])
  t.equal(verify2.exitCode, 3, 'verify exits 3 on a damaged file')
  t.match(verify2.stdout, new RegExp(`wiki/${G1}/data\\.tar\\.zst: sha256 differs`), 'and names it')
  const repair = await roost(['mirror', 'sync', '--config', config, '--json'])
  t.equal(repair.exitCode, 0, 'the repairing sync exits 0', { stderr: repair.stderr })
  t.same(JSON.parse(repair.stdout).repaired, [`wiki/${G1}`], 'the next sync repairs it')
  t.equal((await roost(['mirror', 'verify', '--config', config])).exitCode, 0, 'verify exits 0 after the repair')

  // a forged index on the upstream: exit 3, the mirror's published tree unchanged
  const hubTree = join(w.hubRoot, 'store', 'TREE.json')
  const genuine = await fs.readFile(hubTree)
  const before = await pair(store)
  // an attacker who alters the tree writes a signature too: one the pinned key does not verify
  const hubSig = join(w.hubRoot, 'store', 'TREE.json.sig')
  const genuineSig = await fs.readFile(hubSig)
  await fs.writeFile(hubTree, genuine.toString().replace(/"serial":(\d+)/, (_, n: string) => `"serial":${Number(n) + 5}`))
  await fs.writeFile(hubSig, JSON.stringify({ algorithm: 'ed25519', key: 'SHA256:forged', value: Buffer.alloc(64, 7).toString('base64') }) + '\n')
  const forged = await roost(['mirror', 'sync', '--config', config])
  t.equal(forged.exitCode, 3, 'a forged upstream index is refused')
  t.match(forged.stderr, /signature/)
  const after = await pair(store)
  t.ok(after.bytes.equals(before.bytes) && after.signature === before.signature, 'the published tree is unchanged')
  await fs.writeFile(hubTree, genuine)
  await fs.writeFile(hubSig, genuineSig)

  // a sync killed with SIGKILL while data lands in staging
  const big = join(dir, 'data', 'big')
  await fs.mkdir(big, { recursive: true })
  const fh = await fs.open(join(big, 'large.bin'), 'w')
  for (let i = 0; i < 96; i++) await fh.write(randomBytes(1024 * 1024)) // incompressible: the transfer takes a while
  await fh.close()
  await deliver(w, 'wiki', G2, big)
  const staged = join(root, 'staging', 'wiki', G2)
  const child = spawnRoost(['mirror', 'sync', '--config', config], { reject: false, detached: true, env: { ROOST_LOG_LEVEL: 'warn' } })
  let done = false
  void child.then(() => (done = true))
  const deadline = Date.now() + 30_000
  while (!done && (await bytesUnder(staged)) === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 10))
  process.kill(-child.pid!, 'SIGKILL')
  await child
  t.notOk(await fs.stat(join(store, 'wiki', G2)).catch(() => undefined), 'killed before the generation entered the store')
  t.ok(openTree(await pair(store), indexKey).services.wiki?.generations[G1], 'the old tree is still published')
  const verify3 = await roost(['mirror', 'verify', '--config', config])
  t.equal(verify3.exitCode, 0, 'the old tree still verifies', { stdout: verify3.stdout })
  const resumed = await roost(['mirror', 'sync', '--config', config, '--json'])
  t.equal(resumed.exitCode, 0, 'the sync after the kill exits 0', { stderr: resumed.stderr })
  t.same(JSON.parse(resumed.stdout).fetched, [`wiki/${G2}`], 'the next sync completes (taking over the stale lock)')
  t.ok(openTree(await pair(store), indexKey).services.wiki?.generations[G2])
  t.equal((await roost(['mirror', 'verify', '--config', config])).exitCode, 0, 'verify exits 0 after the resumed sync')
  t.same(await fs.readdir(join(root, 'staging')), ['.index'], 'staging is clean')
})
