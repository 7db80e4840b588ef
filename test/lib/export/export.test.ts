/**
 * exportGeneration from a store folder holding a real chain (a full and two incrs): the whole
 * chain in one tar, byte for byte what the store holds; a corrupt, forged or missing link,
 * an existing file or an unknown generation leave no file behind.
 */
import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { exitCodeFor, isRoostError } from '../../../lib/errors.js'
import { renderManifest, signManifest, parseManifest } from '../../../lib/formats/manifest.js'
import { hashFile } from '../../../lib/fsx/hash.js'
import { publishStore, makeKey } from '../stores/make-store.js'
import { makeChainStore, type ChainStore } from './make-chain.js'
import { ageKeygen } from '../../hub/ingest/kit.js'
import { exportFrom, listFiles, unpack, zstd } from './kit.js'

const dir = t.testdir()
const c = await makeChainStore(join(dir, 'chain'), 3)
const [F, I1, I2] = c.gens as [string, string, string]

/** A writable copy of the chain's store, changed by `edit`, its index re-signed over what the copy now holds when `reindex`. */
async function storeCopy(name: string, edit: (store: string) => Promise<void>, reindex = false, from: ChainStore = c): Promise<string> {
  const copy = join(dir, name)
  execFileSync('cp', ['-a', from.store, copy])
  await edit(copy)
  if (reindex) {
    const records = []
    for (const r of from.records) {
      const gdir = join(copy, from.service, r.generation)
      if (!(await fs.stat(gdir).catch(() => undefined))) continue
      const files: Record<string, { sha256: string; bytes: number }> = {}
      for (const f of Object.keys(r.files)) files[f] = await hashFile(join(gdir, f))
      records.push({ ...r, files })
    }
    await publishStore(copy, records, { [from.service]: from.key.public.line }, 2, from.indexKey)
  }
  return copy
}

async function expectFailure(t: Test, p: Promise<unknown>, code: string, exit: number, message: RegExp, out: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  t.ok(isRoostError(err, code as never), `fails with ${code}: ${(err as Error)?.message}`)
  t.equal(exitCodeFor(err), exit, `exit ${exit}`)
  t.match((err as Error)?.message, message)
  t.same((await fs.readdir(join(out, '..'))).filter(n => n.includes('.tmp')), [], 'no temp file is left')
  t.notOk(await fs.stat(out).catch(() => undefined), 'no export file is written')
}

t.test('exports an incr with its whole chain, full first, as the store holds it', async t => {
  const out = t.testdir()
  const file = join(out, 'wiki.roost.tar')
  const r = await exportFrom(c, I2, file)
  t.same(r.chain, [F, I1, I2])
  t.match(r, { service: 'wiki', generation: I2, source: c.store, file, key: c.key.public.fingerprint })
  t.equal(r.bytes, (await fs.stat(file)).size)
  t.equal(((await fs.stat(file)).mode & 0o777).toString(8), '600', 'readable by its owner only: it holds backups')
  const listing = execFileSync('tar', ['-tf', file]).toString().trim().split('\n')
  t.same(listing, ['roost-export.json', ...[F, I1, I2].flatMap(g => [`${g}/manifest.json`, `${g}/data.tar.zst`])], 'plain tar -t lists the members in chain order')
  const members = await unpack(file, join(out, 'x'))
  const info = JSON.parse(members[0]!.data.toString())
  t.same(info, { format: 'roost-export/1', service: 'wiki', generation: I2, chain: [F, I1, I2], created: '2026-12-01T00:00:00.000Z', key: c.key.public.line, roost: '0.1.0' })
  for (const m of members.slice(1)) {
    t.ok(m.data.equals(await fs.readFile(join(c.store, 'wiki', m.name))), `${m.name} is byte for byte the stored file`)
  }
})

t.test('a full exports alone; an existing file is refused unless --force', async t => {
  const out = t.testdir()
  const file = join(out, 'full.tar')
  t.same((await exportFrom(c, F, file)).chain, [F])
  const before = await hashFile(file)
  await expectFailure(t, exportFrom(c, I1, file), 'TARGET_NOT_EMPTY', 2, /already exists/, join(out, 'never'))
  t.same(await hashFile(file), before, 'the existing file is untouched')
  t.same((await exportFrom(c, I1, file, { force: true })).chain, [F, I1], 'with force it is replaced')
  t.same(execFileSync('tar', ['-tf', file]).toString().trim().split('\n').length, 5)
})

