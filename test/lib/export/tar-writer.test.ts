import t from 'tap'
import { createWriteStream, promises as fs } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { memberHeader, paxRecord, TarOut, ustarHeader } from '../../../lib/export/tar-writer.js'

const mtime = new Date('2026-12-01T00:00:00Z')

function tar(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('tar', args, { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

t.test('GNU tar reads what TarOut writes: names, sizes, contents, in order', async t => {
  const dir = t.testdir()
  const file = join(dir, 'out.tar')
  const out = new TarOut(createWriteStream(file))
  await out.addBuffer({ name: 'roost-export.json', mtime }, Buffer.from('{"a":1}\n'))
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7)
  const m = await out.begin({ name: '20261122T030000Z-full/data.tar.zst', size: big.length, mtime })
  await pipeline(Readable.from([big.subarray(0, 1000), big.subarray(1000)]), m.sink)
  await m.close()
  await out.addBuffer({ name: 'empty', mtime }, Buffer.alloc(0))
  await out.end()
  t.equal((await fs.stat(file)).size % 10240, 0, 'padded to whole 10 KiB records, as GNU tar does')
  t.equal(out.bytes, (await fs.stat(file)).size, 'counts every byte written')
  const list = tar(['-tvf', file, '--numeric-owner', '--full-time'])
  t.equal(list.status, 0, list.stderr)
  t.match(list.stdout, /^-rw-r--r-- 0\/0\s+8 2026-12-01 00:00:00 roost-export.json\n-rw-r--r-- 0\/0\s+3145745 2026-12-01 00:00:00 20261122T030000Z-full\/data.tar.zst\n-rw-r--r-- 0\/0\s+0 2026-12-01 00:00:00 empty\n$/)
  const x = spawnSync('tar', ['-xOf', file], { maxBuffer: 1 << 26 })
  t.equal(x.status, 0)
  t.ok(Buffer.concat([Buffer.from('{"a":1}\n'), big]).equals(x.stdout), 'contents come back byte for byte')
})

t.test('a member whose content is shorter than its header is a bug, not a silent bad tar', async t => {
  const out = new TarOut(createWriteStream(join(t.testdir(), 'x.tar')))
  const m = await out.begin({ name: 'x', size: 10, mtime })
  await pipeline(Readable.from([Buffer.alloc(5)]), m.sink)
  await t.rejects(m.close(), /5 bytes written, the header says 10/)
})

t.test('pax records count their own length', async t => {
  for (const n of [1, 9, 99, 12345, 8 ** 11, 2 ** 40]) {
    const r = paxRecord('size', String(n))
    t.equal(Buffer.byteLength(r), Number(r.split(' ')[0]), r.trim())
  }
  t.equal(paxRecord('size', '1'), '9 size=1\n')
  t.equal(paxRecord('path', 'x'.repeat(91)), '101 path=' + 'x'.repeat(91) + '\n', 'the length crosses to three digits')
})

t.test('members of 8 GiB and more carry their size in a pax header that GNU tar honours', async t => {
  const dir = t.testdir()
  // a pax-sized small member reads back whole
  const small = join(dir, 'pax.tar')
  const out = new TarOut(createWriteStream(small))
  const m = await out.begin({ name: 'a/data.tar.zst', size: 5, mtime }, { pax: true })
  await pipeline(Readable.from([Buffer.from('hello')]), m.sink)
  await m.close()
  await out.end()
  t.match(tar(['-tvf', small]).stdout, /^-rw-r--r-- root\/root\s+5 .* a\/data\.tar\.zst\n$/, 'the pax header is not listed as a member')
  t.equal(spawnSync('tar', ['-xOf', small]).stdout.toString(), 'hello')
  // a 16 GiB header: tar lists the size (then finds the content missing)
  const size = 16 * 1024 ** 3
  const header = memberHeader({ name: 'big', size, mtime })
  t.equal(header.length, 3 * 512, 'pax header, its records, then the ustar header')
  t.equal(header[512 + 512 + 124], 0x80, 'the ustar size field falls back to base-256')
  await fs.writeFile(join(dir, 'big.tar'), header)
  const big = tar(['-tvf', join(dir, 'big.tar')])
  t.match(big.stdout, new RegExp(`\\s${size} .* big\\n`), 'GNU tar reads the 16 GiB size')
  t.not(big.status, 0, 'and reports the truncated content')
})

t.test('the ustar header checksum is what tar expects', async t => {
  const h = ustarHeader({ name: 'x', size: 1, mtime })
  const sum = [...h].reduce((s, b, i) => s + (i >= 148 && i < 156 ? 0x20 : b), 0)
  t.equal(parseInt(h.subarray(148, 154).toString(), 8), sum)
  t.equal(h.subarray(257, 263).toString(), 'ustar\0')
})
