/**
 * Hostile arrivals that test/hub/ingest/hostile.test.ts does not already make: manifests
 * nested hundreds of thousands deep, and names holding a NUL byte, `..` or more than 4096
 * bytes, each signed by the service's own key (the spoke is the attacker). Each must land in
 * rejected/ with ARRIVAL_BAD_MANIFEST naming the field, leave store/ byte-for-byte unchanged,
 * and leave the hub ingesting: a good generation after them is accepted. The real ingest
 * (watcher, gather, checks, reject) runs in-process on a hub layout.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { startIngest } from '../../hub/ingest/watch.js'
import { silentLogger } from '../../lib/log.js'
import { canonicalBytes } from '../../lib/formats/canonical-json.js'
import { signBytes } from '../../lib/sign.js'
import { MANIFEST_MAX_BYTES } from '../../lib/formats/manifest.js'
import { fingerprintStore, gone, keygen, makeHub, makeTar, manifestFor, placeArrival, signedManifest, until, type TestKey } from '../hub/ingest/kit.js'
import { scratch } from './kit.js'

const dir = await scratch('arrivals')
const wiki = await keygen(join(dir, 'keys'), 'wiki')
const tar = await makeTar(dir, 'one', 16 * 1024)
const hub = await makeHub(join(dir, 'hub'), { wiki: { key: wiki.line } })
const ingest = await startIngest({ paths: hub.paths, getConfig: () => hub.config, indexKey: hub.indexKey.key, log: silentLogger(), now: () => new Date(), rescanMs: 500 })
t.teardown(async () => {
  await ingest.close()
  await fs.rm(dir, { recursive: true, force: true })
})

const G0 = '20261122T030000Z-full'
await placeArrival(hub.paths, 'wiki', G0, { tar: tar.path, manifest: signedManifest(wiki, manifestFor('wiki', G0, tar)).text })
await until(() => gone(join(hub.paths.accounts, 'wiki', 'incoming', G0)), 20_000, 'the first generation')
await ingest.idle()
const before = await fingerprintStore(hub.paths.store)
t.ok(before[`wiki/${G0}/data.tar.zst`], 'the store holds a generation before the attacks')

/** Signs any object the way a spoke signs its manifest (no schema check: the attacker writes what it likes). */
function signRaw(key: TestKey, m: Record<string, unknown>): string {
  return JSON.stringify({ ...m, signature: { algorithm: 'ed25519', key: key.key.public.fingerprint, value: signBytes(key.key, canonicalBytes(m)) } })
}

let n = 0
const nextGen = (): string => `20261123T0000${String(++n).padStart(2, '0')}Z-full`

/** Places an arrival and waits for its reason.json. */
async function rejected(folder: string, manifest: string): Promise<Record<string, string>> {
  await placeArrival(hub.paths, 'wiki', folder, { tar: tar.path, manifest })
  const reason = await until(async () => {
    const names = await fs.readdir(join(hub.paths.rejected, 'wiki')).catch(() => [] as string[])
    const name = names.find(x => x.startsWith(`${folder}-`))
    const text = name && (await fs.readFile(join(hub.paths.rejected, 'wiki', name, 'reason.json'), 'utf8').catch(() => undefined))
    return text ? (JSON.parse(text) as Record<string, string>) : undefined
  }, 20_000, `reason.json for ${folder}`)
  await ingest.idle()
  return reason
}

t.test('a manifest nested 200 000 levels deep is rejected, unread past the schema', async t => {
  for (const [what, nest] of [['arrays', (d: number) => '['.repeat(d) + ']'.repeat(d)], ['objects', (d: number) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)]] as const) {
    const g = nextGen()
    const flat = signedManifest(wiki, manifestFor('wiki', g, tar)).text.trim()
    const deep = flat.replace(/"hooks":\[\]/, `"hooks":[${nest(what === 'arrays' ? 200_000 : 100_000)}]`)
    t.ok(deep.length < MANIFEST_MAX_BYTES && deep.length > 400_000, `${what}: deep, yet under the size cap (${deep.length} bytes)`)
    const reason = await rejected(g, deep)
    t.equal(reason.code, 'ARRIVAL_BAD_MANIFEST', `${what}: ${reason.message}`)
    t.match(reason.message, /hooks/, 'names the field')
    t.same(await fingerprintStore(hub.paths.store), before, 'store/ is byte-for-byte unchanged')
  }
})

t.test('names with a NUL byte, .. or over 4096 bytes are rejected, naming the field', async t => {
  const cases: Array<[string, (m: Record<string, unknown>) => void, RegExp]> = [
    ['a file name with a NUL byte', m => (m.files = [{ name: 'data.tar\u0000../../x', bytes: tar.bytes, sha256: tar.sha256 }]), /files\.0\.name/],
    ['a file name with ..', m => (m.files = [{ name: `../${G0}/data.tar.zst`, bytes: tar.bytes, sha256: tar.sha256 }]), /files\.0\.name/],
    ['a file name of 5000 bytes', m => (m.files = [{ name: 'd'.repeat(5000), bytes: tar.bytes, sha256: tar.sha256 }]), /files\.0\.name/],
    ['a generation id with a NUL byte', m => (m.generation = `${m.generation as string}\u0000`), /generation/],
    ['a service name with a NUL byte', m => (m.service = 'wiki\u0000'), /service/],
    ['a source path of 5000 bytes', m => (m.sources = ['/' + 's'.repeat(5000)]), /sources\.0/],
    ['a host of 5000 bytes', m => (m.host = 'h'.repeat(5000)), /host/],
  ]
  for (const [what, edit, field] of cases) {
    const g = nextGen()
    const m = { ...manifestFor('wiki', g, tar) } as Record<string, unknown>
    edit(m)
    const reason = await rejected(g, signRaw(wiki, m))
    t.equal(reason.code, 'ARRIVAL_BAD_MANIFEST', `${what}: ${reason.message}`)
    t.match(reason.message, field, `${what}: names the field`)
    t.notMatch(reason.message, /\u0000/, 'the reason carries no NUL byte')
  }
  t.same(await fingerprintStore(hub.paths.store), before, 'store/ is byte-for-byte unchanged')
})

t.test('the hub is still ingesting: a good generation after the attacks is accepted', async t => {
  const g = '20261124T030000Z-full'
  await placeArrival(hub.paths, 'wiki', g, { tar: tar.path, manifest: signedManifest(wiki, manifestFor('wiki', g, tar)).text })
  await until(() => fs.stat(join(hub.paths.store, 'wiki', g, 'data.tar.zst')).then(() => true, () => false), 20_000, 'the good generation')
  const after = await fingerprintStore(hub.paths.store)
  for (const [k, v] of Object.entries(before)) t.equal(after[k], v, `${k} unchanged`)
})
