/**
 * deploy/install.sh run for real into a temporary root (useradd --prefix): the roost user,
 * the folders with their owners and modes, the units, the examples, the binary's link; run
 * twice without harm; bad arguments refused. Also: the hub and mirror units and the mirror
 * cron line name commands the binary accepts, the example configs load with the real schemas,
 * and systemd-analyze (when installed) accepts the new units.
 */
import t from 'tap'
import { execa } from 'execa'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import * as jsYaml from 'js-yaml'
import { REPO, roost } from './helpers/roost.js'
import { validateConfig } from '../lib/config/load.js'
import { HubConfigSchema } from '../lib/config/hub.js'
import { SpokeConfigSchema } from '../lib/config/spoke.js'
import { MirrorConfigSchema } from '../lib/config/mirror.js'

const DEPLOY = join(REPO, 'deploy')

async function fakeRoot(dir: string): Promise<string> {
  const root = join(dir, 'root')
  await fs.mkdir(join(root, 'etc'), { recursive: true })
  for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'login.defs']) await fs.copyFile(join('/etc', f), join(root, 'etc', f)).catch(() => undefined)
  return root
}

const mode = async (p: string): Promise<string> => ((await fs.stat(p)).mode & 0o7777).toString(8)

t.test('install.sh into a temporary root: user, folders, owners, modes, units, examples, link; twice', async t => {
  const root = await fakeRoot(t.testdir())
  const r = await execa('sh', [join(DEPLOY, 'install.sh'), '--root', root, 'hub', 'spoke', 'mirror'], { reject: false })
  t.equal(r.exitCode, 0, r.stderr)
  const passwd = await fs.readFile(join(root, 'etc', 'passwd'), 'utf8')
  const line = passwd.split('\n').find(l => l.startsWith('roost:'))
  t.ok(line, 'the roost user is in the root\'s passwd')
  const [, , uid, gid, , home, shell] = line!.split(':')
  t.equal(home, '/var/lib/roost')
  t.equal(shell, '/usr/sbin/nologin', 'no login')
  t.ok(Number(uid) < 1000, 'a system user')
  t.match(await fs.readFile(join(root, 'etc', 'group'), 'utf8'), new RegExp(`^roost:x:${gid}:`, 'm'), 'with its own group')
  t.notMatch(await fs.readFile('/etc/passwd', 'utf8'), /^roost:/m, 'the machine\'s own passwd is untouched')
  const expect: Array<[string, string, number]> = [
    ['/etc/roost', '700', 0],
    ['/etc/roost/examples', '755', 0],
    ['/var/lib/roost', '750', Number(uid)],
    ['/var/lib/roost/hub', '700', Number(uid)],
    ['/var/lib/roost/mirror', '700', Number(uid)],
  ]
  for (const [p, m, owner] of expect) {
    t.equal(await mode(join(root, p)), m, `${p} is ${m}`)
    t.equal((await fs.stat(join(root, p))).uid, owner, `${p} belongs to ${owner ? 'roost' : 'root'}`)
  }
  for (const u of ['roost-hub.service', 'roost-spoke.service', 'roost-spoke.timer', 'roost-spoke-schedule.service', 'roost-mirror-sync.service', 'roost-mirror-sync.timer', 'roost-mirror-watch.service', 'roost-mirror-serve.service']) {
    t.equal(await mode(join(root, 'etc/systemd/system', u)), '644', `${u} installed`)
  }
  t.equal(await fs.readlink(join(root, 'usr/local/bin/roost')), join(REPO, 'dist', 'roost.js'))
  const again = await execa('sh', [join(DEPLOY, 'install.sh'), '--root', root, 'hub'], { reject: false })
  t.equal(again.exitCode, 0, 'a second run is fine')
  t.equal((await fs.readFile(join(root, 'etc', 'passwd'), 'utf8')).split('\n').filter(l => l.startsWith('roost:')).length, 1, 'one roost user')
  const bad = await execa('sh', [join(DEPLOY, 'install.sh'), '--root', root, 'toaster'], { reject: false })
  t.equal(bad.exitCode, 2)
  t.match(bad.stderr, /unknown argument 'toaster'/)
  const none = await execa('sh', [join(DEPLOY, 'install.sh'), '--root', root], { reject: false })
  t.equal(none.exitCode, 2)
})

