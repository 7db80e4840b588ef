import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { lagOf, mirrorStates } from '../../hub/mirror-traces.js'
import { readTraceArea } from '../../lib/stores/trace-area.js'
import { composeTrace } from '../../lib/formats/trace.js'

const NOW = new Date('2026-11-22T12:00:00.000Z')
const H = 3_600_000
const at = (h: number) => new Date(NOW.getTime() - h * H).toISOString()
const index = { serial: 10, published: at(1) }
const log = [{ serial: 8, published: at(30) }, { serial: 9, published: at(5) }, { serial: 10, published: at(1) }]

t.test('lagOf: zero when current, else how long the first missing index has been out', async t => {
  t.equal(lagOf(10, index, log, NOW), 0)
  t.equal(lagOf(11, index, log, NOW), 0, 'ahead (the hub was restored from an older copy): not behind')
  t.equal(lagOf(9, index, log, NOW), 1 * H)
  t.equal(lagOf(8, index, log, NOW), 5 * H, 'serial 9 came out 5 h ago')
  t.equal(lagOf(2, index, [], NOW), 1 * H, 'no log: at least as long as the newest has been out')
  t.equal(lagOf(null, index, log, NOW), null)
  t.equal(lagOf(3, null, log, NOW), null)
})

t.test('mirrorStates: direct mirrors, tiers behind them, silent and lagging ones flagged', async t => {
  const entry = (serial: number, checkedH: number) => ({ serial, tree: 'b'.repeat(64), treePublished: at(1), syncedAt: at(checkedH), checkedAt: at(checkedH) })
  const a = composeTrace('a', entry(10, 0.1), [composeTrace('b', entry(8, 0.2), [])])
  const reads = new Map([
    ['a', { entries: a.entries, contact: new Date(NOW.getTime() - 0.1 * H) }],
    ['c', { entries: composeTrace('c', entry(10, 72), []).entries, contact: new Date(NOW.getTime() - 72 * H) }],
    ['d', { entries: [], contact: NOW, error: 'bad trace' }],
  ])
  const rows = mirrorStates(['d', 'c', 'a', 'e', 'f'], reads, index, log, NOW, 4 * H, { e: at(1), f: at(5) })
  t.same(rows.map(r => [r.path.join('>'), r.serial, r.lagMs, r.behind, r.note]), [
    ['a', 10, 0, false, ''],
    ['c', 10, 0, true, 'silent'],
    ['d', null, null, false, 'bad trace'],
    ['e', null, null, false, 'no trace yet'],
    ['f', null, null, true, `no trace since it was registered (${at(5)})`],
    ['a>b', 8, 5 * H, true, ''],
  ])
  t.equal(rows[0]!.lastContact, new Date(NOW.getTime() - 0.1 * H).toISOString(), "a direct mirror's contact is the hub's own clock")
})

t.test('readTraceArea: a symlink planted as TRACE.json is not followed', async t => {
  const dir = t.testdir({ secret: 'do not read' })
  await fs.symlink(join(dir, 'secret'), join(dir, 'TRACE.json'))
  const r = await readTraceArea(dir, 'a')
  t.equal(r?.entries.length, 0)
  t.match(r?.error, /not a plain file/)
  t.notMatch(JSON.stringify(r), /do not read/)
  t.equal(await readTraceArea(join(dir, 'none'), 'a'), undefined, 'no trace yet')
})
