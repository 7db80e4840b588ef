/**
 * The one suite every store reader passes (restic's backend-test idea): a store folder (a
 * copy of the hub's store, or a mirror's), the hub over SSH, the spoke's own kept copies and a
 * bucket read through rclone (a copy of the hub's store in a local rclone remote)
 * must list, vouch for keys and fetch generations (and manifests alone) alike, so restore has
 * one code path for every tier.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { makeServiceTree } from '../helpers/fixtures.js'
import { startHubWorld, deliver } from '../lib/stores/hub-world.js'
import { StoreFolderReader } from '../../lib/stores/store-folder.js'
import { HubReader } from '../../lib/stores/hub.js'
import { fetchManifestOnly, type StoreReader } from '../../lib/stores/store-reader.js'
import { readPublicKeyArg } from '../../lib/sign.js'
import { SpokeLocalReader } from '../../lib/stores/spoke-local.js'
import { BucketReader } from '../../lib/stores/bucket.js'
import { runRclone } from '../../lib/rclone.js'
import { SpokeConfigSchema, spokePaths } from '../../lib/config/spoke.js'
import { hashFile } from '../../lib/fsx/hash.js'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { RoostError } from '../../lib/errors.js'

const GENS = ['20261120T030000Z-full', '20261121T030000Z-full']

t.test('every store reader keeps the same contract', async t => {
  const dir = t.testdir()
  const source = join(dir, 'src')
  await makeServiceTree(source, { seed: 'contract', largeBytes: 256 * 1024 })
  const w = await startHubWorld(dir, ['wiki'])
  t.teardown(() => w.hub.stop())
  for (const g of GENS) await deliver(w, 'wiki', g, source)

  const hostKey = (await fs.readFile(w.hostPub, 'utf8')).trim()
  const spokeFile = join(dir, 'spoke', 'spoke.yaml')
  await fs.mkdir(join(dir, 'spoke'), { recursive: true })
  const spokeConfig = SpokeConfigSchema.parse({ service: 'wiki', hub: { host: '127.0.0.1', port: w.port, hostKey }, key: w.keys.wiki!.path, sources: [source] })
  const paths = spokePaths(spokeConfig, spokeFile)
  // the spoke's kept copies, as it leaves them once the hub accepted each generation
  for (const g of GENS) {
    await fs.mkdir(join(paths.generations, g), { recursive: true })
    for (const f of ['manifest.json', 'data.tar.zst']) await fs.copyFile(join(w.hubRoot, 'store', 'wiki', g, f), join(paths.generations, g, f))
    await fs.writeFile(join(paths.generations, g, '.accepted'), '{}\n')
  }
  // a bucket: the hub's store copied into a local rclone remote
  const rcloneConf = join(dir, 'rclone.conf')
  await fs.writeFile(rcloneConf, '[loc]\ntype = local\n')
  const bucket = `loc:${join(dir, 'bucket')}`
  await runRclone(['rclone', 'copy', join(w.hubRoot, 'store'), bucket, '--config', rcloneConf], 'copying the store into the bucket')
  const readers: Array<[string, () => Promise<StoreReader>]> = [
    ['store folder', async () => StoreFolderReader.open(join(w.hubRoot, 'store'), await readPublicKeyArg(w.indexPub))],
    ['hub over SSH', async () => HubReader.open(spokeConfig, paths)],
    ["spoke's local copies", async () => SpokeLocalReader.open(spokeConfig, paths)],
    ['bucket through rclone', async () => BucketReader.open(bucket, { config: rcloneConf }, await readPublicKeyArg(w.indexPub))],
  ]

  for (const [name, open] of readers) {
    await t.test(name, async t => {
      const reader = await open()
      t.teardown(async () => reader.close?.())
      t.type(reader.source, 'string')
      t.same(await reader.listGenerations('wiki'), GENS, 'lists the generations oldest first')
      t.equal((await reader.manifestKey('wiki')).fingerprint, w.keys.wiki!.public.fingerprint, "vouches for the service's key")
      const fetched = await reader.fetch('wiki', GENS[1]!)
      const names = (await fs.readdir(fetched.dir)).filter(n => !n.startsWith('.')).sort()
      t.same(names, ['data.tar.zst', 'manifest.json'], 'fetches the stored files')
      const manifest = JSON.parse(await fs.readFile(join(fetched.dir, 'manifest.json'), 'utf8'))
      const tar = execFileSync('zstd', ['-d', '-q', '-c', join(fetched.dir, 'data.tar.zst')], { maxBuffer: 1 << 26 })
      t.equal(createHash('sha256').update(tar).digest('hex'), manifest.files[0].sha256, 'the archive decompresses to exactly the tar the signed manifest describes')
      const stored = join(w.hubRoot, 'store', 'wiki', GENS[1]!, 'data.tar.zst')
      if (name === 'hub over SSH') t.equal((await hashFile(join(fetched.dir, 'data.tar.zst'))).sha256, (await hashFile(stored)).sha256, 'byte for byte what the hub stored')
      await fetched.cleanup()
      if (!fetched.dir.startsWith(join(w.hubRoot, 'store')) && !fetched.dir.startsWith(paths.generations)) {
        t.notOk(await fs.stat(fetched.dir).catch(() => undefined), 'cleanup removes what the fetch made')
      } else {
        t.ok(await fs.stat(join(fetched.dir, 'data.tar.zst')), 'cleanup of a local store leaves the store alone')
      }
      const only = await fetchManifestOnly(reader, 'wiki', GENS[0]!)
      t.equal(JSON.parse(await fs.readFile(join(only.dir, 'manifest.json'), 'utf8')).generation, GENS[0], 'fetches a manifest alone')
      await only.cleanup()
      await t.rejects(fetchManifestOnly(reader, 'wiki', '20200101T000000Z-full'), RoostError, 'an unknown generation is a clear error there too')
      await t.rejects(reader.fetch('wiki', '20200101T000000Z-full'), RoostError, 'an unknown generation is a clear error')
      await t.rejects(reader.listGenerations('other'), RoostError, 'an unknown service is a clear error')
    })
  }
})
