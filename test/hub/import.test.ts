/**
 * `hub import` of real exports (a full and two incrs) into a hub with no daemon running: every
 * link goes through ingestArrival, links already held are skipped, and a catalogue of hostile
 * exports — each leaving the store byte for byte as it was — is refused with the hub's own
 * rejection code or as an invalid export.
 */
import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { exitCodeFor, isRoostError } from '../../lib/errors.js'
import { silentLogger } from '../../lib/log.js'
import { parseManifest, renderManifest, signManifest } from '../../lib/formats/manifest.js'
import { importExport, type ImportResult } from '../../hub/import.js'
import { makeChainStore } from '../lib/export/make-chain.js'
import { exportFrom, listFiles, pack, replaceMember, unpack, zstd, type Member } from '../lib/export/kit.js'
import { makeKey } from '../lib/stores/make-store.js'
import { ageKeygen, fingerprintStore, makeHub, type TestHub } from './ingest/kit.js'

const dir = t.testdir()
const c = await makeChainStore(join(dir, 'chain'), 3)
const [F, I1, I2] = c.gens as [string, string, string]
const full = join(dir, 'full.tar')
const chain = join(dir, 'chain.tar')
await exportFrom(c, F, full)
await exportFrom(c, I2, chain)
const good = await unpack(chain, join(dir, 'good'))
const other = await makeKey(dir, 'other')
// an encrypted service's chain (a full and an incr), sealed with the real zstd and age
const age = await ageKeygen(join(dir, 'age'), 'identity')
const e = await makeChainStore(join(dir, 'sealed'), 2, 'wiki', { age, largeBytes: 128 * 1024 })
const [EF, EI] = e.gens as [string, string]
const sealedFile = join(dir, 'sealed.tar')
await exportFrom(e, EI, sealedFile)
const sealedGood = await unpack(sealedFile, join(dir, 'sealed-good'))

const run = (hub: TestHub, file: string): Promise<ImportResult> => importExport({ configFile: join(hub.root, 'hub.yaml'), file, log: silentLogger(), now: () => new Date() })
const sha = (p: string): string => createHash('sha256').update(execFileSync('zstd', ['-d', '-q', '-c', p], { maxBuffer: 1 << 28 })).digest('hex')

async function freshHub(name: string, key = c.key.public.line): Promise<TestHub> {
  return makeHub(join(dir, name), { wiki: { key } })
}

t.test('imports a whole chain into an empty store; a second import skips what is held', async t => {
  const hub = await freshHub('hub-chain')
  const r = await run(hub, chain)
  t.same(r.links, [F, I1, I2].map(generation => ({ generation, outcome: 'accepted' })))
  t.match(r, { service: 'wiki', generation: I2, exportKeyMatches: true })
  for (const g of [F, I1, I2]) {
    t.equal(sha(join(hub.paths.store, 'wiki', g, 'data.tar.zst')), createHash('sha256').update(await fs.readFile(c.tars[g]!)).digest('hex'), `${g}: the stored archive holds the spoke's tar`)
    t.ok((await fs.readFile(join(hub.paths.store, 'wiki', g, 'manifest.json'))).equals(await fs.readFile(join(c.store, 'wiki', g, 'manifest.json'))), `${g}: the manifest is stored byte for byte`)
  }
  const tree = JSON.parse(await fs.readFile(join(hub.paths.store, 'TREE.json'), 'utf8'))
  t.same(Object.keys(tree.services.wiki.generations).sort(), [F, I1, I2], 'the index lists every link')
  t.same((await listFiles(join(hub.paths.accounts, 'wiki'))).filter(p => !p.startsWith('incoming/.basis/')), [], 'nothing is left in incoming or ingesting but the delta basis')
  const before = await fingerprintStore(hub.paths.store)
  const again = await run(hub, chain)
  t.same(again.links.map(l => l.outcome), ['held', 'held', 'held'], 'held links are skipped, not replayed')
  t.same(await fingerprintStore(hub.paths.store), before, 'the store is unchanged')
  t.same(await listFiles(join(hub.paths.rejected, 'wiki')), [], 'nothing was rejected')
})

t.test('imports onto what the store holds: the full held, the incrs accepted', async t => {
  const hub = await freshHub('hub-partial')
  t.same((await run(hub, full)).links, [{ generation: F, outcome: 'accepted' }])
  t.same((await run(hub, chain)).links.map(l => `${l.generation} ${l.outcome}`), [`${F} held`, `${I1} accepted`, `${I2} accepted`])
})

