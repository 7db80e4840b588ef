import t from 'tap'
import { createReadStream, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { startIngest, arrivalOf, ignoredPath, ingestQueue, scanArrivals, type ArrivalRef } from '../../../hub/ingest/watch.js'
import { openTree, type Tree } from '../../../lib/formats/tree.js'
import { parseServiceStatus } from '../../../lib/formats/status.js'
import { hashFile, HashSink } from '../../../lib/fsx/hash.js'
import { startChild } from '../../../lib/proc/pipe.js'
import { decompressArgs } from '../../../lib/zstd.js'
import { silentLogger } from '../../../lib/log.js'
import { keygen, makeHub, makeTar, manifestFor, placeArrival, signedManifest, until, gone, type TestHub, type TestKey } from './kit.js'

const GEN1 = '20261122T030000Z-full'
const GEN2 = '20261123T030000Z-full'

async function readTree(hub: TestHub): Promise<Tree> {
  const [bytes, signature] = await Promise.all([fs.readFile(join(hub.paths.store, 'TREE.json')), fs.readFile(join(hub.paths.store, 'TREE.json.sig'), 'utf8')])
  return openTree({ bytes, signature }, hub.indexKey.key.public)
}

async function zstdContentSha(path: string): Promise<string> {
  const sink = new HashSink()
  const z = startChild(decompressArgs(), { stdout: sink })
  await pipeline(createReadStream(path), z.stdin!)
  await z.done
  return sink.digest().sha256
}

async function mode(path: string): Promise<number> {
  return (await fs.lstat(path)).mode & 0o7777
}

function start(hub: TestHub, rescanMs = 0) {
  return startIngest({ paths: hub.paths, getConfig: () => hub.config, indexKey: hub.indexKey.key, log: silentLogger(), now: () => new Date(), rescanMs })
}

async function settle(hub: TestHub, ingest: { idle(): Promise<void> }, svc: string, gen: string): Promise<void> {
  const left = async (): Promise<boolean> => (await gone(join(hub.paths.accounts, svc, 'incoming', gen))) && (await gone(join(hub.paths.accounts, svc, 'ingesting', gen)))
  await until(left, 20_000, `${svc}/${gen} to leave incoming and ingesting`)
  await ingest.idle()
}

t.test('pure path rules: which paths are arrivals and which the watcher ignores', async t => {
  const acc = '/hub/accounts'
  t.same(arrivalOf(acc, `${acc}/wiki/incoming/${GEN1}/manifest.json`), { service: 'wiki', folder: GEN1 })
  t.equal(arrivalOf(acc, `${acc}/wiki/incoming/${GEN1}/data.tar`), undefined)
  t.equal(arrivalOf(acc, `${acc}/wiki/incoming/not-a-gen/manifest.json`), undefined)
  t.equal(arrivalOf(acc, `${acc}/Wiki/incoming/${GEN1}/manifest.json`), undefined)
  t.equal(arrivalOf(acc, `${acc}/wiki/incoming/${GEN1}/sub/manifest.json`), undefined)
  t.equal(ignoredPath(acc, acc), false)
  t.equal(ignoredPath(acc, `${acc}/wiki/incoming/${GEN1}`), false)
  t.equal(ignoredPath(acc, `${acc}/wiki/incoming/${GEN1}/manifest.json`), false)
  t.equal(ignoredPath(acc, `${acc}/wiki/incoming/${GEN1}/.manifest.json.AbC123`), true)
  t.equal(ignoredPath(acc, `${acc}/wiki/incoming/${GEN1}/.rsync-partial`), true)
  t.equal(ignoredPath(acc, `${acc}/wiki/incoming/.basis`), true)
  t.equal(ignoredPath(acc, `${acc}/wiki/incoming/${GEN1}/data.tar`), true)
  t.equal(ignoredPath(acc, `${acc}/wiki/other`), true)
})

t.test('the ingest queue: up to `parallel` at once, never two of one service, each service in order', async t => {
  const log: string[] = []
  let running = 0
  let most = 0
  const releases = new Map<string, () => void>()
  const q = ingestQueue(a => {
    running++
    most = Math.max(most, running)
    log.push(`start ${a.service}/${a.folder}`)
    return new Promise<void>(res => releases.set(`${a.service}/${a.folder}`, () => { running--; log.push(`end ${a.service}/${a.folder}`); res() }))
  }, () => 2)
  const push = (service: string, folder: string): void => q.push({ service, folder } satisfies ArrivalRef)
  push('wiki', 'g1')
  push('wiki', 'g2')
  push('forum', 'g1')
  push('mail', 'g1')
  push('wiki', 'g1') // already running: queued again (a later look finds nothing to do)
  await new Promise(r => setImmediate(r))
  t.same(log, ['start wiki/g1', 'start forum/g1'], 'two at once, of two services; wiki/g2 waits for wiki/g1')
  let idle = false
  void q.idle().then(() => { idle = true })
  releases.get('forum/g1')!()
  await new Promise(r => setImmediate(r))
  t.same(log.slice(2), ['end forum/g1', 'start mail/g1'], 'the free place goes to the next service not busy, not to wiki/g2')
  releases.get('wiki/g1')!()
  await new Promise(r => setImmediate(r))
  t.same(log.slice(4), ['end wiki/g1', 'start wiki/g2'], "wiki's next arrival starts once its first is done")
  releases.get('mail/g1')!()
  await new Promise(r => setImmediate(r))
  t.same(log.slice(6), ['end mail/g1'], 'wiki/g1 again waits while wiki/g2 runs')
  releases.get('wiki/g2')!()
  await new Promise(r => setImmediate(r))
  t.same(log.slice(7), ['end wiki/g2', 'start wiki/g1'])
  t.notOk(idle, 'not idle while a job runs')
  releases.get('wiki/g1')!()
  await new Promise(r => setImmediate(r))
  t.ok(idle, 'idle once every job is done')
  t.equal(most, 2, 'never more than two at once')
})

t.test('ingest', async t => {
  const dir = t.testdir()
  const wiki: TestKey = await keygen(join(dir, 'keys'), 'wiki')
  const blog: TestKey = await keygen(join(dir, 'keys'), 'blog')
  const tar1 = await makeTar(dir, 'one')
  const tar2 = await makeTar(dir, 'two')

  t.test('accepts a good arrival into the store, the books, status.json and the index', async t => {
    const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line } })
    const ingest = await start(hub)
    t.teardown(() => ingest.close())
    const { text } = signedManifest(wiki, manifestFor('wiki', GEN1, tar1))
    await placeArrival(hub.paths, 'wiki', GEN1, { tar: tar1.path, manifest: text })
    await settle(hub, ingest, 'wiki', GEN1)

    const gdir = join(hub.paths.store, 'wiki', GEN1)
    t.same((await fs.readdir(gdir)).sort(), ['data.tar.zst', 'manifest.json'])
    t.equal(await fs.readFile(join(gdir, 'manifest.json'), 'utf8'), text, 'the manifest is stored unchanged')
    t.equal(await zstdContentSha(join(gdir, 'data.tar.zst')), tar1.sha256, 'data.tar.zst holds the uploaded tar')
    t.equal(await mode(join(gdir, 'manifest.json')), 0o444)
    t.equal(await mode(join(gdir, 'data.tar.zst')), 0o444)
    t.equal(await mode(gdir), 0o555)

    const tree = await readTree(hub)
    t.equal(tree.serial, 1)
    t.equal(tree.services.wiki?.key, wiki.line.split(' ').slice(0, 2).join(' '))
    const entry = tree.services.wiki?.generations[GEN1]
    t.equal(entry?.kind, 'full')
    for (const name of ['manifest.json', 'data.tar.zst']) {
      const d = await hashFile(join(gdir, name))
      t.same(entry?.files[name], { bytes: d.bytes, sha256: d.sha256 }, `the index lists ${name} with its sha256`)
    }
    t.equal(await mode(join(hub.paths.store, 'TREE.json')), 0o644)

    const status = parseServiceStatus(await fs.readFile(join(hub.paths.store, 'wiki', 'status.json'), 'utf8'))
    t.equal(status.last?.generation, GEN1)
    t.equal(status.generations, 1)
    t.equal(status.lastReject, null)
    t.equal(status.wantFull, false)
    t.equal(await mode(join(hub.paths.store, 'wiki', 'status.json')), 0o644)

    const basis = join(hub.paths.accounts, 'wiki', 'incoming', '.basis', 'last', 'data.tar')
    const fullBasis = join(hub.paths.accounts, 'wiki', 'incoming', '.basis', 'full', 'data.tar')
    t.equal((await hashFile(basis)).sha256, tar1.sha256, 'the uploaded tar is the next delta basis')
    t.equal((await fs.stat(fullBasis)).ino, (await fs.stat(basis)).ino, 'a full is also the basis of the next full (one copy, hard linked)')
    t.ok(await gone(join(hub.paths.accounts, 'wiki', 'incoming', GEN1)), 'the arrival left incoming')
    t.same(await fs.readdir(hub.paths.staging), [], 'staging is empty')
    t.same(await fs.readdir(hub.paths.rejected), [], 'nothing rejected')
    const record = JSON.parse(await fs.readFile(join(hub.paths.state, 'generations', 'wiki', `${GEN1}.json`), 'utf8'))
    t.same(record.files, entry?.files, 'the books record what the index lists')

    // a second generation: the serial grows and the basis is replaced
    await placeArrival(hub.paths, 'wiki', GEN2, { tar: tar2.path, manifest: signedManifest(wiki, manifestFor('wiki', GEN2, tar2)).text })
    await settle(hub, ingest, 'wiki', GEN2)
    const tree2 = await readTree(hub)
    t.equal(tree2.serial, 2, 'the serial grew')
    t.same(Object.keys(tree2.services.wiki!.generations).sort(), [GEN1, GEN2])
    t.equal((await hashFile(basis)).sha256, tar2.sha256, 'the basis is the newest tar')
    t.equal((await hashFile(fullBasis)).sha256, tar2.sha256, 'and the newest full')
    const status2 = parseServiceStatus(await fs.readFile(join(hub.paths.store, 'wiki', 'status.json'), 'utf8'))
    t.equal(status2.last?.generation, GEN2)
    t.equal(status2.generations, 2)
  })

  t.test('ingests an arrival that was waiting before the hub started (restart-safe)', async t => {
    const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line } })
    await placeArrival(hub.paths, 'wiki', GEN1, { tar: tar1.path, manifest: signedManifest(wiki, manifestFor('wiki', GEN1, tar1)).text })
    t.same(await scanArrivals(hub.paths.accounts), [{ service: 'wiki', folder: GEN1 }])
    // a staging folder an earlier crash left behind
    const leftover = join(hub.paths.staging, `wiki-${GEN1}-0123456789ab`)
    await fs.mkdir(leftover)
    await fs.writeFile(join(leftover, 'data.tar.zst'), 'half')
    const ingest = await start(hub)
    t.teardown(() => ingest.close())
    await ingest.idle()
    t.ok(await gone(join(hub.paths.accounts, 'wiki', 'incoming', GEN1)))
    t.ok((await fs.readdir(join(hub.paths.store, 'wiki'))).includes(GEN1), 'stored')
    t.ok(await gone(leftover), 'staging leftovers removed')
    t.equal((await readTree(hub)).serial, 1)
  })

  t.test('ingests an arrival for a service added to hub.yaml after ingest started', async t => {
    const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line } })
    const ingest = await start(hub)
    t.teardown(() => ingest.close())
    await hub.setServices({ wiki: { key: wiki.line }, blog: { key: blog.line } })
    await new Promise(r => setTimeout(r, 200)) // let the watcher see the new account folder
    await placeArrival(hub.paths, 'blog', GEN1, { tar: tar2.path, manifest: signedManifest(blog, manifestFor('blog', GEN1, tar2)).text })
    await settle(hub, ingest, 'blog', GEN1)
    t.ok((await fs.readdir(join(hub.paths.store, 'blog'))).includes(GEN1), 'stored for the new service')
    const tree = await readTree(hub)
    t.ok(tree.services.blog?.generations[GEN1], 'the index lists it')
    t.ok(tree.services.wiki, 'and still lists the first service')
  })

  t.test('finishes an accept a crash cut short after the store rename, without rejecting it', async t => {
    const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line } })
    const { text } = signedManifest(wiki, manifestFor('wiki', GEN1, tar1))
    let ingest = await start(hub)
    await placeArrival(hub.paths, 'wiki', GEN1, { tar: tar1.path, manifest: text })
    await settle(hub, ingest, 'wiki', GEN1)
    await ingest.close()
    // put the hub back in the state of a crash right after the rename: arrival still in incoming, accept pending
    await placeArrival(hub.paths, 'wiki', GEN1, { tar: tar1.path, manifest: text })
    const mark = join(hub.paths.state, 'ingest-pending', 'wiki', GEN1)
    await fs.mkdir(join(mark, '..'), { recursive: true })
    await fs.writeFile(mark, '')
    const serial = (await readTree(hub)).serial
    ingest = await start(hub)
    t.teardown(() => ingest.close())
    await ingest.idle()
    t.ok(await gone(join(hub.paths.accounts, 'wiki', 'incoming', GEN1)), 'clean-up finished')
    t.same(await fs.readdir(hub.paths.rejected), [], 'the good generation was not rejected as a replay')
    t.ok(await gone(mark), 'the pending mark is cleared')
    t.equal(await zstdContentSha(join(hub.paths.store, 'wiki', GEN1, 'data.tar.zst')), tar1.sha256, 'the stored generation is intact')
    t.ok((await readTree(hub)).serial > serial, 'the index was republished')
  })

  t.test('a failing ingest is logged, the daemon goes on, and the arrival is retried', async t => {
    const hub = await makeHub(join(t.testdir(), 'hub'), { wiki: { key: wiki.line } })
    const ingest = await start(hub, 200)
    t.teardown(() => ingest.close())
    await fs.rm(hub.paths.staging, { recursive: true })
    await fs.writeFile(hub.paths.staging, 'not a folder') // makes every accept fail
    await placeArrival(hub.paths, 'wiki', GEN1, { tar: tar1.path, manifest: signedManifest(wiki, manifestFor('wiki', GEN1, tar1)).text })
    await new Promise(r => setTimeout(r, 600))
    await ingest.idle()
    t.ok(await gone(join(hub.paths.accounts, 'wiki', 'incoming', GEN1)), 'the arrival was taken out of the spoke\'s reach')
    t.notOk(await gone(join(hub.paths.accounts, 'wiki', 'ingesting', GEN1)), 'and stays where ingest took it')
    t.same(await fs.readdir(hub.paths.rejected), [], 'a hub failure is not a rejection')
    await fs.rm(hub.paths.staging)
    await fs.mkdir(hub.paths.staging)
    await settle(hub, ingest, 'wiki', GEN1)
    t.ok((await fs.readdir(join(hub.paths.store, 'wiki'))).includes(GEN1), 'accepted on a later try')
  })
})
