import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { publishIndex, publishedSerial, indexKeys } from '../../../hub/index/publish.js'
import { writeRecord } from '../../../hub/books.js'
import { openTree, type GenerationRecord, type Tree } from '../../../lib/formats/tree.js'
import { silentLogger } from '../../../lib/log.js'
import { isRoostError } from '../../../lib/errors.js'
import { keygen, makeHub, type TestHub } from '../ingest/kit.js'

const NOW = new Date('2026-11-22T04:00:00.000Z')
const dir = t.testdir()
const wiki = await keygen(join(dir, 'keys'), 'wiki')
const blog = await keygen(join(dir, 'keys'), 'blog')

function record(service: string, generation: string, sha = 'aa'): GenerationRecord {
  return {
    service,
    generation,
    kind: 'full',
    accepted: '2026-11-22T03:00:05.000Z',
    files: { 'manifest.json': { bytes: 900, sha256: sha.repeat(32) }, 'data.tar.zst': { bytes: 5000, sha256: 'cd'.repeat(32) } },
  }
}

async function store(hub: TestHub, r: GenerationRecord): Promise<void> {
  await writeRecord(hub.paths, r)
  await fs.mkdir(join(hub.paths.store, r.service, r.generation), { recursive: true })
}

async function readTree(hub: TestHub): Promise<Tree> {
  const [bytes, signature] = await Promise.all([fs.readFile(join(hub.paths.store, 'TREE.json')), fs.readFile(join(hub.paths.store, 'TREE.json.sig'), 'utf8')])
  return openTree({ bytes, signature }, hub.indexKey.key.public)
}

const publish = (hub: TestHub, now = NOW) => publishIndex({ paths: hub.paths, config: hub.config, indexKey: hub.indexKey.key, now, log: silentLogger() })

t.test('publishes a signed index of the books, with a serial that grows', async t => {
  const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line }, blog: { key: blog.line } })
  t.equal(await publishedSerial(hub.paths), 0, 'no index yet: serial 0')
  t.same(await publish(hub), { serial: 1 })
  let tree = await readTree(hub)
  t.equal(tree.serial, 1)
  t.equal(tree.published, NOW.toISOString())
  t.same(Object.keys(tree.services).sort(), ['blog', 'wiki'], 'every configured service, even without generations')
  t.equal(tree.services.wiki?.key, wiki.key.public.line, 'the key line without its comment')
  t.equal((await fs.stat(join(hub.paths.store, 'TREE.json'))).mode & 0o777, 0o644)
  t.equal((await fs.stat(join(hub.paths.store, 'TREE.json.sig'))).mode & 0o777, 0o644)

  await store(hub, record('wiki', '20261122T030000Z-full'))
  await store(hub, record('wiki', '20261123T030000Z-full', 'bb'))
  t.same(await publish(hub), { serial: 2 })
  tree = await readTree(hub)
  t.same(Object.keys(tree.services.wiki!.generations).sort(), ['20261122T030000Z-full', '20261123T030000Z-full'])
  t.same(tree.services.wiki!.generations['20261123T030000Z-full']!.files['manifest.json'], { bytes: 900, sha256: 'bb'.repeat(32) })
  t.same(tree.services.blog!.generations, {})
})

t.test('leaves out a record whose generation never reached the store, and services not in hub.yaml', async t => {
  const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line } })
  await store(hub, record('wiki', '20261122T030000Z-full'))
  await writeRecord(hub.paths, record('wiki', '20261123T030000Z-full')) // crash before the store rename
  await store(hub, record('gone', '20261122T030000Z-full'))
  await publish(hub)
  const tree = await readTree(hub)
  t.same(Object.keys(tree.services), ['wiki'])
  t.same(Object.keys(tree.services.wiki!.generations), ['20261122T030000Z-full'])
})

t.test('concurrent publishes never share a serial', async t => {
  const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line } })
  const serials = (await Promise.all([publish(hub), publish(hub), publish(hub)])).map(r => r.serial)
  t.same([...serials].sort(), [1, 2, 3])
  t.equal((await readTree(hub)).serial, 3)
})

t.test('refuses to publish over a damaged TREE.json (the serial would go back)', async t => {
  const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line } })
  await fs.writeFile(join(hub.paths.store, 'TREE.json'), '{"format":"garbage"}')
  const err = await publish(hub).catch(e => e)
  t.ok(isRoostError(err, 'INDEX_INVALID'), 'INDEX_INVALID')
  t.match(err.message, /TREE\.json/)
  t.equal(await fs.readFile(join(hub.paths.store, 'TREE.json'), 'utf8'), '{"format":"garbage"}', 'left as it was')
})

t.test('index keys drop comments and keep an unparsable line as written', async t => {
  t.same(indexKeys({ services: { wiki: { key: `${wiki.key.public.line} someone@host`, every: 1 } } } as never), { wiki: wiki.key.public.line })
  t.same(indexKeys({ services: { odd: { key: 'ssh-ed25519 AAAAbroken comment', every: 1 } } } as never), { odd: 'ssh-ed25519 AAAAbroken' })
})
