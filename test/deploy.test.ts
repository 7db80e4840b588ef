/**
 * deploy/: the spoke's systemd units and cron line parse, carry the keys that make them behave
 * (oneshot run, daily timer, long-running scheduler that waits for its cycle on stop), agree on
 * the time and the config, name commands and flags the built binary accepts, and pass
 * `systemd-analyze verify` when it is installed. The same for the mirror's long-running units
 * (watch, serve): restart policy, the sync unit's hardening, and the cron file's pointer.
 */
import t from 'tap'
import { execa } from 'execa'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { checkSchedule } from '../spoke/schedule.js'
import { REPO, roost } from './helpers/roost.js'

type Ini = Record<string, Record<string, string[]>>

/** A systemd unit file as sections of keys (a key may repeat). Throws on a line it cannot read. */
function parseIni(text: string, file: string): Ini {
  const out: Ini = {}
  let section: Record<string, string[]> | undefined
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) return
    const head = /^\[([A-Za-z]+)\]$/.exec(line)
    if (head) {
      section = out[head[1]!] = out[head[1]!] ?? {}
      return
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line)
    if (!kv || !section) throw new Error(`${file}:${i + 1}: not a key=value line inside a section: ${raw}`)
    ;(section[kv[1]!] = section[kv[1]!] ?? []).push(kv[2]!)
  })
  return out
}

const DEPLOY = join(REPO, 'deploy')
const CONFIG = '/etc/roost/spoke.yaml'
const BIN = '/usr/local/bin/roost'

async function unit(name: string): Promise<Ini> {
  return parseIni(await fs.readFile(join(DEPLOY, 'systemd', name), 'utf8'), name)
}

/** `*-*-* HH:MM:SS` (a daily OnCalendar) as the equivalent 5-field cron expression. */
function dailyCalendarAsCron(cal: string): string | undefined {
  const m = /^\*-\*-\* (\d\d):(\d\d):00$/.exec(cal)
  return m ? `${Number(m[2])} ${Number(m[1])} * * *` : undefined
}

/** The cron.d job lines: [5 time fields, user, command]. */
async function cronJobs(): Promise<{ when: string; user: string; command: string }[]> {
  const text = await fs.readFile(join(DEPLOY, 'cron', 'roost-spoke'), 'utf8')
  return text
    .split('\n')
    .filter(l => l.trim() && !l.startsWith('#') && !/^[A-Z_]+=/.test(l))
    .map(l => {
      const f = l.trim().split(/\s+/)
      return { when: f.slice(0, 5).join(' '), user: f[5]!, command: f.slice(6).join(' ') }
    })
}

/** Runs the built binary with a command's arguments and --help: exit 0 means every flag is known. */
async function acceptsFlags(argv: string[]): Promise<{ exitCode: number; stdout: string }> {
  return roost([...argv, '--help'])
}

t.test('roost-spoke.service runs one cycle as a oneshot and stops roost alone', async t => {
  const u = await unit('roost-spoke.service')
  t.ok(u.Unit?.Description?.[0], 'has a description')
  t.same(u.Unit?.After, ['network-online.target'])
  t.same(u.Service?.Type, ['oneshot'])
  t.same(u.Service?.ExecStart, [`${BIN} spoke run --config ${CONFIG}`])
  t.same(u.Service?.KillMode, ['mixed'], 'SIGTERM goes to roost only, which ends tar and rsync itself')
  const help = await acceptsFlags(u.Service!.ExecStart![0]!.split(' ').slice(1))
  t.equal(help.exitCode, 0, 'the built binary accepts the command and its flags')
  t.match(help.stdout, /^Usage: roost spoke run /)
})

t.test('roost-spoke.timer starts it daily, catching up a run missed while the host was off', async t => {
  const u = await unit('roost-spoke.timer')
  t.same(u.Timer?.Unit, ['roost-spoke.service'])
  t.same(u.Timer?.Persistent, ['true'])
  t.same(u.Install?.WantedBy, ['timers.target'])
  t.ok(dailyCalendarAsCron(u.Timer?.OnCalendar?.[0] ?? ''), 'OnCalendar is a daily time')
})

