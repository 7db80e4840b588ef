/**
 * Attacks on the hub's SSH front door that test/e2e/front-door.test.ts does not already make:
 * environment injection, agent forwarding, scp, the rsync options rrsync must refuse, --delete
 * in its spellings, symlinks planted in incoming, and floods of failing or idle
 * connections while a real upload goes on. One real `roost hub serve` on 127.0.0.1 port 0,
 * dialled by OpenSSH's ssh, scp and rsync; after each attack store/ is byte-for-byte as before.
 */
import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { execa } from 'execa'
import { waitFor } from '../helpers/roost.js'
import { rsyncRsh, HOST_ALIAS, type SshTarget } from '../../lib/ssh-client.js'
import { fingerprint, makeHubRoot, scratch, sshKeygen, startPinnedHub } from './kit.js'

const GEN = '20261122T030000Z-full'
const GRACE_MS = 2000
const MAX_UNAUTH = 8

const dir = await scratch('front-door')
const hubRoot = join(dir, 'hub')
const store = join(hubRoot, 'store')
const incoming = (svc: string): string => join(hubRoot, 'accounts', svc, 'incoming')

const keys = { wiki: sshKeygen(dir, 'wiki'), blog: sshKeygen(dir, 'blog'), bad: ['bad1', 'bad2', 'bad3'].map(n => sshKeygen(dir, n)) }
await makeHubRoot(hubRoot, {
  services: { wiki: `${keys.wiki}.pub`, blog: `${keys.blog}.pub` },
  limits: { maxAuthTries: '2', loginGraceTime: `${GRACE_MS / 1000}s`, maxUnauthenticated: String(MAX_UNAUTH) },
})
// what an attacker is after: another service's data, in the store and in its incoming (a delta basis)
await fs.writeFile(join(store, 'wiki', 'marker.txt'), 'accepted earlier\n')
await fs.writeFile(join(store, 'blog', 'secret.txt'), "blog's data\n")
// the store never holds a symlink; this one stands for anything an rsync that follows links would leak
await fs.symlink('../blog/secret.txt', join(store, 'wiki', 'link-to-blog'))
await fs.mkdir(join(incoming('blog'), '.basis', 'last'), { recursive: true })
await fs.writeFile(join(incoming('blog'), '.basis', 'last', 'data.tar'), "blog's basis\n")
const { hub, knownHosts } = await startPinnedHub(t, dir, hubRoot)

const target = (user: string, key: string): SshTarget => ({ host: '127.0.0.1', port: hub.port, user, key, knownHosts })
const wiki = target('wiki', keys.wiki)
const local = join(dir, 'local')
await fs.mkdir(local)
const payload = join(local, 'data.tar')
await fs.writeFile(payload, randomBytes(64 * 1024))
const pwned = join(dir, 'pwned')

interface Run {
  exitCode?: number
  stdout: string
  stderr: string
}

/** rsync ARGS… with `-e` dialling as `tg`; `ssh` options go before roost's own (ssh takes the first value). */
function rsync(tg: SshTarget, args: string[], o: { ssh?: string[]; env?: Record<string, string> } = {}): Promise<Run> {
  const rsh = rsyncRsh(tg).replace(/^ssh /, `ssh -o ConnectTimeout=5 ${(o.ssh ?? []).join(' ')} `)
  return execa('rsync', ['-e', rsh, ...args], { reject: false, timeout: 30_000, env: o.env ?? {} }) as unknown as Promise<Run>
}
const upload = (tg: SshTarget, files: string[], dest: string, extra: string[] = [], o: { ssh?: string[]; env?: Record<string, string> } = {}): Promise<Run> =>
  rsync(tg, ['--recursive', '--times', ...extra, '--', ...files, `${tg.user}@127.0.0.1:${dest}`], o)
const pull = (tg: SshTarget, path: string, to: string, extra: string[] = []): Promise<Run> => rsync(tg, ['--recursive', ...extra, '--', `${tg.user}@127.0.0.1:${path}`, to])

/** Runs `fn` and checks that store/ is exactly as it was. */
async function storeUnchanged(t: Test, fn: () => Promise<void>): Promise<void> {
  const before = await fingerprint(store)
  await fn()
  t.same(await fingerprint(store), before, 'store/ is byte-for-byte unchanged')
}

