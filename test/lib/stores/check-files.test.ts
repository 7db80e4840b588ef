import t from 'tap'
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { checkFiles, describeProblems } from '../../../lib/stores/check-files.js'

const sha = (s: string): string => createHash('sha256').update(s).digest('hex')

t.test('names every missing, odd-sized, altered or non-regular file', async t => {
  const dir = t.testdir({ good: 'hello', bad: 'hellO', short: 'hell', link: t.fixture('symlink', 'good') })
  const want = { bytes: 5, sha256: sha('hello') }
  const totals = { files: 0, bytes: 0 }
  const problems = await checkFiles(dir, { good: want, bad: want, short: want, link: want, gone: want }, totals)
  t.same(problems.map(p => [p.path.slice(dir.length + 1), p.what]), [
    ['bad', 'sha256 differs'],
    ['gone', 'missing'],
    ['link', 'not a regular file'],
    ['short', 'size differs'],
  ])
  t.same(totals, { files: 2, bytes: 10 })
  t.match(describeProblems(problems), /bad: sha256 differs/)
  await fs.writeFile(join(dir, 'bad'), 'hello')
  t.same(await checkFiles(dir, { good: want, bad: want }), [])
})
