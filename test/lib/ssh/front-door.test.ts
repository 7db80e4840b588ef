/**
 * The front door in-process, dialled by OpenSSH's real ssh client: auth, the limits ssh2 lacks,
 * exec wiring (stdio, exit status, process-group kill) and every refused request kind.
 * The access policy here is a toy; the hub's real policy is tested in test/e2e/front-door.
 */
import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:net'
import { execFileSync } from 'node:child_process'
import { execa } from 'execa'
import { createFrontDoor, type FrontDoorLimits, type ExecDecision } from '../../../lib/ssh/front-door.js'
import { knownHostsLine, sshArgv } from '../../../lib/ssh-client.js'
import { silentLogger } from '../../../lib/log.js'
import { waitFor } from '../../helpers/roost.js'

function keygen(dir: string, name: string): { key: string; line: string } {
  const key = join(dir, name)
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', name, '-f', key])
  return { key, line: execFileSync('cat', [key + '.pub']).toString().trim() }
}

const LIMITS: FrontDoorLimits = { maxAuthTries: 3, loginGraceTime: 5000, maxUnauthenticated: 8, maxConnections: 16, keepaliveInterval: 15000, keepaliveCountMax: 4 }

/** The toy policy: a few named commands. `stay` leaves a sleeping grandchild and records its pid. */
const COMMANDS: Record<string, ExecDecision> = {
  hello: { allow: true, argv: ['sh', '-c', 'echo out; echo err >&2; cat; exit 3'], env: {} },
  slow: { allow: true, argv: ['sh', '-c', 'sleep 0.8; echo done'], env: {} },
  env: { allow: true, argv: ['sh', '-c', 'echo "${ROOST_TEST_SECRET-unset}|$SSH_ORIGINAL_COMMAND|$LANG"'], env: { SSH_ORIGINAL_COMMAND: 'env' } },
}

function stayPolicy(pidFile: string): (u: string, c: string) => ExecDecision {
  return (_u, c) => {
    if (c === 'stay') return { allow: true, argv: ['sh', '-c', `sleep 300 & echo $! > ${pidFile}; wait`], env: {} }
    // ignores SIGTERM (and its sleep inherits that): only the SIGKILL after the grace time ends it
    if (c === 'stubborn') return { allow: true, argv: ['sh', '-c', `trap '' TERM; sleep 300 & echo $! > ${pidFile}; wait`], env: {} }
    return { allow: false, reason: 'no' }
  }
}

/** True while a process exists and is not a zombie. */
async function alive(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  return stat !== undefined && !/^\d+ \(.*\) Z/.test(stat)
}

/** Opens a raw TCP connection; resolves with what it received once the server closes it. */
function rawConnection(port: number): { closed: Promise<{ data: string; ms: number }>; end(): void } {
  const started = Date.now()
  const sock = connect(port, '127.0.0.1')
  let data = ''
  sock.on('data', d => (data += d.toString()))
  sock.on('error', () => {})
  return { closed: new Promise(res => sock.once('close', () => res({ data, ms: Date.now() - started }))), end: () => sock.destroy() }
}

async function setup(t: Test, limits: Partial<FrontDoorLimits> = {}, plan?: (user: string, command: string) => ExecDecision) {
  const dir = t.testdir()
  const host = keygen(dir, 'host')
  const alice = keygen(dir, 'alice')
  const mallory = keygen(dir, 'mallory')
  const knownHosts = join(dir, 'known_hosts')
  await fs.writeFile(knownHosts, knownHostsLine(host.line))
  const door = createFrontDoor({
    hostKeyFile: host.key,
    limits: { ...LIMITS, ...limits },
    log: silentLogger(),
    keyFor: user => (user === 'alice' ? alice.line : undefined),
    planExec: plan ?? ((_u, command) => COMMANDS[command] ?? { allow: false, reason: 'not on the list' }),
    failureDelayMs: 20,
  })
  const port = await door.listen('127.0.0.1', 0)
  t.teardown(() => door.close())
  /** Runs OpenSSH's ssh as roost dials: `pre` options first, `cmd` after the host. */
  const ssh = (user: string, key: string, o: { pre?: string[]; cmd?: string[]; input?: string } = {}) => {
    const [bin, ...rest] = sshArgv({ host: '127.0.0.1', port, user, key, knownHosts })
    // ssh takes the first value of an option: `pre` goes before the defaults to override them
    return execa(bin!, ['-o', 'ConnectTimeout=5', ...(o.pre ?? []), ...rest, '127.0.0.1', ...(o.cmd ?? [])], { reject: false, input: o.input ?? '', timeout: 15_000 })
  }
  return { dir, port, alice, mallory, knownHosts, ssh }
}

