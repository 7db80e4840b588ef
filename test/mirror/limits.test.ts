import t from 'tap'
import { checkDisk, hoursWindow } from '../../mirror/limits.js'

const local = (h: number, m = 0) => new Date(2026, 11, 6, h, m, 0, 0)

t.test('hoursWindow: inside or not, and how long until it changes; windows may cross midnight', async t => {
  t.same(hoursWindow('01:00-07:00', local(3)), { inside: true, ms: 4 * 3_600_000 })
  t.same(hoursWindow('01:00-07:00', local(7)), { inside: false, ms: 18 * 3_600_000 }, 'the end is outside')
  t.same(hoursWindow('01:00-07:00', local(0, 30)), { inside: false, ms: 30 * 60_000 })
  t.same(hoursWindow('22:00-06:00', local(23)), { inside: true, ms: 7 * 3_600_000 })
  t.same(hoursWindow('22:00-06:00', local(5, 59)), { inside: true, ms: 60_000 })
  t.same(hoursWindow('22:00-06:00', local(12)), { inside: false, ms: 10 * 3_600_000 })
  t.same(hoursWindow('00:00-00:00', local(12)), { inside: true, ms: Infinity }, 'equal ends: all day')
})

t.test('checkDisk: the cap and the free space, with nothing fetched when refused', async t => {
  const G = 1024 ** 3
  t.doesNotThrow(() => checkDisk({ held: 40 * G, incoming: 5 * G, free: 100 * G, cap: 50 * G }))
  t.throws(() => checkDisk({ held: 46 * G, incoming: 5 * G, free: 100 * G, cap: 50 * G }), { code: 'DISK_CAP', message: /beyond limits.disk \(50\.0 GiB\); nothing was fetched/ })
  t.throws(() => checkDisk({ held: 0, incoming: 5 * G, free: 5 * G }), { code: 'DISK_CAP', message: /has 5\.0 GiB free/ }, 'the 1 % margin')
  t.doesNotThrow(() => checkDisk({ held: 0, incoming: 0, free: 0 }), 'nothing to fetch needs no room')
})
