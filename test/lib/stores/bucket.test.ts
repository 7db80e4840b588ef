/**
 * The bucket reader over a local rclone remote (a signed store made here, no hub): it trusts
 * only what the index key signed, and never hands restore a file that does not match.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { BucketReader } from '../../../lib/stores/bucket.js'
import { makeServiceTree } from '../../helpers/fixtures.js'
import { makeGeneration, makeKey, publishStore } from './make-store.js'

const G1 = '20261121T030000Z-full'

t.test('reads through rclone, verifies every file, refuses damage and forgery', async t => {
  const dir = t.testdir({ 'rclone.conf': '[loc]\ntype = local\n' })
  const rclone = { config: join(dir, 'rclone.conf') }
  const src = join(dir, 'src')
  await makeServiceTree(src, { largeBytes: 4096 })
  const idx = await makeKey(dir, 'idx')
  const spoke = await makeKey(dir, 'spoke')
  const store = join(dir, 'store') // the local remote's folder is the bucket
  const g = await makeGeneration(store, dir, 'wiki', G1, src, spoke)
  await publishStore(store, [g.record], { wiki: spoke.public.line }, 1, idx)
  const remote = `loc:${store}`

  const reader = await BucketReader.open(remote, rclone, idx.public)
  t.teardown(() => reader.close())
  t.equal(reader.source, `rclone:${remote}`)
  t.same(await reader.listGenerations('wiki'), [G1])
  const f = await reader.fetch('wiki', G1)
  t.same(f.expected, g.record.files, 'the files come with their indexed hashes')
  for (const name of Object.keys(g.record.files)) t.ok((await fs.readFile(join(f.dir, name))).equals(await fs.readFile(join(store, 'wiki', G1, name))), `${name} arrives whole`)
  await f.cleanup()
  await t.rejects(reader.fetch('wiki', '20261122T030000Z-full'), { code: 'GENERATION_NOT_FOUND' })
  await t.rejects(reader.listGenerations('forum'), { code: 'SERVICE_UNKNOWN' })

  // one flipped byte in the bucket: refused, named, and nothing left behind
  const archive = Object.keys(g.record.files).find(n => n !== 'manifest.json')!
  const file = join(store, 'wiki', G1, archive)
  await fs.chmod(file, 0o644)
  const bytes = await fs.readFile(file)
  bytes[10] = bytes[10]! ^ 0xff
  await fs.writeFile(file, bytes)
  await t.rejects(reader.fetch('wiki', G1), { code: 'HASH_MISMATCH', message: new RegExp(`${G1}/${archive.replace(/\./g, '\\.')}`) })
  const work = (reader as unknown as { work: string }).work // the reader's own temp folder
  t.same((await fs.readdir(work)).filter(n => n.startsWith('wiki-')), [], 'the bad copy is removed')
  const only = await reader.fetchManifest('wiki', G1)
  t.same(await fs.readdir(only.dir), ['manifest.json'], 'a manifest alone still comes (it is whole)')
  await only.cleanup()

  // a forged index, and a bucket with none
  const tree = join(store, 'TREE.json')
  await fs.writeFile(tree, (await fs.readFile(tree, 'utf8')).replace('"serial":1', '"serial":9'))
  await t.rejects(BucketReader.open(remote, rclone, idx.public), { code: 'INDEX_BAD_SIGNATURE' })
  await t.rejects(BucketReader.open(`loc:${join(dir, 'empty')}`, rclone, idx.public), { code: 'INDEX_MISSING' })
})
