import t from 'tap'
import { mergeGenerations, renderList } from '../../spoke/list.js'

t.test('hub and local generations side by side (golden)', async t => {
  const rows = mergeGenerations(
    ['20261120T030000Z-full', '20261121T030000Z-full'],
    [
      { generation: '20261121T030000Z-full', state: 'accepted' },
      { generation: '20261122T030000Z-full', state: 'pending' },
    ],
  )
  t.same(rows, [
    { generation: '20261120T030000Z-full', onHub: true, local: null },
    { generation: '20261121T030000Z-full', onHub: true, local: 'accepted' },
    { generation: '20261122T030000Z-full', onHub: false, local: 'pending' },
  ])
  t.matchSnapshot(renderList({ service: 'wiki', generations: rows }), 'text')
  t.match(renderList({ service: 'wiki', generations: [] }), /no generations/)
})
