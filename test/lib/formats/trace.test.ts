import t from 'tap'
import { composeTrace, parseTrace, TRACE_FORMAT, TRACE_MAX_BYTES } from '../../../lib/formats/trace.js'

const own = { serial: 7, tree: 'a'.repeat(64), treePublished: '2026-11-22T03:00:00.000Z', syncedAt: '2026-11-22T03:00:05.000Z', checkedAt: '2026-11-22T04:00:00.000Z' }

t.test('composeTrace: own entry first, downstream ones behind it with this mirror prefixed, loops dropped', async t => {
  const fromB = composeTrace('b', { ...own, serial: 6 }, [composeTrace('c', { ...own, serial: 5 }, [])])
  t.same(fromB.entries.map(e => e.path), [['b'], ['b', 'c']])
  const fromA = composeTrace('a', own, [fromB, { format: TRACE_FORMAT, entries: [{ ...own, path: ['b', 'a'] }] }])
  t.same(fromA.entries.map(e => [e.path.join('>'), e.serial]), [['a', 7], ['a>b', 6], ['a>b>c', 5]], 'the entry naming a again (a loop) is dropped')
  t.same(parseTrace(JSON.stringify(fromA), 'a', 'x').entries.length, 3, 'round trip')
})

t.test('parseTrace: refuses what a mirror may not say', async t => {
  const good = composeTrace('a', own, [])
  t.throws(() => parseTrace(JSON.stringify(good), 'b', 'b/TRACE.json'), { code: 'TRACE_INVALID', message: /mirror 'b' reports for 'a'/ }, 'speaking for a sibling')
  t.throws(() => parseTrace('{', 'a', 'x'), { code: 'TRACE_INVALID', message: /not JSON/ })
  t.throws(() => parseTrace(JSON.stringify({ ...good, extra: 1 }), 'a', 'x'), { code: 'TRACE_INVALID' }, 'unknown keys')
  t.throws(() => parseTrace(JSON.stringify({ format: TRACE_FORMAT, entries: [{ ...own, path: ['../x'] }] }), '../x', 'x'), { code: 'TRACE_INVALID' }, 'a bad name')
  t.throws(() => parseTrace(' '.repeat(TRACE_MAX_BYTES + 1), 'a', 'x'), { code: 'TRACE_INVALID', message: /larger than/ })
  t.throws(() => parseTrace(JSON.stringify({ format: TRACE_FORMAT, entries: [{ ...own, serial: -1, path: ['a'] }] }), 'a', 'x'), { code: 'TRACE_INVALID' }, 'a negative serial')
})