/** The hub's JSON log lines with this msg. */
function logLines(msg: string): Array<Record<string, unknown>> {
  return hub
    .logs()
    .split('\n')
    .filter(l => l.includes(`"msg":"${msg}"`))
    .map(l => JSON.parse(l) as Record<string, unknown>)
}

t.test('env injection (SetEnv, SendEnv) never reaches the rsync the hub runs', async t => {
  await storeUnchanged(t, async () => {
    // the attacker's Python: rrsync would import it at start if PYTHONPATH got through
    const py = join(local, 'py')
    await fs.mkdir(py)
    await fs.writeFile(join(py, 'sitecustomize.py'), `open(${JSON.stringify(pwned)}, 'w').write('pwned')\n`)
    t.equal((await upload(wiki, [py], '/')).exitCode, 0, 'the payload is in incoming')
    const path = join(incoming('wiki'), 'py')
    const set = await upload(wiki, [payload], `/${GEN}/`, [], { ssh: ['-o', `SetEnv=PYTHONPATH=${path}`] })
    t.equal(set.exitCode, 0, `an upload with SetEnv still runs, confined: ${set.stderr}`)
    const send = await upload(wiki, [payload], `/${GEN}/`, [], { ssh: ['-o', 'SendEnv=PYTHONPATH'], env: { PYTHONPATH: path } })
    t.equal(send.exitCode, 0, `an upload with SendEnv still runs, confined: ${send.stderr}`)
    t.notOk(await fs.stat(pwned).catch(() => undefined), "the attacker's code never ran on the hub")
    t.ok(logLines('request refused').some(l => l.request === 'env'), 'the hub logs the refused env request')
  })
})

t.test('agent forwarding (-A) is refused', async t => {
  // a stand-in agent holding no keys (OpenSSH asks for forwarding only when an agent answers)
  const agent = createServer(s => {
    s.on('data', () => s.write(Buffer.from([0, 0, 0, 5, 12, 0, 0, 0, 0])))
    s.on('error', () => {})
  })
  const sock = join(dir, 'agent.sock')
  await new Promise<void>(res => agent.listen(sock, res))
  try {
    const r = await upload(wiki, [payload], `/${GEN}/`, [], { ssh: ['-A', '-o', `IdentityAgent=${sock}`], env: { SSH_AUTH_SOCK: sock } })
    t.equal(r.exitCode, 0, r.stderr)
    t.ok(logLines('request refused').some(l => l.request === 'auth-agent'), 'the hub refused the agent request (and so can never use the agent)')
  } finally {
    agent.close()
  }
})

