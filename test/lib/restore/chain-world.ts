/**
 * Test plumbing for chain restores: a store folder holding full → diff → incr → incr → incr
 * of a service tree that changes between them (files changed, added, deleted, renamed; a
 * folder renamed with unchanged files inside; a folder deleted; a file that becomes a folder),
 * with a copy of the source as it was at each generation.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { makeServiceTree, mutateTree } from '../../helpers/fixtures.js'
import { makeKey } from '../stores/make-store.js'
import { ChainMaker } from '../stores/make-chain.js'

export const FULL = '20261115T030000Z-full'
export const DIFF = '20261116T030000Z-diff'
export const INCR1 = '20261117T030000Z-incr'
export const INCR2 = '20261118T030000Z-incr'
export const INCR3 = '20261119T030000Z-incr'
export const CHAIN = [FULL, DIFF, INCR1, INCR2, INCR3]

export async function chainWorld(t: { testdir(): string }) {
  const dir = t.testdir()
  const src = join(dir, 'src', 'wiki')
  await makeServiceTree(src, { seed: 'wiki', largeBytes: 128 * 1024 })
  const idx = await makeKey(dir, 'index')
  const spoke = await makeKey(dir, 'spoke')
  const store = join(dir, 'store')
  const work = join(dir, 'work')
  await fs.mkdir(work)
  const m = new ChainMaker(store, work, 'wiki', src, spoke)
  await fs.mkdir(join(src, 'docs'))
  for (const n of ['guide.txt', 'faq.txt']) await fs.writeFile(join(src, 'docs', n), `${n}\n`)
  await fs.utimes(join(src, 'docs'), new Date('2026-02-03T04:05:06Z'), new Date('2026-02-03T04:05:06Z'))
  await m.add(FULL)
  await mutateTree(src, 'day1') // changed, added, deleted
  await m.add(DIFF)
  await fs.rename(join(src, 'data', 'deep'), join(src, 'data', 'deeper')) // a folder renamed, its files unchanged
  await fs.rename(join(src, 'sessions', 'sess_001'), join(src, 'sessions', 'moved_001'))
  await fs.rm(join(src, 'data', 'empty-folder'), { recursive: true })
  await fs.rename(join(src, 'docs'), join(src, 'documents')) // files directly inside stay unchanged (N)
  await m.add(INCR1)
  await fs.writeFile(join(src, 'config', 'app.ini'), '[app]\nrewritten\n')
  await fs.rm(join(src, 'bin', 'run.sh'))
  await fs.mkdir(join(src, 'bin', 'run.sh')) // a file became a folder
  await fs.writeFile(join(src, 'bin', 'run.sh', 'inside'), 'now a folder\n')
  await fs.rm(join(src, 'data', 'new-day1.txt'))
  await m.add(INCR2)
  await fs.rename(join(src, 'data', 'deeper', 'a'), join(src, 'data', 'deeper', 'z')) // a nested folder renamed
  await fs.writeFile(join(src, 'data', 'deeper', 'z', 'added.txt'), 'added in a renamed folder\n')
  await fs.utimes(join(src, 'data', 'deeper', 'z', 'added.txt'), new Date('2026-03-04T05:06:07.123Z'), new Date('2026-03-04T05:06:07.123Z'))
  await m.add(INCR3)
  await m.publish(idx)
  return { dir, src, store, idx, spoke, maker: m, copies: m.copies }
}
