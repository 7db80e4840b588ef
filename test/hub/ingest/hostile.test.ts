/**
 * A catalogue of hostile arrivals. Each must land in rejected/<svc>/ with a reason.json naming
 * its code, leave store/ byte-for-byte unchanged (apart from status.json) and leave TREE.json
 * verifiable, with the same serial.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { startIngest } from '../../../hub/ingest/watch.js'
import { openTree } from '../../../lib/formats/tree.js'
import { parseServiceStatus } from '../../../lib/formats/status.js'
import { MANIFEST_MAX_BYTES } from '../../../lib/formats/manifest.js'
import { hashFile } from '../../../lib/fsx/hash.js'
import { silentLogger } from '../../../lib/log.js'
import { writeServiceStatus } from '../../../hub/service-status.js'
import { fingerprintStore, gone, keygen, makeHub, makeTar, manifestFor, placeArrival, signedManifest, until, type PlaceOptions } from './kit.js'

const dir = t.testdir()
const wiki = await keygen(join(dir, 'keys'), 'wiki')
const blog = await keygen(join(dir, 'keys'), 'blog')
const tar = await makeTar(dir, 'one')
const hub = await makeHub(join(dir, 'hub'), { wiki: { key: wiki.line }, blog: { key: blog.line, quota: '1K' } })
const ingest = await startIngest({ paths: hub.paths, getConfig: () => hub.config, indexKey: hub.indexKey.key, log: silentLogger(), now: () => new Date(), rescanMs: 500 })
t.teardown(() => ingest.close())

const G0 = '20261122T030000Z-full'
const good = signedManifest(wiki, manifestFor('wiki', G0, tar))
await placeArrival(hub.paths, 'wiki', G0, { tar: tar.path, manifest: good.text })
await until(() => gone(join(hub.paths.accounts, 'wiki', 'incoming', G0)), 20_000, 'the good generation')
await ingest.idle()

async function readTree() {
  const [bytes, signature] = await Promise.all([fs.readFile(join(hub.paths.store, 'TREE.json')), fs.readFile(join(hub.paths.store, 'TREE.json.sig'), 'utf8')])
  return openTree({ bytes, signature }, hub.indexKey.key.public)
}

// every registered service has its status.json (and so its store folder) before the catalogue
await writeServiceStatus(hub.paths, 'blog', undefined, new Date())
const before = await fingerprintStore(hub.paths.store)
const serial = (await readTree()).serial
t.ok(before[`wiki/${G0}/data.tar.zst`], 'the store holds the good generation before the catalogue')

/** Copies of the tar, damaged for a case. */
async function tarCopy(name: string, damage: (path: string) => Promise<void>): Promise<string> {
  const path = join(dir, name)
  await fs.copyFile(tar.path, path)
  await damage(path)
  return path
}

interface Case {
  name: string
  service: string
  folder: string
  code: string | string[]
  /** The service's status.json asks for a full (after a reset) when the arrival lands. */
  wantsFull: boolean
  /** Places the arrival itself when it returns 'placed'. */
  arrival: () => Promise<PlaceOptions | 'placed'>
}

let n = 0
const gen = (kind = 'full'): string => `20261123T0000${String(++n).padStart(2, '0')}Z-${kind}`

const cases: Case[] = []
const add = (name: string, code: string | string[], arrival: (folder: string) => Promise<PlaceOptions | 'placed'>, o: { service?: string; kind?: string; folder?: string; wantsFull?: boolean } = {}): void => {
  const folder = o.folder ?? gen(o.kind)
  cases.push({ name, code, service: o.service ?? 'wiki', folder, wantsFull: o.wantsFull ?? false, arrival: () => arrival(folder) })
}

