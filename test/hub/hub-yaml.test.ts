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
