/** docs/errors.md lists every error code with the exit code lib/errors.ts gives it, and nothing else. */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { REPO } from './helpers/roost.js'
import { ERROR_CODES } from '../lib/errors.js'

t.test('docs/errors.md: every error code, its exit code, no stale ones', async t => {
  const text = await fs.readFile(join(REPO, 'docs', 'errors.md'), 'utf8')
  const rows = new Map([...text.matchAll(/^\| `([A-Z_]+)` \| (\d) \|/gm)].map(m => [m[1]!, Number(m[2])]))
  t.same([...rows.keys()].sort(), Object.keys(ERROR_CODES).sort(), 'the same codes')
  for (const [code, exit] of Object.entries(ERROR_CODES)) t.equal(rows.get(code), exit, `${code} exits ${exit}`)
})
