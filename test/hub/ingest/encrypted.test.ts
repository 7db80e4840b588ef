/**
 * Encrypted services through a real ingest: tars made with GNU tar (a full, then an incr with
 * --listed-incremental), sealed with the real zstd and age, signed, placed into incoming and
 * ingested. The hub holds no key: it stores the ciphertext it was sent, byte for byte, keeps
 * no delta basis for the service, and leaves none of its plaintext anywhere — checked by
 * scanning every file the hub keeps for a marker known to be in the plaintext.
 */
import t from 'tap'
import { createWriteStream, promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ingestArrival } from '../../../hub/ingest/ingest.js'
import { gatherArrival, takeArrival } from '../../../hub/ingest/gather.js'
import { commitGeneration, makeStaging, type IngestContext } from '../../../hub/ingest/accept.js'
import { passArrival } from '../../../hub/ingest/pass.js'
import { booksDir, readServiceBooks } from '../../../hub/books.js'
import { writeServiceStatus } from '../../../hub/service-status.js'
import { startChild } from '../../../lib/proc/pipe.js'
import { createArgs, TAR_CREATE_OK } from '../../../lib/tar.js'
import { hashFile } from '../../../lib/fsx/hash.js'
import { silentLogger } from '../../../lib/log.js'
import { parseManifest } from '../../../lib/formats/manifest.js'
import {
  ageKeygen, countTar, encryptedManifestFor, fingerprintStore, keygen, makeHub, manifestFor, placeArrival, sealTar, signedManifest,
  type TestHub, type TestKey, type TestTar,
} from './kit.js'

const FULL = '20261122T030000Z-full'
const INCR = '20261123T030000Z-incr'
const MARKER = `plaintext-marker-${randomBytes(8).toString('hex')}`

const dir = t.testdir()
const spoke: TestKey = await keygen(join(dir, 'keys'), 'spoke')
const age = await ageKeygen(join(dir, 'keys'), 'age-identity')
const src = join(dir, 'src')

/** A source tree whose files all carry the marker (one large enough for zstd's Huffman literals). */
async function writeSource(day: number): Promise<void> {
  await fs.mkdir(join(src, 'data'), { recursive: true })
  await fs.writeFile(join(src, 'data', `day-${day}.txt`), `${MARKER} written on day ${day}\n`)
  await fs.writeFile(join(src, 'data', 'big.txt'), Array.from({ length: 4000 }, (_, i) => `${i} ${MARKER} ${day}`).join('\n'))
}

/** A real tar of `src` (incremental through `snar`), with its counts. */
async function makeTarOf(name: string, snar: string): Promise<TestTar> {
  const path = join(dir, `${name}.tar`)
  await startChild(createArgs({ sources: [src], snapshot: snar }), { stdin: 'ignore', stdout: createWriteStream(path), okCodes: TAR_CREATE_OK }).done
  const d = await hashFile(path)
  return { path, ...d, counts: { ...(await countTar(path)), bytes: d.bytes } }
}

await writeSource(1)
const fullTar = await makeTarOf('full', join(dir, 'tar.snar'))
await writeSource(2)
const incrTar = await makeTarOf('incr', join(dir, 'tar.snar'))
const fullAge = await sealTar(fullTar.path, join(dir, 'full.tar.zst.age'), [age.recipient])
const incrAge = await sealTar(incrTar.path, join(dir, 'incr.tar.zst.age'), [age.recipient])

const ctx = (hub: TestHub): IngestContext => ({ paths: hub.paths, config: hub.config, indexKey: hub.indexKey.key, log: silentLogger(), now: () => new Date() })
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** Every regular file under `root` whose bytes, or whose zstd-decompressed bytes, hold the marker. */
async function filesWithPlaintext(root: string): Promise<string[]> {
  const out: string[] = []
  const visit = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name)
      if (e.isDirectory()) await visit(p)
      if (!e.isFile()) continue
      const data = await fs.readFile(p)
      let plain = data
      if (data.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) plain = execFileSync('zstd', ['-d', '-q', '-c'], { input: data, maxBuffer: 1 << 28 })
      if (plain.includes(MARKER)) out.push(p)
    }
  }
  await visit(root)
  return out.sort()
}

