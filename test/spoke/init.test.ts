import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { initSpoke } from '../../spoke/init.js'
import { loadSpokeConfig } from '../../lib/config/spoke.js'

t.test('init writes a loadable 0600 config, a 0600 key, 0700 folders; never overwrites', async t => {
  const dir = t.testdir()
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', join(dir, 'hostkey')])
  const hostLine = (await fs.readFile(join(dir, 'hostkey.pub'), 'utf8')).trim()
  const configFile = join(dir, 'spoke', 'spoke.yaml')
  const r = await initSpoke({ service: 'wiki', hub: '127.0.0.1:2201', sources: ['data', '/srv/wiki'], configFile, hubKey: join(dir, 'hostkey.pub'), cwd: dir })
  t.equal(r.hub.pinnedFrom, 'argument')
  t.equal(r.hub.hostKey, hostLine.split(' ').slice(0, 2).join(' '))
  t.match(r.register, /^roost hub add-service wiki --key 'ssh-ed25519 \S+ roost-spoke-wiki'$/)
  const mode = async (p: string) => (await fs.stat(join(dir, 'spoke', p))).mode & 0o777
  t.equal(await mode('spoke.yaml'), 0o600)
  t.equal(await mode('keys'), 0o700)
  t.equal(await mode('keys/spoke_ed25519'), 0o600)
  t.equal(await mode('state'), 0o700)
  const { config, paths } = await loadSpokeConfig(configFile)
  t.same(config.sources, [join(dir, 'data'), '/srv/wiki'])
  t.same(config.hub, { host: '127.0.0.1', port: 2201, hostKey: r.hub.hostKey })
  t.equal(paths.key, join(dir, 'spoke', 'keys', 'spoke_ed25519'))
  t.equal((await fs.readFile(paths.key + '.pub', 'utf8')).trim(), r.key.line)
  const before = await fs.readFile(configFile, 'utf8')
  await t.rejects(initSpoke({ service: 'forum', hub: '127.0.0.1:2201', sources: ['/srv'], configFile, hubKey: hostLine, cwd: dir }), { code: 'CONFIG_EXISTS', exitCode: 2 })
  t.equal(await fs.readFile(configFile, 'utf8'), before, 'the existing config is untouched')
})

t.test('init refuses a bad service name and a bad host key before writing anything', async t => {
  const dir = t.testdir()
  const configFile = join(dir, 'spoke.yaml')
  await t.rejects(initSpoke({ service: 'Bad_Name', hub: 'h:1', sources: ['/srv'], configFile, hubKey: 'ssh-ed25519 AAAA', cwd: dir }), { code: 'NAME_INVALID', exitCode: 2 })
  await t.rejects(initSpoke({ service: 'wiki', hub: 'h:1', sources: ['/srv'], configFile, hubKey: 'ssh-rsa AAAA', cwd: dir }), { code: 'KEY_INVALID', exitCode: 2 })
  t.same(await fs.readdir(dir), [])
})

t.test('init --encrypt-to writes the encrypt block; a malformed recipient is refused before writing', async t => {
  const dir = t.testdir()
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', join(dir, 'hostkey')])
  execFileSync('age-keygen', ['-o', join(dir, 'identity.txt')], { stdio: 'pipe' })
  const recipient = execFileSync('age-keygen', ['-y', join(dir, 'identity.txt')], { encoding: 'utf8' }).trim()
  const configFile = join(dir, 'spoke', 'spoke.yaml')
  const r = await initSpoke({ service: 'mail', hub: '127.0.0.1:2201', sources: ['/srv/mail'], configFile, hubKey: join(dir, 'hostkey.pub'), encryptTo: [recipient], cwd: dir })
  t.same(r.encryptTo, [recipient])
  const { config } = await loadSpokeConfig(configFile)
  t.same(config.encrypt, { recipients: [recipient] })
  const other = join(dir, 'other', 'spoke.yaml')
  await t.rejects(initSpoke({ service: 'mail', hub: '127.0.0.1:2201', sources: ['/srv/mail'], configFile: other, hubKey: join(dir, 'hostkey.pub'), encryptTo: ['AGE-SECRET-KEY-1XYZ'], cwd: dir }), { code: 'CONFIG_INVALID', exitCode: 2, message: /encrypt/ })
  t.notOk(await fs.stat(join(dir, 'other')).catch(() => undefined), 'nothing written')
})
