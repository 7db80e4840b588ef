import t from 'tap'
import { promises as fs } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import {
  SECTOR, MAX_ISO_NAME_BYTES, MAX_ISO_FILE_BYTES, isoOverhead, isoDataBytes, labelProblem, checkIsoFits,
  buildIsoArgs, burnArgs, extractArgs, verifyIsoArgs, parseIsoCheck, buildIso, isoSize, verifyIso,
  extractFromIso, burnImage, scanStaging,
} from '../../../lib/volumes/iso.js'

const LABEL = 'ROOST-2026W47-01OF03'
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const exists = (p: string): Promise<boolean> => fs.lstat(p).then(() => true, () => false)

/** A staging folder with nested folders, a name of the longest allowed length and random data. */
async function stage(root: string): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {
    'catalog.json': Buffer.from('{"set":"2026W47"}\n'),
    'data/wiki/20261122T030000Z-full/data.tar.zst.part001': randomBytes(700_000),
    [`data/wiki/${'n'.repeat(MAX_ISO_NAME_BYTES)}`]: randomBytes(5000),
    "data/it's here": Buffer.from('quoted name\n'),
  }
  for (const [rel, data] of Object.entries(files)) {
    await fs.mkdir(join(root, rel, '..'), { recursive: true })
    await fs.writeFile(join(root, rel), data)
  }
  return files
}

t.test('argv: Rock Ridge, no Joliet, no padding, MD5s recorded, no startup files', async t => {
  const a = buildIsoArgs('/s', '/o/v.iso', LABEL)
  t.same(a.slice(0, 2), ['xorriso', '-no_rc'])
  for (const pair of [['-volid', LABEL], ['-joliet', 'off'], ['-rockridge', 'on'], ['-padding', '0'], ['-md5', 'on'], ['-compliance', 'no_emul_toc'], ['-outdev', 'stdio:/o/v.iso']]) {
    t.ok(a.join('\0').includes(pair.join('\0')), pair.join(' '))
  }
  t.same(a.slice(-4), ['-map', '/s', '/', '-commit'])
  t.same(burnArgs('/i.iso', 'stdio:/tmp/disc'), ['xorriso', '-no_rc', '-as', 'cdrecord', '-v', 'dev=stdio:/tmp/disc', '-nopad', '/i.iso'])
  t.same(extractArgs('/i.iso', '/a/b', '/d').slice(-6), ['-osirrox', 'on:check_md5_force', '-indev', '/i.iso', '-extract_single', '/a/b', '/d'].slice(-6))
  t.ok(verifyIsoArgs('/i.iso').includes('-check_md5_r'))
})

t.test('labels: 1–32 of A–Z 0–9 _ -', async t => {
  t.equal(labelProblem(LABEL), undefined)
  t.match(labelProblem('roost-1'), /A–Z/)
  t.match(labelProblem('X'.repeat(33)), /1–32/)
  t.match(labelProblem(''), /1–32/)
})

t.test('builds an image whose files read back through their MD5s', async t => {
  const dir = t.testdir({ staging: {}, out: {} })
  const files = await stage(join(dir, 'staging'))
  const built = await buildIso(join(dir, 'staging'), join(dir, 'out', 'v1.iso'), LABEL)
  t.equal(built.bytes % SECTOR, 0)
  t.equal((await fs.stat(built.path)).size, built.bytes, 'size as reported')
  t.equal(await isoSize(built.path), built.bytes, 'size as declared in the volume descriptor')
  t.same(built.staging, { files: 4, dirs: 3, dataBytes: 705_030, longestName: MAX_ISO_NAME_BYTES })
  const pvd = Buffer.alloc(SECTOR)
  const h = await fs.open(built.path, 'r')
  await h.read(pvd, 0, SECTOR, 16 * SECTOR)
  await h.close()
  t.equal(pvd.toString('latin1', 40, 72).trim(), LABEL, 'volume id is the label')
  t.same(await verifyIso(built.path), { ok: true })
  for (const [rel, data] of Object.entries(files)) {
    const dest = join(dir, 'out', `x-${sha(Buffer.from(rel)).slice(0, 8)}`)
    t.same(await extractFromIso(built.path, `/${rel}`, dest), { bytes: data.length }, rel)
    t.equal(sha(await fs.readFile(dest)), sha(data), `${rel} is bit-exact`)
  }
  t.same((await fs.readdir(join(dir, 'out'))).filter(n => n.endsWith('.tmp')), [], 'no temp files left')
  await t.rejects(extractFromIso(built.path, '/nope', join(dir, 'out', 'nope')), { code: 'PATH_NOT_FOUND' })
  await t.rejects(extractFromIso(built.path, '/data/../catalog.json', join(dir, 'out', 'c')), { code: 'NAME_INVALID' })
  await t.rejects(extractFromIso(built.path, '/catalog.json', join(dir, 'out', 'v1.iso')), { code: 'TARGET_NOT_EMPTY' })
  await t.rejects(buildIso(join(dir, 'staging'), built.path, LABEL), { code: 'TARGET_NOT_EMPTY' }, 'never replaces an image')
})