/** What age and zstd make of a stored ciphertext with the identity: the tar's sha256. */
function openedSha(path: string): string {
  const zst = execFileSync('age', ['--decrypt', '--identity', age.identity, path], { maxBuffer: 1 << 28 })
  return sha(execFileSync('zstd', ['-d', '-q', '-c'], { input: zst, maxBuffer: 1 << 28 }))
}

async function placeSealed(hub: TestHub, service: string, gen: string, sealed: { path: string; sha256: string; bytes: number }, tar: TestTar, over = {}): Promise<void> {
  const kind = gen.endsWith('-incr') ? { kind: 'incr' as const, parent: FULL } : {}
  const m = signedManifest(spoke, encryptedManifestFor(service, gen, tar, sealed, [age.recipient], { ...kind, ...over }))
  await placeArrival(hub.paths, service, gen, { sealed: sealed.path, manifest: m.text })
}

t.test('the fixtures are real: the marker is in the tars, not in the ciphertext', async t => {
  t.ok((await fs.readFile(fullTar.path)).includes(MARKER))
  t.notOk((await fs.readFile(fullAge.path)).includes(MARKER))
  t.equal(openedSha(fullAge.path), fullTar.sha256, 'age and zstd give the tar back')
})

t.test('an encrypted full and incr are stored as the ciphertext sent, and the hub keeps no plaintext', async t => {
  const hub = await makeHub(join(dir, 'hub-a'), { wiki: { key: spoke.line } })
  for (const [gen, sealed, tar] of [[FULL, fullAge, fullTar], [INCR, incrAge, incrTar]] as const) {
    await placeSealed(hub, 'wiki', gen, sealed, tar)
    const r = await ingestArrival(ctx(hub), 'wiki', gen)
    t.match(r, { outcome: 'accepted', generation: gen }, `${gen} accepted`)
    const stored = join(hub.paths.store, 'wiki', gen)
    t.same((await fs.readdir(stored)).sort(), ['data.tar.zst.age', 'manifest.json'], `${gen}: only the ciphertext and the manifest`)
    t.ok((await fs.readFile(join(stored, 'data.tar.zst.age'))).equals(await fs.readFile(sealed.path)), `${gen}: byte for byte what the spoke sent`)
    t.equal((await fs.stat(join(stored, 'data.tar.zst.age'))).mode & 0o777, 0o444, 'read-only')
    t.equal(openedSha(join(stored, 'data.tar.zst.age')), tar.sha256, `${gen}: the identity opens it to the spoke's tar`)
  }
  const books = await readServiceBooks(hub.paths, 'wiki')
  t.same(books.map(b => Object.keys(b.files).sort()), [['data.tar.zst.age', 'manifest.json'], ['data.tar.zst.age', 'manifest.json']], 'the books name the real archive')
  t.same(books[1]!.files['data.tar.zst.age'], { sha256: incrAge.sha256, bytes: incrAge.bytes })
  const tree = JSON.parse(await fs.readFile(join(hub.paths.store, 'TREE.json'), 'utf8'))
  t.same(tree.services.wiki.generations[FULL].files['data.tar.zst.age'], { sha256: fullAge.sha256, bytes: fullAge.bytes }, 'the index lists the ciphertext')
  t.notOk(await fs.lstat(join(hub.paths.accounts, 'wiki', 'incoming', '.basis')).catch(() => undefined), 'no delta basis')
  t.same(await filesWithPlaintext(hub.root), [], 'no file the hub keeps holds any plaintext')
})

