import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../../lib/log.js'
import { buildTree, signTree } from '../../lib/formats/tree.js'
import { readPublishedTree } from '../../lib/stores/published-tree.js'
import { commitPending, pendingDir, publishTree } from '../../mirror/publish.js'
import { makeKey } from '../lib/stores/make-store.js'

const log = silentLogger()
const tree = (serial: number) => buildTree([], { wiki: 'ssh-ed25519 AAAAwiki' }, serial - 1, new Date('2026-11-22T04:00:00Z'))

t.test('publishes a pair that verifies, and never goes back', async t => {
  const dir = t.testdir({ store: {}, staging: {} })
  const idx = await makeKey(dir, 'idx')
  const store = join(dir, 'store')
  const staging = join(dir, 'staging')
  await publishTree(staging, store, signTree(tree(3), idx), idx.public, log)
  t.equal((await readPublishedTree(store, idx.public))?.tree.serial, 3)
  await fs.mkdir(pendingDir(staging))
  const old = signTree(tree(2), idx)
  await fs.writeFile(join(pendingDir(staging), 'TREE.json'), old.bytes)
  await fs.writeFile(join(pendingDir(staging), 'TREE.json.sig'), old.signature)
  t.equal(await commitPending(staging, store, idx.public, log), undefined, 'an older pending pair is discarded')
  t.equal((await readPublishedTree(store, idx.public))?.tree.serial, 3)
})

t.test('a publish cut between its two renames is rolled forward', async t => {
  const dir = t.testdir({ store: {}, staging: {} })
  const idx = await makeKey(dir, 'idx')
  const store = join(dir, 'store')
  const staging = join(dir, 'staging')
  await publishTree(staging, store, signTree(tree(3), idx), idx.public, log)
  const next = signTree(tree(4), idx)
  await fs.mkdir(pendingDir(staging))
  await fs.writeFile(join(pendingDir(staging), 'TREE.json'), next.bytes)
  await fs.writeFile(join(store, 'TREE.json.sig'), next.signature) // the first rename happened, then the kill
  await t.rejects(readPublishedTree(store, idx.public, { attempts: 2, delayMs: 10 }), { code: 'INDEX_BAD_SIGNATURE' }, 'a mismatched pair never verifies')
  t.equal(await commitPending(staging, store, idx.public, log), 4)
  t.equal((await readPublishedTree(store, idx.public))?.tree.serial, 4)
  t.rejects(fs.stat(pendingDir(staging)), 'pending pair gone')
})
