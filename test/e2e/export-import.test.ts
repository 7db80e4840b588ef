/**
 * `roost export` → `roost hub import` → `roost restore` through the built binary: a chain (a
 * full and two incrs made with tar --listed-incremental) exported from a store folder,
 * imported into a fresh hub (`hub init` + `hub add-service` with the same key) with and
 * without `hub serve` running, then restored from the new hub's store bit-exact with the
 * source. A corrupt link makes the export exit 3 with no file; an altered export is refused
 * by the hub with its own rejection code.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { createHash } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { dumpYaml } from '../../lib/config/load.js'
import { readPublicKeyArg } from '../../lib/sign.js'
import { ROOST, roost, startHub, NODE_SH } from '../helpers/roost.js'
import { makeChainStore } from '../lib/export/make-chain.js'
import { pack, replaceMember, unpack, zstd } from '../lib/export/kit.js'

const dir = t.testdir()
const c = await makeChainStore(join(dir, 'chain'), 3)
const [F, I1, I2] = c.gens as [string, string, string]
const indexKey = c.indexKey.public.line

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** A fresh hub root with the service registered under the spoke's key. */
async function freshHub(name: string): Promise<{ root: string; config: string }> {
  const root = join(dir, name)
  const init = await roost(['hub', 'init', root, '--port', '0'])
  if (init.exitCode !== 0) throw new Error(`hub init: ${init.stderr}`)
  const config = join(root, 'hub.yaml')
  const add = await roost(['hub', 'add-service', 'wiki', '--key', c.key.public.line, '--config', config])
  if (add.exitCode !== 0) throw new Error(`hub add-service: ${add.stderr}`)
  return { root, config }
}

