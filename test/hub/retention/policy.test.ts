import t from 'tap'
import { HubConfigSchema, retentionPolicy } from '../../../lib/config/hub.js'
import { validateConfig } from '../../../lib/config/load.js'
import { isRoostError } from '../../../lib/errors.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG2VQ6ESNrrFsf1rtkQwJI2ti8Tlp2X6VXRkKBY9gh7I'
const DAY = 86_400_000

t.test('retention defaults: last 3, daily 14, weekly 8, monthly 12, yearly 5, archive 90d, burst 4', async t => {
  const config = validateConfig(HubConfigSchema, { services: { wiki: { key: KEY } } }, 'hub.yaml')
  t.same(retentionPolicy(config, 'wiki'), { keepLast: 3, daily: 14, weekly: 8, monthly: 12, yearly: 5, archive: 90 * DAY, burst: 4, every: DAY })
})

t.test("a service's retention overrides any subset of the hub's, and its cadence is its `every`", async t => {
  const config = validateConfig(
    HubConfigSchema,
    { retention: { daily: 30, archive: '365d', burst: 10 }, services: { wiki: { key: KEY, every: '6h', retention: { keepLast: 10, archive: '30d' } }, blog: { key: KEY } } },
    'hub.yaml',
  )
  t.same(retentionPolicy(config, 'wiki'), { keepLast: 10, daily: 30, weekly: 8, monthly: 12, yearly: 5, archive: 30 * DAY, burst: 10, every: 6 * 3_600_000 })
  t.same(retentionPolicy(config, 'blog'), { keepLast: 3, daily: 30, weekly: 8, monthly: 12, yearly: 5, archive: 365 * DAY, burst: 10, every: DAY })
  t.equal(retentionPolicy(config, 'gone').every, DAY, 'a service no longer in hub.yaml gets the hub rules')
})

t.test('a wrong retention value is one line naming the key', async t => {
  for (const [raw, where] of [
    [{ retention: { keepLast: -1 } }, "at 'retention.keepLast'"],
    [{ retention: { archive: 'forever' } }, "at 'retention.archive': expected a duration"],
    [{ retention: { burst: 0 } }, "at 'retention.burst'"],
    [{ retention: { hourly: 24 } }, "at 'retention': unknown key 'hourly'"],
    [{ services: { wiki: { key: KEY, retention: { weekly: 1.5 } } } }, "at 'services.wiki.retention.weekly'"],
  ] as const) {
    const err = (() => {
      try {
        validateConfig(HubConfigSchema, raw, '/etc/roost/hub.yaml')
      } catch (e) {
        return e
      }
    })()
    t.ok(isRoostError(err, 'CONFIG_INVALID'), JSON.stringify(raw))
    t.match((err as Error).message, `hub.yaml: ${where}`)
  }
})
