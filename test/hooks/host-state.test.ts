/**
 * scripts/hooks/host-state and host-restore, end to end: an old host's root (accounts, SSH host
 * keys, crontabs, a dpkg database, systemd links, config files) is backed up through a real hub
 * with host-state as the pre hook, then restored with host-restore as the restore hook onto a
 * second root prepared like a fresh machine, and every part is compared with the old host's.
 */
import t from 'tap'
import { execa } from 'execa'
import { promises as fs } from 'node:fs'
import { dirname, join } from 'node:path'
import { startSpokeWorld } from '../helpers/spoke-world.js'
import { REPO } from '../helpers/roost.js'

const HOST_STATE = join(REPO, 'scripts', 'hooks', 'host-state')
const HOST_RESTORE = join(REPO, 'scripts', 'hooks', 'host-restore')
const STATE_REL = 'var/lib/roost/host-state'

interface Put { mode?: number; uid?: number; gid?: number }

async function put(root: string, rel: string, content: string | Buffer, o: Put = {}): Promise<void> {
  const p = join(root, rel)
  await fs.mkdir(dirname(p), { recursive: true })
  await fs.writeFile(p, content)
  await fs.chmod(p, o.mode ?? 0o644)
  await fs.chown(p, o.uid ?? 0, o.gid ?? 0)
}

async function link(root: string, rel: string, target: string): Promise<void> {
  await fs.mkdir(dirname(join(root, rel)), { recursive: true })
  await fs.symlink(target, join(root, rel))
}

const lines = (...l: string[]): string => l.join('\n') + '\n'

// The old host's accounts. messagebus has other ids on the fresh machine; postgres, ssl-cert,
// alice, bob and dev exist only on the old host.
const OLD_PASSWD = lines(
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'bin:x:2:2:bin:/bin:/usr/sbin/nologin',
  'sys:x:3:3:sys:/dev:/usr/sbin/nologin',
  'messagebus:x:102:104::/nonexistent:/usr/sbin/nologin',
  'sshd:x:103:65534::/run/sshd:/usr/sbin/nologin',
  'postgres:x:105:107:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash',
  'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash',
  'bob:x:1001:1001:Bob,,,:/home/bob:/bin/bash',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
)
const OLD_SHADOW = lines(
  'root:$y$j9T$oldroot$oldroothash:19700:0:99999:7:::',
  'daemon:*:19700:0:99999:7:::',
  'bin:*:19700:0:99999:7:::',
  'sys:*:19700:0:99999:7:::',
  'messagebus:!:19700::::::',
  'sshd:!:19700::::::',
  'postgres:!:19701::::::',
  'alice:$y$j9T$alicesalt$alicehash0123456789:19702:0:99999:7:::',
  'bob:$6$bobsalt$bobhash9876543210:19703:0:99999:7:::',
  'nobody:*:19700:0:99999:7:::',
)
const OLD_GROUP = lines(
  'root:x:0:', 'daemon:x:1:', 'bin:x:2:', 'sys:x:3:', 'adm:x:4:alice', 'sudo:x:27:alice', 'shadow:x:42:',
  'users:x:100:', 'crontab:x:103:', 'messagebus:x:104:', 'postgres:x:107:', 'ssl-cert:x:108:postgres',
  'alice:x:1000:', 'bob:x:1001:', 'dev:x:1050:alice,bob', 'nogroup:x:65534:',
)
const OLD_GSHADOW = lines(
  'root:*::', 'daemon:*::', 'bin:*::', 'sys:*::', 'adm:*::alice', 'sudo:*::alice', 'shadow:*::',
  'users:*::', 'crontab:!::', 'messagebus:!::', 'postgres:!::', 'ssl-cert:!::postgres',
  'alice:!::', 'bob:!::', 'dev:!:alice:alice,bob', 'nogroup:*::',
)

