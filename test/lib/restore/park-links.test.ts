import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { parkLinks, unparkLinks } from '../../../lib/restore/park-links.js'

const mtime = async (p: string): Promise<bigint> => (await fs.lstat(p, { bigint: true })).mtimeNs

t.test('symlinks are placeholders while parked, and come back as they were, also from a renamed folder', async t => {
  const dir = t.testdir({ root: { a: { b: {} }, c: {}, 'other.txt': 'x' }, outside: {} })
  const root = join(dir, 'root')
  const outside = join(dir, 'outside')
  await fs.symlink(outside, join(root, 'a', 'b', 'esc'))
  await fs.symlink('../c', join(root, 'a', 'rel'))
  await fs.symlink('gone-later', join(root, 'c', 'gone'))
  const inoEsc = (await fs.lstat(join(root, 'a', 'b', 'esc'))).ino
  await fs.utimes(join(root, 'a'), new Date('2026-01-02T03:04:05.123Z'), new Date('2026-01-02T03:04:05.123Z'))
  const aBefore = await mtime(join(root, 'a'))

  const p = await parkLinks(root, root + '.links')
  t.ok(p, 'there was something to park')
  t.ok((await fs.lstat(join(root, 'a', 'b', 'esc'))).isFile(), 'a placeholder file stands in for the link')
  await t.rejects(fs.writeFile(join(root, 'a', 'b', 'esc', 'x'), 'escaped'), { code: 'ENOTDIR' }, 'nothing is written through it')
  t.same(await fs.readdir(outside), [])

  // what a later link's tar might do meanwhile: rename a folder, delete a link, set a folder's mtime
  await fs.rename(join(root, 'a', 'b'), join(root, 'a', 'renamed'))
  await fs.rm(join(root, 'c', 'gone'))
  await fs.utimes(join(root, 'a'), new Date('2026-01-02T03:04:05.123Z'), new Date('2026-01-02T03:04:05.123Z'))
  await unparkLinks(root, p!)

  t.equal(await fs.readlink(join(root, 'a', 'renamed', 'esc')), outside, 'found in its renamed folder by inode')
  t.equal((await fs.lstat(join(root, 'a', 'renamed', 'esc'))).ino, inoEsc, 'the same symlink, not a new one')
  t.equal(await fs.readlink(join(root, 'a', 'rel')), '../c')
  t.same(await fs.readdir(join(root, 'c')), [], 'a link whose placeholder was removed stays gone')
  t.equal(await mtime(join(root, 'a')), aBefore, "a folder keeps the mtime it had (to the nanosecond)")
  await t.rejects(fs.lstat(root + '.links'), { code: 'ENOENT' }, 'the parking folder is removed')
})

t.test('nothing to park: no parking folder', async t => {
  const root = join(t.testdir({ root: { a: { 'f.txt': 'x' } } }), 'root')
  t.equal(await parkLinks(root, root + '.links'), undefined)
  await t.rejects(fs.lstat(root + '.links'), { code: 'ENOENT' })
})
