import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { moveInto, parentFolders } from '../../../lib/restore/move-into.js'

t.test('parent folders of the sources', async t => {
  t.same([...parentFolders(['/srv/wiki', '/var/lib/app', '/etc'])].sort(), ['srv', 'var', 'var/lib'])
})

t.test('moves entries by rename, keeps hardlinks, merges folders only when one is there', async t => {
  const dir = t.testdir({ from: { srv: { wiki: { a: 'a', 'read-only': { f: 'f' } } } }, to: { srv: { other: { keep: 'k' } }, unrelated: 'u' } })
  const from = join(dir, 'from')
  const to = join(dir, 'to')
  await fs.link(join(from, 'srv', 'wiki', 'a'), join(from, 'srv', 'wiki', 'b'))
  await fs.chmod(join(from, 'srv', 'wiki', 'read-only'), 0o555)
  await fs.chmod(join(to, 'srv'), 0o751)
  const mtime = new Date('2026-01-02T03:04:05.678Z')
  await fs.utimes(join(from, 'srv', 'wiki'), mtime, mtime)
  await moveInto(from, to, parentFolders(['/srv/wiki']))
  t.same(await fs.readdir(from), [], 'staging emptied')
  t.same((await fs.readdir(join(to, 'srv'))).sort(), ['other', 'wiki'])
  t.equal(await fs.readFile(join(to, 'srv', 'other', 'keep'), 'utf8'), 'k', 'what was there stays')
  const [a, b] = await Promise.all([fs.stat(join(to, 'srv', 'wiki', 'a')), fs.stat(join(to, 'srv', 'wiki', 'b'))])
  t.equal(a.ino, b.ino, 'hardlinks survive')
  t.equal((await fs.stat(join(to, 'srv'))).mode & 0o777, 0o751, 'a parent-only folder keeps its mode')
  t.equal((await fs.stat(join(to, 'srv', 'wiki'))).mtime.getTime(), mtime.getTime(), 'a moved folder keeps its mtime')
  t.equal((await fs.stat(join(to, 'srv', 'wiki', 'read-only'))).mode & 0o777, 0o555)
})
