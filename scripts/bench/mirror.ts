/**
 * Mirror benchmarks (issue 5), each next to the raw tool in the same run:
 *  (a) "nothing is new" on a tree of N generations (default 10,000 over 20 services): a mirror
 *      D pulls from a mirror U that serves (`roost mirror serve`) a tree made here and signed
 *      with an index key made here. Timed: the quick check (`syncMirror` in process, trace off:
 *      what it takes to learn nothing is new), the whole `roost mirror sync` command (node's
 *      start and the trace report included), the full check (the first sync after D's store
 *      was copied: TREE.json fetched, verified, every generation planned), and plain
 *      `rsync -a` of the same tree over the same front door into a copy that is up to date.
 *      Run at two sizes (100 and N) to show the quick check does not grow with the tree.
 *  (b) latency: a hub, mirror A (`mirror watch` on the hub, `mirror serve`) and mirror B
 *      (`mirror watch` on A); a generation delivered into the hub's incoming; timed from the
 *      hub's TREE.json listing it to B's listing it (verified, published) — `--rounds` times.
 * Prints figures; asserts nothing. Not part of the test suite.
 *
 *   node dist/scripts/bench/mirror.js [--generations 10000] [--services 20] [--rounds 5] [--dir DIR]
 */
import { execa, type ResultPromise } from 'execa'
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { generationId } from '../../lib/formats/names.js'
import { signTree, TREE_FORMAT, TREE_FILE, TREE_SIG_FILE, type Tree } from '../../lib/formats/tree.js'
import { signManifest, renderManifest, type UnsignedManifest } from '../../lib/formats/manifest.js'
import { parsePrivateKey, readPrivateKey } from '../../lib/sign.js'
import { rsyncRsh, knownHostsLine } from '../../lib/ssh-client.js'
import { loadMirrorConfig } from '../../lib/config/mirror.js'
import { silentLogger } from '../../lib/log.js'
import { syncMirror } from '../../mirror/sync.js'
import { arg, serveHub, timed } from './common.js'

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const ROOST = join(REPO, 'dist', 'roost.js')
const say = (line: string): void => void process.stdout.write(line + '\n')
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function roost(args: string[]): Promise<string> {
  const r = await execa(process.execPath, [ROOST, ...args], { env: { ROOST_LOG_LEVEL: 'warn' }, reject: false })
  if (r.exitCode !== 0) throw new Error(`roost ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}`)
  return String(r.stdout)
}

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', 'bench', '-f', path])
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** A store of `n` generations (tiny files: the count is what is measured), signed. */
async function makeStore(store: string, n: number, services: number, indexKeyFile: string): Promise<void> {
  const key = await readPrivateKey(indexKeyFile)
  const tree: Tree = { format: TREE_FORMAT, serial: 1, published: new Date().toISOString(), services: {} }
  const t0 = Date.UTC(2020, 0, 1)
  for (let i = 0; i < n; i++) {
    const svc = `svc${String(i % services).padStart(2, '0')}`
    const gen = generationId(new Date(t0 + i * 3_600_000), i % 7 === 0 ? 'full' : 'incr')
    const dir = join(store, svc, gen)
    await fs.mkdir(dir, { recursive: true })
    const files: Record<string, { bytes: number; sha256: string }> = {}
    for (const [name, bytes] of [['manifest.json', 600], ['data.tar.zst', 1024]] as const) {
      const data = randomBytes(bytes)
      await fs.writeFile(join(dir, name), data, { mode: 0o444 })
      files[name] = { bytes, sha256: sha(data) }
    }
    tree.services[svc] ??= { key: key.public.line, generations: {} }
    tree.services[svc].generations[gen] = { kind: i % 7 === 0 ? 'full' : 'incr', accepted: new Date(t0 + i * 3_600_000).toISOString(), files }
  }
  const signed = signTree(tree, key)
  await fs.writeFile(join(store, TREE_SIG_FILE), signed.signature)
  await fs.writeFile(join(store, TREE_FILE), signed.bytes)
}

function daemon(args: string[]): ResultPromise {
  return execa(process.execPath, [ROOST, ...args], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', env: { ROOST_LOG_LEVEL: 'warn' } })
}

async function waitListen(root: string): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const text = await fs.readFile(join(root, 'state', 'listen.json'), 'utf8').catch(() => '')
    if (text) return (JSON.parse(text) as { port: number }).port
    await new Promise(r => setTimeout(r, 100))
  }
  throw new Error(`${root} did not start serving`)
}