add('rejects a manifest edited after signing', 'ARRIVAL_BAD_SIGNATURE', async g => {
  const m = JSON.parse(signedManifest(wiki, manifestFor('wiki', g, tar)).text)
  m.host = 'somewhere-else'
  return { tar: tar.path, manifest: JSON.stringify(m) }
})
add("rejects a manifest signed by another service's key", 'ARRIVAL_BAD_SIGNATURE', async g => ({ tar: tar.path, manifest: signedManifest(blog, manifestFor('wiki', g, tar)).text }))
add('rejects a corrupted archive (one flipped byte)', 'ARRIVAL_HASH_MISMATCH', async g => {
  const path = await tarCopy('flipped.tar', async p => {
    const h = await fs.open(p, 'r+')
    const b = Buffer.alloc(1)
    await h.read(b, 0, 1, Math.floor(tar.bytes / 2))
    b[0] = b[0]! ^ 0xff
    await h.write(b, 0, 1, Math.floor(tar.bytes / 2))
    await h.close()
  })
  return { tar: path, manifest: signedManifest(wiki, manifestFor('wiki', g, tar)).text }
})
add('rejects a truncated archive even with a manifest signed for it (the listing catches it)', ['ARRIVAL_NOT_A_TAR', 'ARRIVAL_COUNT_MISMATCH'], async g => {
  const path = await tarCopy('truncated.tar', p => fs.truncate(p, Math.floor(tar.bytes / 2) + 100))
  const d = await hashFile(path)
  return { tar: path, manifest: signedManifest(wiki, manifestFor('wiki', g, { ...tar, sha256: d.sha256, bytes: d.bytes })).text }
})
add('rejects a replayed generation id (the same upload again)', 'ARRIVAL_REPLAYED', async () => ({ tar: tar.path, manifest: good.text }), { folder: G0 })
add('rejects a replayed generation id with another archive', 'ARRIVAL_REPLAYED', async g => ({ tar: tar.path, manifest: signedManifest(wiki, manifestFor('wiki', g, tar, { host: 'other' })).text }), { folder: G0 })
add('rejects an extra file', 'ARRIVAL_EXTRA_FILE', async g => ({ tar: tar.path, manifest: signedManifest(wiki, manifestFor('wiki', g, tar)).text, extra: { 'evil.sh': '#!/bin/sh\n' } }))
add('rejects a missing file', 'ARRIVAL_MISSING_FILE', async g => ({ manifest: signedManifest(wiki, manifestFor('wiki', g, tar)).text }))
add('rejects a manifest with an unknown field', 'ARRIVAL_BAD_MANIFEST', async g => {
  const m = JSON.parse(signedManifest(wiki, manifestFor('wiki', g, tar)).text)
  m.extra = 'field'
  return { tar: tar.path, manifest: JSON.stringify(m) }
})
add('rejects a manifest naming another service', 'ARRIVAL_WRONG_SERVICE', async g => ({ tar: tar.path, manifest: signedManifest(blog, manifestFor('blog', g, tar)).text }))
add('rejects a manifest for another generation than its folder', 'ARRIVAL_WRONG_FOLDER', async g => ({ tar: tar.path, manifest: signedManifest(wiki, manifestFor('wiki', g.replace('20261123', '20261124'), tar)).text }))
add('rejects a diff whose base is not stored', 'ARRIVAL_MISSING_BASE', async g => ({ tar: tar.path, manifest: signedManifest(wiki, manifestFor('wiki', g, tar, { kind: 'diff', base: '20261001T030000Z-full' })).text }), { kind: 'diff' })
add('rejects an incr while the hub wants a full (the service was reset)', 'ARRIVAL_FULL_REQUIRED', async g => ({ tar: tar.path, manifest: signedManifest(wiki, manifestFor('wiki', g, tar, { kind: 'incr', parent: G0 })).text }), { kind: 'incr', wantsFull: true })
add('rejects a generation over the quota', 'ARRIVAL_OVER_QUOTA', async g => ({ tar: tar.path, manifest: signedManifest(blog, manifestFor('blog', g, tar)).text }), { service: 'blog' })
add('rejects a manifest larger than the cap, unread', 'ARRIVAL_BAD_MANIFEST', async () => ({ tar: tar.path, manifest: Buffer.alloc(MANIFEST_MAX_BYTES + 1, 0x20) }))
add('rejects data.tar as a symlink out of incoming', 'ARRIVAL_NOT_A_FILE', async g => {
  const folder = join(hub.paths.accounts, 'wiki', 'incoming', g)
  await fs.mkdir(folder, { recursive: true })
  await fs.symlink(tar.path, join(folder, 'data.tar'))
  return { manifest: signedManifest(wiki, manifestFor('wiki', g, tar)).text }
})
add('rejects manifest.json as a symlink', 'ARRIVAL_NOT_A_FILE', async g => {
  const real = join(dir, 'real-manifest.json')
  await fs.writeFile(real, signedManifest(wiki, manifestFor('wiki', g, tar)).text)
  const folder = join(hub.paths.accounts, 'wiki', 'incoming', g)
  await fs.mkdir(folder, { recursive: true })
  await fs.copyFile(tar.path, join(folder, 'data.tar'))
  await fs.symlink(real, join(folder, 'manifest.json'))
  return 'placed'
})

