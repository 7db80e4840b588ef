import t from 'tap'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { ensureKeyPair } from '../../../lib/sign.js'
import { signCatalog, openCatalog, parseCatalog, catalogFiles, CATALOG_FORMAT, type Catalog, type CatalogPiece } from '../../../lib/formats/catalog.js'
import { planVolumes } from '../../../lib/volumes/plan.js'
import { volumeLabel, MEDIA } from '../../../lib/volumes/media.js'

const S = 2048
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

async function key(dir: string, name: string) {
  return (await ensureKeyPair(join(dir, name), name)).key
}

/** File contents, deterministic, one larger than a volume so it is split. */
function contents(): Map<string, Buffer> {
  const fill = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 24) ^ seed))
  return new Map([
    ['wiki/20261122T030000Z-full/data.tar.zst', fill(25 * S + 7, 1)],
    ['wiki/20261122T030000Z-full/manifest.json', fill(1900, 2)],
    ['forum/20261121T030000Z-full/data.tar.zst', fill(4 * S, 3)],
    ['forum/20261121T030000Z-full/manifest.json', fill(2000, 4)],
    ['forum/20261122T030000Z-incr/data.tar.zst', fill(0, 5)],
    ['forum/20261122T030000Z-incr/manifest.json', fill(1800, 6)],
  ])
}

/** A catalog as the volumes writer would make it: a plan, with each piece hashed. */
function makeCatalog(): Catalog {
  const data = contents()
  const files = [...data].map(([k, b]) => {
    const [service, generation, name] = k.split('/') as [string, string, string]
    return { service, generation, name, bytes: b.length, sha256: sha(b) }
  })
  const plan = planVolumes({ files, usable: 10 * S })
  const pieces: CatalogPiece[] = plan.volumes.flatMap(v =>
    v.pieces.map(p => {
      const whole = data.get(`${p.service}/${p.generation}/${p.name}`)!
      return {
        service: p.service, generation: p.generation, name: p.name, fileBytes: whole.length, fileSha256: sha(whole),
        index: p.pieceIndex, count: p.pieceCount, volume: v.number, offset: p.offset, bytes: p.bytes, sha256: sha(whole.subarray(p.offset, p.offset + p.bytes)),
      }
    }),
  )
  const n = plan.volumes.length
  return {
    format: CATALOG_FORMAT, set: '2026W47B', created: '2026-11-22T05:00:00.000Z', media: 'bytes', capacity: 512 * S,
    volumes: n, labels: Array.from({ length: n }, (_, i) => volumeLabel('2026W47B', i + 1, n)),
    tree: { serial: 42, sha256: 'a'.repeat(64) }, signer: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA test', requires: ['2026W45', '2026W47'], pieces,
  }
}