t.test('an allowed exec gets stdin, stdout, stderr and its exit status through', async t => {
  const s = await setup(t)
  const r = await s.ssh('alice', s.alice.key, { cmd: ['hello'], input: 'from stdin\n' })
  t.equal(r.exitCode, 3)
  t.equal(r.stdout, 'out\nfrom stdin')
  t.equal(r.stderr, 'err')
})

t.test('a refused exec tells the client why and exits 1', async t => {
  const s = await setup(t)
  const r = await s.ssh('alice', s.alice.key, { cmd: ['id'] })
  t.equal(r.exitCode, 1)
  t.match(r.stderr, 'roost: refused: not on the list')
})

t.test('a running command gets a minimal environment, not the server\'s', async t => {
  process.env.ROOST_TEST_SECRET = 'leaked'
  t.teardown(() => void delete process.env.ROOST_TEST_SECRET)
  const s = await setup(t)
  const r = await s.ssh('alice', s.alice.key, { cmd: ['env'] })
  t.equal(r.exitCode, 0)
  t.equal(r.stdout, 'unset|env|C.UTF-8')
})

t.test('an unknown user, and a known key for the wrong user, are refused', async t => {
  const s = await setup(t)
  const unknownKey = await s.ssh('alice', s.mallory.key, { cmd: ['hello'] })
  t.equal(unknownKey.exitCode, 255)
  t.match(unknownKey.stderr, /Permission denied/)
  const wrongUser = await s.ssh('bob', s.alice.key, { cmd: ['hello'] })
  t.equal(wrongUser.exitCode, 255)
  t.match(wrongUser.stderr, /Permission denied/)
})

t.test('too many auth attempts get the connection dropped before the right key is tried', async t => {
  const s = await setup(t, { maxAuthTries: 3 })
  const bad = ['m2', 'm3'].map(n => keygen(s.dir, n).key)
  // the keys are offered in order: three wrong ones first, the right one (sshArgv's) last
  const dropped = await s.ssh('alice', s.alice.key, { pre: ['-i', s.mallory.key, '-i', bad[0]!, '-i', bad[1]!], cmd: ['hello'] })
  t.equal(dropped.exitCode, 255)
  t.match(dropped.stderr, /disconnect|closed/i)
  t.notMatch(dropped.stdout, 'out')
  const within = await s.ssh('alice', s.alice.key, { pre: ['-i', s.mallory.key, '-i', bad[0]!], cmd: ['hello'] })
  t.equal(within.exitCode, 3, 'two failures then the right key is fine')
})

t.test('an unauthenticated connection is dropped after the login grace time; an authenticated one is not', async t => {
  const s = await setup(t, { loginGraceTime: 300 })
  const idle = await rawConnection(s.port).closed
  t.match(idle.data, /^SSH-2\.0-roost/)
  t.ok(idle.ms >= 250 && idle.ms < 3000, `dropped after ${idle.ms} ms`)
  const r = await s.ssh('alice', s.alice.key, { cmd: ['slow'] })
  t.equal(r.exitCode, 0)
  t.equal(r.stdout, 'done')
})

t.test('connections over the unauthenticated cap are refused at once; freed slots are reused', async t => {
  const s = await setup(t, { maxUnauthenticated: 2 })
  const held = [rawConnection(s.port), rawConnection(s.port)]
  await new Promise(r => setTimeout(r, 200))
  const extra = await rawConnection(s.port).closed
  t.equal(extra.data, '', 'refused before the SSH banner')
  const refused = await s.ssh('alice', s.alice.key, { cmd: ['hello'] })
  t.equal(refused.exitCode, 255)
  for (const h of held) h.end()
  await Promise.all(held.map(h => h.closed))
  await new Promise(r => setTimeout(r, 100))
  const ok = await s.ssh('alice', s.alice.key, { cmd: ['hello'] })
  t.equal(ok.exitCode, 3)
})

