import t from 'tap'
import { execFileSync } from 'node:child_process'
import { createReadStream, promises as fs } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { join } from 'node:path'
import { ChainState } from '../../../lib/restore/chain-state.js'
import { TarHeaderReader, type DumpdirEntry, type TarMember } from '../../../lib/restore/tar-headers.js'
import { compareWithState } from '../../../lib/restore/compare-state.js'

function m(path: string, type: TarMember['type'], dumpdir?: string): TarMember {
  const base: TarMember = { path, type, mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 1, mtimeNs: 0n }
  if (!dumpdir) return base
  const entries: DumpdirEntry[] = dumpdir.split(',').filter(Boolean).map(e => ({ code: e[0] as DumpdirEntry['code'], name: e.slice(1) }))
  return { ...base, dumpdir: entries }
}

function paths(s: ChainState): string[] {
  return [...s.entries()].map(e => `${e.path}@${e.generation.slice(0, 1)}`)
}

t.test('the effective state: newest version of each path, deletions dropped, renames applied', async t => {
  const s = new ChainState()
  for (const x of [m('foo', 'dir', 'Da,Db,Yf,Ygone'), m('foo/a', 'dir', 'Yfa'), m('foo/b', 'dir', 'Yfb'), m('foo/a/fa', 'file'), m('foo/b/fb', 'file'), m('foo/f', 'file'), m('foo/gone', 'file')]) s.apply(x, '1-full')
  t.same(paths(s), ['foo@1', 'foo/a@1', 'foo/a/fa@1', 'foo/b@1', 'foo/b/fb@1', 'foo/f@1', 'foo/gone@1'])
  // a and b swapped through a temporary name; f changed; gone deleted; f2 new; c new
  const swap = 'Da,Db,Dc,Nf,Yf2,Xfoo,Rfoo/b,T,Rfoo/a,Tfoo/b,R,Tfoo/a'
  for (const x of [m('foo', 'dir', swap), m('foo/a', 'dir', 'Nfb'), m('foo/b', 'dir', 'Nfa'), m('foo/c', 'dir', 'Yfc'), m('foo/f2', 'file'), m('foo/c/fc', 'file')]) s.apply(x, '2-incr')
  t.same(paths(s), ['foo@2', 'foo/a@2', 'foo/a/fb@1', 'foo/b@2', 'foo/b/fa@1', 'foo/c@2', 'foo/c/fc@2', 'foo/f@1', 'foo/f2@2'], 'cyclic rename, deletion, unchanged files from the older link')
  // f becomes a folder, c becomes a file
  for (const x of [m('foo', 'dir', 'Da,Db,Yc,Df'), m('foo/a', 'dir', 'Nfb'), m('foo/b', 'dir', 'Nfa'), m('foo/f', 'dir', 'Yin'), m('foo/c', 'file'), m('foo/f/in', 'file')]) s.apply(x, '3-incr')
  t.same(paths(s), ['foo@3', 'foo/a@3', 'foo/a/fb@1', 'foo/b@3', 'foo/b/fa@1', 'foo/c@3', 'foo/f@3', 'foo/f/in@3'], 'type changes replace the old entry and what it held')
  t.ok(s.has('foo/f/in') && !s.has('foo/f2'), 'has')
  t.equal(s.get('foo/b/fa')?.path, 'foo/b/fa', 'get names the entry where it is now')
  const parents = new ChainState()
  parents.apply(m('srv/wiki', 'dir', 'Yx'), 'g')
  parents.apply(m('srv/wiki/x', 'file'), 'g')
  t.same([...parents.implicitFolders()], ['srv'], 'folders tar makes as parents are told apart')
  t.ok(parents.has('srv') && !parents.get('srv'))
})

/** Runs tar with argv in `dir`, the way the spoke and restore do. */
function tar(dir: string, ...args: string[]): void {
  execFileSync('tar', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

t.test("the model agrees with GNU tar's own replay, and the comparison catches what differs", async t => {
  const dir = t.testdir()
  const src = join(dir, 'foo')
  for (const d of ['a', 'b', 'c', 'keep/deep']) await fs.mkdir(join(src, d), { recursive: true })
  for (const [f, text] of [['a/fa', 'a'], ['b/fb', 'b'], ['c/fc', 'c'], ['keep/deep/x', 'x'], ['file', 'f'], ['gone', 'g']]) await fs.writeFile(join(src, f!), text!)
  await fs.symlink('file', join(src, 'link'))
  const snar = join(dir, 's.snar')
  const archives: string[] = []
  const dump = async (): Promise<void> => {
    const a = join(dir, `${archives.length}.tar`)
    tar(dir, '--create', '--format=posix', `--file=${a}`, `--listed-incremental=${snar}`, '--no-check-device', 'foo')
    archives.push(a)
    // file times come from the kernel's coarse clock, which may lag tar's precise one by a
    // few ms: a change made right after a dump could be dated before it and missed
    await new Promise(r => setTimeout(r, 50))
  }
  await dump()
  for (const [from, to] of [['a', 'tmp'], ['c', 'a'], ['b', 'c'], ['tmp', 'b']]) await fs.rename(join(src, from!), join(src, to!))
  await fs.rm(join(src, 'gone'))
  await fs.rename(join(src, 'keep'), join(src, 'kept'))
  await fs.writeFile(join(src, 'new'), 'n')
  await dump()
  await fs.rm(join(src, 'file'))
  await fs.mkdir(join(src, 'file'))
  await fs.writeFile(join(src, 'file', 'in'), 'i')
  await fs.link(join(src, 'new'), join(src, 'kept', 'hard'))
  await dump()

  const out = join(dir, 'out')
  await fs.mkdir(out)
  const state = new ChainState()
  for (const [i, a] of archives.entries()) {
    tar(dir, '--extract', `--file=${a}`, '--listed-incremental=/dev/null', `--directory=${out}`)
    await pipeline(createReadStream(a), new TarHeaderReader(x => state.apply(x, `g${i}`)))
  }
  t.same(await compareWithState(out, state), [], "tar's replay and the model agree")
  t.equal(await fs.readFile(join(out, 'foo', 'a', 'fc'), 'utf8'), 'c', 'tar did swap the folders')

  await fs.chmod(join(out, 'foo', 'new'), 0o600)
  await fs.rm(join(out, 'foo', 'b', 'fa'))
  await fs.writeFile(join(out, 'foo', 'extra'), 'x')
  await fs.rm(join(out, 'foo', 'link'))
  await fs.symlink('elsewhere', join(out, 'foo', 'link'))
  await fs.appendFile(join(out, 'foo', 'kept', 'deep', 'x'), 'more')
  const diffs = await compareWithState(out, state)
  t.same(diffs.map(d => `${d.path}: ${d.what.split(' ')[0]}`).sort(), [
    'foo/b/fa: missing',
    'foo/b: mtime', // its file was removed
    'foo/extra: unexpected',
    'foo/kept/deep/x: size',
    'foo/kept/hard: mode', // a hardlink of foo/new
    'foo/link: symlink',
    'foo/new: mode',
    'foo: mtime',
  ], 'every kind of difference is named')
  t.match(diffs.find(d => d.path === 'foo/new')!.what, 'mode 644 became 600')
  t.equal((await compareWithState(out, state, { limit: 2 })).length, 2, 'at most the limit')
})