t.test('a catalog round-trips through sign and open; its bytes do not depend on piece order', async t => {
  const dir = t.testdir()
  const k = await key(dir, 'mirror')
  const cat = makeCatalog()
  t.equal(cat.volumes, 4)
  t.ok(cat.pieces.some(p => p.count === 3), 'a file in three pieces')
  const signed = signCatalog(cat, k)
  const opened = openCatalog(signed, k.public)
  t.same(new Set(opened.pieces.map(p => JSON.stringify(p))), new Set(cat.pieces.map(p => JSON.stringify(p))))
  t.same({ ...opened, pieces: [] }, { ...cat, pieces: [] })
  const reversed = signCatalog({ ...cat, pieces: [...cat.pieces].reverse() }, k)
  t.equal(reversed.bytes.toString(), signed.bytes.toString(), 'canonical: pieces sorted, keys sorted')
  t.match(signed.bytes.toString(), /^\{"capacity":1048576,"created":"2026-11-22T05:00:00.000Z","format":"roost-catalog\/1","labels":\["ROOST_2026W47B_01OF04",.*\],"media":"bytes","pieces":\[\{"bytes":8192,"count":1,"fileBytes":8192,/)
  t.ok(signed.bytes.toString().endsWith('}\n'))
  t.same(parseCatalog(signed.bytes.toString()), opened, 'parseCatalog reads the same text without the signature')
  const files = catalogFiles(opened)
  t.equal(files.length, 6)
  const wiki = files.find(f => f.service === 'wiki' && f.name === 'data.tar.zst')!
  t.same(wiki.pieces.map(p => [p.index, p.volume, p.offset, p.bytes]), [[1, 1, 0, 10 * S], [2, 2, 10 * S, 10 * S], [3, 3, 20 * S, 5 * S + 7]])
  t.equal(wiki.bytes, 25 * S + 7)
})

t.test('openCatalog refuses another key, a changed byte and a broken signature file', async t => {
  const dir = t.testdir()
  const k = await key(dir, 'mirror')
  const other = await key(dir, 'other')
  const signed = signCatalog(makeCatalog(), k)
  t.throws(() => openCatalog(signed, other.public), { code: 'CATALOG_BAD_SIGNATURE', message: /does not match the key/ })
  t.throws(() => openCatalog(signCatalog(makeCatalog(), other), k.public), { code: 'CATALOG_BAD_SIGNATURE' }, 'a catalog signed by another key')
  for (const at of [0, 10, Math.floor(signed.bytes.length / 2), signed.bytes.length - 2]) {
    const bytes = Buffer.from(signed.bytes)
    bytes[at] = bytes[at]! ^ 0x01
    t.throws(() => openCatalog({ ...signed, bytes }, k.public), { code: 'CATALOG_BAD_SIGNATURE' }, `byte ${at} flipped`)
  }
  const serial = Buffer.from(signed.bytes.toString().replace('"serial":42', '"serial":43'))
  t.throws(() => openCatalog({ ...signed, bytes: serial }, k.public), { code: 'CATALOG_BAD_SIGNATURE' }, 'a valid catalog, changed')
  t.throws(() => openCatalog({ ...signed, signature: 'garbage' }, k.public), { code: 'CATALOG_BAD_SIGNATURE', message: /CATALOG.json.sig is not a signature/ })
  t.throws(() => openCatalog({ ...signed, signature: JSON.stringify({ algorithm: 'ed25519', key: k.public.fingerprint, value: 'AAAA' }) }, k.public), { code: 'CATALOG_BAD_SIGNATURE' })
})

type Mutate = (c: Catalog) => unknown
const piece = (c: Catalog, name: string, index: number): CatalogPiece => c.pieces.find(p => p.service === 'wiki' && p.name === name && p.index === index)!
const without = (c: Catalog, p: CatalogPiece): Catalog => ({ ...c, pieces: c.pieces.filter(x => x !== p) })

t.test('parseCatalog refuses each malformed catalog with a message naming the fault', async t => {
  const cases: Array<[string, Mutate, RegExp]> = [
    ['a gap between pieces', c => void (piece(c, 'data.tar.zst', 2).offset += 1), /at 'pieces\.\d+': wiki\/20261122T030000Z-full\/data\.tar\.zst: piece 2 of 3 starts at 20481, but the pieces before it end at 20480/],
    ['overlapping pieces', c => void (piece(c, 'data.tar.zst', 3).offset -= 1), /piece 3 of 3 starts at 40959, but the pieces before it end at 40960/],
    ['a missing middle piece', c => without(c, piece(c, 'data.tar.zst', 2)), /data\.tar\.zst: piece 2 of 3 is missing/],
    ['a missing last piece', c => without(c, piece(c, 'data.tar.zst', 3)), /data\.tar\.zst: piece 3 of 3 is missing/],
    ['a duplicate piece', c => ({ ...c, pieces: [...c.pieces, { ...piece(c, 'data.tar.zst', 2) }] }), /piece 2 of 3 is listed twice/],
    ['pieces short of the file', c => void (piece(c, 'data.tar.zst', 3).bytes -= 1), /its pieces end at 51206, but the file has 51207 bytes/],
    ['pieces past the file', c => void (piece(c, 'data.tar.zst', 3).bytes += 1), /its pieces end at 51208, but the file has 51207 bytes/],
    ['pieces that disagree on the count', c => void (piece(c, 'data.tar.zst', 1).count = 4), /disagree on the file's size, sha256 or piece count/],
    ['pieces that disagree on the file hash', c => void (piece(c, 'data.tar.zst', 1).fileSha256 = 'b'.repeat(64)), /disagree/],
    ['an index past the count', c => void (piece(c, 'data.tar.zst', 3).index = 5), /piece 5 of 3 is past the last/],
    ['a whole file whose piece hash differs', c => void (piece(c, 'manifest.json', 1).sha256 = 'b'.repeat(64)), /a file in one piece has a piece sha256 unlike its own/],
    ['a volume past the count', c => void (piece(c, 'data.tar.zst', 1).volume = 5), /data\.tar\.zst piece 1 is on volume 5 of a set of 4/],
    ['volume 0', c => void (piece(c, 'data.tar.zst', 1).volume = 0), /at 'pieces\.\d+\.volume'/],
    ['a volume over capacity', c => {
      const big = { ...c.pieces[0]!, service: 'big', fileBytes: 2 * 1024 * 1024, fileSha256: 'c'.repeat(64), index: 1, count: 1, volume: 1, offset: 0, bytes: 2 * 1024 * 1024, sha256: 'c'.repeat(64) }
      return { ...c, capacity: 1024 * 1024, pieces: [...c.pieces, big] }
    }, /at 'pieces': volume 1 holds 2117632 bytes of pieces, more than its capacity of 1048576/],
    ['a service with a slash', c => void (c.pieces[0]!.service = 'a/b'), /at 'pieces\.0\.service'/],
    ['a generation with ..', c => void (c.pieces[0]!.generation = '../20261122T030000Z-full'), /at 'pieces\.0\.generation'/],
    ['a name ..', c => void (c.pieces[0]!.name = '..'), /at 'pieces\.0\.name'/],
    ['a name with a slash', c => void (c.pieces[0]!.name = 'x/data.tar.zst'), /at 'pieces\.0\.name'/],
    ['a name with NUL', c => void (c.pieces[0]!.name = 'data\0.tar'), /at 'pieces\.0\.name'/],
    ['an unknown field', c => ({ ...c, extra: 1 }), /at '\(top level\)': Unrecognized key: "extra"/],
    ['an unknown field in a piece', c => void Object.assign(c.pieces[0]!, { path: '/etc' }), /at 'pieces\.0': Unrecognized key: "path"/],
    ['another format', c => ({ ...c, format: 'roost-catalog/2' }), /at 'format'/],
    ['a bad set id', c => ({ ...c, set: '2026-W47' }), /at 'set'/],
    ['a capacity under 1 MiB', c => ({ ...c, capacity: 12 * S }), /24576 is not a whole number of 2048-byte sectors of at least 1048576/],
    ['labels of another set', c => ({ ...c, labels: c.labels.map((_, i) => volumeLabel('2026W47', i + 1, 4)) }), /'ROOST_2026W47_01OF04' is not the label of volume 1 of 4 of set 2026W47B/],
    ['fewer labels than volumes', c => ({ ...c, labels: c.labels.slice(1) }), /3 labels for 4 volumes/],
    ['a named medium with another capacity', c => ({ ...c, media: 'dvd', capacity: MEDIA.dvd - S }), /dvd holds 4700372992 bytes, not 4700370944/],
    ['a capacity of part sectors', c => ({ ...c, capacity: 512 * S + 1 }), /is not a whole number of 2048-byte sectors/],
    ['requiring a later set', c => ({ ...c, requires: ['2026W48'] }), /set 2026W47B can only require earlier sets, not 2026W48/],
    ['requiring itself', c => ({ ...c, requires: ['2026W47B'] }), /can only require earlier sets/],
    ['requiring a set twice', c => ({ ...c, requires: ['2026W45', '2026W45'] }), /set 2026W45 is listed twice/],
    ['a bad tree hash', c => ({ ...c, tree: { serial: 1, sha256: 'xyz' } }), /at 'tree\.sha256'/],
  ]
  for (const [what, mutate, message] of cases) {
    const c = structuredClone(makeCatalog())
    const out = mutate(c) ?? c
    t.throws(() => parseCatalog(JSON.stringify(out), 'set/CATALOG.json'), { code: 'CATALOG_INVALID', message: new RegExp(`^set/CATALOG\\.json: .*${message.source}`) }, what)
  }
  t.throws(() => parseCatalog('{', 'x'), { code: 'CATALOG_INVALID', message: /^x: not JSON/ })
  t.doesNotThrow(() => parseCatalog(JSON.stringify(makeCatalog())), 'the unchanged catalog parses')
})

t.test('signCatalog refuses to sign a malformed catalog', async t => {
  const dir = t.testdir()
  const k = await key(dir, 'mirror')
  const c = makeCatalog()
  t.throws(() => signCatalog(without(c, piece(c, 'data.tar.zst', 2)), k))
})
