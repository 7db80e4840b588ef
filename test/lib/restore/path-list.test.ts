import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../../../lib/log.js'
import { compareTrees } from '../../../lib/fsx/compare-trees.js'
import { StoreFolderReader } from '../../../lib/stores/store-folder.js'
import { restoreGeneration } from '../../../lib/restore/restore.js'
import { listGeneration, renderListing } from '../../../lib/restore/list.js'
import { restoreTest } from '../../../lib/restore/restore-test.js'
import { CHAIN, FULL, INCR1, INCR2, INCR3, chainWorld } from './chain-world.js'

const log = silentLogger()

/** Every path under `root` as it was on the source host (`abs` + relative path), with its lstat. */
async function walk(root: string, abs: string, out = new Map<string, import('node:fs').Stats>()): Promise<Map<string, import('node:fs').Stats>> {
  out.set(abs, await fs.lstat(root))
  if ((await fs.lstat(root)).isDirectory()) for (const n of await fs.readdir(root)) await walk(join(root, n), `${abs}/${n}`, out)
  return out
}

t.test('--path restores only the paths asked for, bit-exact, through renames and deletions', async t => {
  const w = await chainWorld(t)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const data = join(w.src, 'data')
  const to = join(w.dir, 'data-only')
  const r = await restoreGeneration({ reader, service: 'wiki', to, paths: [data], log })
  t.same(r.paths, [data])
  t.same(await compareTrees(join(w.copies.get(INCR3)!, 'data'), join(to, data)), [], 'a folder with renamed folders inside: bit-exact')
  t.same(await fs.readdir(join(to, w.src)), ['data'], 'nothing else of the service')

  const two = join(w.dir, 'two')
  const leaf = join(w.src, 'data', 'deeper', 'z', 'b', 'c', 'd', 'e', 'f', 'leaf.txt')
  await restoreGeneration({ reader, service: 'wiki', to: two, paths: [leaf, join(w.src, 'config', 'app.ini')], log })
  t.equal(await fs.readFile(join(two, leaf), 'utf8'), 'deep\n', 'a file under a folder renamed twice')
  t.equal(await fs.readFile(join(two, w.src, 'config', 'app.ini'), 'utf8'), '[app]\nrewritten\n', 'the newest version of a changed file')
  t.same((await fs.readdir(join(two, w.src))).sort(), ['config', 'data'])
  t.same(await fs.readdir(join(two, w.src, 'config')), ['app.ini'], 'only the file asked for')

  const docs = join(w.dir, 'docs')
  const faq = join(w.src, 'documents', 'faq.txt')
  await restoreGeneration({ reader, service: 'wiki', to: docs, paths: [join(w.src, 'documents')], log })
  t.same(await compareTrees(join(w.copies.get(INCR3)!, 'documents'), join(docs, w.src, 'documents')), [], 'a renamed folder whose files never changed: whole, bit-exact')
  const one = join(w.dir, 'one')
  await restoreGeneration({ reader, service: 'wiki', to: one, paths: [faq], log })
  t.equal(await fs.readFile(join(one, faq), 'utf8'), 'faq.txt\n', "a file archived only under its folder's old name")
  t.same(await fs.readdir(join(one, w.src, 'documents')), ['faq.txt'], 'and nothing beside it')

  const linked = join(w.dir, 'linked')
  await restoreGeneration({ reader, service: 'wiki', generation: FULL, to: linked, paths: [join(w.src, 'sessions')], log })
  t.same(await compareTrees(join(w.copies.get(FULL)!, 'sessions'), join(linked, w.src, 'sessions')), [], 'a folder holding a hardlink to a file outside it')
  t.same(await fs.readdir(join(linked, w.src)), ['sessions'])

  const older = join(w.dir, 'older')
  await restoreGeneration({ reader, service: 'wiki', generation: INCR1, to: older, paths: [join(w.src, 'config', 'app.ini')], log })
  t.equal(await fs.readFile(join(older, w.src, 'config', 'app.ini'), 'utf8'), await fs.readFile(join(w.copies.get(INCR1)!, 'config', 'app.ini'), 'utf8'), 'the version of an older generation')
})

