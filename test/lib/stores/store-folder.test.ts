import t from 'tap'
import { join } from 'node:path'
import { StoreFolderReader } from '../../../lib/stores/store-folder.js'
import { makeServiceTree } from '../../helpers/fixtures.js'
import { makeGeneration, makeKey, publishStore } from './make-store.js'

const G1 = '20261121T030000Z-full'

t.test('lists, keys and fetches what the signed index says, and nothing else', async t => {
  const dir = t.testdir()
  const src = join(dir, 'src')
  await makeServiceTree(src, { largeBytes: 4096 })
  const idx = await makeKey(dir, 'idx')
  const spoke = await makeKey(dir, 'spoke')
  const store = join(dir, 'store')
  const g = await makeGeneration(store, dir, 'wiki', G1, src, spoke)
  // a folder on disk that the index does not list is not offered
  await makeGeneration(store, dir, 'wiki', '20261122T030000Z-full', src, spoke)
  await publishStore(store, [g.record], { wiki: spoke.public.line }, 1, idx)
  const reader = await StoreFolderReader.open(store, idx.public)
  t.same(await reader.listGenerations('wiki'), [G1])
  t.equal((await reader.manifestKey('wiki')).fingerprint, spoke.public.fingerprint)
  const f = await reader.fetch('wiki', G1)
  t.equal(f.dir, join(store, 'wiki', G1))
  t.same(f.expected, g.record.files, 'the stored files come with their indexed hashes')
  await t.rejects(reader.fetch('wiki', '20261122T030000Z-full'), { code: 'GENERATION_NOT_FOUND' })
  await t.rejects(reader.listGenerations('forum'), { code: 'SERVICE_UNKNOWN' })
  await t.rejects(reader.listGenerations('../x'), { code: 'NAME_INVALID' })
  await t.rejects(StoreFolderReader.open(join(dir, 'missing'), idx.public), { code: 'USAGE' })
})
