import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { initHub, renderInit } from '../../hub/init.js'
import { loadHubConfig } from '../../lib/config/hub.js'
import { openTree } from '../../lib/formats/tree.js'
import { parsePublicKey } from '../../lib/sign.js'
import { silentLogger } from '../../lib/log.js'

const mode = async (p: string) => (await fs.stat(p)).mode & 0o777

t.test('init makes a hub root: private folders and keys, hub.yaml 0600, an empty signed index', async t => {
  const root = join(t.testdir(), 'hub')
  const r = await initHub({ dir: root, port: 0, host: '127.0.0.1', log: silentLogger(), now: new Date('2026-11-22T03:00:00Z') })
  t.equal(await mode(root), 0o700)
  t.equal(await mode(join(root, 'keys')), 0o700)
  t.equal(await mode(join(root, 'hub.yaml')), 0o600)
  t.equal(await mode(join(root, 'keys', 'host_ed25519')), 0o600)
  t.equal(await mode(join(root, 'keys', 'index_ed25519')), 0o600)
  t.equal(await mode(join(root, 'store')), 0o755)
  for (const d of ['accounts', 'rejected', 'staging', 'state']) t.equal(await mode(join(root, d)), 0o700, d)
  const { config } = await loadHubConfig(join(root, 'hub.yaml'))
  t.same(config.listen, { host: '127.0.0.1', port: 0 })
  t.equal(config.limits.loginGraceTime, 30_000)
  t.equal(r.hostKey.line, parsePublicKey(await fs.readFile(join(root, 'keys', 'host_ed25519.pub'), 'utf8')).line)
  t.not(r.hostKey.line, r.indexKey.line, 'two different keys')
  const tree = openTree({ bytes: await fs.readFile(join(root, 'store', 'TREE.json')), signature: await fs.readFile(join(root, 'store', 'TREE.json.sig'), 'utf8') }, parsePublicKey(r.indexKey.line))
  t.equal(tree.serial, r.serial)
  t.same(tree.services, {})
  const text = renderInit(r)
  t.match(text, r.hostKey.fingerprint)
  t.match(text, r.indexKey.line)
})

t.test('init refuses a folder that already holds a hub (exit 2) and changes nothing', async t => {
  const root = join(t.testdir(), 'hub')
  await initHub({ dir: root, port: 2222, host: '127.0.0.1', log: silentLogger(), now: new Date() })
  const before = await fs.readFile(join(root, 'keys', 'host_ed25519'))
  await t.rejects(initHub({ dir: root, port: 2222, host: '127.0.0.1', log: silentLogger(), now: new Date() }), { code: 'CONFIG_EXISTS', exitCode: 2 })
  t.same(await fs.readFile(join(root, 'keys', 'host_ed25519')), before)
})
