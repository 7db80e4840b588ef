/**
 * The whole cycle, as the quick start runs it: a hub, two spokes with different data, a
 * mirror, a restore from the hub and one from the mirror's store. The demo checks itself;
 * this test checks its results again independently, so a demo that lied would fail here.
 */
import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execa } from 'execa'
import { REPO } from '../helpers/roost.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { openTree } from '../../lib/formats/tree.js'
import { readPublicKeyArg } from '../../lib/sign.js'

t.test('hub, two spokes, a mirror, and bit-exact restores from the hub and from the mirror', async t => {
  const dir = join(t.testdir(), 'demo')
  const r = await execa(process.execPath, [join(REPO, 'dist', 'scripts', 'demo.js'), '--dir', dir], { reject: false, timeout: 240_000 })
  t.equal(r.exitCode, 0, 'the demo exits 0', { output: r.exitCode === 0 ? '' : `${r.stdout}\n${r.stderr}`.slice(-4000) })
  t.match(r.stdout, /the wiki restored from the hub is bit-exact/)
  t.match(r.stdout, /the forum restored from the mirror's store is bit-exact/)

  for (const [svc, restored] of [['wiki', 'restore-from-hub'], ['forum', 'restore-from-mirror']] as const) {
    const source = join(dir, 'data', svc)
    t.same(await compareTrees(source, join(dir, restored, source)), [], `${svc}: the restore matches its source`)
  }
  const forumOnly = join(dir, 'restore-from-mirror', dir, 'data', 'forum', 'config', 'forum-only.txt')
  t.equal(await fs.readFile(forumOnly, 'utf8'), 'only the forum has this\n', 'the two services kept their different data')

  const indexKey = await readPublicKeyArg(join(dir, 'hub', 'keys', 'index_ed25519.pub'))
  const read = async (store: string) => openTree({ bytes: await fs.readFile(join(store, 'TREE.json')), signature: await fs.readFile(join(store, 'TREE.json.sig'), 'utf8') }, indexKey)
  const hubTree = await read(join(dir, 'hub', 'store'))
  const mirrorTree = await read(join(dir, 'mirror', 'store'))
  t.same(Object.keys(hubTree.services).sort(), ['forum', 'wiki'], "the hub's index lists both services")
  t.same(mirrorTree, hubTree, "the mirror published exactly the hub's signed index")
})