t.test('--path of something the generation does not hold is PATH_NOT_FOUND with nothing written', async t => {
  const w = await chainWorld(t)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const to = join(w.dir, 'target')
  const gone = join(w.src, 'data', 'new-day1.txt') // added in the diff, deleted in the second incr
  await t.rejects(restoreGeneration({ reader, service: 'wiki', generation: INCR2, to, paths: [gone], log }), { code: 'PATH_NOT_FOUND', exitCode: 1, message: /new-day1/ })
  t.same(await fs.readdir(to), [], 'nothing written')
  await t.rejects(restoreGeneration({ reader, service: 'wiki', to, paths: ['/nowhere/at/all'], log }), { code: 'PATH_NOT_FOUND' })
  t.same(await fs.readdir(to), [])
  const r = await restoreGeneration({ reader, service: 'wiki', generation: INCR1, to, paths: [gone], log })
  t.same(r.paths, [gone], 'while it existed it restores')
  for (const bad of [`${w.src}/../etc`, 'relative/path', '', '/']) {
    await t.rejects(restoreGeneration({ reader, service: 'wiki', to: join(w.dir, 'x'), paths: [bad], log }), { code: 'USAGE' }, `refuses --path '${bad}'`)
  }
})

t.test('--list shows exactly the files of each generation, with their metadata, and writes nothing', async t => {
  const w = await chainWorld(t)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  for (const g of CHAIN) {
    const r = await listGeneration({ reader, service: 'wiki', generation: g, log })
    const want = await walk(w.copies.get(g)!, w.src)
    t.same(r.entries.map(e => e.path).sort(), [...want.keys()].sort(), `${g}: the same set of paths as the source had`)
    const wrong = r.entries.filter(e => {
      const st = want.get(e.path)!
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file'
      return (e.type === 'hardlink' ? 'file' : e.type) !== type || (type === 'file' && e.size !== st.size) || (type !== 'symlink' && Math.floor(Date.parse(e.mtime) / 1000) !== Math.floor(st.mtimeMs / 1000))
    })
    t.same(wrong.map(e => e.path), [], `${g}: types, sizes and mtimes match`)
  }
  const only = await listGeneration({ reader, service: 'wiki', paths: [join(w.src, 'config')], log })
  t.same(only.entries.map(e => e.path), [join(w.src, 'config'), join(w.src, 'config', 'app.ini'), join(w.src, 'config', 'secret.key')], '--list --path lists only below it')
  const text = renderListing(only)
  t.match(text, /^drwx\S+ +\S+ +0 \S+Z .*\/config\/$/m, 'a folder line: mode owner size mtime path/')
  t.match(text, /^-rw------- +\S+ +64 2025-06-07T08:09:10Z .*\/config\/secret\.key$/m, 'a file line')
  const all = renderListing(await listGeneration({ reader, service: 'wiki', log }))
  t.match(all, /data\/new\\nline\.txt$/m, 'a newline in a name is escaped: one entry, one line')
  t.match(all, /^l\S+ .* \S+\/data\/link-to-config -> \.\.\/config\/app\.ini$/m, 'a symlink shows its target')
})

t.test('the restore drill passes on a good chain and removes its scratch folder', async t => {
  const w = await chainWorld(t)
  const reader = await StoreFolderReader.open(w.store, w.idx.public)
  const scratchParent = join(w.dir, 'state')
  const r = await restoreTest({ reader, service: 'wiki', scratchParent, log })
  t.ok(r.ok, 'no differences')
  t.same(r.differences, [])
  t.same(r.chain, CHAIN)
  t.same(await fs.readdir(scratchParent), [], 'the scratch folder is gone')
})