add('rejects an arrival folder that is a symlink out of incoming, leaving its target alone', 'ARRIVAL_NOT_A_FILE', async g => {
  const outside = join(dir, 'outside')
  await fs.mkdir(outside, { recursive: true })
  await fs.copyFile(tar.path, join(outside, 'data.tar'))
  await fs.writeFile(join(outside, 'manifest.json'), signedManifest(wiki, manifestFor('wiki', g, tar)).text)
  await fs.symlink(outside, join(hub.paths.accounts, 'wiki', 'incoming', g))
  return 'placed'
})

async function rejectedReason(service: string, folder: string): Promise<Record<string, string> | undefined> {
  const names = await fs.readdir(join(hub.paths.rejected, service)).catch(() => [] as string[])
  const name = names.find(x => x.startsWith(`${folder}-`) && !seen.has(x))
  if (!name) return undefined
  const text = await fs.readFile(join(hub.paths.rejected, service, name, 'reason.json'), 'utf8').catch(() => undefined)
  if (!text) return undefined
  seen.add(name)
  return JSON.parse(text)
}
const seen = new Set<string>()

for (const c of cases) {
  t.test(c.name, async t => {
    // every rejection asks for a full: start each case from a status.json that asks for nothing
    // (the event of an accepted full clears the request), or from a reset's request
    await writeServiceStatus(hub.paths, c.service, c.wantsFull ? { kind: 'want-full', reason: 'reset' } : { kind: 'accepted', generation: G0, full: true }, new Date())
    const o = await c.arrival()
    const incoming = join(hub.paths.accounts, c.service, 'incoming', c.folder)
    if (o !== 'placed') await placeArrival(hub.paths, c.service, c.folder, o)
    const reason = await until(() => rejectedReason(c.service, c.folder), 20_000, `${c.name}: reason.json`)
    await ingest.idle()
    const codes = Array.isArray(c.code) ? c.code : [c.code]
    t.ok(codes.includes(reason.code!), `reason.json names ${codes.join(' or ')} (got ${reason.code}: ${reason.message})`)
    t.equal(reason.service, c.service)
    t.equal(reason.folder, c.folder)
    t.ok(reason.message && reason.at, 'with a message and the hub time')
    t.ok(await gone(incoming), 'the arrival left incoming')
    t.same(await fingerprintStore(hub.paths.store), before, 'store/ is byte-for-byte unchanged')
    t.equal((await readTree()).serial, serial, 'TREE.json still verifies, same serial')
    t.same(await fs.readdir(hub.paths.staging), [], 'no staging leftovers')
    const status = parseServiceStatus(await fs.readFile(join(hub.paths.store, c.service, 'status.json'), 'utf8'))
    t.equal(status.lastReject?.code, reason.code, 'status.json reports the reject')
    if (reason.code === 'ARRIVAL_MISSING_BASE') t.equal(status.wantFullReason, 'missing-base', 'a broken chain asks for a full')
    else if (c.wantsFull) t.equal(status.wantFullReason, 'reset', 'the standing request keeps its reason')
    else t.equal(status.wantFull, reason.code !== 'ARRIVAL_REPLAYED', 'every rejection but a replay asks for a full')
    if (c.name.includes('folder that is a symlink')) t.same((await fs.readdir(join(dir, 'outside'))).sort(), ['data.tar', 'manifest.json'], 'the symlink target is untouched')
  })
}

t.test('the good generation is still the last one in status.json', async t => {
  const status = parseServiceStatus(await fs.readFile(join(hub.paths.store, 'wiki', 'status.json'), 'utf8'))
  t.equal(status.last?.generation, G0)
  t.equal(status.generations, 1)
})
