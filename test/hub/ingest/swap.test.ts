/**
 * A spoke that swaps its arrival folder for a symlink into another service's area while the
 * hub is ingesting it. Ingest takes the arrival out of the spoke's reach before reading it,
 * so the swap touches nothing: the other service's files stay where they are, and the
 * arrival the hub hashed is the one it stores.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { ingestArrival } from '../../../hub/ingest/ingest.js'
import { hashFile } from '../../../lib/fsx/hash.js'
import { silentLogger } from '../../../lib/log.js'
import { keygen, makeHub, makeTar, manifestFor, placeArrival, signedManifest } from './kit.js'

const GEN = '20261122T030000Z-full'

t.test("swapping the arrival folder mid-ingest cannot move another service's files", async t => {
  const dir = t.testdir()
  const evil = await keygen(join(dir, 'keys'), 'evil')
  const wiki = await keygen(join(dir, 'keys'), 'wiki')
  const hub = await makeHub(join(dir, 'hub'), { evil: { key: evil.line }, wiki: { key: wiki.line } })
  // the victim's delta basis: what a swapped-in symlink would point at
  const victimBasis = join(hub.paths.accounts, 'wiki', 'incoming', '.basis', 'last')
  await fs.mkdir(victimBasis, { recursive: true })
  const victimTar = await makeTar(join(dir, 'victim'), 'victim', 256 * 1024)
  await fs.copyFile(victimTar.path, join(victimBasis, 'data.tar'))
  const victimHash = (await hashFile(join(victimBasis, 'data.tar'))).sha256

  // a large enough upload that the streaming pass takes a while
  const tar = await makeTar(join(dir, 'evil'), 'evil', 48 * 1024 * 1024)
  await placeArrival(hub.paths, 'evil', GEN, { tar: tar.path, manifest: signedManifest(evil, manifestFor('evil', GEN, tar)).text })
  const incoming = join(hub.paths.accounts, 'evil', 'incoming')

  const ingesting = ingestArrival({ paths: hub.paths, config: hub.config, indexKey: hub.indexKey.key, log: silentLogger(), now: () => new Date() }, 'evil', GEN)
  // as soon as the pass is writing, the spoke puts a symlink where its arrival was
  let swapped = false
  for (let i = 0; i < 2000 && !swapped; i++) {
    const staging = await fs.readdir(hub.paths.staging).catch(() => [] as string[])
    if (staging.length) {
      const here = await fs.lstat(join(incoming, GEN)).catch(() => undefined)
      if (here) await fs.rename(join(incoming, GEN), join(incoming, '.moved-away'))
      await fs.symlink('../../wiki/incoming/.basis', join(incoming, GEN))
      swapped = true
    } else await new Promise(r => setTimeout(r, 2))
  }
  t.ok(swapped, 'the swap happened while the hub was ingesting')
  const r = await ingesting
  t.equal(r.outcome, 'accepted', 'the arrival the hub took is accepted')
  t.equal((await hashFile(join(victimBasis, 'data.tar'))).sha256, victimHash, "the other service's basis is untouched")
  t.equal((await hashFile(join(incoming, '.basis', 'last', 'data.tar'))).sha256, tar.sha256, "the spoke's own tar became its basis")
  t.ok((await fs.lstat(join(incoming, GEN))).isSymbolicLink(), "the spoke's symlink is left for the next round, which rejects it")
})
