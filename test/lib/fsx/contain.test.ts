import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { isWithin, containedRealpath } from '../../../lib/fsx/contain.js'

t.test('a sibling whose name starts like the root is not inside it', async t => {
  t.ok(isWithin('/hub/accounts/wiki', '/hub/accounts/wiki'))
  t.ok(isWithin('/hub/accounts/wiki', '/hub/accounts/wiki/incoming/x'))
  t.notOk(isWithin('/hub/accounts/wiki', '/hub/accounts/wiki-evil/incoming'))
  t.notOk(isWithin('/hub/accounts/wiki', '/hub/accounts'))
})

t.test('symlinks are resolved before the check', async t => {
  const dir = t.testdir({ root: { inside: { f: 'x' } }, outside: { secret: 'y' } })
  await fs.symlink(join(dir, 'outside'), join(dir, 'root', 'escape'))
  await fs.symlink('inside', join(dir, 'root', 'fine'))
  t.equal(await containedRealpath(join(dir, 'root'), 'fine/f'), join(dir, 'root', 'inside', 'f'))
  await t.rejects(containedRealpath(join(dir, 'root'), 'escape/secret'), { code: 'PATH_OUTSIDE_ROOT' })
  await t.rejects(containedRealpath(join(dir, 'root'), '../outside/secret'), { code: 'PATH_OUTSIDE_ROOT' })
})