t.test('roost-spoke-schedule.service stays running, waits for its cycle on stop, and does not restart on a config error', async t => {
  const u = await unit('roost-spoke-schedule.service')
  t.same(u.Service?.ExecStart, [`${BIN} spoke schedule --config ${CONFIG}`])
  t.same(u.Service?.Type, ['exec'])
  t.same(u.Service?.KillMode, ['mixed'])
  t.same(u.Service?.KillSignal, ['SIGTERM'])
  t.match(u.Service?.TimeoutStopSec?.[0], /^\d+h$/, 'hours to let a running cycle end')
  t.same(u.Service?.Restart, ['on-failure'])
  t.same(u.Service?.RestartPreventExitStatus, ['2'], 'exit 2 (bad spoke.yaml) is not retried')
  t.same(u.Unit?.Conflicts, ['roost-spoke.timer'], 'never both schedulers at once')
  t.same(u.Install?.WantedBy, ['multi-user.target'])
  const help = await acceptsFlags(u.Service!.ExecStart![0]!.split(' ').slice(1))
  t.equal(help.exitCode, 0, 'the built binary has `spoke schedule` with --config')
  t.match(help.stdout, /^Usage: roost spoke schedule /)
})

t.test('the cron line is the timer at the same time, a valid schedule, with a command the binary accepts', async t => {
  const jobs = await cronJobs()
  t.equal(jobs.length, 1, 'one job')
  const job = jobs[0]!
  t.equal(job.user, 'root')
  const timer = await unit('roost-spoke.timer')
  t.equal(job.when, dailyCalendarAsCron(timer.Timer!.OnCalendar![0]!), 'the same time as the timer')
  t.equal(checkSchedule(job.when, 'deploy/cron/roost-spoke'), job.when, 'also valid as spoke.yaml `schedule`')
  const argv = job.command.replace(/\s*>\/dev\/null$/, '').split(' ')
  t.same(argv.slice(0, 1), ['roost'])
  t.ok(argv.join(' ').endsWith(`spoke run --config ${CONFIG}`))
  const help = await acceptsFlags(argv.slice(1))
  t.equal(help.exitCode, 0, 'the built binary accepts -q spoke run --config')
  t.match(help.stdout, /^Usage: roost spoke run /)
})

const MIRROR_CONFIG = '/var/lib/roost/mirror/mirror.yaml'
/** What keeps a mirror unit in its box: the keys roost-mirror-sync.service sets. */
const HARDENING = ['User', 'Group', 'UMask', 'NoNewPrivileges', 'PrivateTmp', 'ProtectSystem', 'ProtectHome', 'ReadWritePaths'] as const

t.test('roost-mirror-watch.service stays subscribed, restarts always but not on a config error, and is boxed like the sync', async t => {
  const u = await unit('roost-mirror-watch.service')
  const sync = await unit('roost-mirror-sync.service')
  t.same(u.Service?.ExecStart, [`${BIN} mirror watch --config ${MIRROR_CONFIG}`])
  t.same(u.Service?.Type, ['exec'], 'long-running')
  t.same(u.Service?.Restart, ['always'])
  t.same(u.Service?.RestartPreventExitStatus, ['2'], 'exit 2 (bad mirror.yaml) is not retried')
  t.same(u.Service?.KillMode, ['mixed'], 'SIGTERM to roost only: it lets a running sync end')
  t.same(u.Service?.KillSignal, ['SIGTERM'])
  t.same(u.Unit?.Conflicts, ['roost-mirror-sync.timer'], 'never the watch and the timer at once')
  t.same(u.Unit?.After, ['network-online.target'])
  t.same(u.Unit?.ConditionPathExists, sync.Unit?.ConditionPathExists, 'the same mirror.yaml as the sync')
  for (const k of [...HARDENING, 'Nice'] as const) t.same(u.Service?.[k], sync.Service?.[k], `${k} as in roost-mirror-sync.service`)
  t.same(u.Install?.WantedBy, ['multi-user.target'])
  const help = await acceptsFlags(u.Service!.ExecStart![0]!.split(' ').slice(1))
  t.equal(help.exitCode, 0, 'the built binary has `mirror watch` with --config')
  t.match(help.stdout, /^Usage: roost mirror watch /)
})

