/**
 * The hub's SSH front door end to end: a real `roost hub serve` on 127.0.0.1 port 0, dialled by
 * OpenSSH's ssh, sftp and rsync with keys made by ssh-keygen. What a service and a mirror can
 * do, and every way out they might try; after each attempt store/ must be byte-for-byte as before.
 */
import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { execa } from 'execa'
import { roost, startHub, waitFor } from '../helpers/roost.js'
import { knownHostsLine, rsyncRsh, sshArgv, HOST_ALIAS, type SshTarget } from '../../lib/ssh-client.js'
import { pullArgs } from '../../lib/rsync.js'

const GEN = '20261122T030000Z-full'
const dir = t.testdir()
const hubRoot = join(dir, 'hub')
const config = join(hubRoot, 'hub.yaml')

function keygen(name: string): { key: string; pub: string } {
  const key = join(dir, name)
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', name, '-f', key])
  return { key, pub: key + '.pub' }
}

async function must(args: string[]): Promise<void> {
  const r = await roost(args)
  if (r.exitCode !== 0) throw new Error(`roost ${args.join(' ')} exited ${r.exitCode}:\n${r.stderr}`)
}

/** Every entry under a folder: path, type, mode, size and sha256, sorted. */
async function treeState(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (rel: string): Promise<void> => {
    for (const e of (await fs.readdir(join(root, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(rel, e.name)
      const st = await fs.lstat(join(root, p))
      const mode = (st.mode & 0o7777).toString(8)
      if (e.isDirectory()) {
        out.push(`${p}/ d ${mode}`)
        await walk(p)
      } else if (e.isSymbolicLink()) out.push(`${p} l -> ${await fs.readlink(join(root, p))}`)
      else out.push(`${p} f ${mode} ${st.size} ${createHash('sha256').update(await fs.readFile(join(root, p))).digest('hex')}`)
    }
  }
  await walk('')
  return out
}

// ---- the hub: init, two services, a mirror, a low auth-attempt limit; then serve ----
const keys = { wiki: keygen('wiki'), blog: keygen('blog'), m1: keygen('m1'), stranger: keygen('stranger'), news: keygen('news'), bad1: keygen('bad1') }
await must(['hub', 'init', hubRoot, '--port', '0'])
await must(['hub', 'add-service', 'wiki', '--key', keys.wiki.pub, '--config', config])
await must(['hub', 'add-service', 'blog', '--key', keys.blog.pub, '--config', config])
await must(['hub', 'add-mirror', 'm1', '--key', keys.m1.pub, '--config', config])
await fs.writeFile(config, (await fs.readFile(config, 'utf8')).replace('maxAuthTries: 6', 'maxAuthTries: 2'))
// something in the store worth protecting, and in another service's areas
await fs.writeFile(join(hubRoot, 'store', 'wiki', 'marker.txt'), 'accepted earlier\n')
await fs.writeFile(join(hubRoot, 'store', 'blog', 'secret.txt'), "blog's data\n")
const knownHosts = join(dir, 'known_hosts')
await fs.writeFile(knownHosts, knownHostsLine(await fs.readFile(join(hubRoot, 'keys', 'host_ed25519.pub'), 'utf8')))
const hub = await startHub(hubRoot)
t.teardown(() => hub.stop())
const store = join(hubRoot, 'store')
const incoming = (svc: string) => join(hubRoot, 'accounts', svc, 'incoming')

const target = (user: string, key: string): SshTarget => ({ host: '127.0.0.1', port: hub.port, user, key, knownHosts })
const wiki = target('wiki', keys.wiki.key)
const m1 = target('m1', keys.m1.key)
const FAST = ['-o', 'ConnectTimeout=5']

/** Runs an rsync argv from lib/rsync with a short connect timeout (extra options after 'rsync'). */
function rsync(argv: string[], extra: string[] = []): Promise<{ exitCode?: number; stderr: string; stdout: string }> {
  const a = argv.slice(1).map(x => (x.startsWith('ssh ') ? x.replace(/^ssh /, 'ssh -o ConnectTimeout=5 ') : x))
  return execa('rsync', [...extra, ...a], { reject: false, timeout: 30_000 }) as never
}

/**
 * An upload as plain as it gets (the spoke's own argv is lib/rsync's pushArgs; its options are
 * not what this file tests).
 */
function upload(tg: SshTarget, files: string[], dest: string, extra: string[] = []) {
  return rsync(['rsync', '--recursive', '--times', ...extra, '-e', rsyncRsh(tg), '--', ...files, `${tg.user}@127.0.0.1:${dest}`])
}

/** Runs ssh as roost dials: `pre` options override roost's defaults, `cmd` follows the host. */
function ssh(tg: SshTarget, o: { pre?: string[]; cmd?: string[] } = {}) {
  const [, ...rest] = sshArgv(tg)
  return execa('ssh', [...FAST, ...(o.pre ?? []), ...rest, '127.0.0.1', ...(o.cmd ?? [])], { reject: false, timeout: 20_000, input: '' })
}

const local = join(dir, 'local')
await fs.mkdir(local)
const payload = join(local, 'data.tar')
await fs.writeFile(payload, randomBytes(64 * 1024))

/** Runs `fn` and checks that store/ is exactly as it was. */
async function storeUnchanged(t: Test, fn: () => Promise<void>): Promise<void> {
  const before = await treeState(store)
  await fn()
  t.same(await treeState(store), before, 'store/ is unchanged')
}

t.test('a service uploads into its own incoming with rsync', async t => {
  await storeUnchanged(t, async () => {
    const r = await upload(wiki, [payload], `/${GEN}/`, ['--copy-dest=/.basis'])
    t.equal(r.exitCode, 0, r.stderr)
    t.same(await fs.readFile(join(incoming('wiki'), GEN, 'data.tar')), await fs.readFile(payload))
  })
})

t.test('an upload rrsync would silently discard (--delay-updates with --partial-dir) is refused loudly', async t => {
  await storeUnchanged(t, async () => {
    const gen = '20261122T031500Z-full'
    const r = await upload(wiki, [payload], `/${gen}/`, ['--partial-dir=.rsync-partial', '--delay-updates'])
    t.not(r.exitCode, 0)
    t.match(r.stderr, /roost: refused: --delay-updates with --partial-dir/)
    t.notOk(await fs.stat(join(incoming('wiki'), gen)).catch(() => undefined))
  })
})

t.test('a service cannot read another service\'s area, nor escape with .. or an absolute path', async t => {
  await storeUnchanged(t, async () => {
    const out = join(dir, 'stolen')
    await fs.mkdir(out, { recursive: true })
    for (const path of ['/../blog/secret.txt', '/blog/secret.txt', `${store}/blog/secret.txt`, '/../../accounts/blog/incoming/', '../blog/secret.txt']) {
      const r = await rsync(pullArgs(wiki, [path], out + '/'))
      t.not(r.exitCode, 0, `reading ${path} fails`)
    }
    t.same(await fs.readdir(out), [], 'nothing was read')
  })
})

t.test('a service cannot write into another service\'s area, the store, or outside its incoming', async t => {
  await storeUnchanged(t, async () => {
    for (const dest of [`/../blog/incoming/${GEN}/`, `/../../store/wiki/${GEN}/`, `${incoming('blog')}/${GEN}/`, `${store}/wiki/x/`, '/../']) {
      const r = await upload(wiki, [payload], dest)
      t.not(r.exitCode, 0, `writing to ${dest} fails`)
    }
    t.same(await fs.readdir(incoming('blog')), [], "blog's incoming is empty")
  })
})

t.test('a service cannot reach the store through a symlink it uploads', async t => {
  await storeUnchanged(t, async () => {
    const linkDir = join(dir, 'links')
    await fs.mkdir(linkDir, { recursive: true })
    await fs.symlink(join(store, 'wiki'), join(linkDir, 'esc'))
    await upload(wiki, [join(linkDir, 'esc')], '/', ['--links'])
    const r = await upload(wiki, [payload], '/esc/')
    t.not(r.exitCode, 0, 'writing through the symlink fails')
  })
  t.notOk(await fs.lstat(join(store, 'wiki', 'data.tar')).catch(() => undefined), 'nothing landed in store/wiki')
})

t.test('a service cannot delete: not in the store (--remove-source-files), not in incoming (--delete)', async t => {
  await storeUnchanged(t, async () => {
    const out = join(dir, 'pulled')
    const r = await rsync(pullArgs(wiki, ['/marker.txt'], out + '/'), ['--remove-source-files'])
    t.not(r.exitCode, 0)
    const empty = join(dir, 'empty')
    await fs.mkdir(empty, { recursive: true })
    const d = await upload(wiki, [empty + '/'], '/', ['--delete'])
    t.not(d.exitCode, 0)
    t.ok(await fs.stat(join(incoming('wiki'), GEN, 'data.tar')), 'the earlier upload is still there')
  })
  t.ok(await fs.stat(join(store, 'wiki', 'marker.txt')))
})

t.test('a service can read its own store folder, and writing its status lands in incoming only', async t => {
  await storeUnchanged(t, async () => {
    const out = join(dir, 'own')
    const r = await rsync(pullArgs(wiki, ['/marker.txt'], out + '/'))
    t.equal(r.exitCode, 0, r.stderr)
    t.equal(await fs.readFile(join(out, 'marker.txt'), 'utf8'), 'accepted earlier\n')
    const statusFile = join(dir, 'status.json')
    await fs.writeFile(statusFile, '{"forged":true}\n')
    await upload(wiki, [statusFile], '/')
  })
  t.notOk(await fs.lstat(join(store, 'wiki', 'status.json')).catch(() => undefined), 'no status.json in store/wiki')
})

t.test('no shell, no other command, no pty, no sftp, no port forwarding', async t => {
  await storeUnchanged(t, async () => {
    const shell = await ssh(wiki)
    t.not(shell.exitCode, 0, 'ssh without a command')
    t.match(shell.stderr, /shell request failed/)
    const sh = await ssh(wiki, { cmd: ['sh', '-c', 'id'] })
    t.equal(sh.exitCode, 1)
    t.match(sh.stderr, /roost: refused: this account may only run rsync/)
    const daemon = await ssh(wiki, { cmd: ['rsync', '--server', '--daemon', '.'] })
    t.not(daemon.exitCode, 0, 'rsync --server --daemon')
    const pty = await ssh(wiki, { pre: ['-tt'], cmd: ['id'] })
    t.match(pty.stderr, /PTY allocation request failed/)
    t.not(pty.exitCode, 0)
    const sub = await ssh(wiki, { pre: ['-s'], cmd: ['sftp'] })
    t.not(sub.exitCode, 0)
    t.match(sub.stderr, /subsystem request failed/)
    const sftp = await execa('sftp', ['-b', '-', '-P', String(hub.port), '-i', keys.wiki.key, ...FAST, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', `HostKeyAlias=${HOST_ALIAS}`, 'wiki@127.0.0.1'], { reject: false, input: 'ls /\n', timeout: 20_000 })
    t.not(sftp.exitCode, 0, 'the sftp client fails')
    t.notMatch(sftp.stdout, /marker|data\.tar/)
  })
})

t.test('local port forwarding (-N -L) never reaches its target', async t => {
  let reached = 0
  const targetSrv = createServer(s => {
    reached++
    s.destroy()
  })
  await new Promise<void>(res => targetSrv.listen(0, '127.0.0.1', res))
  const tport = (targetSrv.address() as { port: number }).port
  const lsrv = createServer()
  await new Promise<void>(res => lsrv.listen(0, '127.0.0.1', res))
  const lport = (lsrv.address() as { port: number }).port
  await new Promise<void>(res => lsrv.close(() => res()))
  const fwd = ssh(wiki, { pre: ['-o', 'ClearAllForwardings=no', '-N', '-L', `${lport}:127.0.0.1:${tport}`] })
  try {
    const closedWith = await waitFor(
      () =>
        new Promise<string | undefined>(res => {
          const c = connect(lport, '127.0.0.1')
          let got = ''
          c.on('data', d => (got += d.toString()))
          c.on('error', () => res(undefined))
          c.on('close', hadError => res(hadError ? undefined : `closed (${got.length} bytes)`))
        }),
      10_000,
      'the forwarded port',
    )
    t.equal(closedWith, 'closed (0 bytes)', 'the forwarded connection is closed at once')
    t.equal(reached, 0, 'the target never saw a connection')
  } finally {
    fwd.kill('SIGTERM')
    await fwd
    targetSrv.close()
  }
  t.match(hub.logs(), /"request":"direct-tcpip"/)
})

t.test('a mirror reads store/TREE.json and writes only its own trace area, nothing over 64 KiB', async t => {
  await storeUnchanged(t, async () => {
    const out = join(dir, 'mirror')
    const r = await rsync(pullArgs(m1, ['/TREE.json'], out + '/'))
    t.equal(r.exitCode, 0, r.stderr)
    t.same(await fs.readFile(join(out, 'TREE.json')), await fs.readFile(join(store, 'TREE.json')))
    const trace = join(local, 'TRACE.json')
    const big = join(local, 'big.bin')
    await fs.writeFile(trace, '{"format":"roost-trace/1","entries":[]}\n')
    await fs.writeFile(big, randomBytes(64 * 1024 + 1))
    const w = await upload(m1, [trace, big], '/')
    t.equal(w.exitCode, 0, 'writing to / lands in the trace area', { stderr: w.stderr })
    t.same((await fs.readdir(join(hubRoot, 'accounts', 'm1', 'trace'))).sort(), ['TRACE.json'], 'only the small file: one over 64 KiB is skipped')
    for (const dest of [`/wiki/${GEN}/`, '/../accounts/wiki/incoming/']) {
      const bad = await upload(m1, [payload], dest)
      t.not(bad.exitCode, 0, `a mirror writing to ${dest} fails`)
    }
    t.notOk(await fs.stat(join(hubRoot, 'accounts', 'wiki', 'incoming', 'data.tar')).catch(() => undefined), "nothing reached a service's incoming")
  })
})

t.test('an unknown key, and a right key for the wrong user, are refused', async t => {
  await storeUnchanged(t, async () => {
    const stranger = await upload(target('wiki', keys.stranger.key), [payload], `/${GEN}-x/`)
    // rsync exits 255 (ssh failed) or 12 (stream closed), whichever it notices first
    t.not(stranger.exitCode, 0)
    t.match(stranger.stderr, /Permission denied/)
    const wrongUser = await upload(target('blog', keys.wiki.key), [payload], `/${GEN}/`)
    t.not(wrongUser.exitCode, 0)
    t.match(wrongUser.stderr, /Permission denied/)
    const nobody = await ssh(target('nobody', keys.wiki.key), { cmd: ['rsync', '--server', '.', '/'] })
    t.equal(nobody.exitCode, 255)
  })
  t.same(await fs.readdir(incoming('blog')), [])
})

t.test('too many auth attempts get the connection dropped', async t => {
  // hub.yaml sets maxAuthTries: 2; the right key, offered third, is never tried
  const r = await ssh(wiki, { pre: ['-i', keys.stranger.key, '-i', keys.bad1.key], cmd: ['rsync', '--server', '.', '/'] })
  t.equal(r.exitCode, 255)
  t.match(r.stderr, /disconnect|closed/i)
  t.notMatch(r.stderr, /refused/)
  await waitFor(() => hub.logs().includes('too many auth attempts'), 5000, 'the log line')
  t.pass('the hub logged it')
})

t.test('a service added on the running hub can upload at once', async t => {
  await must(['hub', 'add-service', 'news', '--key', keys.news.pub, '--config', config])
  const r = await upload(target('news', keys.news.key), [payload], `/${GEN}/`)
  t.equal(r.exitCode, 0, r.stderr)
  t.same(await fs.readFile(join(incoming('news'), GEN, 'data.tar')), await fs.readFile(payload))
})

t.test('a second upload by the same service while one runs is refused clearly; the first completes', async t => {
  const big = join(local, 'big.tar')
  await fs.writeFile(big, randomBytes(3 * 1024 * 1024))
  const gen1 = '20261122T040000Z-full'
  const first = upload(target('blog', keys.blog.key), [big], `/${gen1}/`, ['--bwlimit=1500'])
  await waitFor(() => fs.stat(join(incoming('blog'), gen1)).then(() => true, () => false), 10_000, 'the first upload to start')
  const second = await upload(target('blog', keys.blog.key), [payload], '/20261122T050000Z-full/')
  t.not(second.exitCode, 0, 'the second upload fails')
  t.match(second.stderr, /Another instance of rrsync is already accessing this directory/)
  const r = await first
  t.equal(r.exitCode, 0, r.stderr)
  t.same(await fs.readFile(join(incoming('blog'), gen1, 'big.tar')), await fs.readFile(big))
})

t.test('ssh-keyscan reads the hub host key (spoke and mirror init rely on it)', async t => {
  const r = await execa('ssh-keyscan', ['-T', '5', '-t', 'ed25519', '-p', String(hub.port), '127.0.0.1'], { reject: false })
  t.equal(r.exitCode, 0)
  const pinned = (await fs.readFile(join(hubRoot, 'keys', 'host_ed25519.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')
  t.match(r.stdout, pinned)
})

t.test('hub status lists every account', async t => {
  const r = await roost(['hub', 'status', '--json', '--config', config])
  t.equal(r.exitCode, 0, r.stderr)
  const status = JSON.parse(r.stdout) as { services: Array<{ name: string }>; mirrors: Array<{ name: string }> }
  t.same(status.services.map(s => s.name), ['blog', 'news', 'wiki'])
  t.same(status.mirrors.map(m => m.name), ['m1'])
})

t.test('SIGTERM stops the hub cleanly', async t => {
  await hub.stop()
  const r = await hub.child
  t.equal(r.exitCode, 0)
  t.notOk(await fs.stat(join(hubRoot, 'state', 'listen.json')).catch(() => undefined), 'listen.json is removed')
})