/** (a) at one tree size. */
async function nothingNew(base: string, n: number, services: number): Promise<Record<string, number>> {
  const p = (...s: string[]): string => join(base, `n${n}`, ...s)
  await fs.mkdir(p(), { recursive: true })
  keygen(p('index'))
  keygen(p('dummy-host'))
  const indexPub = p('index.pub')
  // U: a mirror root whose store is the made tree, serving it
  await roost(['mirror', 'init', p('u'), '--upstream', '127.0.0.1:9', '--host-key', p('dummy-host.pub'), '--name', 'u', '--index-key', indexPub, '--serve', '127.0.0.1:0'])
  const { ms: makeMs } = await timed(() => makeStore(p('u', 'store'), n, services, p('index')))
  const serve = daemon(['mirror', 'serve', '--config', p('u', 'mirror.yaml')])
  try {
    const port = await waitListen(p('u'))
    await roost(['mirror', 'init', p('d'), '--upstream', `127.0.0.1:${port}`, '--host-key', p('u', 'keys', 'host_ed25519.pub'), '--name', 'd', '--index-key', indexPub])
    const dKey = (await fs.readFile(p('d', 'keys', 'mirror_ed25519.pub'), 'utf8')).trim()
    await roost(['mirror', 'add-mirror', 'd', '--key', dKey, '--config', p('u', 'mirror.yaml')])
    await fs.rm(p('d', 'store'), { recursive: true, force: true })
    execFileSync('cp', ['-a', p('u', 'store'), p('d', 'store')])
    const full = await timed(() => roost(['mirror', 'sync', '--config', p('d', 'mirror.yaml')]))
    const { config, paths } = await loadMirrorConfig(p('d', 'mirror.yaml'))
    const log = silentLogger()
    const quick: number[] = []
    for (let i = 0; i < 5; i++) {
      const r = await timed(() => syncMirror(config, paths, log, () => new Date(), { trace: false }))
      if (!r.value.upToDate) throw new Error('the quick check did not find the tree up to date')
      quick.push(r.ms)
    }
    const cli: number[] = []
    for (let i = 0; i < 3; i++) cli.push((await timed(() => roost(['mirror', 'sync', '--config', p('d', 'mirror.yaml')]))).ms)
    // raw: rsync -a of the same tree over the same front door into an up-to-date copy
    execFileSync('cp', ['-a', p('u', 'store'), p('raw')])
    await fs.writeFile(p('raw-known'), knownHostsLine((await fs.readFile(p('u', 'keys', 'host_ed25519.pub'), 'utf8')).trim()))
    const rsh = rsyncRsh({ host: '127.0.0.1', port, user: 'd', key: p('d', 'keys', 'mirror_ed25519'), knownHosts: p('raw-known') })
    const raw: number[] = []
    for (let i = 0; i < 3; i++) raw.push((await timed(() => execa('rsync', ['-a', '-e', rsh, 'd@127.0.0.1:/', p('raw') + '/']))).ms)
    return { generations: n, makeMs, fullCheckMs: full.ms, quickMs: median(quick), cliMs: median(cli), rawRsyncMs: median(raw) }
  } finally {
    serve.kill('SIGTERM')
    await serve
  }
}

/** Delivers a small generation into the hub's incoming (data.tar, then the manifest last). */
async function deliver(hubRoot: string, key: Awaited<ReturnType<typeof readPrivateKey>>, gen: string, work: string): Promise<void> {
  const incoming = join(hubRoot, 'accounts', 'wiki', 'incoming', gen)
  await fs.mkdir(incoming, { recursive: true })
  const src = join(work, 'src')
  await fs.mkdir(src, { recursive: true })
  await fs.writeFile(join(src, 'page.txt'), randomBytes(64 * 1024).toString('hex'))
  execFileSync('tar', ['-cf', join(incoming, 'data.tar'), '-C', src, '.'])
  const tar = await fs.readFile(join(incoming, 'data.tar'))
  const unsigned: UnsignedManifest = {
    format: 'roost/1', service: 'wiki', generation: gen, kind: 'full', base: null, parent: null,
    created: new Date().toISOString(), host: 'bench', roost: '0.1.0', sources: [src], excludes: [], hooks: [],
    files: [{ name: 'data.tar', bytes: tar.length, sha256: sha(tar) }], compression: 'none', encryption: null,
    counts: { entries: 2, files: 1, dirs: 1, symlinks: 0, hardlinks: 0, other: 0, bytes: tar.length },
  }
  await fs.writeFile(join(incoming, '.m.tmp'), renderManifest(signManifest(unsigned, key)))
  await fs.rename(join(incoming, '.m.tmp'), join(incoming, 'manifest.json'))
}

