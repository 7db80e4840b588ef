import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { adoptPartials, tempFileOf } from '../../mirror/fetch-generation.js'

const names = new Set(['data.tar.zst', 'manifest.json'])

t.test("recognises rsync's temp files for listed names only", async t => {
  t.equal(tempFileOf('.data.tar.zst.Ab12Cd', names), 'data.tar.zst')
  t.equal(tempFileOf('.manifest.json.x9Y8z7', names), 'manifest.json')
  t.equal(tempFileOf('.other.bin.Ab12Cd', names), undefined)
  t.equal(tempFileOf('data.tar.zst', names), undefined)
  t.equal(tempFileOf('.rsync-partial', names), undefined)
})

t.test('a temp file left by a killed rsync becomes the partial file the next transfer resumes from', async t => {
  const dir = t.testdir({ '.data.tar.zst.Ab12Cd': 'x'.repeat(1000), '.data.tar.zst.Zz99Yy': 'y'.repeat(10), '.rsync-partial': { 'manifest.json': 'm' } })
  await adoptPartials(dir, names)
  t.same((await fs.readdir(dir)).sort(), ['.rsync-partial'])
  t.equal(await fs.readFile(join(dir, '.rsync-partial', 'data.tar.zst'), 'utf8'), 'x'.repeat(1000), 'the largest one is kept')
  t.equal(await fs.readFile(join(dir, '.rsync-partial', 'manifest.json'), 'utf8'), 'm')
})