t.test('connections over the total cap are refused', async t => {
  const s = await setup(t, { maxConnections: 2 })
  const held = [rawConnection(s.port), rawConnection(s.port)]
  await new Promise(r => setTimeout(r, 200))
  const extra = await rawConnection(s.port).closed
  t.equal(extra.data, '')
  for (const h of held) h.end()
})

t.test('shell, pty, sftp and forwarding requests are refused', async t => {
  const s = await setup(t)
  const shell = await s.ssh('alice', s.alice.key)
  t.not(shell.exitCode, 0)
  t.match(shell.stderr, /shell request failed/)
  const pty = await s.ssh('alice', s.alice.key, { pre: ['-tt'], cmd: ['hello'] })
  t.match(pty.stderr, /PTY allocation request failed/)
  const sftp = await s.ssh('alice', s.alice.key, { pre: ['-s'], cmd: ['sftp'] })
  t.not(sftp.exitCode, 0)
  t.match(sftp.stderr, /subsystem request failed/)
  const stdio = await s.ssh('alice', s.alice.key, { pre: ['-W', '127.0.0.1:9'] })
  t.not(stdio.exitCode, 0)
  t.match(stdio.stderr, /stdio forwarding failed|open failed/)
  const remote = await s.ssh('alice', s.alice.key, { pre: ['-o', 'ClearAllForwardings=no', '-o', 'ExitOnForwardFailure=yes', '-N', '-R', '0:127.0.0.1:9'] })
  t.not(remote.exitCode, 0)
  t.match(remote.stderr, /remote port forwarding failed/)
})

t.test('a dropped connection kills the whole process group of its command', async t => {
  const dir = t.testdir()
  const pidFile = join(dir, 'sleep.pid')
  const s = await setup(t, {}, stayPolicy(pidFile))
  const client = s.ssh('alice', s.alice.key, { cmd: ['stay'] })
  const pid = Number(await waitFor(() => fs.readFile(pidFile, 'utf8').catch(() => undefined), 10_000, 'the pid file'))
  t.ok(await alive(pid), 'the grandchild runs')
  client.kill('SIGKILL')
  await client
  await waitFor(async () => !(await alive(pid)), 10_000, 'the grandchild to be killed')
  t.pass('the grandchild is gone')
})

t.test('a command that ignores SIGTERM is killed after the grace time', async t => {
  const dir = t.testdir()
  const pidFile = join(dir, 'sleep.pid')
  const s = await setup(t, {}, stayPolicy(pidFile))
  const client = s.ssh('alice', s.alice.key, { cmd: ['stubborn'] })
  const pid = Number(await waitFor(() => fs.readFile(pidFile, 'utf8').catch(() => undefined), 10_000, 'the pid file'))
  client.kill('SIGKILL')
  await client
  await new Promise(r => setTimeout(r, 1000))
  t.ok(await alive(pid), 'SIGTERM came first and was ignored')
  await waitFor(async () => !(await alive(pid)), 10_000, 'the SIGKILL')
  t.pass('killed after the grace time')
})

t.test('a client that stops answering keepalives is dropped and its command killed', async t => {
  const dir = t.testdir()
  const pidFile = join(dir, 'sleep.pid')
  const s = await setup(t, { keepaliveInterval: 200, keepaliveCountMax: 2 }, stayPolicy(pidFile))
  const client = s.ssh('alice', s.alice.key, { cmd: ['stay'] })
  const pid = Number(await waitFor(() => fs.readFile(pidFile, 'utf8').catch(() => undefined), 10_000, 'the pid file'))
  client.kill('SIGSTOP')
  try {
    await waitFor(async () => !(await alive(pid)), 10_000, 'the grandchild to be killed')
    t.pass('dropped after missed keepalives')
  } finally {
    client.kill('SIGKILL')
    client.kill('SIGCONT')
    await client
  }
})

t.test('a port in use is a clear error', async t => {
  const s = await setup(t)
  const again = createFrontDoor({ hostKeyFile: join(s.dir, 'host'), limits: LIMITS, log: silentLogger(), keyFor: () => undefined, planExec: () => ({ allow: false, reason: 'no' }) })
  await t.rejects(again.listen('127.0.0.1', s.port), { code: 'LISTEN_FAILED', message: /address is in use/ })
  await again.close()
})
