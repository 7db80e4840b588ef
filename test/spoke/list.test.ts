import t from 'tap'
import { mergeGenerations, renderList } from '../../spoke/list.js'

t.test('hub and local generations side by side, with kind and label (golden)', async t => {
  const rows = mergeGenerations(
    ['20261120T030000Z-full', '20261121T030000Z-incr'],
    [
      { generation: '20261121T030000Z-incr', state: 'accepted', label: 'pre-update' },
      { generation: '20261122T030000Z-diff', state: 'pending' },
    ],
  )
  t.same(rows, [
    { generation: '20261120T030000Z-full', kind: 'full', onHub: true, local: null, label: null },
    { generation: '20261121T030000Z-incr', kind: 'incr', onHub: true, local: 'accepted', label: 'pre-update' },
    { generation: '20261122T030000Z-diff', kind: 'diff', onHub: false, local: 'pending', label: null },
  ])
  t.matchSnapshot(renderList({ service: 'wiki', generations: rows }), 'text')
  t.match(renderList({ service: 'wiki', generations: [] }), /no generations/)
})