async function lists(store: string, gen: string): Promise<boolean> {
  return (await fs.readFile(join(store, TREE_FILE), 'utf8').catch(() => '')).includes(`"${gen}"`)
}

async function until(fn: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const t0 = performance.now()
  while (!(await fn())) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 20))
  }
  return performance.now()
}

/** (b) hub → A → B with watch. */
async function latency(base: string, rounds: number): Promise<{ toA: number[]; toB: number[] }> {
  const p = (...s: string[]): string => join(base, 'latency', ...s)
  await fs.mkdir(p(), { recursive: true })
  await roost(['hub', 'init', p('hub'), '--port', '0'])
  keygen(p('wiki'))
  await roost(['hub', 'add-service', 'wiki', '--key', p('wiki.pub'), '--config', p('hub', 'hub.yaml')])
  const wikiKey = parsePrivateKey(await fs.readFile(p('wiki'), 'utf8'))
  const hub = await serveHub(ROOST, p('hub'), 'latency')
  const daemons: ResultPromise[] = [hub.hub]
  try {
    const a = JSON.parse(await roost(['mirror', 'init', p('a'), '--upstream', `127.0.0.1:${hub.port}`, '--name', 'a', '--index-key', p('hub', 'keys', 'index_ed25519.pub'), '--host-key', p('hub', 'keys', 'host_ed25519.pub'), '--serve', '127.0.0.1:0', '--json'])) as { key: { line: string } }
    await roost(['hub', 'add-mirror', 'a', '--key', a.key.line, '--config', p('hub', 'hub.yaml')])
    daemons.push(daemon(['mirror', 'serve', '--config', p('a', 'mirror.yaml')]))
    const aPort = await waitListen(p('a'))
    const b = JSON.parse(await roost(['mirror', 'init', p('b'), '--upstream', `127.0.0.1:${aPort}`, '--name', 'b', '--index-key', p('hub', 'keys', 'index_ed25519.pub'), '--host-key', p('a', 'keys', 'host_ed25519.pub'), '--json'])) as { key: { line: string } }
    await roost(['mirror', 'add-mirror', 'b', '--key', b.key.line, '--config', p('a', 'mirror.yaml')])
    daemons.push(daemon(['mirror', 'watch', '--config', p('a', 'mirror.yaml')]), daemon(['mirror', 'watch', '--config', p('b', 'mirror.yaml')]))
    const toA: number[] = []
    const toB: number[] = []
    for (let i = 0; i < rounds; i++) {
      const gen = generationId(new Date(Date.now() - (rounds - i) * 60_000), 'full')
      await deliver(p('hub'), wikiKey, gen, p(`work${i}`))
      const accepted = await until(() => lists(p('hub', 'store'), gen), 60_000, 'the hub to accept')
      const atA = await until(() => lists(p('a', 'store'), gen), 60_000, 'A')
      const atB = await until(() => lists(p('b', 'store'), gen), 60_000, 'B')
      toA.push(Math.round(atA - accepted))
      toB.push(Math.round(atB - accepted))
      await new Promise(r => setTimeout(r, 500))
    }
    return { toA, toB }
  } finally {
    for (const d of daemons.reverse()) {
      d.kill('SIGTERM')
      await d
    }
  }
}

async function main(): Promise<void> {
  const n = Number(arg('--generations', '10000'))
  const services = Number(arg('--services', '20'))
  const rounds = Number(arg('--rounds', '5'))
  const base = resolve(arg('--dir', await fs.mkdtemp(join(tmpdir(), 'roost-bench-mirror-'))))
  say(`mirror benchmarks in ${base}`)
  say('')
  say('(a) learning that nothing is new (ms; quick = in process, trace off; cli = the whole command, node start and trace report included)')
  say('generations  quick  cli  full-check  rsync -a (raw)  [made in]')
  for (const size of [100, n]) {
    const r = await nothingNew(base, size, Math.min(services, size))
    say(`${String(r.generations).padStart(11)}  ${String(r.quickMs).padStart(5)}  ${String(r.cliMs).padStart(3)}  ${String(r.fullCheckMs).padStart(10)}  ${String(r.rawRsyncMs).padStart(14)}  [${(r.makeMs! / 1000).toFixed(1)} s]`)
  }
  say('')
  const l = await latency(base, rounds)
  say(`(b) hub accepts a generation → verified and published on A (tier 1) / on B (tier 2, via A), with mirror watch, ${rounds} rounds (ms):`)
  say(`    A: ${l.toA.join(', ')}  (median ${median(l.toA)})`)
  say(`    B: ${l.toB.join(', ')}  (median ${median(l.toB)})`)
}

main().catch(err => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`)
  process.exit(1)
})