t.test('roost-mirror-serve.service runs the front door for downstream mirrors, boxed like the sync', async t => {
  const u = await unit('roost-mirror-serve.service')
  const sync = await unit('roost-mirror-sync.service')
  t.same(u.Service?.ExecStart, [`${BIN} mirror serve --config ${MIRROR_CONFIG}`])
  t.same(u.Service?.Type, ['exec'])
  t.same(u.Service?.Restart, ['on-failure'])
  t.same(u.Service?.RestartPreventExitStatus, ['2'], 'exit 2 (no serve: section, a loose host key) is not retried')
  t.same(u.Unit?.ConditionPathExists, sync.Unit?.ConditionPathExists)
  for (const k of HARDENING) t.same(u.Service?.[k], sync.Service?.[k], `${k} as in roost-mirror-sync.service`)
  t.same(u.Install?.WantedBy, ['multi-user.target'])
  const help = await acceptsFlags(u.Service!.ExecStart![0]!.split(' ').slice(1))
  t.equal(help.exitCode, 0, 'the built binary has `mirror serve` with --config')
  t.match(help.stdout, /^Usage: roost mirror serve /)
})

t.test('the mirror cron file still runs sync, and points to the watch unit for live updates', async t => {
  const text = await fs.readFile(join(DEPLOY, 'cron', 'roost-mirror'), 'utf8')
  const jobs = text.split('\n').filter(l => /^\d/.test(l))
  t.equal(jobs.length, 1)
  t.match(jobs[0], / mirror sync --config /, 'cron runs sync, never the long-running watch')
  t.match(text, /^#.*roost-mirror-watch\.service/m, 'the comment names the watch unit')
  await fs.access(join(DEPLOY, 'systemd', 'roost-mirror-watch.service'))
})

t.test('systemd-analyze verify finds nothing to say about the units', async t => {
  const which = await execa('sh', ['-c', 'command -v systemd-analyze'], { reject: false })
  if (which.exitCode !== 0) {
    t.comment('systemd-analyze is not installed here: only the INI checks above ran')
    return
  }
  const dir = t.testdir()
  const bin = join(dir, 'roost')
  await fs.writeFile(bin, '#!/bin/sh\n', { mode: 0o755 }) // verify checks that ExecStart exists
  const names = ['roost-spoke.service', 'roost-spoke.timer', 'roost-spoke-schedule.service', 'roost-mirror-sync.service', 'roost-mirror-sync.timer', 'roost-mirror-watch.service', 'roost-mirror-serve.service']
  for (const n of names) {
    const text = await fs.readFile(join(DEPLOY, 'systemd', n), 'utf8')
    await fs.writeFile(join(dir, n), text.replaceAll(BIN, bin))
  }
  const verify = (files: string[]) => execa('systemd-analyze', ['verify', '--man=no', ...files], { cwd: dir, reject: false })
  const r = await verify(names.map(n => `./${n}`))
  t.equal(r.exitCode, 0)
  t.equal(String(r.stderr), '', 'no warning about any key or value')
  // the check can fail: an unknown key and a bad value are reported
  await fs.writeFile(join(dir, 'bad.service'), `[Service]\nExecStart=${bin}\nKillMode=sideways\nTimeoutStopSek=1h\n`)
  const bad = await verify(['./bad.service'])
  t.match(String(bad.stderr), /kill mode[\s\S]*TimeoutStopSek/i, 'a spoiled unit is reported')
})

t.test(`the built binary runs by itself (${BIN} is a link to it, as the README says)`, async t => {
  const bin = join(REPO, 'dist', 'roost.js')
  t.equal((await fs.stat(bin)).mode & 0o111, 0o111, 'dist/roost.js is executable after the build')
  const dir = t.testdir()
  await fs.symlink(bin, join(dir, 'roost'))
  const r = await execa(join(dir, 'roost'), ['--version'], { reject: false })
  t.equal(r.exitCode, 0, 'run through a symlink, with no node in front', { stderr: r.stderr })
  t.match(r.stdout, /^\d+\.\d+\.\d+$/)
})