// The fresh machine's own accounts: system users only, some with other ids.
const NEW_PASSWD = lines(
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'bin:x:2:2:bin:/bin:/usr/sbin/nologin',
  'sys:x:3:3:sys:/dev:/usr/sbin/nologin',
  'messagebus:x:100:101::/nonexistent:/usr/sbin/nologin',
  'sshd:x:101:65534::/run/sshd:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
)
const NEW_SHADOW = lines(
  'root:$y$j9T$newroot$newroothash:20000:0:99999:7:::',
  'daemon:*:20000:0:99999:7:::', 'bin:*:20000:0:99999:7:::', 'sys:*:20000:0:99999:7:::',
  'messagebus:!:20000::::::', 'sshd:!:20000::::::', 'nobody:*:20000:0:99999:7:::',
)
const NEW_GROUP = lines(
  'root:x:0:', 'daemon:x:1:', 'bin:x:2:', 'sys:x:3:', 'adm:x:4:', 'sudo:x:27:', 'shadow:x:42:',
  'users:x:100:', 'messagebus:x:101:', 'crontab:x:102:', 'nogroup:x:65534:',
)
const NEW_GSHADOW = lines(
  'root:*::', 'daemon:*::', 'bin:*::', 'sys:*::', 'adm:*::', 'sudo:*::', 'shadow:*::',
  'users:*::', 'messagebus:!::', 'crontab:!::', 'nogroup:*::',
)

/** The old host's packages: `auto` ones are in extended_states as Auto-Installed. */
const OLD_PACKAGES = [
  { name: 'base-files', auto: false },
  { name: 'libc6', auto: true, multiArch: 'same' },
  { name: 'openssh-server', auto: false },
  { name: 'nginx', auto: false },
  { name: 'postgresql', auto: false },
  { name: 'postgresql-15', auto: true },
  { name: 'cron', auto: false },
  { name: 'sudo', auto: false },
  { name: 'linux-image-amd64', auto: false },
]

function dpkgStatus(pkgs: { name: string; multiArch?: string }[], removed: string[] = []): string {
  const stanza = (name: string, status: string, multiArch?: string): string => lines(
    `Package: ${name}`, `Status: ${status}`, 'Priority: optional', 'Section: misc', 'Installed-Size: 100',
    'Maintainer: Debian <debian@example.org>', 'Architecture: amd64', ...(multiArch ? [`Multi-Arch: ${multiArch}`] : []),
    'Version: 1.0-1', `Description: ${name}`, ` the ${name} package`)
  return [...pkgs.map(p => stanza(p.name, 'install ok installed', p.multiArch)), ...removed.map(n => stanza(n, 'deinstall ok config-files'))].join('\n')
}

/** Machine-specific files, written on both roots with different content: the fresh one's must stay. */
const MACHINE_SPECIFIC = ['fstab', 'hostname', 'machine-id', 'hosts', 'network/interfaces']

