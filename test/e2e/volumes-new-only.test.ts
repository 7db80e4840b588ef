/**
 * `--new-only` sets: after new generations, a set holds only what no earlier set holds, names
 * the sets it needs, and restores together with them; a tampered record of an earlier set
 * stops the run. Real xorriso and par2.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { roost } from '../helpers/roost.js'
import { makeVolumesWorld } from './volumes-world.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'

const MEDIA = String(2 * 1024 * 1024)

t.test('a --new-only set holds only the new generations and restores with the set before it', async t => {
  const w = await makeVolumesWorld(t.testdir(), { largeBytes: 1024 * 1024 })
  const out = join(w.dir, 'discs')
  const volumes = async (...extra: string[]) => {
    const r = await roost(['mirror', 'volumes', '--media', MEDIA, '--out', out, '--config', w.config, '--json', ...extra])
    t.equal(r.exitCode, 0, r.stderr)
    return JSON.parse(r.stdout)
  }
  const first = await volumes()
  t.ok(first.made)
  t.same(first.requires, [])

  const nothing = await volumes('--new-only')
  t.notOk(nothing.made, 'nothing new: no set is made')
  t.same((await fs.readdir(out)).filter(n => !n.startsWith('.')), [first.set])

  await fs.writeFile(join(w.wiki.source, 'pages-new.txt'), 'a page written after the first set\n')
  await fs.appendFile(join(w.wiki.source, 'config', 'app.ini'), 'debug=false\n')
  await w.wiki.add('20261122T030000Z-incr')
  await w.publish(2)
  const second = await volumes('--new-only')
  t.ok(second.made)
  t.not(second.set, first.set)
  t.equal(second.generations, 1, 'only the new generation')
  t.equal(second.files, 2)
  t.same(second.requires, [first.set], 'its chain starts in the first set')
  const catalog = JSON.parse(await fs.readFile(join(out, second.set, 'CATALOG.json'), 'utf8'))
  t.same([...new Set(catalog.pieces.map((p: { generation: string }) => p.generation))], ['20261122T030000Z-incr'])
  t.same(catalog.requires, [first.set])

  // both sets in one folder: the newest incr restores through the chain that starts on the first
  const to = join(w.dir, 'restored')
  const r = await roost(['restore', 'wiki', '--from', out, '--index-key', w.indexPub, '--to', to, '--json'])
  t.equal(r.exitCode, 0, r.stderr)
  t.equal(JSON.parse(r.stdout).generation, '20261122T030000Z-incr')
  t.same(await compareTrees(w.wiki.copies.get('20261122T030000Z-incr')!, join(to, w.wiki.source)), [], 'bit-exact through both sets')
  const used = JSON.parse(r.stdout).discs.used as string[]
  t.ok(used.some(l => l.includes(first.set + '_')) && used.some(l => l.includes(second.set + '_')), 'discs of both sets were read')

  // the new set alone cannot restore the incr: the chain's start is on the earlier set
  const alone = join(w.dir, 'alone')
  await fs.cp(join(out, second.set), alone, { recursive: true })
  const a = await roost(['restore', 'wiki', '--from', alone, '--index-key', w.indexPub, '--to', join(w.dir, 'x')])
  t.equal(a.exitCode, 1)
  t.match(a.stderr, /20261121T030000Z-incr|20261120T030000Z-full/, 'the missing link is named')

  // a record of an earlier set that was altered is not trusted
  const rec = join(w.root, 'state', 'sets', first.set, 'CATALOG.json')
  await fs.writeFile(rec, (await fs.readFile(rec, 'utf8')).replace('"requires":[]', '"requires":[ ]'))
  const bad = await roost(['mirror', 'volumes', '--media', MEDIA, '--out', out, '--config', w.config, '--new-only'])
  t.equal(bad.exitCode, 3, 'an altered set record stops the run')
  t.match(bad.stderr, new RegExp(first.set))
})