t.test('a corrupt link (stored archive differs from the index) fails with exit 3 and writes nothing', async t => {
  const store = await storeCopy('flipped', async s => {
    const p = join(s, 'wiki', I1, 'data.tar.zst')
    await fs.chmod(p, 0o644)
    const h = await fs.open(p, 'r+')
    await h.write(Buffer.from([0xff, 0x00, 0xff]), 0, 3, 100)
    await h.close()
  })
  const out = join(t.testdir(), 'x.tar')
  await expectFailure(t, exportFrom(c, I2, out, { store }), 'HASH_MISMATCH', 3, new RegExp(`${I1}/data.tar.zst.*signed index`), out)
})

t.test('an archive swapped and re-indexed is still caught by the signed manifest', async t => {
  const store = await storeCopy('swapped', async s => {
    const p = join(s, 'wiki', I1, 'data.tar.zst')
    const tar = await fs.readFile(c.tars[I1]!)
    const at = Math.floor(tar.length / 2)
    tar[at] = tar[at]! ^ 0xff
    await fs.writeFile(p, zstd(tar))
  }, true)
  const out = join(t.testdir(), 'x.tar')
  await expectFailure(t, exportFrom(c, I2, out, { store }), 'HASH_MISMATCH', 3, /decompressed tar.*signed manifest/, out)
})

t.test('a link signed by another key is refused (exit 3)', async t => {
  const other = await makeKey(dir, 'other')
  const store = await storeCopy('forged', async s => {
    const p = join(s, 'wiki', F, 'manifest.json')
    const m = parseManifest(await fs.readFile(p, 'utf8'), p)
    const { signature: _, ...unsigned } = m
    await fs.writeFile(p, renderManifest(signManifest(unsigned, other)))
  }, true)
  const out = join(t.testdir(), 'x.tar')
  await expectFailure(t, exportFrom(c, I2, out, { store }), 'MANIFEST_BAD_SIGNATURE', 3, new RegExp(`${F}`), out)
})

t.test('a chain with a missing link is CHAIN_BROKEN; an unknown generation is GENERATION_NOT_FOUND', async t => {
  const store = await storeCopy('gap', async s => fs.rm(join(s, 'wiki', I1), { recursive: true }), true)
  const out = join(t.testdir(), 'x.tar')
  await expectFailure(t, exportFrom(c, I2, out, { store }), 'CHAIN_BROKEN', 1, new RegExp(`${I2} needs ${I1}`), out)
  await expectFailure(t, exportFrom(c, '20300101T000000Z-full', out), 'GENERATION_NOT_FOUND', 1, /not in/, out)
  t.same(await listFiles(join(out, '..')), [], 'the folder stays empty')
})

t.test('an encrypted chain', async t => {
  const age = await ageKeygen(join(dir, 'age'), 'identity')
  const e = await makeChainStore(join(dir, 'sealed'), 2, 'vault', { age, largeBytes: 128 * 1024 })
  const [EF, EI] = e.gens as [string, string]
  const flip = (gen: string) => async (s: string): Promise<void> => {
    const p = join(s, 'vault', gen, 'data.tar.zst.age')
    const data = await fs.readFile(p)
    data[data.length >> 1] = data[data.length >> 1]! ^ 0x01
    await fs.chmod(p, 0o644)
    await fs.writeFile(p, data)
  }

  t.test("is exported with each link's ciphertext as the store holds it", async t => {
    const out = t.testdir()
    const file = join(out, 'vault.roost.tar')
    t.same((await exportFrom(e, EI, file)).chain, [EF, EI])
    const listing = execFileSync('tar', ['-tf', file]).toString().trim().split('\n')
    t.same(listing, ['roost-export.json', ...[EF, EI].flatMap(g => [`${g}/manifest.json`, `${g}/data.tar.zst.age`])], 'the archive members keep their encrypted name')
    for (const m of (await unpack(file, join(out, 'x'))).slice(1)) {
      t.ok(m.data.equals(await fs.readFile(join(e.store, 'vault', m.name))), `${m.name} is byte for byte the stored file`)
    }
  })

  t.test('a flipped ciphertext byte fails against the signed index (exit 3), no file', async t => {
    const store = await storeCopy('sealed-flipped', flip(EI), false, e)
    const out = join(t.testdir(), 'x.tar')
    await expectFailure(t, exportFrom(e, EI, out, { store }), 'HASH_MISMATCH', 3, new RegExp(`${EI}/data.tar.zst.age.*signed index`), out)
  })

  t.test('a flipped ciphertext byte re-indexed is still caught by the signed manifest', async t => {
    const store = await storeCopy('sealed-reindexed', flip(EF), true, e)
    const out = join(t.testdir(), 'x.tar')
    await expectFailure(t, exportFrom(e, EI, out, { store }), 'HASH_MISMATCH', 3, new RegExp(`${EF}/data.tar.zst.age.*signed manifest`), out)
  })
})
