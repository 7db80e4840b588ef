import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { buildTree, signTree } from '../../../lib/formats/tree.js'
import { readPublishedTree } from '../../../lib/stores/published-tree.js'
import { makeKey } from './make-store.js'

const tree = (serial: number) => buildTree([], {}, serial - 1, new Date('2026-11-22T04:00:00Z'))

t.test('a reader that meets the instant between the renames retries and gets the new pair', async t => {
  const dir = t.testdir({ store: {} })
  const idx = await makeKey(dir, 'idx')
  const store = join(dir, 'store')
  const a = signTree(tree(1), idx)
  const b = signTree(tree(2), idx)
  await fs.writeFile(join(store, 'TREE.json'), a.bytes)
  await fs.writeFile(join(store, 'TREE.json.sig'), b.signature)
  setTimeout(() => void fs.writeFile(join(store, 'TREE.json'), b.bytes), 50)
  t.equal((await readPublishedTree(store, idx.public, { attempts: 10, delayMs: 30 }))?.tree.serial, 2)
})

t.test('nothing published, a missing signature, a forged tree', async t => {
  const dir = t.testdir({ store: {} })
  const idx = await makeKey(dir, 'idx')
  const store = join(dir, 'store')
  t.equal(await readPublishedTree(store, idx.public), undefined, 'no TREE.json: nothing published')
  const a = signTree(tree(1), idx)
  await fs.writeFile(join(store, 'TREE.json'), a.bytes)
  await t.rejects(readPublishedTree(store, idx.public, { attempts: 2, delayMs: 5 }), { code: 'INDEX_BAD_SIGNATURE' }, 'a TREE.json without its signature')
  await fs.writeFile(join(store, 'TREE.json.sig'), a.signature)
  t.equal((await readPublishedTree(store, idx.public))?.tree.serial, 1)
  await fs.writeFile(join(store, 'TREE.json'), a.bytes.toString().replace('"serial":1', '"serial":5'))
  await t.rejects(readPublishedTree(store, idx.public, { attempts: 2, delayMs: 5 }), { code: 'INDEX_BAD_SIGNATURE', exitCode: 3 })
})
