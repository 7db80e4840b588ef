import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { above, archivePaths, countTree, pruneTo, within } from '../../../lib/restore/paths.js'

t.test('archivePaths: absolute paths become archive names; bad ones are usage errors', async t => {
  t.same(archivePaths(['/srv/wiki/pages', '/srv/wiki/pages/', '//srv//wiki/a.txt']), ['srv/wiki/pages', 'srv/wiki/a.txt'], 'slashes folded, duplicates dropped')
  for (const bad of ['', 'srv/wiki', '/srv/../etc', '/srv/./wiki', '/', '/a\0b']) t.throws(() => archivePaths([bad]), { code: 'USAGE' }, `refuses '${bad}'`)
})

t.test('within and above tell requested paths, what they hold and the way to them apart', async t => {
  const names = ['srv/wiki/pages', 'etc/hosts']
  t.ok(within('srv/wiki/pages', names) && within('srv/wiki/pages/a', names))
  t.notOk(within('srv/wiki/pagesX', names), 'a sibling with the same prefix is not inside')
  t.ok(above('srv', names) && above('srv/wiki', names) && above('etc', names))
  t.notOk(above('srv/wiki/pages', names) || above('srv/wik', names))
})

t.test('pruneTo keeps only the requested paths (through read-only folders); countTree counts', async t => {
  const root = t.testdir({ srv: { wiki: { pages: { a: 'a', b: 'b' }, other: 'o', media: { m: 'm' } }, elsewhere: 'e' }, etc: { hosts: 'h', passwd: 'p' } })
  await fs.chmod(join(root, 'srv', 'wiki'), 0o555)
  await pruneTo(root, ['srv/wiki/pages', 'etc/hosts'])
  t.same((await fs.readdir(join(root, 'srv', 'wiki'))).sort(), ['pages'])
  t.same((await fs.readdir(join(root, 'srv', 'wiki', 'pages'))).sort(), ['a', 'b'])
  t.same(await fs.readdir(join(root, 'srv')), ['wiki'])
  t.same(await fs.readdir(join(root, 'etc')), ['hosts'])
  t.equal((await fs.stat(join(root, 'srv', 'wiki'))).mode & 0o777, 0o555, 'a read-only folder is closed again')
  t.same(await countTree(root, new Set(['srv', 'etc'])), { entries: 5, files: 3 }, 'skips the parent folders it is told to')
})
