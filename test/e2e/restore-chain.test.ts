/**
 * `roost restore` of whole chains through the built binary against a real hub: full → diff →
 * incr → incr with changed, added, deleted and renamed files, restored bit-exact from the
 * hub's store folder, over SSH and from the spoke's kept copies; `--at`, `--path` and
 * `--list`; a tampered link is exit 3 with the target left empty.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { dumpYaml } from '../../lib/config/load.js'
import { readPublicKeyArg } from '../../lib/sign.js'
import { makeServiceTree, mutateTree } from '../helpers/fixtures.js'
import { deliverChain, roost, startHubWorld } from '../lib/stores/hub-world.js'

const GENS = ['20261120T030000Z-full', '20261121T030000Z-diff', '20261122T030000Z-incr', '20261123T030000Z-incr']

async function paths(root: string, abs: string, out: string[] = []): Promise<string[]> {
  out.push(abs)
  if ((await fs.lstat(root)).isDirectory()) for (const n of await fs.readdir(root)) await paths(join(root, n), `${abs}/${n}`, out)
  return out
}

t.test('restore replays whole chains from every tier, with --at, --path and --list', async t => {
  const dir = t.testdir()
  const w = await startHubWorld(dir, ['wiki'])
  t.teardown(() => w.hub.stop())
  const src = join(dir, 'data', 'wiki')
  await makeServiceTree(src, { seed: 'chain', largeBytes: 512 * 1024 })
  const work = join(dir, 'work')
  await fs.mkdir(work)
  const copies = new Map<string, string>()
  const changes = [
    async () => mutateTree(src, 'd1'),
    async () => {
      await fs.rename(join(src, 'data', 'deep'), join(src, 'data', 'moved'))
      await fs.rename(join(src, 'sessions'), join(src, 'old-sessions'))
    },
    async () => {
      await fs.rm(join(src, 'data', 'new-d1.txt'))
      await fs.writeFile(join(src, 'old-sessions', 'sess_010'), 'rewritten\n')
    },
  ]
  await deliverChain(w, 'wiki', src, GENS, work, async i => {
    const copy = join(dir, `copy-${i - 1}`)
    execFileSync('cp', ['-a', src, copy])
    copies.set(GENS[i - 1]!, copy)
    await changes[i - 1]!()
  })
  execFileSync('cp', ['-a', src, join(dir, 'copy-last')])
  copies.set(GENS[3]!, join(dir, 'copy-last'))
  const store = join(w.hubRoot, 'store')
  const key = ['--index-key', w.indexPub]

  const to = join(dir, 'newest')
  const r = await roost(['restore', 'wiki', '--from', store, ...key, '--to', to, '--json'])
  t.equal(r.exitCode, 0, 'restore of the newest exits 0', { stderr: r.stderr })
  t.match(JSON.parse(r.stdout), { generation: GENS[3], chain: GENS }, 'full, diff and both incrs replayed')
  t.same(await compareTrees(copies.get(GENS[3]!)!, join(to, src)), [], 'bit-exact with the source')

  const at = join(dir, 'at')
  const ra = await roost(['restore', 'wiki', '--at', '2026-11-21T12:00:00Z', '--from', store, ...key, '--to', at, '--json'])
  t.match(JSON.parse(ra.stdout), { generation: GENS[1], chain: GENS.slice(0, 2) }, '--at picks the diff')
  t.same(await compareTrees(copies.get(GENS[1]!)!, join(at, src)), [], 'and restores it bit-exact')

  const part = join(dir, 'part')
  const rp = await roost(['restore', 'wiki', GENS[2]!, '--path', join(src, 'data'), '--path', join(src, 'old-sessions', 'sess_010'), '--from', store, ...key, '--to', part])
  t.equal(rp.exitCode, 0, '--path exits 0', { stderr: rp.stderr })
  t.same(await compareTrees(join(copies.get(GENS[2]!)!, 'data'), join(part, src, 'data')), [], 'a folder with a renamed folder inside, bit-exact')
  t.same((await fs.readdir(join(part, src))).sort(), ['data', 'old-sessions'])
  t.same(await fs.readdir(join(part, src, 'old-sessions')), ['sess_010'])
  const gone = await roost(['restore', 'wiki', '--path', join(src, 'data', 'new-d1.txt'), '--from', store, ...key, '--to', join(dir, 'gone')])
  t.equal(gone.exitCode, 1, 'a path the generation does not hold is exit 1')
  t.match(gone.stderr, /PATH_NOT_FOUND/)
  t.same(await fs.readdir(join(dir, 'gone')), [], 'nothing written')

  const listTo = join(dir, 'never')
  const rl = await roost(['restore', 'wiki', GENS[2]!, '--list', '--from', store, ...key, '--to', listTo, '--json'])
  t.equal(rl.exitCode, 0, '--list exits 0', { stderr: rl.stderr })
  const listed = (JSON.parse(rl.stdout) as { entries: Array<{ path: string }> }).entries.map(e => e.path).sort()
  t.same(listed, (await paths(copies.get(GENS[2]!)!, src)).sort(), "--list: exactly the source's files at that generation")
  t.notOk(await fs.lstat(listTo).catch(() => undefined), '--list writes nothing into --to')
  const text = await roost(['restore', 'wiki', '--list', '--from', store, ...key])
  t.match(text.stdout, /^-rw-r--r-- +\S+ +10 \S+Z \S+\/old-sessions\/sess_010$/m, 'text lines: mode owner size mtime path')

  const spokeDir = join(dir, 'spoke')
  await fs.mkdir(spokeDir)
  const config = join(spokeDir, 'spoke.yaml')
  await fs.writeFile(config, dumpYaml({ service: 'wiki', hub: { host: '127.0.0.1', port: w.port, hostKey: (await readPublicKeyArg(w.hostPub)).line }, key: w.keys.wiki!.path, sources: [src] }))
  const viaHub = join(dir, 'via-hub')
  const rh = await roost(['restore', 'wiki', '--from', 'hub', '--config', config, '--to', viaHub])
  t.equal(rh.exitCode, 0, 'over SSH exits 0', { stderr: rh.stderr })
  t.match(rh.stdout, /chain .* → /)
  t.same(await compareTrees(copies.get(GENS[3]!)!, join(viaHub, src)), [], 'the chain over SSH: bit-exact')
  for (const g of GENS) {
    await fs.mkdir(join(spokeDir, 'state', 'generations', g), { recursive: true })
    for (const f of ['manifest.json', 'data.tar.zst']) await fs.copyFile(join(store, 'wiki', g, f), join(spokeDir, 'state', 'generations', g, f))
    await fs.writeFile(join(spokeDir, 'state', 'generations', g, '.accepted'), '{}\n')
  }
  const viaLocal = join(dir, 'via-local')
  const rloc = await roost(['restore', 'wiki', GENS[2]!, '--from', 'local', '--config', config, '--to', viaLocal])
  t.equal(rloc.exitCode, 0, 'from the kept copies exits 0', { stderr: rloc.stderr })
  t.same(await compareTrees(copies.get(GENS[2]!)!, join(viaLocal, src)), [], 'the chain from local copies: bit-exact')

  const copy = join(dir, 'store-copy')
  execFileSync('cp', ['-a', store, copy])
  execFileSync('chmod', ['-R', 'u+w', copy])
  const zst = join(copy, 'wiki', GENS[2]!, 'data.tar.zst')
  const bytes = await fs.readFile(zst)
  bytes[Math.floor(bytes.length / 3)]! ^= 0x10
  await fs.writeFile(zst, bytes)
  const target = join(dir, 'tampered')
  const bad = await roost(['restore', 'wiki', '--from', copy, ...key, '--to', target])
  t.equal(bad.exitCode, 3, 'a tampered link is exit 3')
  t.match(bad.stderr, new RegExp(`${GENS[2]}.*signed index`))
  t.same(await fs.readdir(target), [], 'the target stays empty')

  for (const [args, what] of [
    [[GENS[1]!, '--at', '2026-11-21'], 'a generation and --at'],
    [['--path', `${src}/../x`], "'..' in --path"],
    [['--at', 'tuesday'], 'a bad time'],
    [[], 'no --to and no --list'],
  ] as const) {
    const u = await roost(['restore', 'wiki', ...args, '--from', store, ...key, ...(what === 'no --to and no --list' ? [] : ['--to', join(dir, 'u')])])
    t.equal(u.exitCode, 2, `${what} is a usage error`)
  }
})
