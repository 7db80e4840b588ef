import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../../lib/log.js'
import { dumpYaml } from '../../lib/config/load.js'
import { readPublicKeyArg } from '../../lib/sign.js'
import { spokeRestoreTest } from '../../spoke/verify.js'
import { registerVerify } from '../../spoke/verify-cli.js'
import { makeServiceTree, mutateTree } from '../helpers/fixtures.js'
import { deliverChain, startHubWorld } from '../lib/stores/hub-world.js'
import { runCli } from '../lib/stores/run-cli.js'

const log = silentLogger()
const GENS = ['20261120T030000Z-full', '20261121T030000Z-incr', '20261122T030000Z-incr']

t.test('spoke verify --restore-test restores the newest chain from the hub or the kept copies and compares', async t => {
  const dir = t.testdir()
  const w = await startHubWorld(dir, ['wiki'])
  t.teardown(() => w.hub.stop())
  const src = join(dir, 'data', 'wiki')
  await makeServiceTree(src, { seed: 'verify', largeBytes: 64 * 1024 })
  const work = join(dir, 'work')
  await fs.mkdir(work)
  await deliverChain(w, 'wiki', src, GENS, work, async i => {
    if (i === 1) await mutateTree(src, 'v1')
    else await fs.rename(join(src, 'data', 'deep'), join(src, 'data', 'moved'))
  })
  const spokeDir = join(dir, 'spoke')
  await fs.mkdir(spokeDir)
  const configFile = join(spokeDir, 'spoke.yaml')
  await fs.writeFile(configFile, dumpYaml({ service: 'wiki', hub: { host: '127.0.0.1', port: w.port, hostKey: (await readPublicKeyArg(w.hostPub)).line }, key: w.keys.wiki!.path, sources: [src] }))

  const r = await spokeRestoreTest({ configFile, from: 'hub', log })
  t.ok(r.ok, 'from the hub: no differences')
  t.same(r.chain, GENS, 'the whole chain')
  t.ok(r.entries > 60 && r.bytes > 64 * 1024)

  const cli = await runCli('spoke', registerVerify, ['verify', '--restore-test', '--config', configFile])
  t.equal(cli.err, undefined, 'the command runs')
  t.match(cli.out?.text, new RegExp(`restore test of wiki ${GENS[2]} \\(chain of 3: .*\\) from hub 127\\.0\\.0\\.1:\\d+: OK`))
  t.match((await runCli('spoke', registerVerify, ['verify', '--config', configFile])).err, { code: 'USAGE', message: /--restore-test/ })
  t.match((await runCli('spoke', registerVerify, ['verify', '--restore-test', '--from', 'mirror', '--config', configFile])).err, { code: 'USAGE' })

  const kept = join(spokeDir, 'state', 'generations')
  for (const g of GENS) {
    await fs.mkdir(join(kept, g), { recursive: true })
    for (const f of ['manifest.json', 'data.tar.zst']) await fs.copyFile(join(w.hubRoot, 'store', 'wiki', g, f), join(kept, g, f))
    await fs.writeFile(join(kept, g, '.accepted'), '{}\n')
  }
  const local = await runCli('spoke', registerVerify, ['verify', '--restore-test', '--from', 'local', '--config', configFile])
  t.match(local.out?.json, { ok: true, chain: GENS, source: /^local copies in / }, 'from the kept copies')

  const zst = join(kept, GENS[1]!, 'data.tar.zst')
  const bytes = await fs.readFile(zst)
  bytes[bytes.length - 100]! ^= 0xff
  await fs.writeFile(zst, bytes)
  await t.rejects(spokeRestoreTest({ configFile, from: 'local', log }), { code: 'HASH_MISMATCH', exitCode: 3 }, 'a damaged kept copy fails the drill with exit 3')
  t.same((await fs.readdir(join(spokeDir, 'state'))).filter(n => n.startsWith('restore')), [], 'no scratch or temp folder is left behind')
})