t.test('refuses what an image cannot hold safely', async t => {
  const dir = t.testdir({ long: { [`${'l'.repeat(MAX_ISO_NAME_BYTES + 1)}`]: 'x' }, link: { f: 'x' }, big: {}, ok: { f: 'x' } })
  await t.rejects(buildIso(join(dir, 'long'), join(dir, 'l.iso'), LABEL), { code: 'NAME_INVALID', message: /at most 100 bytes/ })
  await fs.symlink('f', join(dir, 'link', 'l'))
  await t.rejects(buildIso(join(dir, 'link'), join(dir, 's.iso'), LABEL), { code: 'NAME_INVALID', message: /regular file/ })
  const h = await fs.open(join(dir, 'big', 'huge'), 'w')
  await h.truncate(MAX_ISO_FILE_BYTES + 1) // sparse: nothing is written
  await h.close()
  await t.rejects(scanStaging(join(dir, 'big')), { code: 'BUDGET_EXCEEDED', hint: /split/ })
  await t.rejects(buildIso(join(dir, 'ok'), join(dir, 'o.iso'), 'lower'), { code: 'NAME_INVALID' })
  t.same((await fs.readdir(dir)).filter(n => n.endsWith('.iso') || n.endsWith('.tmp')), [], 'nothing written')
})

t.test('a staging folder filled to capacity − isoOverhead fits; one sector less does not', async t => {
  const capacity = 2000 * SECTOR // a tiny medium: 4,096,000 bytes
  const dirs = 4
  const files = 40
  const budget = capacity - isoOverhead(files, MAX_ISO_NAME_BYTES, dirs)
  const dir = t.testdir({ staging: {}, out: {} })
  let left = budget
  for (let i = 0; i < files; i++) {
    const sub = join(dir, 'staging', `d${i % dirs}`)
    await fs.mkdir(sub, { recursive: true })
    // odd sizes waste part of a sector each, as real pieces do; the last file takes the rest
    const size = i === files - 1 ? left : 60_000 + 1 + i
    left -= isoDataBytes(size)
    await fs.writeFile(join(sub, `${String(i).padStart(3, '0')}${'x'.repeat(MAX_ISO_NAME_BYTES - 3)}`), randomBytes(size))
  }
  t.equal(left, 0, 'data fills the budget to the sector')
  const built = await buildIso(join(dir, 'staging'), join(dir, 'out', 'full.iso'), LABEL, { capacity })
  t.ok(built.bytes <= capacity, `${built.bytes} ≤ ${capacity}`)
  t.comment(`metadata: ${built.bytes - budget} bytes measured, ${capacity - budget} reserved`)
  const err = await buildIso(join(dir, 'staging'), join(dir, 'out', 'over.iso'), LABEL, { capacity: built.bytes - SECTOR }).catch((e: unknown) => e)
  t.match(err, { code: 'BUDGET_EXCEEDED', message: new RegExp(`volume ${LABEL} needs \\d+ bytes but the medium holds ${built.bytes - SECTOR}`) })
  t.notOk(await exists(join(dir, 'out', 'over.iso')), 'nothing left when the written image does not fit')
  await t.rejects(buildIso(join(dir, 'staging'), join(dir, 'out', 'far.iso'), LABEL, { capacity: capacity / 2 }), { code: 'BUDGET_EXCEEDED' }, 'refused from the forecast')
  t.same((await fs.readdir(join(dir, 'out'))).sort(), ['full.iso'], 'no temp files either')
  t.throws(() => checkIsoFits(capacity + 1, capacity, LABEL), { code: 'BUDGET_EXCEEDED' })
  t.doesNotThrow(() => checkIsoFits(capacity, capacity, LABEL))
})

