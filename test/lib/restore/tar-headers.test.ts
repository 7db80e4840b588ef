import t from 'tap'
import { execFileSync } from 'node:child_process'
import { createReadStream, promises as fs, readFileSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { TarHeaderReader, paxTimeNs, parseDumpdir, parsePax, type TarMember } from '../../../lib/restore/tar-headers.js'
import { makeServiceTree } from '../../helpers/fixtures.js'

async function read(tar: string | Buffer): Promise<{ members: TarMember[]; error?: Error }> {
  const members: TarMember[] = []
  const r = new TarHeaderReader(m => members.push(m))
  await pipeline(typeof tar === 'string' ? createReadStream(tar, { highWaterMark: 777 }) : Readable.from([tar]), r)
  return { members, ...(r.error ? { error: r.error } : {}) }
}

async function lstatAll(root: string, rel: string, out: Map<string, import('node:fs').BigIntStats>): Promise<void> {
  const st = await fs.lstat(join(root, rel), { bigint: true })
  out.set(rel, st)
  if (st.isDirectory()) for (const n of await fs.readdir(join(root, rel))) await lstatAll(root, `${rel}/${n}`, out)
}

for (const format of ['posix', 'gnu'] as const) {
  t.test(`reads every header of a ${format} incremental archive exactly (odd names, links, ns mtimes)`, async t => {
    const dir = t.testdir()
    await makeServiceTree(join(dir, 'svc'), { seed: format, largeBytes: 70_000 })
    const tar = join(dir, 'a.tar')
    execFileSync('tar', ['--create', `--format=${format}`, `--file=${tar}`, `--listed-incremental=${join(dir, 's.snar')}`, `--directory=${dir}`, 'svc'])
    const { members, error } = await read(tar)
    t.equal(error, undefined, 'no problem reading')
    const want = new Map<string, import('node:fs').BigIntStats>()
    await lstatAll(dir, 'svc', want)
    t.same(members.map(m => m.path).sort(), [...want.keys()].sort(), 'every path, once, newline and unicode names included')
    const bad: string[] = []
    for (const m of members) {
      const st = want.get(m.path)!
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file'
      if ((m.type === 'hardlink' ? 'file' : m.type) !== type) bad.push(`${m.path}: type ${m.type}`)
      if (m.type === 'file' && BigInt(m.size) !== st.size) bad.push(`${m.path}: size ${m.size}`)
      if (type !== 'symlink' && m.mode !== Number(st.mode & 0o7777n)) bad.push(`${m.path}: mode ${m.mode.toString(8)}`)
      if (format === 'posix' && type === 'file' && m.mtimeNs !== st.mtimeNs) bad.push(`${m.path}: mtime ${m.mtimeNs} not ${st.mtimeNs}`)
      if (m.type === 'symlink' && m.linkname !== readlinkOf(join(dir, m.path))) bad.push(`${m.path}: link ${m.linkname}`)
      if (m.type === 'dir' && !m.dumpdir) bad.push(`${m.path}: no dumpdir`)
    }
    t.same(bad, [], 'types, sizes, modes, mtimes and symlink targets match the files')
    const data = members.find(m => m.path === 'svc/data')!
    t.ok(data.dumpdir!.some(e => e.code === 'Y' && e.name === 'new\nline.txt'), 'a dumpdir name with a newline stays whole')
    t.equal(members.filter(m => m.type === 'hardlink').length, 2, 'hardlinks are seen as such')
  })
}

function readlinkOf(p: string): string {
  return execFileSync('readlink', [p]).toString().replace(/\n$/, '')
}

t.test('a damaged or cut archive is an error kept aside, and the stream is drained', async t => {
  const dir = t.testdir()
  await makeServiceTree(join(dir, 'svc'), { seed: 'cut', largeBytes: 4096 })
  const tar = join(dir, 'a.tar')
  execFileSync('tar', ['--create', '--format=posix', `--file=${tar}`, `--directory=${dir}`, 'svc'])
  const whole = readFileSync(tar)
  const cut = await read(whole.subarray(0, 5120))
  t.match(cut.error, { code: 'TAR_FAILED', message: /ends before/ }, 'a cut archive')
  const garbage = Buffer.from(whole)
  garbage.fill(0x41, 0, 100)
  const g = await read(garbage)
  t.match(g.error, { code: 'TAR_FAILED', message: /checksum/ }, 'a header that does not add up')
  t.same(g.members, [], 'nothing is reported from it')
})

t.test('pax records, times and dumpdirs parse to the byte', async t => {
  t.equal(paxTimeNs('1795338226.802275142'), 1795338226802275142n)
  t.equal(paxTimeNs('12.5'), 12500000000n)
  t.equal(paxTimeNs('-1.5'), -1500000000n)
  t.throws(() => paxTimeNs('soon'), { code: 'TAR_FAILED' })
  const rec = (k: string, v: string): string => {
    const body = ` ${k}=${v}\n`
    const len = Buffer.byteLength(body)
    let n = len + 1
    while (String(n).length + len !== n) n++
    return `${n}${body}`
  }
  const pax = parsePax(Buffer.from(rec('path', 'ä/b c') + rec('mtime', '1.5')))
  t.equal(pax.get('path')!.toString('utf8'), 'ä/b c', 'lengths count bytes, not characters')
  t.equal(pax.get('mtime')!.toString(), '1.5')
  t.throws(() => parsePax(Buffer.from('99 path=x\n')), { code: 'TAR_FAILED' })
  t.same(parseDumpdir(Buffer.from('Da\0Yb\nc\0Xd\0Rd/e\0T\0\0')), [
    { code: 'D', name: 'a' }, { code: 'Y', name: 'b\nc' }, { code: 'X', name: 'd' }, { code: 'R', name: 'd/e' }, { code: 'T', name: '' },
  ])
  t.throws(() => parseDumpdir(Buffer.from('Qx\0\0')), { code: 'TAR_FAILED' })
})
