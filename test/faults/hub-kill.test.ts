/**
 * Fault: the hub killed with SIGKILL while it ingests. A large arrival (96 MiB of base64 text:
 * zstd has work to do) lands in a real `hub serve`'s incoming; as soon as its staging folder
 * holds compressed bytes the hub is killed. What must hold: nothing half-written is in the
 * store (no generation folder, TREE.json does not list it); the restarted hub finishes the
 * arrival once (one generation, listed once, staging/ and ingesting/ empty, nothing rejected)
 * and `roost hub verify` passes. The protection: startIngest removes leftover staging folders
 * and rescans ingesting/ (hub/ingest/watch.ts); the accept is one rename (hub/ingest/accept.ts).
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { roost, startHub, waitFor, type RunningHub } from '../helpers/roost.js'
import { countTar, keygen, manifestFor, signedManifest } from '../hub/ingest/kit.js'
import { hashFile } from '../../lib/fsx/hash.js'
import { makeHubRoot, scratch } from '../attacks/kit.js'

const GEN = '20261122T030000Z-full'
const dir = await scratch('hub-kill')
const hubRoot = join(dir, 'hub')
let hub: RunningHub | undefined
t.teardown(async () => {
  await hub?.stop()
  await fs.rm(dir, { recursive: true, force: true })
})

t.test('kill -9 of the hub mid-ingest: nothing half in the store; the restart accepts it once', async t => {
  const wiki = await keygen(join(dir, 'keys'), 'wiki')
  const config = await makeHubRoot(hubRoot, { services: { wiki: wiki.line } })
  const src = join(dir, 'src')
  await fs.mkdir(src)
  execFileSync('sh', ['-c', `head -c 72M /dev/urandom | base64 -w 0 > ${join(src, 'big.txt')}`])
  const tarPath = join(dir, 'data.tar')
  execFileSync('tar', ['-cf', tarPath, '-C', dir, 'src'])
  const d = await hashFile(tarPath)
  const counts = await countTar(tarPath)
  const manifest = signedManifest(wiki, manifestFor('wiki', GEN, { ...d, counts: { ...counts, bytes: d.bytes } })).text

  hub = await startHub(hubRoot)
  const incoming = join(hubRoot, 'accounts', 'wiki', 'incoming', GEN)
  await fs.mkdir(incoming, { recursive: true })
  await fs.rename(tarPath, join(incoming, 'data.tar'))
  await fs.writeFile(join(incoming, '.manifest.json.tmp'), manifest)
  await fs.rename(join(incoming, '.manifest.json.tmp'), join(incoming, 'manifest.json'))

  // watch staging/ grow, then kill -9
  const staging = join(hubRoot, 'staging')
  const grown = async (): Promise<number> => {
    for (const f of await fs.readdir(staging).catch(() => [] as string[])) {
      const st = await fs.stat(join(staging, f, 'data.tar.zst')).catch(() => undefined)
      if (st && st.size > 1024 * 1024) return st.size
    }
    return 0
  }
  const end = Date.now() + 30_000
  let size = 0
  while (!(size = await grown()) && Date.now() < end) await new Promise(r => setTimeout(r, 5))
  t.ok(size > 0, `staging held ${size} compressed bytes when the hub was killed`)
  hub.child.kill('SIGKILL')
  await hub.child
  const killed = hub
  hub = undefined
  t.equal(killed.child.signalCode ?? (await killed.child).signal, 'SIGKILL', 'the hub died by SIGKILL')

  const store = join(hubRoot, 'store')
  t.notOk(await fs.stat(join(store, 'wiki', GEN)).catch(() => undefined), 'nothing of the generation is in the store')
  t.notMatch(await fs.readFile(join(store, 'TREE.json'), 'utf8'), GEN, 'TREE.json does not list it')
  t.ok((await fs.readdir(staging)).length > 0, 'a half-written staging folder was left behind')

  hub = await startHub(hubRoot)
  await waitFor(async () => (await fs.readFile(join(store, 'TREE.json'), 'utf8')).includes(`"${GEN}"`), 30_000, 'the restarted hub to accept it')
  const tree = await fs.readFile(join(store, 'TREE.json'), 'utf8')
  t.equal(tree.split(`"${GEN}"`).length - 1, 1, 'TREE.json lists the generation once')
  t.same((await fs.readdir(join(store, 'wiki'))).filter(n => !n.startsWith('.') && n !== 'status.json'), [GEN], 'one generation in the store, no duplicate')
  t.same(await fs.readdir(staging), [], 'staging/ is empty')
  t.same(await fs.readdir(join(hubRoot, 'accounts', 'wiki', 'ingesting')).catch(() => []), [], 'ingesting/ is empty')
  t.same(await fs.readdir(join(hubRoot, 'rejected', 'wiki')).catch(() => []), [], 'nothing rejected')
  const v = await roost(['hub', 'verify', '--config', config])
  t.equal(v.exitCode, 0, 'roost hub verify passes', { out: v.stdout.slice(-800) + v.stderr.slice(-800) })
})
