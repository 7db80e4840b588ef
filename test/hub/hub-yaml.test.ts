import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { HubConfigSchema, loadHubConfig } from '../../lib/config/hub.js'
import { validateConfig } from '../../lib/config/load.js'
import { durationText, hubYamlValues, sizeText, writeHubYaml } from '../../hub/hub-yaml.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC++UWLTC9PyBAlpUkTjqoMLnnluSOjEEK6ZNdLFmGD3'

t.test('durations and sizes are written as text in their largest exact unit', async t => {
  t.equal(durationText(86_400_000), '1d')
  t.equal(durationText(129_600_000), '36h')
  t.equal(durationText(30_000), '30s')
  t.equal(durationText(1500), '1500ms')
  t.equal(sizeText(50 * 1024 ** 3), '50G')
  t.equal(sizeText(1000), 1000)
})

t.test('writing the loaded config back gives the same config (durations are not read as seconds)', async t => {
  const dir = t.testdir()
  const file = join(dir, 'hub.yaml')
  const raw = { limits: { loginGraceTime: '20s', maxAuthTries: 3 }, retention: { daily: 7 }, services: { wiki: { key: KEY, quota: '50G', every: '36h', retention: { keepLast: 10, archive: '30d' } }, blog: { key: KEY } } }
  const config = validateConfig(HubConfigSchema, raw, file)
  const values = hubYamlValues(config)
  t.matchSnapshot(values, 'hub.yaml values')
  await writeHubYaml(file, values)
  t.equal((await fs.stat(file)).mode & 0o777, 0o600)
  const back = await loadHubConfig(file)
  t.same(back.config, config)
})

t.test('verify (the scheduled store check) is off when absent; prune runs hourly unless set', async t => {
  const file = join(t.testdir(), 'hub.yaml')
  const bare = validateConfig(HubConfigSchema, {}, file)
  t.equal(bare.verify, undefined, 'no verify block: no scheduled verification')
  t.same(bare.prune, { every: 3_600_000 }, 'the retention pass: hourly')
  t.equal(hubYamlValues(bare).verify, undefined, 'and none is written back')
  t.same(validateConfig(HubConfigSchema, { verify: {} }, file).verify, { every: 7 * 86_400_000, restoreTest: true }, 'an empty block: the restore drill weekly')
  const set = validateConfig(HubConfigSchema, { verify: { every: '3d', restoreTest: false }, prune: { every: '15m' } }, file)
  t.same([set.verify, set.prune], [{ every: 3 * 86_400_000, restoreTest: false }, { every: 900_000 }])
  const values = hubYamlValues(set)
  t.same([values.verify, values.prune], [{ every: '3d', restoreTest: false }, { every: '15m' }], 'written back as text')
  await writeHubYaml(file, values)
  t.same((await loadHubConfig(file)).config, set, 'and read back the same')
  t.throws(() => validateConfig(HubConfigSchema, { verify: { every: 'weekly' } }, file), { code: 'CONFIG_INVALID', message: /at 'verify\.every': expected a duration like 36h or 7d/ })
  t.throws(() => validateConfig(HubConfigSchema, { verify: { restoreTest: 'yes' } }, file), { code: 'CONFIG_INVALID', message: /at 'verify\.restoreTest'/ })
  t.throws(() => validateConfig(HubConfigSchema, { verify: { evry: '7d' } }, file), { code: 'CONFIG_INVALID', message: /unknown key 'evry'/ })
})