t.test('the key named inside the export is not trusted: hub.yaml says which key verifies', async t => {
  const hub = await freshHub('hub-key')
  const info = JSON.parse(good[0]!.data.toString())
  const file = join(dir, 'other-key.tar')
  await pack(file, replaceMember(good, 'roost-export.json', Buffer.from(JSON.stringify({ ...info, key: other.public.line }))))
  const r = await run(hub, file)
  t.equal(r.exportKeyMatches, false, 'the mismatch is reported')
  t.same(r.links.map(l => l.outcome), ['accepted', 'accepted', 'accepted'], "and the manifests verify with hub.yaml's key")
})

t.test('an encrypted chain imports into a second hub as the same ciphertext, and the hub keeps no plaintext', async t => {
  const hub = await freshHub('hub-sealed', e.key.public.line)
  t.same((await run(hub, sealedFile)).links, [EF, EI].map(generation => ({ generation, outcome: 'accepted' })))
  for (const g of [EF, EI]) {
    const stored = join(hub.paths.store, 'wiki', g)
    t.same((await fs.readdir(stored)).sort(), ['data.tar.zst.age', 'manifest.json'], `${g}: the ciphertext and the manifest, nothing else`)
    t.ok((await fs.readFile(join(stored, 'data.tar.zst.age'))).equals(await fs.readFile(join(e.store, 'wiki', g, 'data.tar.zst.age'))), `${g}: byte for byte the exported ciphertext`)
  }
  const tree = JSON.parse(await fs.readFile(join(hub.paths.store, 'TREE.json'), 'utf8'))
  t.same(tree.services.wiki.generations[EI].files, e.records[1]!.files, "the new index lists the same files as the source's")
  t.same(await listFiles(join(hub.paths.accounts, 'wiki')), [], 'no .basis and no upload left in the account')
  t.same((await run(hub, sealedFile)).links.map(l => l.outcome), ['held', 'held'])
})

t.test("an archive member named for the other shape than its manifest's is an invalid export", async t => {
  const rename = (members: Member[], from: string, to: string): Member[] => members.map(m => (m.name === from ? { ...m, name: to } : m))
  const cases: Array<[string, string, Member[], TestHub]> = [
    ['plain', F, rename(good, `${F}/data.tar.zst`, `${F}/data.tar.zst.age`), await freshHub('hub-shape-plain')],
    ['encrypted', EF, rename(sealedGood, `${EF}/data.tar.zst.age`, `${EF}/data.tar.zst`), await freshHub('hub-shape-sealed', e.key.public.line)],
  ]
  for (const [what, gen, members, hub] of cases) {
    const file = join(dir, `shape-${what}.tar`)
    await pack(file, members)
    await expectRefused(t, hub, file, { code: 'EXPORT_INVALID', message: new RegExp(`${gen}/data.tar.zst.*manifest says its archive is data.tar.zst`) })
  }
})

t.test('a flipped ciphertext byte in an export is rejected by the hub with ARRIVAL_HASH_MISMATCH', async t => {
  const hub = await freshHub('hub-sealed-flipped', e.key.public.line)
  const file = join(dir, 'sealed-flipped.tar')
  const at = sealedGood.findIndex(m => m.name === `${EI}/data.tar.zst.age`)
  await pack(file, replaceMember(sealedGood, `${EI}/data.tar.zst.age`, flipped(sealedGood[at]!.data, 300)))
  await expectRefused(t, hub, file, { code: 'IMPORT_REJECTED', message: new RegExp(`${EI}.*ARRIVAL_HASH_MISMATCH`), stored: [EF] })
})

interface Hostile {
  name: string
  members: () => Promise<Member[]> | Member[]
  /** The error code, and for IMPORT_REJECTED the hub's arrival code in the message. */
  code: string
  message: RegExp
  /** Links the store holds afterwards (default: none). */
  stored?: string[]
}

function resign(m: Buffer): Buffer {
  const { signature: _, ...unsigned } = parseManifest(m.toString(), 'x')
  return Buffer.from(renderManifest(signManifest(unsigned, other)))
}

function flipped(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data)
  copy[at] = copy[at]! ^ 0xff
  return copy
}

