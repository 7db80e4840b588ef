/**
 * An encrypted service's chain through `roost export` → `roost hub import` → `roost restore
 * --identity`, with the built binary and the real tar, zstd and age: the export carries each
 * link's data.tar.zst.age as the store holds it, the new hub stores that ciphertext byte for
 * byte without any key (and keeps no delta basis), and only the identity restores the chain,
 * bit-exact with the source.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { roost } from '../helpers/roost.js'
import { makeChainStore } from '../lib/export/make-chain.js'
import { ageKeygen, makeHub } from '../hub/ingest/kit.js'

const dir = t.testdir()
const age = await ageKeygen(join(dir, 'offline'), 'identity.txt')
const c = await makeChainStore(join(dir, 'chain'), 3, 'wiki', { age, largeBytes: 256 * 1024 })
const [F, I1, I2] = c.gens as [string, string, string]

t.test('an encrypted chain exported from a store folder, imported into a fresh hub, restores only with the identity', async t => {
  const file = join(dir, 'wiki.roost.tar')
  const ex = await roost(['export', 'wiki', I2, '--from', c.store, '--index-key', c.indexKey.public.line, '--to', file, '--json'])
  t.equal(ex.exitCode, 0, 'export exits 0', { stderr: ex.stderr })
  t.same(execFileSync('tar', ['-tf', file]).toString().trim().split('\n'), ['roost-export.json', ...[F, I1, I2].flatMap(g => [`${g}/manifest.json`, `${g}/data.tar.zst.age`])])

  // a fresh hub root laid out as `hub init` + `hub add-service` leave it (the plain e2e runs those through the binary)
  const hub = await makeHub(join(dir, 'hub'), { wiki: { key: c.key.public.line } })
  const root = hub.root
  const config = join(root, 'hub.yaml')
  const im = await roost(['hub', 'import', file, '--config', config, '--json'])
  t.equal(im.exitCode, 0, 'import exits 0', { stderr: im.stderr })
  t.same(JSON.parse(im.stdout).links, [F, I1, I2].map(generation => ({ generation, outcome: 'accepted' })))

  const store = join(root, 'store')
  for (const g of [F, I1, I2]) {
    t.same((await fs.readdir(join(store, 'wiki', g))).sort(), ['data.tar.zst.age', 'manifest.json'], `${g}: only ciphertext and manifest`)
    t.ok((await fs.readFile(join(store, 'wiki', g, 'data.tar.zst.age'))).equals(await fs.readFile(join(c.store, 'wiki', g, 'data.tar.zst.age'))), `${g}: the ciphertext byte for byte`)
  }
  t.same(await fs.readdir(join(root, 'accounts', 'wiki', 'incoming')), [], 'no delta basis and no upload left in incoming')

  const indexKey = hub.indexKey.line
  const without = await roost(['restore', 'wiki', I2, '--from', store, '--index-key', indexKey, '--to', join(dir, 'no-identity')])
  t.equal(without.exitCode, 2, 'without the identity nothing is restored', { stderr: without.stderr })
  t.match(without.stderr, /IDENTITY_REQUIRED/)
  const to = join(dir, 'restored')
  const rs = await roost(['restore', 'wiki', I2, '--from', store, '--index-key', indexKey, '--to', to, '--identity', age.identity])
  t.equal(rs.exitCode, 0, 'restore with the identity exits 0', { stderr: rs.stderr })
  t.same(await compareTrees(c.src, join(to, c.src)), [], 'the chain replayed from the imported ciphertext is bit-exact with the source')
})