t.test('isoOverhead bounds the measured metadata for many long names', async t => {
  const dir = t.testdir({ staging: {}, out: {} })
  const files = 300
  for (let i = 0; i < files; i++) {
    const sub = join(dir, 'staging', `g${i % 3}`)
    await fs.mkdir(sub, { recursive: true })
    await fs.writeFile(join(sub, `${String(i).padStart(4, '0')}${'y'.repeat(MAX_ISO_NAME_BYTES - 4)}`), 'z')
  }
  const built = await buildIso(join(dir, 'staging'), join(dir, 'out', 'many.iso'), LABEL)
  const metadata = built.bytes - files * SECTOR
  t.ok(metadata <= isoOverhead(files, MAX_ISO_NAME_BYTES, 3), `${metadata} ≤ ${isoOverhead(files, MAX_ISO_NAME_BYTES, 3)}`)
  t.same(await verifyIso(built.path), { ok: true }, 'libisofs wrote a sound image')
})

t.test('damage is found and named; a damaged file is never extracted', async t => {
  const dir = t.testdir({ staging: { 'a.bin': 'A'.repeat(100_000), 'b.bin': 'B'.repeat(50_000) }, out: {} })
  const built = await buildIso(join(dir, 'staging'), join(dir, 'out', 'v.iso'), LABEL)
  const image = await fs.readFile(built.path)
  image[image.indexOf('BBBBBBBB') + 10] = 0x58 // flip a byte inside b.bin
  const bad = join(dir, 'out', 'bad.iso')
  await fs.writeFile(bad, image)
  const check = await verifyIso(bad)
  t.match(check, { ok: false, badFiles: ['/b.bin'], sessionOk: false, reason: /MD5 mismatch in \/b\.bin/ })
  await t.rejects(extractFromIso(bad, '/b.bin', join(dir, 'out', 'b')), { code: 'HASH_MISMATCH', message: /\/b\.bin/ })
  t.notOk(await exists(join(dir, 'out', 'b')), 'no damaged copy left behind')
  t.same(await extractFromIso(bad, '/a.bin', join(dir, 'out', 'a')), { bytes: 100_000 }, 'an undamaged file still reads')
  const cut = join(dir, 'out', 'cut.iso')
  await fs.writeFile(cut, image.subarray(0, 60 * SECTOR))
  t.match(await verifyIso(cut), { ok: false })
  await t.rejects(verifyIso(join(dir, 'out', 'missing.iso')), { code: 'PATH_NOT_FOUND' })
  await fs.writeFile(join(dir, 'out', 'not.iso'), Buffer.alloc(40 * SECTOR))
  await t.rejects(isoSize(join(dir, 'out', 'not.iso')), { code: 'VERIFY_FAILED', message: /not an ISO 9660 image/ })
})

t.test('parses xorriso check results', async t => {
  t.same(parseIsoCheck('Ok, session data match recorded md5.\nFile contents and their MD5 checksums match.\n', '', 0), { ok: true })
  t.match(parseIsoCheck(`MD5 MISMATCH WITH DATA OF LOADED SESSION !\nMD5 MISMATCH: '/it'"'"'s'\n`, '', 32), { ok: false, badFiles: ["/it's"] })
  t.match(parseIsoCheck('', 'xorriso : WARNING : No session MD5 is recorded with the loaded session\n', 32), { ok: false, reason: /No session MD5/ })
})

t.test('burns to a file standing in for a drive, reads it back and compares', async t => {
  const dir = t.testdir({ staging: { 'a.bin': randomBytes(300_000).toString('base64') }, out: {} })
  const built = await buildIso(join(dir, 'staging'), join(dir, 'out', 'v.iso'), LABEL)
  const disc = join(dir, 'out', 'disc.img')
  const dry = await burnImage(built.path, `stdio:${disc}`, { dryRun: true })
  t.same(dry, { burned: false, plan: { argv: burnArgs(built.path, `stdio:${disc}`), readBack: disc, bytes: built.bytes } })
  t.notOk(await exists(disc), 'a dry run burns nothing')
  const r = await burnImage(built.path, `stdio:${disc}`)
  t.equal(r.burned, true)
  t.equal(r.image?.bytes, built.bytes)
  t.equal(r.image?.sha256, sha(await fs.readFile(built.path)))
  t.same(await verifyIso(disc), { ok: true }, 'the burned "disc" checks out on its own')
  const cut = join(dir, 'out', 'cut.iso')
  await fs.writeFile(cut, (await fs.readFile(built.path)).subarray(0, built.bytes - SECTOR))
  await t.rejects(burnImage(cut, `stdio:${join(dir, 'out', 'disc2.img')}`), { code: 'VERIFY_FAILED', message: /truncated/ })
})
