import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { initHub } from '../../hub/init.js'
import { addAccount } from '../../hub/add-account.js'
import { loadHubConfig } from '../../lib/config/hub.js'
import { silentLogger } from '../../lib/log.js'

function keygen(dir: string, name: string): string {
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', name, '-f', join(dir, name)])
  return join(dir, name + '.pub')
}

t.test('add-service and add-mirror register accounts, keep the others, make the folders', async t => {
  const dir = t.testdir()
  const root = join(dir, 'hub')
  await initHub({ dir: root, port: 2222, host: '127.0.0.1', log: silentLogger(), now: new Date() })
  const configFile = join(root, 'hub.yaml')
  const wiki = keygen(dir, 'wiki')
  const line = (await fs.readFile(keygen(dir, 'blog'), 'utf8')).trim()
  const m1 = keygen(dir, 'm1')
  await addAccount({ configFile, kind: 'service', name: 'wiki', key: wiki, quota: '50G', every: '36h' })
  await addAccount({ configFile, kind: 'service', name: 'blog', key: line })
  const r = await addAccount({ configFile, kind: 'mirror', name: 'm1', key: m1 })
  t.equal(r.kind, 'mirror')
  const { config } = await loadHubConfig(configFile)
  t.same(Object.keys(config.services), ['wiki', 'blog'])
  t.equal(config.services.wiki!.quota, 50 * 1024 ** 3)
  t.equal(config.services.wiki!.every, 36 * 3_600_000)
  t.equal(config.services.blog!.every, 86_400_000)
  t.same(Object.keys(config.mirrors), ['m1'])
  t.equal((await fs.stat(configFile)).mode & 0o777, 0o600)
  t.equal((await fs.stat(join(root, 'accounts', 'wiki', 'incoming'))).mode & 0o777, 0o700)
  t.equal((await fs.stat(join(root, 'store', 'wiki'))).mode & 0o777, 0o755)
  t.equal((await fs.stat(join(root, 'rejected', 'wiki'))).mode & 0o777, 0o700)
})

t.test('add-service refuses a taken name, a key already in use, and bad input', async t => {
  const dir = t.testdir()
  const root = join(dir, 'hub')
  await initHub({ dir: root, port: 2222, host: '127.0.0.1', log: silentLogger(), now: new Date() })
  const configFile = join(root, 'hub.yaml')
  const wiki = keygen(dir, 'wiki')
  const other = keygen(dir, 'other')
  await addAccount({ configFile, kind: 'service', name: 'wiki', key: wiki })
  const before = await fs.readFile(configFile, 'utf8')
  await t.rejects(addAccount({ configFile, kind: 'service', name: 'wiki', key: other }), { code: 'SERVICE_EXISTS', exitCode: 2 })
  await t.rejects(addAccount({ configFile, kind: 'mirror', name: 'wiki', key: other }), { code: 'SERVICE_EXISTS' })
  await t.rejects(addAccount({ configFile, kind: 'service', name: 'blog', key: wiki }), { code: 'SERVICE_EXISTS', message: /already registered for service 'wiki'/ })
  await t.rejects(addAccount({ configFile, kind: 'mirror', name: 'm1', key: wiki }), { code: 'SERVICE_EXISTS' })
  await t.rejects(addAccount({ configFile, kind: 'service', name: 'Bad_Name', key: other }), { code: 'NAME_INVALID' })
  await t.rejects(addAccount({ configFile, kind: 'service', name: 'blog', key: 'ssh-rsa AAAA' }), { code: 'KEY_INVALID' })
  await t.rejects(addAccount({ configFile, kind: 'service', name: 'blog', key: other, quota: 'lots' }), { code: 'USAGE' })
  await t.rejects(addAccount({ configFile, kind: 'service', name: 'blog', key: other, every: 'often' }), { code: 'USAGE' })
  t.equal(await fs.readFile(configFile, 'utf8'), before, 'hub.yaml is unchanged')
  t.notOk(await fs.stat(join(root, 'accounts', 'blog')).catch(() => undefined), 'no folders for a refused service')
})
