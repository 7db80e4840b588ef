/**
 * Append-only, end to end: nothing a spoke can send removes or alters a generation the hub
 * accepted. A real `roost hub serve` on 127.0.0.1 port 0; the spoke is the attacker, with its own
 * valid key, and talks to the hub only as a spoke can: rsync over ssh into its incoming. After
 * every attempt each file the store held before is byte-for-byte the same and TREE.json still
 * verifies. The same checks run in-process, case by case, in test/hub/ingest/hostile.test.ts;
 * --delete in its spellings: test/attacks/front-door.test.ts; a planted .basis symlink:
 * test/hub/ingest/basis.test.ts; a flood of valid generations against retention:
 * test/hub/retention/plan.test.ts.
 */
import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { waitFor } from '../helpers/roost.js'
import { rsyncRsh, type SshTarget } from '../../lib/ssh-client.js'
import { openTree } from '../../lib/formats/tree.js'
import { readPublicKeyArg, signBytes } from '../../lib/sign.js'
import { canonicalBytes } from '../../lib/formats/canonical-json.js'
import { keygen, makeTar, manifestFor, signedManifest } from '../hub/ingest/kit.js'
import { fingerprint, makeHubRoot, scratch, startPinnedHub } from './kit.js'

const G0 = '20261122T030000Z-full'
const dir = await scratch('append-only')
const hubRoot = join(dir, 'hub')
const store = join(hubRoot, 'store')
const wiki = await keygen(join(dir, 'keys'), 'wiki')
await makeHubRoot(hubRoot, { services: { wiki: wiki.line } })
const tar = await makeTar(dir, 'one', 32 * 1024)
const other = await makeTar(dir, 'two', 32 * 1024)
const { hub, knownHosts } = await startPinnedHub(t, dir, hubRoot)
const spoke: SshTarget = { host: '127.0.0.1', port: hub.port, user: 'wiki', key: wiki.path, knownHosts }

/** Sends files into the spoke's incoming as the spoke does (`--links`: symlinks go as symlinks). */
async function send(files: string[], dest: string): Promise<void> {
  const r = await execa('rsync', ['--recursive', '--times', '--links', '-e', rsyncRsh(spoke), '--', ...files, `wiki@127.0.0.1:${dest}`], { reject: false, timeout: 30_000 })
  if (r.exitCode !== 0) throw new Error(`rsync to ${dest} exited ${r.exitCode}: ${r.stderr}`)
}

/** Uploads an arrival as the spoke does: the archive first, the manifest last. */
async function arrive(gen: string, archive: string | undefined, manifest: string): Promise<void> {
  const up = join(dir, 'up', gen)
  await fs.mkdir(up, { recursive: true })
  if (archive) {
    await fs.copyFile(archive, join(up, 'data.tar'))
    await send([join(up, 'data.tar')], `/${gen}/`)
  }
  await fs.writeFile(join(up, 'manifest.json'), manifest)
  await send([join(up, 'manifest.json')], `/${gen}/`)
}

const indexKey = await readPublicKeyArg(join(hubRoot, 'keys', 'index_ed25519.pub'))
async function tree() {
  const [bytes, signature] = await Promise.all([fs.readFile(join(store, 'TREE.json')), fs.readFile(join(store, 'TREE.json.sig'), 'utf8')])
  return openTree({ bytes, signature }, indexKey)
}

/** The reason.json of the next rejection of `folder`. */
async function rejection(folder: string): Promise<{ code: string; message: string }> {
  return waitFor(async () => {
    const names = await fs.readdir(join(hubRoot, 'rejected', 'wiki')).catch(() => [] as string[])
    const name = names.find(x => x.startsWith(`${folder}-`))
    const text = name && (await fs.readFile(join(hubRoot, 'rejected', 'wiki', name, 'reason.json'), 'utf8').catch(() => undefined))
    return text ? (JSON.parse(text) as { code: string; message: string }) : undefined
  }, 20_000, `the rejection of ${folder}`)
}

// accepted = in the store and in the published index (the index is written after the store)
const accepted = (gen: string): Promise<boolean> =>
  waitFor(async () => (await fs.stat(join(store, 'wiki', gen, 'manifest.json')).then(() => true, () => false)) && Boolean((await tree().catch(() => undefined))?.services.wiki?.generations[gen]), 20_000, `${gen} to be accepted and published`)

// the generation to protect, accepted through the front door
await arrive(G0, tar.path, signedManifest(wiki, manifestFor('wiki', G0, tar)).text)
await accepted(G0)
const skip = (rel: string): boolean => /(^|\/)(status\.json|TREE\.json|TREE\.json\.sig|\..*\.tmp)$/.test(rel)
const before = await fingerprint(store, skip)
const serial = (await tree()).serial
t.ok(before[`wiki/${G0}/data.tar.zst`], 'the store holds the accepted generation')

async function storeAsBefore(t: Test): Promise<void> {
  const now = await fingerprint(store, skip)
  for (const [path, was] of Object.entries(before)) t.equal(now[path], was, `${path} unchanged`)
  t.ok((await tree()).services.wiki?.generations[G0], 'TREE.json verifies and still lists it')
}

t.test('the same generation id again, with other content, is rejected; the stored one stays', async t => {
  await arrive(G0, other.path, signedManifest(wiki, manifestFor('wiki', G0, other, { host: 'attacker' })).text)
  const reason = await rejection(G0)
  t.equal(reason.code, 'ARRIVAL_REPLAYED', reason.message)
  t.match(reason.message, G0)
  await storeAsBefore(t)
  t.equal((await tree()).serial, serial, 'the index was not republished')
})

t.test("an arrival pointing at the accepted generation's files (by .. or by symlink) is rejected, the files untouched", async t => {
  const g1 = '20261122T040000Z-full'
  // signed by the spoke's own key as it is: only the name is wrong
  const byName = { ...manifestFor('wiki', g1, tar), files: [{ name: `../${G0}/data.tar.zst`, bytes: tar.bytes, sha256: tar.sha256 }] }
  const signature = { algorithm: 'ed25519', key: wiki.key.public.fingerprint, value: signBytes(wiki.key, canonicalBytes(byName)) }
  await arrive(g1, undefined, JSON.stringify({ ...byName, signature }))
  t.equal((await rejection(g1)).code, 'ARRIVAL_BAD_MANIFEST')

  const g2 = '20261122T050000Z-full'
  const links = join(dir, 'links', g2)
  await fs.mkdir(links, { recursive: true })
  await fs.symlink(join(store, 'wiki', G0, 'data.tar.zst'), join(links, 'data.tar'))
  await send([join(links, 'data.tar')], `/${g2}/`)
  await arrive(g2, undefined, signedManifest(wiki, manifestFor('wiki', g2, tar)).text)
  const reason = await rejection(g2)
  t.equal(reason.code, 'ARRIVAL_NOT_A_FILE', reason.message)
  await storeAsBefore(t)
})