t.test('a chain exported from a store folder, imported into a fresh hub, restores bit-exact', async t => {
  const file = join(dir, 'wiki.roost.tar')
  const ex = await roost(['export', 'wiki', I2, '--from', c.store, '--index-key', indexKey, '--to', file, '--json'])
  t.equal(ex.exitCode, 0, 'export exits 0', { stderr: ex.stderr })
  t.match(JSON.parse(ex.stdout), { service: 'wiki', generation: I2, chain: [F, I1, I2], file })
  t.same(execFileSync('tar', ['-tf', file]).toString().trim().split('\n')[0], 'roost-export.json', 'plain tar reads it')
  const again = await roost(['export', 'wiki', I2, '--from', c.store, '--index-key', indexKey, '--to', file])
  t.equal(again.exitCode, 2, 'an existing file is refused without --force')

  const hub = await freshHub('hub-a')
  const im = await roost(['hub', 'import', file, '--config', hub.config, '--json'])
  t.equal(im.exitCode, 0, 'import exits 0', { stderr: im.stderr })
  t.same(JSON.parse(im.stdout).links, [F, I1, I2].map(generation => ({ generation, outcome: 'accepted' })))
  const text = await roost(['hub', 'import', file, '--config', hub.config])
  t.equal(text.exitCode, 0)
  t.match(text.stdout, new RegExp(`${F}  already in the store \\(skipped\\)`), 'a second import skips every held link')
  // on a terminal (a real pty made by util-linux script): the ingest of each link shows its progress
  const ptyHub = await freshHub('hub-pty')
  const tty = spawnSync('script', ['-qec', `${NODE_SH} ${ROOST} hub import ${file} --config ${ptyHub.config}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, ROOST_LOG_LEVEL: 'warn' }, timeout: 60_000 })
  t.equal(tty.status, 0, 'hub import on a terminal', { stdout: tty.stdout })
  t.match(tty.stdout, new RegExp(`ingest: [^ ]*${I2}[^ ]* [\\d.]+ \\w*B of [\\d.]+ \\w*B \\(100%\\)`), 'the ingest shows bytes read of the upload')

  const store = join(hub.root, 'store')
  for (const g of [F, I1, I2]) {
    const stored = execFileSync('zstd', ['-d', '-q', '-c', join(store, 'wiki', g, 'data.tar.zst')], { maxBuffer: 1 << 28 })
    t.equal(sha256(stored), sha256(await fs.readFile(c.tars[g]!)), `${g}: the new hub stores the spoke's exact tar`)
  }
  const to = join(dir, 'restored')
  const rs = await roost(['restore', 'wiki', I2, '--from', store, '--index-key', join(hub.root, 'keys', 'index_ed25519.pub'), '--to', to])
  t.equal(rs.exitCode, 0, 'restore of the chain from the new hub exits 0', { stderr: rs.stderr })
  t.same(await compareTrees(c.src, join(to, c.src)), [], 'full + incrs replayed from the imported store: bit-exact with the source')
})

t.test('with hub serve running, import waits for its verdicts; an altered export is rejected with the hub code', async t => {
  const full = join(dir, 'full.roost.tar')
  const chain = join(dir, 'chain.roost.tar')
  for (const [g, f] of [[F, full], [I2, chain]] as const) {
    const r = await roost(['export', 'wiki', g, '--from', c.store, '--index-key', indexKey, '--to', f])
    t.equal(r.exitCode, 0, `export of ${g}`, { stderr: r.stderr })
  }
  const members = await unpack(chain, join(dir, 'chain-members'))
  const tar = await fs.readFile(c.tars[I1]!)
  tar[tar.length >> 1] = tar[tar.length >> 1]! ^ 0xff
  const altered = join(dir, 'altered.roost.tar')
  await pack(altered, replaceMember(members, `${I1}/data.tar.zst`, zstd(tar)))

  const hub = await freshHub('hub-b')
  const running = await startHub(hub.root)
  t.teardown(() => running.stop())
  const one = await roost(['hub', 'import', full, '--config', hub.config, '--json'])
  t.equal(one.exitCode, 0, 'the full is accepted', { stderr: one.stderr })
  t.same(JSON.parse(one.stdout).links, [{ generation: F, outcome: 'accepted' }])
  const rest = await roost(['hub', 'import', chain, '--config', hub.config, '--json'])
  t.equal(rest.exitCode, 0, 'the chain is accepted onto the held full', { stderr: rest.stderr })
  t.same(JSON.parse(rest.stdout).links.map((l: { outcome: string }) => l.outcome), ['held', 'accepted', 'accepted'])
  t.match(running.logs(), new RegExp(`"generation":"${I2}".*generation accepted`), "hub serve's watcher ingested it")

  // the spoke exports from the hub over SSH what the hub now holds: the same chain and manifests
  const spoke = join(dir, 'spoke')
  await fs.mkdir(spoke)
  const hostKey = (await readPublicKeyArg(join(hub.root, 'keys', 'host_ed25519.pub'))).line
  await fs.writeFile(join(spoke, 'spoke.yaml'), dumpYaml({ service: 'wiki', hub: { host: '127.0.0.1', port: running.port, hostKey }, key: c.key.path, sources: [c.src] }))
  const fromHub = join(dir, 'from-hub.roost.tar')
  const viaHub = await roost(['export', 'wiki', I2, '--from', 'hub', '--config', join(spoke, 'spoke.yaml'), '--to', fromHub, '--json'])
  t.equal(viaHub.exitCode, 0, 'export --from hub exits 0', { stderr: viaHub.stderr })
  t.match(JSON.parse(viaHub.stdout), { chain: [F, I1, I2], source: `hub 127.0.0.1:${running.port}` })
  const hubMembers = await unpack(fromHub, join(dir, 'from-hub-members'))
  for (const g of [F, I1, I2]) {
    const name = `${g}/manifest.json`
    t.ok(hubMembers.find(m => m.name === name)!.data.equals(members.find(m => m.name === name)!.data), `${name}: the same signed manifest`)
  }
  t.same((await fs.readdir(join(spoke, 'state'))).filter(n => n.startsWith('restore-')), [], "the hub reader's temp folder is gone")

  const other = await freshHub('hub-c')
  const second = await startHub(other.root)
  t.teardown(() => second.stop())
  const bad = await roost(['hub', 'import', altered, '--config', other.config])
  t.equal(bad.exitCode, 1, 'an altered link is IMPORT_REJECTED (exit 1)')
  t.match(bad.stderr, new RegExp(`${I1}.*ARRIVAL_HASH_MISMATCH.*\\[IMPORT_REJECTED\\]`))
  t.match(bad.stderr, new RegExp(`${F}: accepted\\n.*${I1}: rejected \\(ARRIVAL_HASH_MISMATCH\\)\\n.*${I2}: not-tried`), 'the hint says what became of each link')
  t.same((await fs.readdir(join(other.root, 'store', 'wiki'))).filter(n => /Z-/.test(n)), [F], 'only the full before the altered link is in the store')
})

t.test('an export whose chain has a corrupt link exits 3 and writes no file', async t => {
  const copy = join(dir, 'store-copy')
  execFileSync('cp', ['-a', c.store, copy])
  const p = join(copy, 'wiki', I1, 'data.tar.zst')
  const data = await fs.readFile(p)
  data[100] = data[100]! ^ 0xff
  await fs.writeFile(p, data)
  const file = join(dir, 'corrupt.roost.tar')
  const r = await roost(['export', 'wiki', I2, '--from', copy, '--index-key', indexKey, '--to', file])
  t.equal(r.exitCode, 3, 'exit 3', { stderr: r.stderr })
  t.match(r.stderr, new RegExp(`${I1}/data.tar.zst.*\\[HASH_MISMATCH\\]`))
  t.notOk(await fs.stat(file).catch(() => undefined), 'no file')
  t.same((await fs.readdir(dir)).filter(n => n.startsWith('.corrupt')), [], 'no temp file')
})
