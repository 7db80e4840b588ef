import t from 'tap'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { silentLogger } from '../../../lib/log.js'
import { compareTrees } from '../../../lib/fsx/compare-trees.js'
import { SpokeConfigSchema, spokePaths } from '../../../lib/config/spoke.js'
import { SpokeLocalReader } from '../../../lib/stores/spoke-local.js'
import { restoreGeneration } from '../../../lib/restore/restore.js'
import { makeServiceTree, mutateTree } from '../../helpers/fixtures.js'
import { makeKey } from './make-store.js'
import { ChainMaker } from './make-chain.js'

const FULL = '20261120T030000Z-full'
const INCR = '20261121T030000Z-incr'
const PENDING = '20261122T030000Z-incr'
const log = silentLogger()

async function spokeWorld(t: { testdir(): string }) {
  const dir = t.testdir()
  const src = join(dir, 'src', 'wiki')
  await makeServiceTree(src, { seed: 'local', largeBytes: 32 * 1024 })
  const key = await makeKey(dir, 'spoke')
  const work = join(dir, 'work')
  await fs.mkdir(work)
  const m = new ChainMaker(join(dir, 'made'), work, 'wiki', src, key)
  await m.add(FULL)
  await mutateTree(src, 'local')
  await m.add(INCR)
  const config = SpokeConfigSchema.parse({ service: 'wiki', hub: { host: '127.0.0.1', port: 1, hostKey: key.public.line }, key: key.path, sources: [src] })
  const paths = spokePaths(config, join(dir, 'etc', 'spoke.yaml'))
  return { dir, src, key, config, paths, m }
}

/** Kept copies as the spoke leaves them once the hub accepted them: manifest, compressed archive, marker. */
async function keep(w: Awaited<ReturnType<typeof spokeWorld>>): Promise<void> {
  await fs.mkdir(w.paths.generations, { recursive: true })
  for (const g of [FULL, INCR]) {
    await fs.cp(join(w.dir, 'made', 'wiki', g), join(w.paths.generations, g), { recursive: true })
    await fs.writeFile(join(w.paths.generations, g, '.accepted'), '{}\n')
  }
}

t.test('lists only accepted generations with their compressed archive, and restores their chain', async t => {
  const w = await spokeWorld(t)
  await keep(w)
  await fs.mkdir(join(w.paths.generations, PENDING))
  await fs.writeFile(join(w.paths.generations, PENDING, 'data.tar'), 'pending')
  await fs.mkdir(join(w.paths.generations, '20261119T030000Z-full'))
  await fs.writeFile(join(w.paths.generations, '20261119T030000Z-full', '.rejected'), '{}')
  await fs.mkdir(join(w.paths.generations, '20261118T030000Z-full'))
  await fs.writeFile(join(w.paths.generations, '20261118T030000Z-full', '.accepted'), '{}') // accepted, but its archive is gone
  await fs.mkdir(join(w.paths.generations, '.making-20261123T030000Z-full'))
  const reader = await SpokeLocalReader.open(w.config, w.paths)
  t.same(await reader.listGenerations('wiki'), [FULL, INCR])
  t.equal((await reader.manifestKey('wiki')).fingerprint, w.key.public.fingerprint, "vouches with the spoke's own key")
  await t.rejects(reader.fetch('wiki', PENDING), { code: 'GENERATION_NOT_FOUND' })
  await t.rejects(reader.listGenerations('forum'), { code: 'SERVICE_UNKNOWN' })
  const to = join(w.dir, 'restored')
  const r = await restoreGeneration({ reader, service: 'wiki', to, log })
  t.same(r.chain, [FULL, INCR])
  t.same(await compareTrees(w.m.copies.get(INCR)!, join(to, w.src)), [], 'the chain from local copies, bit-exact')
  t.ok(await fs.stat(join(w.paths.generations, FULL, 'data.tar.zst')), 'the kept copies stay')
})

t.test('a damaged local copy is exit 3: only the signed manifest vouches for it', async t => {
  const w = await spokeWorld(t)
  await keep(w)
  execFileSync('sh', ['-c', 'zstd -q -c "$1" > "$2"', 'sh', join(w.dir, 'work', `wiki-${INCR}.tar`), join(w.paths.generations, FULL, 'data.tar.zst')])
  const reader = await SpokeLocalReader.open(w.config, w.paths)
  const to = join(w.dir, 'restored')
  await t.rejects(restoreGeneration({ reader, service: 'wiki', to, log }), { code: 'HASH_MISMATCH', exitCode: 3, message: /signed manifest/ })
  t.same(await fs.readdir(to), [])
})
