import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { dropBasis, renewBasis } from '../../../hub/ingest/basis.js'
import type { HubPaths } from '../../../lib/config/hub.js'

function hubAt(root: string): HubPaths {
  return { config: join(root, 'hub.yaml'), root, hostKey: '', indexKey: '', accounts: join(root, 'accounts'), store: join(root, 'store'), rejected: join(root, 'rejected'), staging: join(root, 'staging'), state: join(root, 'state') }
}

async function setup(t: Test): Promise<{ paths: HubPaths; incoming: string; upload(text: string): Promise<string> }> {
  const paths = hubAt(t.testdir())
  const incoming = join(paths.accounts, 'wiki', 'incoming')
  await fs.mkdir(incoming, { recursive: true })
  let n = 0
  return {
    paths,
    incoming,
    // an accepted arrival's data.tar, as ingest leaves it in ingesting/<gen>/ (any bytes do here)
    async upload(text) {
      const dir = join(paths.accounts, 'wiki', 'ingesting', `2026112${++n}T030000Z-full`)
      await fs.mkdir(dir, { recursive: true })
      await fs.writeFile(join(dir, 'data.tar'), text)
      return join(dir, 'data.tar')
    },
  }
}

const read = (p: string): Promise<string> => fs.readFile(p, 'utf8')

t.test('a full becomes the basis of both the next full and the next incr, hard linked', async t => {
  const { paths, incoming, upload } = await setup(t)
  t.equal(await renewBasis(paths, 'wiki', 'full', await upload('F1')), true)
  t.equal(await read(join(incoming, '.basis', 'last', 'data.tar')), 'F1')
  t.equal(await read(join(incoming, '.basis', 'full', 'data.tar')), 'F1')
  const [a, b] = await Promise.all([fs.stat(join(incoming, '.basis', 'last', 'data.tar')), fs.stat(join(incoming, '.basis', 'full', 'data.tar'))])
  t.equal(a.ino, b.ino, 'one copy on disk')
})

t.test('an incr replaces the last basis and keeps the last full', async t => {
  const { paths, incoming, upload } = await setup(t)
  await renewBasis(paths, 'wiki', 'full', await upload('F1'))
  await renewBasis(paths, 'wiki', 'incr', await upload('I1'))
  await renewBasis(paths, 'wiki', 'diff', await upload('D1'))
  t.equal(await read(join(incoming, '.basis', 'last', 'data.tar')), 'D1')
  t.equal(await read(join(incoming, '.basis', 'full', 'data.tar')), 'F1')
  await renewBasis(paths, 'wiki', 'full', await upload('F2'))
  t.equal(await read(join(incoming, '.basis', 'full', 'data.tar')), 'F2', 'a new full replaces both')
  t.same((await fs.readdir(join(paths.accounts, 'wiki', 'ingesting'))).filter(n => n.startsWith('.')), [], 'no work folders left behind')
})

t.test("the old layout's .basis/data.tar is removed", async t => {
  const { paths, incoming, upload } = await setup(t)
  await fs.mkdir(join(incoming, '.basis'))
  await fs.writeFile(join(incoming, '.basis', 'data.tar'), 'OLD')
  await renewBasis(paths, 'wiki', 'incr', await upload('I1'))
  t.same((await fs.readdir(join(incoming, '.basis'))).sort(), ['full', 'last'])
  t.same(await fs.readdir(join(incoming, '.basis', 'full')), [], 'an incr without a known full leaves the full basis empty')
})

t.test('a spoke that made .basis or .basis/full a symlink moves nothing of anyone else', async t => {
  const { paths, incoming, upload } = await setup(t)
  const victim = join(paths.accounts, 'blog', 'incoming', '.basis')
  await fs.mkdir(join(victim, 'full'), { recursive: true })
  await fs.writeFile(join(victim, 'full', 'data.tar'), 'VICTIM')
  await fs.symlink(victim, join(incoming, '.basis'))
  await renewBasis(paths, 'wiki', 'incr', await upload('I1'))
  t.equal(await read(join(victim, 'full', 'data.tar')), 'VICTIM', "the other service's basis is where it was")
  t.ok((await fs.lstat(join(incoming, '.basis'))).isDirectory(), '.basis is a real folder again')
  t.same(await fs.readdir(join(incoming, '.basis', 'full')), [], 'nothing was carried over through the link')

  await fs.rm(join(incoming, '.basis', 'full'), { recursive: true })
  await fs.symlink(join(victim, 'full'), join(incoming, '.basis', 'full'))
  await renewBasis(paths, 'wiki', 'incr', await upload('I2'))
  t.equal(await read(join(victim, 'full', 'data.tar')), 'VICTIM', 'a symlinked .basis/full is not followed either')
  t.equal(await read(join(incoming, '.basis', 'last', 'data.tar')), 'I2')
  t.ok((await fs.lstat(join(incoming, '.basis', 'full'))).isDirectory())
})

t.test('a file where .basis belongs is replaced by the folder', async t => {
  const { paths, incoming, upload } = await setup(t)
  await fs.writeFile(join(incoming, '.basis'), 'not a folder')
  await renewBasis(paths, 'wiki', 'full', await upload('F1'))
  t.equal(await read(join(incoming, '.basis', 'full', 'data.tar')), 'F1')
})

t.test('dropBasis removes the whole .basis (an encrypted service keeps none), and again is a no-op', async t => {
  const { paths, incoming, upload } = await setup(t)
  await renewBasis(paths, 'wiki', 'full', await upload('F1'))
  await renewBasis(paths, 'wiki', 'incr', await upload('I1'))
  await dropBasis(paths, 'wiki')
  t.same(await fs.readdir(incoming), [], '.basis is gone')
  t.same((await fs.readdir(join(paths.accounts, 'wiki', 'ingesting'))).filter(n => n.startsWith('.')), [], 'no work folders left behind')
  await dropBasis(paths, 'wiki')
  t.same(await fs.readdir(incoming), [])
})

t.test("dropBasis on a .basis symlinked to another service's removes the link, not the target", async t => {
  const { paths, incoming } = await setup(t)
  const victim = join(paths.accounts, 'blog', 'incoming', '.basis')
  await fs.mkdir(join(victim, 'full'), { recursive: true })
  await fs.writeFile(join(victim, 'full', 'data.tar'), 'VICTIM')
  await fs.symlink(victim, join(incoming, '.basis'))
  await dropBasis(paths, 'wiki')
  t.same(await fs.readdir(incoming), [], 'the link is gone')
  t.equal(await read(join(victim, 'full', 'data.tar')), 'VICTIM', "the other service's basis is where it was")
})
