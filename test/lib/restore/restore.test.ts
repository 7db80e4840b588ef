import t from 'tap'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { silentLogger } from '../../../lib/log.js'
import { compareTrees } from '../../../lib/fsx/compare-trees.js'
import { StoreFolderReader } from '../../../lib/stores/store-folder.js'
import type { StoreReader } from '../../../lib/stores/store-reader.js'
import { chooseGeneration, restoreGeneration } from '../../../lib/restore/restore.js'
import { makeServiceTree, mutateTree } from '../../helpers/fixtures.js'
import { makeGeneration, makeKey, publishStore } from '../stores/make-store.js'

const G1 = '20261121T030000Z-full'
const G2 = '20261122T030000Z-full'
const log = silentLogger()

async function world(t: { testdir(): string }) {
  const dir = t.testdir()
  const src = join(dir, 'src', 'wiki')
  await makeServiceTree(src, { seed: 'wiki', largeBytes: 256 * 1024 })
  const idx = await makeKey(dir, 'index')
  const spoke = await makeKey(dir, 'spoke')
  const store = join(dir, 'store')
  const g1 = await makeGeneration(store, dir, 'wiki', G1, src, spoke)
  const before = join(dir, 'before')
  execFileSync('cp', ['-a', src, before])
  await mutateTree(src)
  const g2 = await makeGeneration(store, dir, 'wiki', G2, src, spoke)
  await publishStore(store, [g1.record, g2.record], { wiki: spoke.public.line }, 7, idx)
  return { dir, src, before, store, idx, spoke, g1, g2 }
}

t.test('chooseGeneration: the newest by default, the one asked for, or GENERATION_NOT_FOUND', async t => {
  t.equal(chooseGeneration([G2, G1], undefined, 'wiki', 'here'), G2)
  t.equal(chooseGeneration([G1, G2], G1, 'wiki', 'here'), G1)
  t.throws(() => chooseGeneration([G1], G2, 'wiki', 'here'), { code: 'GENERATION_NOT_FOUND' })
  t.throws(() => chooseGeneration([], undefined, 'wiki', 'here'), { code: 'GENERATION_NOT_FOUND' })
})

t.test('restores the newest and a named generation bit-exact from a store folder', async t => {
  const w = await world(t)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const to = join(w.dir, 'restored')
  const r = await restoreGeneration({ reader, service: 'wiki', to, log })
  t.equal(r.generation, G2)
  t.equal(r.source, w.store)
  t.ok(r.files > 50 && r.bytes > 256 * 1024, 'counts files and bytes')
  t.same(await compareTrees(w.src, join(to, w.src)), [], 'newest: bit-exact')
  t.same((await fs.readdir(to)).filter(n => n.startsWith('.roost-restore')), [], 'no staging folder left')
  const old = join(w.dir, 'old')
  const r1 = await restoreGeneration({ reader, service: 'wiki', generation: G1, to: old, log })
  t.equal(r1.generation, G1)
  t.same(await compareTrees(w.before, join(old, w.src)), [], 'named generation: bit-exact with the tree as it was')
})

t.test('refuses a non-empty target unless forced', async t => {
  const w = await world(t)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const to = join(w.dir, 'busy')
  await fs.mkdir(to)
  await fs.writeFile(join(to, 'keep.txt'), 'mine')
  await t.rejects(restoreGeneration({ reader, service: 'wiki', to, log }), { code: 'TARGET_NOT_EMPTY', exitCode: 2 })
  t.same(await fs.readdir(to), ['keep.txt'], 'target untouched')
  await restoreGeneration({ reader, service: 'wiki', to, force: true, log })
  t.same(await compareTrees(w.src, join(to, w.src)), [], 'forced restore is bit-exact')
  t.equal(await fs.readFile(join(to, 'keep.txt'), 'utf8'), 'mine', 'unrelated entries stay')
  const parent = join(to, w.src.split('/').filter(Boolean)[0]!)
  await fs.chmod(parent, 0o750)
  await restoreGeneration({ reader, service: 'wiki', to, force: true, log })
  t.same(await compareTrees(w.src, join(to, w.src)), [], 'restoring over itself still matches')
  t.equal((await fs.stat(parent)).mode & 0o777, 0o750, 'a folder that is only a parent of the source keeps its mode')
})

t.test('a stored archive that differs from the index or the manifest is refused and nothing is written', async t => {
  const w = await world(t)
  const zst = join(w.store, 'wiki', G2, 'data.tar.zst')
  // a valid zstd of a different tar
  execFileSync('sh', ['-c', 'zstd -q -c "$1" > "$2"', 'sh', w.g1.tar, zst])
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const to = join(w.dir, 'target')
  await t.rejects(restoreGeneration({ reader, service: 'wiki', to, log }), { code: 'HASH_MISMATCH', exitCode: 3, message: /signed index/ })
  t.same(await fs.readdir(to), [], 'the target stays empty')
  // the same file from a source without an index: the manifest's tar hash catches it
  const noIndex: StoreReader = {
    source: 'no index',
    listGenerations: s => reader.listGenerations(s),
    manifestKey: s => reader.manifestKey(s),
    fetch: async (s, g) => ({ ...(await reader.fetch(s, g)), expected: undefined }),
  }
  await t.rejects(restoreGeneration({ reader: noIndex, service: 'wiki', to, log }), { code: 'HASH_MISMATCH', message: /signed manifest/ })
  t.same(await fs.readdir(to), [], 'still empty')
  await fs.writeFile(zst, 'not zstd at all')
  await t.rejects(restoreGeneration({ reader: noIndex, service: 'wiki', to, log }), { code: 'HASH_MISMATCH' }, 'an undecodable archive is a verification failure')
  t.same(await fs.readdir(to), [], 'still empty')
})

t.test('a manifest signed by another key is refused', async t => {
  const w = await world(t)
  const other = await makeKey(w.dir, 'other')
  await publishStore(w.store, [w.g1.record, w.g2.record], { wiki: other.public.line }, 8, w.idx)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const to = join(w.dir, 'target')
  await t.rejects(restoreGeneration({ reader, service: 'wiki', to, log }), { code: 'MANIFEST_BAD_SIGNATURE', exitCode: 3 })
  t.same(await fs.readdir(to), [])
})

t.test('an index not signed by the pinned key is refused before anything is read', async t => {
  const w = await world(t)
  const other = await makeKey(w.dir, 'other')
  await t.rejects(StoreFolderReader.open(w.store, other.public), { code: 'INDEX_BAD_SIGNATURE', exitCode: 3 })
  const tree = await fs.readFile(join(w.store, 'TREE.json'), 'utf8')
  await fs.writeFile(join(w.store, 'TREE.json'), tree.replace('"serial":7', '"serial":9'))
  await t.rejects(StoreFolderReader.open(w.store, w.idx.public), { code: 'INDEX_BAD_SIGNATURE' })
  await t.rejects(StoreFolderReader.open(join(w.dir, 'src'), w.idx.public), { code: 'INDEX_MISSING' })
})

t.test('unknown service and generation are named', async t => {
  const w = await world(t)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  await t.rejects(restoreGeneration({ reader, service: 'forum', to: join(w.dir, 'x'), log }), { code: 'SERVICE_UNKNOWN', message: /forum/ })
  await t.rejects(restoreGeneration({ reader, service: 'wiki', generation: '20200101T000000Z-full', to: join(w.dir, 'x'), log }), { code: 'GENERATION_NOT_FOUND' })
  await t.rejects(restoreGeneration({ reader, service: 'wiki', generation: '../etc', to: join(w.dir, 'x'), log }), { code: 'USAGE' })
})