t.test('the example configs load with the real schemas', async t => {
  for (const [name, schema] of [['hub', HubConfigSchema], ['spoke', SpokeConfigSchema], ['mirror', MirrorConfigSchema]] as const) {
    const file = join(DEPLOY, 'examples', `${name}.yaml`)
    const raw = jsYaml.load(await fs.readFile(file, 'utf8'))
    t.doesNotThrow(() => validateConfig(schema as never, raw, file), `${name}.yaml is valid`)
    t.ok((await fs.readFile(file, 'utf8')).split('\n').filter(l => l.includes('#')).length >= 3, `${name}.yaml is commented`)
  }
})

t.test('the hub and mirror units and the mirror cron line run commands the binary accepts', async t => {
  const exec = async (file: string): Promise<string[]> => (/^ExecStart=(.*)$/m.exec(await fs.readFile(file, 'utf8'))?.[1] ?? '').split(' ')
  for (const [file, usage] of [['systemd/roost-hub.service', /^Usage: roost hub serve /], ['systemd/roost-mirror-sync.service', /^Usage: roost mirror sync /]] as const) {
    const argv = await exec(join(DEPLOY, file))
    t.equal(argv[0], '/usr/local/bin/roost')
    const h = await roost([...argv.slice(1), '--help'])
    t.equal(h.exitCode, 0, `${file}: the binary accepts ${argv.slice(1).join(' ')}`)
    t.match(h.stdout, usage)
  }
  const hub = await fs.readFile(join(DEPLOY, 'systemd/roost-hub.service'), 'utf8')
  t.match(hub, /^User=roost$/m, 'the hub runs as roost, not root')
  t.match(hub, /^RestartPreventExitStatus=2$/m, 'a bad hub.yaml is not restarted in a loop')
  const cron = (await fs.readFile(join(DEPLOY, 'cron/roost-mirror'), 'utf8')).split('\n').filter(l => /^\d/.test(l))
  t.equal(cron.length, 1)
  const f = cron[0]!.split(/\s+/)
  t.equal(f[5], 'roost', 'as the roost user')
  const timer = await fs.readFile(join(DEPLOY, 'systemd/roost-mirror-sync.timer'), 'utf8')
  t.equal(`${f[0]} ${f[1]}`, '40 *', 'hourly at :40')
  t.match(timer, /^OnCalendar=\*-\*-\* \*:40:00$/m, 'the timer at the same time')
  const h = await roost([...f.slice(7).join(' ').replace(/\s*>\/dev\/null$/, '').split(' '), '--help'])
  t.equal(h.exitCode, 0, 'the cron command is one the binary accepts')
  const which = await execa('sh', ['-c', 'command -v systemd-analyze'], { reject: false })
  if (which.exitCode !== 0) return void t.comment('systemd-analyze is not installed: INI checks only')
  const dir = t.testdir()
  const bin = join(dir, 'roost')
  await fs.writeFile(bin, '#!/bin/sh\n', { mode: 0o755 })
  const names = ['roost-hub.service', 'roost-mirror-sync.service', 'roost-mirror-sync.timer']
  for (const n of names) await fs.writeFile(join(dir, n), (await fs.readFile(join(DEPLOY, 'systemd', n), 'utf8')).replaceAll('/usr/local/bin/roost', bin))
  const v = await execa('systemd-analyze', ['verify', '--man=no', ...names.map(n => `./${n}`)], { cwd: dir, reject: false })
  t.equal(v.exitCode, 0)
  t.equal(String(v.stderr), '', 'no warning about any key or value')
})
