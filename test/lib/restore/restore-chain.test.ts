import t from 'tap'
import { promises as fs, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { silentLogger } from '../../../lib/log.js'
import { compareTrees } from '../../../lib/fsx/compare-trees.js'
import { StoreFolderReader } from '../../../lib/stores/store-folder.js'
import type { StoreReader } from '../../../lib/stores/store-reader.js'
import { restoreGeneration } from '../../../lib/restore/restore.js'
import { parseAtTime } from '../../../lib/restore/choose.js'
import { publishStore } from '../stores/make-store.js'
import { CHAIN, DIFF, FULL, INCR1, INCR2, INCR3, chainWorld } from './chain-world.js'

const log = silentLogger()

function hashed(path: string): { sha256: string; bytes: number } {
  const b = readFileSync(path)
  return { sha256: createHash('sha256').update(b).digest('hex'), bytes: b.length }
}

t.test('replays full, diff and incrs: every generation of the chain restores bit-exact', async t => {
  const w = await chainWorld(t)
  const tarBytes = (g: string): number => JSON.parse(readFileSync(join(w.store, 'wiki', g, 'manifest.json'), 'utf8')).files[0].bytes
  for (const g of [INCR1, INCR2, INCR3]) t.ok(tarBytes(g) * 4 < tarBytes(FULL), `${g} is an incremental archive, not another full`)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const expectChain: Record<string, string[]> = { [FULL]: [FULL], [DIFF]: [FULL, DIFF], [INCR1]: [FULL, DIFF, INCR1], [INCR2]: [FULL, DIFF, INCR1, INCR2], [INCR3]: CHAIN }
  for (const g of CHAIN) {
    const to = join(w.dir, `to-${g}`)
    const r = await restoreGeneration({ reader, service: 'wiki', generation: g, to, log })
    t.same(r.chain, expectChain[g], `${g}: the chain it replayed`)
    t.same(await compareTrees(w.copies.get(g)!, join(to, w.src)), [], `${g}: bit-exact with the source as it was`)
    t.same((await fs.readdir(to)).filter(n => n.startsWith('.roost')), [], `${g}: no staging folder left`)
  }
  const newest = await restoreGeneration({ reader, service: 'wiki', to: join(w.dir, 'newest'), log })
  t.equal(newest.generation, INCR3, 'the newest by default')
  t.ok(newest.entries > 60 && newest.files > 50, 'counts what it restored')
  await t.rejects(fs.lstat(join(w.dir, 'newest', w.src, 'data', 'deep')), 'a renamed folder is gone under its old name')
  t.ok(await fs.lstat(join(w.dir, 'newest', w.src, 'data', 'deeper', 'z', 'b', 'c', 'd', 'e', 'f', 'leaf.txt')), 'and whole under its new one')
})

t.test('--at restores the newest generation at or before the time', async t => {
  const w = await chainWorld(t)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const r = await restoreGeneration({ reader, service: 'wiki', at: parseAtTime('2026-11-17'), to: join(w.dir, 'at'), log })
  t.equal(r.generation, INCR1)
  t.same(await compareTrees(w.copies.get(INCR1)!, join(w.dir, 'at', w.src)), [])
  const early = await restoreGeneration({ reader, service: 'wiki', at: parseAtTime('2026-11-18T02:59:59Z'), to: join(w.dir, 'early'), log })
  t.equal(early.generation, INCR1, 'a second before the next one')
  await t.rejects(restoreGeneration({ reader, service: 'wiki', at: parseAtTime('2026-11-01'), to: join(w.dir, 'none'), log }), { code: 'GENERATION_NOT_FOUND', message: /no generation at or before/, hint: new RegExp(FULL) })
  await t.rejects(restoreGeneration({ reader, service: 'wiki', generation: INCR1, at: parseAtTime('2026-11-17'), to: join(w.dir, 'both'), log }), { code: 'USAGE' })
})

t.test('a tampered link (a byte flipped in the second incr) is exit 3 and the target stays as it was', async t => {
  const w = await chainWorld(t)
  const zst = join(w.store, 'wiki', INCR2, 'data.tar.zst')
  const bytes = await fs.readFile(zst)
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01
  await fs.writeFile(zst, bytes)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const to = join(w.dir, 'target')
  await fs.mkdir(to)
  await fs.writeFile(join(to, 'keep.txt'), 'mine')
  await t.rejects(restoreGeneration({ reader, service: 'wiki', to, force: true, log }), { code: 'HASH_MISMATCH', exitCode: 3, message: new RegExp(`${INCR2}.*signed index`) })
  t.same(await fs.readdir(to), ['keep.txt'], 'the target holds only what it held')
  const noIndex: StoreReader = {
    source: 'no index',
    listGenerations: s => reader.listGenerations(s),
    manifestKey: s => reader.manifestKey(s),
    fetch: async (s, g) => ({ ...(await reader.fetch(s, g)), expected: undefined }),
  }
  await t.rejects(restoreGeneration({ reader: noIndex, service: 'wiki', to, force: true, log }), { code: 'HASH_MISMATCH', exitCode: 3, message: /signed manifest/ }, 'without an index the manifest catches it')
  t.same(await fs.readdir(to), ['keep.txt'], 'still only what it held')
  const ok = await restoreGeneration({ reader, service: 'wiki', generation: INCR1, to: join(w.dir, 'before'), log })
  t.equal(ok.generation, INCR1, 'a generation whose chain does not hold the bad link still restores')
})

t.test('a missing link is CHAIN_BROKEN naming it, before anything is fetched or written', async t => {
  const w = await chainWorld(t)
  await publishStore(w.store, w.maker.records.filter(r => r.generation !== INCR1), { wiki: w.spoke.public.line }, 2, w.idx)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const to = join(w.dir, 'target')
  await t.rejects(restoreGeneration({ reader, service: 'wiki', to, log }), { code: 'CHAIN_BROKEN', message: new RegExp(`${INCR3} needs ${INCR1}`) })
  t.same(await fs.readdir(to), [], 'nothing written')
  const r = await restoreGeneration({ reader, service: 'wiki', generation: DIFF, to: join(w.dir, 'diff'), log })
  t.same(r.chain, [FULL, DIFF], 'a complete chain still restores')
})

t.test('the chain comes from signed manifests: a manifest signed by another key stops the restore', async t => {
  const w = await chainWorld(t)
  const other = join(w.store, 'wiki', FULL, 'manifest.json')
  const m = JSON.parse(await fs.readFile(other, 'utf8'))
  m.host = 'forged'
  await fs.writeFile(other, JSON.stringify(m))
  // the index vouches for the forged file, so only the spoke's signature can catch it
  const records = w.maker.records.map(r => (r.generation === FULL ? { ...r, files: { ...r.files, 'manifest.json': hashed(other) } } : r))
  await publishStore(w.store, records, { wiki: w.spoke.public.line }, 2, w.idx)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  await t.rejects(restoreGeneration({ reader, service: 'wiki', generation: INCR2, to: join(w.dir, 't'), log }), { code: 'MANIFEST_BAD_SIGNATURE', exitCode: 3 })
  t.same(await fs.readdir(join(w.dir, 't')), [])
})
