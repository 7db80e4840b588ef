import t from 'tap'
import { rejectedName } from '../../../hub/ingest/reject.js'

const AT = new Date('2026-11-22T03:04:05.678Z')

t.test('a rejected folder is named for the arrival and the hub time', async t => {
  t.equal(rejectedName('20261122T030000Z-full', AT), '20261122T030000Z-full-20261122T030405.678Z')
})

t.test('a folder name that is not a generation id is sanitised', async t => {
  t.equal(rejectedName('../../etc', AT), 'etc-20261122T030405.678Z')
  t.equal(rejectedName('a b/c\nd', AT), 'a_b_c_d-20261122T030405.678Z')
  t.equal(rejectedName('...', AT), 'arrival-20261122T030405.678Z')
  t.equal(rejectedName('x'.repeat(300), AT).length, 80 + 1 + 20)
})