async function makeOldHost(root: string): Promise<void> {
  await put(root, 'etc/passwd', OLD_PASSWD)
  await put(root, 'etc/group', OLD_GROUP)
  await put(root, 'etc/shadow', OLD_SHADOW, { mode: 0o640, gid: 42 })
  await put(root, 'etc/gshadow', OLD_GSHADOW, { mode: 0o600 })
  for (const f of MACHINE_SPECIFIC) await put(root, `etc/${f}`, `old host's ${f}\n`)
  await put(root, 'etc/hostname', 'oldhost\n')
  await put(root, 'usr/lib/os-release', lines('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'ID=debian', 'VERSION_ID="12"'))
  await link(root, 'etc/os-release', '../usr/lib/os-release')
  await link(root, 'lib', 'usr/lib')
  await put(root, 'etc/myapp/app.conf', 'listen = 127.0.0.1:8080\n')
  await put(root, 'etc/myapp/secret.conf', 'token = s3cret\n', { mode: 0o640, gid: 107 })
  await put(root, 'etc/myapp/alice.conf', 'owner = alice\n', { mode: 0o600, uid: 1000, gid: 1000 })
  await put(root, 'etc/postgresql/15/main/pg_hba.conf', 'local all postgres peer\n', { uid: 105, gid: 107 })
  await put(root, 'etc/nginx/sites-available/wiki', 'server { listen 80; }\n')
  await link(root, 'etc/nginx/sites-enabled/wiki', '../sites-available/wiki')
  await put(root, 'etc/cron.d/backup', '15 3 * * * root /usr/local/bin/backup\n')
  await put(root, 'etc/apt/sources.list', 'deb http://deb.debian.org/debian bookworm main\n')
  await fs.mkdir(join(root, 'etc/apt/sources.list.d'), { recursive: true })
  await fs.mkdir(join(root, 'etc/apt/preferences.d'), { recursive: true })
  await put(root, 'etc/ssh/sshd_config', 'PermitRootLogin no\n')
  await fs.chmod(join(root, 'etc/ssh'), 0o755)
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@oldhost', '-f', join(root, 'etc/ssh/ssh_host_ed25519_key')])
  // systemd: an admin's unit, enabled units, an alias, and a vendor link that comes with a package
  await put(root, 'etc/systemd/system/myapp.service', lines('[Unit]', 'Description=myapp', '[Service]', 'ExecStart=/usr/bin/true', '[Install]', 'WantedBy=multi-user.target'))
  await link(root, 'etc/systemd/system/multi-user.target.wants/myapp.service', '/etc/systemd/system/myapp.service')
  await link(root, 'etc/systemd/system/multi-user.target.wants/ssh.service', '/lib/systemd/system/ssh.service')
  await link(root, 'etc/systemd/system/multi-user.target.wants/cron.service', '/lib/systemd/system/cron.service')
  await link(root, 'etc/systemd/system/timers.target.wants/apt-daily.timer', '/lib/systemd/system/apt-daily.timer')
  await link(root, 'etc/systemd/system/sshd.service', '/lib/systemd/system/ssh.service')
  await put(root, 'usr/lib/systemd/system/systemd-random-seed.service', '[Unit]\n')
  await link(root, 'usr/lib/systemd/system/sysinit.target.wants/systemd-random-seed.service', '../systemd-random-seed.service')
  await put(root, 'var/spool/cron/crontabs/alice', '# alice\n0 * * * * /home/alice/bin/hourly\n', { mode: 0o600, uid: 1000, gid: 103 })
  await put(root, 'var/spool/cron/crontabs/root', '# root\n30 2 * * 0 /usr/sbin/logrotate /etc/logrotate.conf\n', { mode: 0o600, gid: 103 })
  await put(root, 'var/lib/dpkg/status', dpkgStatus(OLD_PACKAGES, ['oldthing']))
  await put(root, 'var/lib/apt/extended_states', OLD_PACKAGES.map(p => lines(`Package: ${p.name}`, 'Architecture: amd64', `Auto-Installed: ${p.auto ? 1 : 0}`)).join('\n'))
}

/** A freshly installed machine: its own accounts, hostname, fstab, host keys, a few packages. */
async function makeFreshMachine(root: string, extra: { passwd?: string; group?: string } = {}): Promise<void> {
  await put(root, 'etc/passwd', NEW_PASSWD + (extra.passwd ?? ''))
  await put(root, 'etc/group', NEW_GROUP + (extra.group ?? ''))
  await put(root, 'etc/shadow', NEW_SHADOW, { mode: 0o640, gid: 42 })
  await put(root, 'etc/gshadow', NEW_GSHADOW, { mode: 0o640, gid: 42 })
  for (const f of MACHINE_SPECIFIC) await put(root, `etc/${f}`, `fresh machine's ${f}\n`)
  await put(root, 'etc/hostname', 'newhost\n')
  await put(root, 'etc/os-release', lines('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'ID=debian', 'VERSION_ID="12"'))
  await put(root, 'etc/ssh/sshd_config', '# the fresh default\n')
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@newhost', '-f', join(root, 'etc/ssh/ssh_host_ed25519_key')])
  await execa('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-C', 'root@newhost', '-f', join(root, 'etc/ssh/ssh_host_ecdsa_key')])
  await put(root, 'var/lib/dpkg/status', dpkgStatus([{ name: 'base-files' }, { name: 'libc6', multiArch: 'same' }]))
}

interface Entry { rel: string; kind: 'file' | 'dir' | 'link'; mode: number; uid: number; gid: number }

async function walk(root: string, rel = ''): Promise<Entry[]> {
  const out: Entry[] = []
  for (const name of (await fs.readdir(join(root, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name
    const st = await fs.lstat(join(root, r))
    const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file'
    out.push({ rel: r, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid })
    if (kind === 'dir') out.push(...await walk(root, r))
  }
  return out
}

const byName = (text: string): Map<string, string> => new Map(text.split('\n').filter(Boolean).map(l => [l.split(':')[0]!, l]))
const read = (p: string): Promise<string> => fs.readFile(p, 'utf8')
const names = (text: string): string[] => text.split('\n').filter(Boolean).map(l => l.split(':')[0]!)

function runRestore(restored: string, env: Record<string, string>): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  return execa(HOST_RESTORE, [restored], { env, reject: false }).then(r => ({ exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }))
}

t.test('host-state records a host and host-restore rebuilds it on a fresh machine', async t => {
  const dir = t.testdir()
  const old = join(dir, 'oldhost')
  const fresh = join(dir, 'newhost')
  await makeOldHost(old)
  await makeFreshMachine(fresh)
  const freshBefore = new Map<string, string>()
  for (const f of MACHINE_SPECIFIC) freshBefore.set(f, await read(join(fresh, 'etc', f)))
  const freshRoot = byName(await read(join(fresh, 'etc/shadow'))).get('root')
  const stateDir = join(old, STATE_REL)

  const w = await startSpokeWorld(dir, {
    service: 'oldhost',
    sources: [join(old, 'etc'), stateDir],
    hooks: {
      pre: [{ name: 'host state', run: [HOST_STATE], env: { HOST_STATE_DIR: stateDir, HOST_ROOT: old } }],
      restore: [{ name: 'host restore', run: [HOST_RESTORE], env: { HOST_STATE_DIR: stateDir, HOST_TARGET: fresh }, timeout: '2m' }],
    },
  })
  t.teardown(() => w.stop())

  const { r, json } = await w.run()
  t.equal(r.exitCode, 0, r.stderr)
  t.equal(json.kind, 'full')

  await t.test('the state folder: lists, copies, MANIFEST', async t => {
    const check = await execa('sha256sum', ['--strict', '-c', 'MANIFEST'], { cwd: stateDir, reject: false })
    t.equal(check.exitCode, 0, `sha256sum -c MANIFEST: ${check.stdout}${check.stderr}`)
    const listed = (await read(join(stateDir, 'MANIFEST'))).split('\n').filter(Boolean).map(l => l.replace(/^[0-9a-f]{64} {2}/, '')).sort()
    const files = (await walk(stateDir)).filter(e => e.kind === 'file' && e.rel !== 'MANIFEST').map(e => e.rel).sort()
    t.same(listed, files, 'MANIFEST names every file written')
    t.equal((await fs.stat(stateDir)).mode & 0o777, 0o700)
    t.equal((await fs.stat(join(stateDir, 'users/shadow'))).mode & 0o777, 0o600)
    t.equal((await fs.stat(join(stateDir, 'users/gshadow'))).mode & 0o777, 0o600)
    const selections = (await read(join(stateDir, 'packages/dpkg-selections'))).split('\n').filter(Boolean).map(l => l.split(/\s+/))
    t.same(selections.filter(s => s[1] === 'install').map(s => s[0]!.replace(/:.*/, '')).sort(), OLD_PACKAGES.map(p => p.name).sort())
    t.same(selections.find(s => s[0] === 'oldthing'), ['oldthing', 'deinstall'])
    t.same((await read(join(stateDir, 'packages/apt-manual'))).split('\n').filter(Boolean).sort(), OLD_PACKAGES.filter(p => !p.auto).map(p => p.name).sort())
    const units = (await read(join(stateDir, 'systemd/enabled-units.tsv'))).split('\n').filter(Boolean)
    t.ok(units.includes('etc/systemd/system/multi-user.target.wants\tssh.service\t/lib/systemd/system/ssh.service'))
    t.ok(units.includes('usr/lib/systemd/system/sysinit.target.wants\tsystemd-random-seed.service\t../systemd-random-seed.service'))
    t.equal(units.filter(u => u.startsWith('lib/')).length, 0, 'merged /usr: /lib links are not listed twice')
    t.equal((await read(join(stateDir, 'hostname'))).trim(), 'oldhost')
    t.match(await read(join(stateDir, 'os-release')), /bookworm/)
    t.same(await fs.readFile(join(stateDir, 'ssh/ssh_host_ed25519_key')), await fs.readFile(join(old, 'etc/ssh/ssh_host_ed25519_key')))
    t.same((await fs.readdir(join(stateDir, 'crontabs'))).sort(), ['alice', 'root'])
    t.same((await fs.readdir(dirname(stateDir))).filter(n => n !== 'host-state'), [], 'no temp folder is left beside the state')
  })

  const to = join(dir, 'restored')
  const rr = await w.restore(to, ['--hooks', w.config, '--json'])
  t.equal(rr.exitCode, 0, rr.stderr)
  const result = JSON.parse(rr.stdout) as { hooks: { name: string; ok: boolean }[] }
  t.same(result.hooks.map(h => [h.name, h.ok]), [['host restore', true]])
  const log = await read(join(fresh, 'var/log/roost/host-restore.log'))

  await t.test('accounts: the old host\'s users and groups, merged into the fresh machine\'s', async t => {
    const passwd = await read(join(fresh, 'etc/passwd'))
    const users = byName(passwd)
    const oldUsers = byName(OLD_PASSWD)
    t.same(names(passwd), [...new Set(names(passwd))], 'no user twice')
    for (const u of ['postgres', 'alice', 'bob']) t.equal(users.get(u), oldUsers.get(u), `${u}: same uid, gid, home, shell`)
    t.equal(users.get('messagebus'), byName(NEW_PASSWD).get('messagebus'), 'an existing system account keeps the fresh machine\'s uid')
    const shadow = byName(await read(join(fresh, 'etc/shadow')))
    const oldShadow = byName(OLD_SHADOW)
    for (const u of ['postgres', 'alice', 'bob']) t.equal(shadow.get(u), oldShadow.get(u), `${u}: same password hash`)
    t.equal(shadow.get('root'), freshRoot, 'root keeps the fresh machine\'s password')
    const st = await fs.stat(join(fresh, 'etc/shadow'))
    t.same([st.mode & 0o777, st.uid, st.gid], [0o640, 0, 42], 'shadow keeps its mode and group')
    t.equal(await read(join(fresh, 'etc/passwd-')), NEW_PASSWD, 'the previous passwd is kept as passwd-')
    const group = byName(await read(join(fresh, 'etc/group')))
    const oldGroup = byName(OLD_GROUP)
    for (const g of ['postgres', 'ssl-cert', 'alice', 'bob', 'dev']) t.equal(group.get(g), oldGroup.get(g), `group ${g}: same gid and members`)
    t.equal(group.get('sudo'), 'sudo:x:27:alice', 'members of an existing group are merged')
    t.equal(group.get('adm'), 'adm:x:4:alice')
    t.equal(group.get('crontab'), 'crontab:x:102:', 'an existing group keeps the fresh machine\'s gid')
    const gshadow = byName(await read(join(fresh, 'etc/gshadow')))
    t.equal(gshadow.get('dev'), byName(OLD_GSHADOW).get('dev'))
    t.equal(gshadow.get('sudo'), 'sudo:*::alice')
  })

  await t.test('crontabs, SSH host keys', async t => {
    for (const [u, uid] of [['alice', 1000], ['root', 0]] as const) {
      const p = join(fresh, 'var/spool/cron/crontabs', u)
      t.equal(await read(p), await read(join(old, 'var/spool/cron/crontabs', u)), `crontab ${u} identical`)
      const st = await fs.stat(p)
      t.same([st.mode & 0o777, st.uid, st.gid], [0o600, uid, 102], `crontab ${u}: 0600, owned by ${u} and the fresh machine's crontab group`)
    }
    const spool = await fs.stat(join(fresh, 'var/spool/cron/crontabs'))
    t.same([spool.mode & 0o7777, spool.gid], [0o1730, 102])
    for (const [f, mode] of [['ssh_host_ed25519_key', 0o600], ['ssh_host_ed25519_key.pub', 0o644]] as const) {
      const p = join(fresh, 'etc/ssh', f)
      t.same(await fs.readFile(p), await fs.readFile(join(old, 'etc/ssh', f)), `${f} identical`)
      const st = await fs.stat(p)
      t.same([st.mode & 0o777, st.uid, st.gid], [mode, 0, 0], `${f}: ${mode.toString(8)} root`)
    }
    t.ok(await fs.stat(join(fresh, 'etc/ssh/ssh_host_ecdsa_key')), 'the fresh machine\'s key of a type the old host lacked stays')
  })

  await t.test('/etc: the old host\'s files, the fresh machine\'s machine-specific ones', async t => {
    const merged = new Set(['passwd', 'group', 'shadow', 'gshadow'])
    // restored by a step of their own, or the installed OS's (never copied)
    const ownStep = (rel: string): boolean => merged.has(rel) || rel === 'os-release' || rel.startsWith('ssh/ssh_host_') || /^systemd\/system\/[^/]+\.wants\//.test(rel)
    const machine = (rel: string): boolean => MACHINE_SPECIFIC.includes(rel)
    let compared = 0
    for (const e of await walk(join(old, 'etc'))) {
      if (ownStep(e.rel) || machine(e.rel)) continue
      const there = join(fresh, 'etc', e.rel)
      const st = await fs.lstat(there).catch(() => undefined)
      if (!t.ok(st, `etc/${e.rel} restored`) || !st) continue
      if (e.kind === 'link') t.equal(await fs.readlink(there), await fs.readlink(join(old, 'etc', e.rel)), `etc/${e.rel}: same link`)
      if (e.kind === 'file') t.same(await fs.readFile(there), await fs.readFile(join(old, 'etc', e.rel)), `etc/${e.rel}: same content`)
      if (e.kind !== 'link') t.same([st.mode & 0o7777, st.uid, st.gid], [e.mode, e.uid, e.gid], `etc/${e.rel}: same mode and owner`)
      compared++
    }
    t.ok(compared >= 20, `${compared} entries compared`)
    for (const f of MACHINE_SPECIFIC) {
      t.equal(await read(join(fresh, 'etc', f)), freshBefore.get(f), `etc/${f} stays the fresh machine's`)
      t.match(log, `skipped etc/${f}`, `the log says etc/${f} was skipped`)
    }
    t.match(await read(join(fresh, 'etc/os-release')), /^PRETTY_NAME/, 'etc/os-release stays the fresh machine\'s file (the old host\'s was a link)')
    const wants = (await walk(join(old, 'etc/systemd/system'))).filter(e => /\.wants\/./.test(e.rel))
    t.equal(wants.length, 4)
    for (const e of wants) {
      t.equal(await fs.readlink(join(fresh, 'etc/systemd/system', e.rel)), await fs.readlink(join(old, 'etc/systemd/system', e.rel)), `${e.rel} link recreated`)
    }
    await t.rejects(fs.lstat(join(fresh, 'usr/lib/systemd/system/sysinit.target.wants')), 'vendor links are left to the packages')
  })

  await t.test('packages: the plan names what the fresh machine lacks, and the manual ones', async t => {
    const lacking = OLD_PACKAGES.filter(p => p.name !== 'base-files' && p.name !== 'libc6').map(p => p.name)
    const manual = OLD_PACKAGES.filter(p => !p.auto).map(p => p.name)
    const plan = log.split('\n').find(l => l.startsWith('host-restore: packages: to install')) ?? ''
    t.same(plan.replace(/^.*: /, '').split(' ').sort(), [...lacking].sort(), plan)
    const manualLine = log.split('\n').find(l => l.startsWith('host-restore: packages: manual on the old host')) ?? ''
    t.same(manualLine.replace(/^.*: /, '').split(' ').sort(), [...manual].sort(), manualLine)
    t.match(log, 'apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dselect-upgrade', 'dpkg keeps the restored /etc files')
    t.match(log, 'dry run, nothing installed')
  })

  await t.test('a second run by hand changes nothing', async t => {
    const before = await Promise.all(['passwd', 'group', 'shadow', 'gshadow'].map(f => read(join(fresh, 'etc', f))))
    const again = await runRestore(to, { ...process.env as Record<string, string>, HOST_STATE_DIR: stateDir, HOST_TARGET: fresh })
    t.equal(again.exitCode, 0, again.stderr)
    t.same(await Promise.all(['passwd', 'group', 'shadow', 'gshadow'].map(f => read(join(fresh, 'etc', f)))), before)
    t.match(again.stdout, 'users: etc/passwd unchanged')
    t.match(again.stdout, 'crontabs: alice: unchanged')
    t.match(again.stdout, 'ssh: ssh_host_ed25519_key: unchanged')
    t.match(again.stdout, 'units: ssh.service in etc/systemd/system/multi-user.target.wants: already there')
    t.match(again.stdout, /packages: to install \(\d+\): .*\bnginx\b/)
  })

  await t.test('an id taken on the new machine: the old account is renumbered, its files follow', async t => {
    const taken = join(dir, 'taken')
    await makeFreshMachine(taken, { passwd: 'debian:x:1000:1000:Debian,,,:/home/debian:/bin/bash\n', group: 'debian:x:1000:\n' })
    const r = await runRestore(to, { ...process.env as Record<string, string>, HOST_STATE_DIR: stateDir, HOST_TARGET: taken })
    t.equal(r.exitCode, 0, r.stderr)
    const users = byName(await read(join(taken, 'etc/passwd')))
    t.equal(users.get('debian'), 'debian:x:1000:1000:Debian,,,:/home/debian:/bin/bash')
    t.equal(users.get('bob'), byName(OLD_PASSWD).get('bob'), 'bob\'s uid is free: kept')
    t.equal(users.get('alice'), 'alice:x:1002:1002:Alice,,,:/home/alice:/bin/bash', 'alice gets the next free uid and her group\'s new gid')
    t.equal(byName(await read(join(taken, 'etc/group'))).get('alice'), 'alice:x:1002:')
    t.match(r.stdout, 'users: alice added with uid 1002: uid 1000 is taken here by debian')
    const conf = await fs.stat(join(taken, 'etc/myapp/alice.conf'))
    t.same([conf.uid, conf.gid], [1002, 1002], 'alice\'s file in /etc follows her new ids')
    t.equal((await fs.stat(join(taken, 'var/spool/cron/crontabs/alice'))).uid, 1002, 'and so does her crontab')
  })

  await t.test('refusals', async t => {
    const env = { ...process.env as Record<string, string>, HOST_STATE_DIR: stateDir }
    const empty = join(dir, 'empty')
    await fs.mkdir(empty)
    const noState = await runRestore(empty, { ...env, HOST_TARGET: fresh })
    t.equal(noState.exitCode, 2)
    t.match(noState.stderr, 'the restored tree lacks the host state')
    const script = await read(HOST_RESTORE)
    const notRoot = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', 'bash', '-s', '--', to], { input: script, env: { ...env, HOST_TARGET: '/' }, reject: false })
    t.equal(notRoot.exitCode, 2)
    t.match(String(notRoot.stderr), 'HOST_TARGET=/) needs root')
    const install = await runRestore(to, { ...env, HOST_TARGET: fresh, HOST_RESTORE_INSTALL: '1' })
    t.equal(install.exitCode, 2)
    t.match(install.stderr, 'installs on this machine only')
    const damaged = join(dir, 'damaged')
    await fs.cp(to, damaged, { recursive: true })
    await fs.appendFile(join(damaged, stateDir, 'packages/apt-manual'), 'evil\n')
    const bad = await runRestore(damaged, { ...env, HOST_TARGET: fresh })
    t.equal(bad.exitCode, 3)
    t.match(bad.stderr, 'does not match its MANIFEST')
    const noDir = await execa(HOST_STATE, [], { env: { ...process.env, HOST_STATE_DIR: '', ROOST_HOST_STATE_DIR: '' }, reject: false })
    t.equal(noDir.exitCode, 2)
    t.match(String(noDir.stderr), 'set HOST_STATE_DIR')
  })
})
