import t from 'tap'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { readPrivateKey } from '../../../lib/sign.js'
import { buildTree, signTree, openTree, treeGenerations, type GenerationRecord } from '../../../lib/formats/tree.js'

async function key(dir: string, name: string) {
  const p = join(dir, name)
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', p])
  return readPrivateKey(p)
}

const records: GenerationRecord[] = [
  { service: 'wiki', generation: '20261122T030000Z-full', kind: 'full', accepted: '2026-11-22T03:01:00.000Z', files: { 'data.tar.zst': { bytes: 100, sha256: 'b'.repeat(64) }, 'manifest.json': { bytes: 10, sha256: 'c'.repeat(64) } } },
  { service: 'forum', generation: '20261121T030000Z-full', kind: 'full', accepted: '2026-11-21T03:01:00.000Z', files: { 'data.tar.zst': { bytes: 200, sha256: 'd'.repeat(64) } } },
  { service: 'gone', generation: '20261121T030000Z-full', kind: 'full', accepted: '2026-11-21T03:01:00.000Z', files: {} },
]
const keys = { wiki: 'ssh-ed25519 AAAAwiki', forum: 'ssh-ed25519 AAAAforum' }

t.test('builds the next tree from the books (golden), serial one more than the last', async t => {
  const tree = buildTree(records, keys, 41, new Date('2026-11-22T04:00:00Z'))
  t.equal(tree.serial, 42)
  t.notOk(tree.services.gone, 'a service no longer configured leaves the index')
  t.same(treeGenerations(tree).map(g => `${g.service}/${g.generation}`), ['forum/20261121T030000Z-full', 'wiki/20261122T030000Z-full'])
  const dir = t.testdir()
  const signed = signTree(tree, await key(dir, 'idx'))
  t.matchSnapshot(signed.bytes.toString(), 'TREE.json canonical form')
})

t.test('openTree accepts the signed bytes and refuses any change or another key', async t => {
  const dir = t.testdir()
  const idx = await key(dir, 'idx')
  const other = await key(dir, 'other')
  const signed = signTree(buildTree(records, keys, 0, new Date('2026-11-22T04:00:00Z')), idx)
  t.equal(openTree(signed, idx.public).serial, 1)
  const altered = Buffer.from(signed.bytes.toString().replace('"serial":1', '"serial":9'))
  t.throws(() => openTree({ ...signed, bytes: altered }, idx.public), { code: 'INDEX_BAD_SIGNATURE' })
  t.throws(() => openTree(signed, other.public), { code: 'INDEX_BAD_SIGNATURE' })
  t.throws(() => openTree({ ...signed, signature: 'garbage' }, idx.public), { code: 'INDEX_BAD_SIGNATURE' })
  const forged = signTree(buildTree(records, keys, 5, new Date()), other)
  t.throws(() => openTree(forged, idx.public), { code: 'INDEX_BAD_SIGNATURE' }, 'a tree signed by another key')
})