const hostile: Hostile[] = [
  {
    name: 'an altered data.tar.zst (a valid zstd of a changed tar) is rejected by the hub with ARRIVAL_HASH_MISMATCH',
    members: async () => {
      const tar = await fs.readFile(c.tars[I1]!)
      return replaceMember(good, `${I1}/data.tar.zst`, zstd(flipped(tar, Math.floor(tar.length / 2))))
    },
    code: 'IMPORT_REJECTED', message: new RegExp(`${I1}.*ARRIVAL_HASH_MISMATCH`), stored: [F],
  },
  {
    name: 'a data.tar.zst with a flipped byte does not decompress: an invalid export, not handed to the hub',
    members: () => replaceMember(good, `${F}/data.tar.zst`, flipped(good[2]!.data, 200)),
    code: 'EXPORT_INVALID', message: new RegExp(`${F}/data.tar.zst does not decompress`),
  },
  {
    name: 'a manifest signed by another key is rejected with ARRIVAL_BAD_SIGNATURE',
    members: () => replaceMember(good, `${F}/manifest.json`, resign(good[1]!.data)),
    code: 'IMPORT_REJECTED', message: new RegExp(`${F}.*ARRIVAL_BAD_SIGNATURE`),
  },
  { name: "a member named '../x' is refused", members: () => [...good, { name: '../x', data: Buffer.from('x') }], code: 'EXPORT_INVALID', message: /'\.\.\/x' points outside/ },
  { name: 'a member with an absolute path is refused', members: () => [...good, { name: `${dir}/abs-x`, data: Buffer.from('x') }], code: 'EXPORT_INVALID', message: /points outside/ },
  {
    name: 'a symlink member is refused',
    members: () => [...good.slice(0, 3), { name: `${I1}/manifest.json`, data: Buffer.alloc(0), type: '2', linkname: '/etc/passwd' }, ...good.slice(4)],
    code: 'EXPORT_INVALID', message: /is a symbolic link/,
  },
  { name: 'an extra file is refused', members: () => [...good, { name: `${I2}/notes.txt`, data: Buffer.from('x') }], code: 'EXPORT_INVALID', message: /not part of a roost export/ },
  { name: 'a member missing from the chain is refused', members: () => good.filter(m => m.name !== `${I1}/manifest.json`), code: 'EXPORT_INVALID', message: /member 4 is/ },
]

async function expectRefused(t: Test, hub: TestHub, file: string, h: Pick<Hostile, 'code' | 'message' | 'stored'>): Promise<void> {
  const before = await fingerprintStore(hub.paths.store)
  const err = await run(hub, file).then(() => undefined, (e: unknown) => e)
  t.ok(isRoostError(err, h.code as never), `${h.code}: ${(err as Error)?.message}`)
  t.equal(exitCodeFor(err), h.code === 'IMPORT_REJECTED' ? 1 : 3)
  t.match((err as Error)?.message, h.message)
  const after = await fingerprintStore(hub.paths.store)
  const added = Object.keys(after).filter(k => !(k in before))
  t.same(Object.keys(before).filter(k => before[k] !== after[k]), [], 'nothing in the store changed')
  t.same([...new Set(added.map(k => k.split('/')[1]))].filter(Boolean).sort(), h.stored ?? [], 'only the good links before the bad one were added')
  t.same((await listFiles(join(hub.paths.accounts, 'wiki'))).filter(p => !p.startsWith('incoming/.basis/')), [], 'nothing is left in incoming or ingesting')
  t.notOk(await fs.stat(join(dir, 'abs-x')).catch(() => undefined), 'nothing was written outside')
}

for (const h of hostile) {
  t.test(h.name, async t => {
    const hub = await freshHub(`hub-${hostile.indexOf(h)}`)
    const file = join(dir, `hostile-${hostile.indexOf(h)}.tar`)
    await pack(file, await h.members())
    await expectRefused(t, hub, file, h)
  })
}

t.test('a truncated export is refused whole, and nothing of it is imported', async t => {
  const hub = await freshHub('hub-truncated')
  const file = join(dir, 'truncated.tar')
  const bytes = await fs.readFile(chain)
  await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.8)))
  await expectRefused(t, hub, file, { code: 'EXPORT_INVALID', message: /truncated\.tar/ })
})

t.test('a service hub.yaml does not register is refused (exit 2)', async t => {
  const hub = await makeHub(join(dir, 'hub-blog'), { blog: { key: c.key.public.line } })
  const err = await run(hub, chain).then(() => undefined, (e: unknown) => e)
  t.ok(isRoostError(err, 'SERVICE_UNKNOWN'), (err as Error)?.message)
  t.equal(exitCodeFor(err), 2)
  t.match((err as Error).message, /'wiki', which is not registered/)
})