t.test('a tampered ciphertext byte is rejected with ARRIVAL_HASH_MISMATCH and nothing is stored', async t => {
  const hub = await makeHub(join(dir, 'hub-b'), { wiki: { key: spoke.line } })
  const bad = join(dir, 'tampered.age')
  const data = await fs.readFile(fullAge.path)
  data[data.length >> 1] = data[data.length >> 1]! ^ 0x01
  await fs.writeFile(bad, data)
  await placeSealed(hub, 'wiki', FULL, { ...fullAge, path: bad }, fullTar)
  await writeServiceStatus(hub.paths, 'wiki', undefined, new Date())
  const before = await fingerprintStore(hub.paths.store)
  t.match(await ingestArrival(ctx(hub), 'wiki', FULL), { outcome: 'rejected', code: 'ARRIVAL_HASH_MISMATCH' })
  t.same(await fingerprintStore(hub.paths.store), before, 'the store is unchanged')
  t.same(await fs.readdir(hub.paths.staging), [], 'no staging left')
})

t.test('an encrypted manifest claiming compression none is refused', async t => {
  const hub = await makeHub(join(dir, 'hub-c'), { wiki: { key: spoke.line } })
  await placeSealed(hub, 'wiki', FULL, fullAge, fullTar, { compression: 'none' })
  const r = await ingestArrival(ctx(hub), 'wiki', FULL)
  t.match(r, { outcome: 'rejected', code: 'ARRIVAL_UNSUPPORTED', message: /compression 'none' for an encrypted generation/ })
  t.notOk(await fs.lstat(join(hub.paths.store, 'wiki', FULL)).catch(() => undefined), 'nothing stored')
})

t.test('switching a service from plain to encrypted removes its .basis, and a crash-interrupted encrypted accept is finished', async t => {
  const hub = await makeHub(join(dir, 'hub-d'), { wiki: { key: spoke.line } })
  const incoming = join(hub.paths.accounts, 'wiki', 'incoming')
  const PLAIN = '20261121T030000Z-full'
  await placeArrival(hub.paths, 'wiki', PLAIN, { tar: fullTar.path, manifest: signedManifest(spoke, manifestFor('wiki', PLAIN, fullTar)).text })
  t.match(await ingestArrival(ctx(hub), 'wiki', PLAIN), { outcome: 'accepted' })
  t.equal((await hashFile(join(incoming, '.basis', 'full', 'data.tar'))).sha256, fullTar.sha256, 'a plain accept keeps its tar as the basis')

  // the encrypted full is committed to the store, then the hub "crashes" before the clean-up
  await placeSealed(hub, 'wiki', FULL, fullAge, fullTar)
  t.ok(await takeArrival(hub.paths, 'wiki', FULL))
  const g = (await gatherArrival(hub.paths, hub.config, 'wiki', FULL))!
  const m = parseManifest(g.manifestBytes!.toString(), 'x')
  const staging = await makeStaging(hub.paths, 'wiki', FULL)
  const pass = await passArrival(m, g.dir, staging)
  t.same(pass.stored, { sha256: fullAge.sha256, bytes: fullAge.bytes }, 'the stored digest is the uploaded one')
  await commitGeneration(ctx(hub), m, g.manifestBytes!, staging, pass.stored)
  await fs.rm(join(booksDir(hub.paths, 'wiki'), `${FULL}.json`))
  t.ok(await fs.lstat(join(incoming, '.basis')), 'the basis is still there after the commit')

  const r = await ingestArrival(ctx(hub), 'wiki', FULL)
  t.match(r, { outcome: 'accepted', generation: FULL, resumed: true }, 'the next round finishes the accept')
  t.notOk(await fs.lstat(join(incoming, '.basis')).catch(() => undefined), '.basis is gone')
  t.same(await fs.readdir(join(hub.paths.accounts, 'wiki', 'ingesting')), [], 'the ciphertext upload is gone from ingesting')
  const rec = (await readServiceBooks(hub.paths, 'wiki')).find(b => b.generation === FULL)!
  t.same(rec.files['data.tar.zst.age'], { sha256: fullAge.sha256, bytes: fullAge.bytes }, 'the rebuilt books record names the ciphertext')
  t.same(await filesWithPlaintext(hub.paths.accounts), [], 'no plaintext left in the account')
  const stillPlain = await filesWithPlaintext(hub.paths.store)
  t.same(stillPlain.map(p => p.slice(hub.paths.store.length + 1)), [`wiki/${PLAIN}/data.tar.zst`], 'only the plain generation accepted before the switch holds plaintext')
})