t.test('scp, in SFTP and in legacy mode, neither writes nor reads', async t => {
  await storeUnchanged(t, async () => {
    const scp = (args: string[]) =>
      execa('scp', ['-P', String(hub.port), '-i', keys.wiki, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', `HostKeyAlias=${HOST_ALIAS}`, ...args], { reject: false, timeout: 20_000 })
    const gen = '20261122T040000Z-full'
    const sftp = await scp([payload, `wiki@127.0.0.1:/${gen}/`])
    t.not(sftp.exitCode, 0, 'scp over SFTP fails')
    t.match(sftp.stderr, /subsystem request failed|Connection closed/)
    const legacy = await scp(['-O', payload, `wiki@127.0.0.1:/${gen}/data.tar`])
    t.not(legacy.exitCode, 0, 'scp -O (scp -t on the hub) fails')
    t.match(legacy.stderr, /roost: refused: this account may only run rsync/)
    const out = join(dir, 'scp-out')
    const read = await scp(['-O', 'wiki@127.0.0.1:/marker.txt', out])
    t.not(read.exitCode, 0, 'scp -O -f fails')
    t.match(read.stderr, /roost: refused: this account may only run rsync/)
    t.notOk(await fs.stat(out).catch(() => undefined), 'nothing was read')
    t.notOk(await fs.stat(join(incoming('wiki'), gen)).catch(() => undefined), 'nothing was written')
  })
})

t.test('rsync -s (arguments past rrsync) aimed at the store is refused', async t => {
  await storeUnchanged(t, async () => {
    for (const opt of ['-s', '--secluded-args']) {
      const r = await upload(wiki, [payload], '/../../store/wiki/', [opt])
      t.not(r.exitCode, 0, opt)
      t.match(r.stderr, /option -s has been disabled/)
    }
  })
})

t.test('rsync -L, -k and --copy-unsafe-links never make the hub follow a symlink out of an area', async t => {
  await storeUnchanged(t, async () => {
    const out = join(dir, 'pulled')
    await fs.mkdir(out)
    for (const opt of ['-L', '--copy-links', '-k', '--copy-unsafe-links']) {
      const r = await pull(wiki, '/', out + '/', [opt])
      t.not(r.exitCode, 0, `a pull with ${opt} fails`)
      t.match(r.stderr, /option (-L|-k|--copy-unsafe-links) has been disabled/)
    }
    const push = await upload(wiki, [payload], `/${GEN}/`, ['--copy-unsafe-links'])
    t.not(push.exitCode, 0, 'a push with --copy-unsafe-links fails')
    const plain = await pull(wiki, '/', out + '/', ['--links'])
    t.equal(plain.exitCode, 0, plain.stderr)
    t.equal(await fs.readlink(join(out, 'link-to-blog')), '../blog/secret.txt', 'a symlink comes as a symlink, never as its target')
    t.notOk(await fs.stat(join(out, 'secret.txt')).catch(() => undefined))
  })
})

t.test('--delete in its spellings is refused, in incoming and aimed outside it', async t => {
  await storeUnchanged(t, async () => {
    const before = await fingerprint(incoming('wiki'))
    const empty = join(dir, 'empty')
    await fs.mkdir(empty)
    const tries: Array<[string, string]> = [
      ...['--delete', '--delete-before', '--delete-after', '--delete-excluded', '--remove-source-files'].map(o => [o, '/'] as [string, string]),
      ...[`/${GEN}/`, '/../blog/incoming/', '/../../store/wiki/', `${store}/wiki/`].map(d => ['--delete', d] as [string, string]),
    ]
    for (const [opt, dest] of tries) {
      const r = await upload(wiki, [empty + '/'], dest, [opt])
      t.not(r.exitCode, 0, `${opt} into ${dest}`)
      if (dest === '/') t.match(r.stderr, /has been disabled/)
    }
    const remove = await pull(wiki, '/marker.txt', join(dir, 'x') + '/', ['--remove-source-files'])
    t.not(remove.exitCode, 0, '--remove-source-files on a pull')
    t.same(await fingerprint(incoming('wiki')), before, "the service's incoming is as it was")
  })
  t.equal(await fs.readFile(join(incoming('blog'), '.basis', 'last', 'data.tar'), 'utf8'), "blog's basis\n")
})

t.test('a symlink planted in incoming is never followed: not as a basis, a destination or a parent', async t => {
  const blogBasis = join(incoming('blog'), '.basis', 'last', 'data.tar')
  await storeUnchanged(t, async () => {
    const links = join(dir, 'links')
    await fs.mkdir(links)
    await fs.symlink(join(incoming('blog'), '.basis'), join(links, '.basis'))
    await fs.symlink(join(store, 'wiki'), join(links, 'st'))
    t.equal((await upload(wiki, [join(links, '.basis'), join(links, 'st')], '/', ['--links'])).exitCode, 0, 'the symlinks are planted')
    await fs.copyFile(blogBasis, join(local, 'data.tar'))
    for (const opt of ['--link-dest=/.basis/last', '--copy-dest=/.basis/last', '--compare-dest=/.basis/last']) {
      const r = await upload(wiki, [payload], '/20261122T050000Z-full/', [opt])
      t.not(r.exitCode, 0, opt)
      t.match(r.stderr, /unsafe arg/)
    }
    for (const dest of ['/.basis/last/', '/st/', '/st/20261122T050000Z-full/']) {
      const r = await upload(wiki, [payload], dest, ['--inplace'])
      t.not(r.exitCode, 0, `writing to ${dest}`)
    }
    // a file list that walks through the planted name: rsync replaces the link, never follows it
    const tree = join(dir, 'tree')
    await fs.mkdir(join(tree, '.basis', 'last'), { recursive: true })
    await fs.writeFile(join(tree, '.basis', 'last', 'data.tar'), 'overwritten\n')
    t.equal((await upload(wiki, [tree + '/'], '/')).exitCode, 0)
    t.ok((await fs.lstat(join(incoming('wiki'), '.basis'))).isDirectory(), 'the link in incoming became a folder')
  })
  t.equal(await fs.readFile(blogBasis, 'utf8'), "blog's basis\n", "blog's basis is untouched")
  t.equal((await fs.stat(blogBasis)).nlink, 1, 'and was never hard-linked')
})

/** A raw TCP connection that never speaks: resolves with what it got once the hub closes it. */
function idle(): { closed: Promise<{ data: string; ms: number }>; end(): void } {
  const started = Date.now()
  const sock = connect(hub.port, '127.0.0.1')
  let data = ''
  sock.on('data', d => (data += d.toString()))
  sock.on('error', () => {})
  return { closed: new Promise(res => sock.once('close', () => res({ data, ms: Date.now() - started }))), end: () => sock.destroy() }
}

t.test('an auth-attempt flood: each connection is dropped at the limit while another client uploads', async t => {
  const before = logLines('too many auth attempts: disconnecting').length
  const flooder = (): Promise<Run> =>
    execa('ssh', ['-p', String(hub.port), '-l', 'wiki', ...keys.bad.flatMap(k => ['-i', k]), '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', `HostKeyAlias=${HOST_ALIAS}`, '127.0.0.1', 'rsync', '--server', '.', '/'], { reject: false, timeout: 20_000 }) as unknown as Promise<Run>
  const big = join(local, 'big.tar')
  await fs.writeFile(big, randomBytes(2 * 1024 * 1024))
  const gen = '20261122T060000Z-full'
  const legit = upload(wiki, [big], `/${gen}/`, ['--bwlimit=4000'])
  const waves: Run[] = []
  for (let w = 0; w < 2; w++) waves.push(...(await Promise.all(Array.from({ length: MAX_UNAUTH - 3 }, flooder))))
  const served = await legit
  t.equal(served.exitCode, 0, `the upload went through meanwhile: ${served.stderr}`)
  t.same(await fs.readFile(join(incoming('wiki'), gen, 'big.tar')), await fs.readFile(big))
  for (const r of waves) {
    t.equal(r.exitCode, 255)
    t.match(r.stderr, /disconnect|closed|reset/i)
  }
  await waitFor(() => logLines('too many auth attempts: disconnecting').length - before >= waves.length, 5000, 'every flooder to be dropped')
  const perConn = new Map<unknown, number>()
  for (const l of logLines('auth failed')) perConn.set(l.conn, Math.max(perConn.get(l.conn) ?? 0, Number(l.failures)))
  t.ok(Math.max(...perConn.values()) <= 2, 'no connection got a third attempt (maxAuthTries: 2)')
})

t.test('slow-loris: idle connections are dropped after the login grace time; the cap holds; others are served meanwhile', async t => {
  const held = Array.from({ length: MAX_UNAUTH }, idle)
  await new Promise(r => setTimeout(r, 200))
  const over = await idle().closed
  t.equal(over.data, '', 'a connection over the cap is closed before the SSH banner')
  t.ok(over.ms < 1000, `… at once (${over.ms} ms)`)
  held.pop()!.end()
  await new Promise(r => setTimeout(r, 100))
  const gen = '20261122T070000Z-full'
  const served = await upload(wiki, [payload], `/${gen}/`)
  t.equal(served.exitCode, 0, `a client is served while ${held.length} idle connections wait: ${served.stderr}`)
  // bounded: a hub that never drops them must fail here, not hang the suite
  const closed = await Promise.race([Promise.all(held.map(h => h.closed)), new Promise<undefined>(r => setTimeout(r, GRACE_MS + 4000))])
  if (!closed) held.forEach(h => h.end())
  t.ok(closed, 'every idle connection was dropped')
  for (const c of closed ?? []) {
    t.match(c.data, /^SSH-2\.0-roost/)
    t.ok(c.ms >= GRACE_MS - 300 && c.ms < GRACE_MS + 2000, `dropped after the grace time (${c.ms} ms)`)
  }
  const after = await upload(wiki, [payload], '/20261122T080000Z-full/')
  t.equal(after.exitCode, 0, 'and the slots are free again')
})
