import t from 'tap'
import { promises as fs } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { splitFile } from '../../../lib/volumes/stage.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

t.test('a file is cut into its pieces in one pass, each hashed, the whole checked', async t => {
  const dir = t.testdir()
  const data = randomBytes(3 * 1024 * 1024 + 123)
  const src = join(dir, 'src')
  await fs.writeFile(src, data)
  const cuts = [0, 1024 * 1024 + 7, 2 * 1024 * 1024, data.length]
  const parts = cuts.slice(0, -1).map((o, i) => ({ offset: o, bytes: cuts[i + 1]! - o, dest: join(dir, 'out', `d${i}`, `p${i}`) }))
  const r = await splitFile(src, parts, { sha256: sha(data), bytes: data.length })
  t.equal(r.whole.sha256, sha(data))
  for (const [i, p] of parts.entries()) {
    const got = await fs.readFile(p.dest)
    t.ok(got.equals(data.subarray(p.offset, p.offset + p.bytes)), `piece ${i} holds its bytes`)
    t.equal(r.parts[i]!.sha256, sha(got))
  }
})

t.test('an empty file is one empty piece; a file unlike its index, shorter or longer, is refused', async t => {
  const dir = t.testdir()
  await fs.writeFile(join(dir, 'empty'), '')
  const e = await splitFile(join(dir, 'empty'), [{ offset: 0, bytes: 0, dest: join(dir, 'e0') }])
  t.equal(e.parts.length, 1)
  t.equal((await fs.stat(join(dir, 'e0'))).size, 0)
  await fs.writeFile(join(dir, 'f'), 'hello world')
  await t.rejects(splitFile(join(dir, 'f'), [{ offset: 0, bytes: 11, dest: join(dir, 'f0') }], { sha256: '0'.repeat(64), bytes: 11 }), { code: 'HASH_MISMATCH' })
  await t.rejects(splitFile(join(dir, 'f'), [{ offset: 0, bytes: 20, dest: join(dir, 'f1') }]), { code: 'HASH_MISMATCH' }, 'shorter than listed')
  await t.rejects(splitFile(join(dir, 'f'), [{ offset: 0, bytes: 5, dest: join(dir, 'f2') }]), { code: 'HASH_MISMATCH' }, 'longer than listed')
  await t.rejects(splitFile(join(dir, 'f'), [{ offset: 0, bytes: 5, dest: join(dir, 'f3') }, { offset: 6, bytes: 5, dest: join(dir, 'f4') }]), /do not tile/)
  await t.rejects(splitFile(join(dir, 'f'), [{ offset: 0, bytes: 11, dest: join(dir, 'e0') }]), { code: 'EEXIST' }, 'never writes over a file')
})
