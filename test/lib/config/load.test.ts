import t, { type Test } from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { loadConfig } from '../../../lib/config/load.js'
import { HubConfigSchema } from '../../../lib/config/hub.js'
import { SpokeConfigSchema } from '../../../lib/config/spoke.js'
import { parseSize, parseDuration } from '../../../lib/config/units.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG2VQ6ESNrrFsf1rtkQwJI2ti8Tlp2X6VXRkKBY9gh7I roost'

t.test('sizes and durations', async t => {
  t.equal(parseSize('700M'), 700 * 1024 ** 2)
  t.equal(parseSize('4.7G'), Math.round(4.7 * 1024 ** 3))
  t.equal(parseSize('512'), 512)
  t.equal(parseSize('12 GiB'), 12 * 1024 ** 3)
  t.equal(parseSize('lots'), undefined)
  t.equal(parseDuration('36h'), 36 * 3_600_000)
  t.equal(parseDuration('7d'), 7 * 86_400_000)
  t.equal(parseDuration('30s'), 30_000)
  t.equal(parseDuration('soon'), undefined)
})

async function check(t: Test, name: string, yaml: string, schema: typeof HubConfigSchema | typeof SpokeConfigSchema, message: RegExp) {
  const dir = t.testdir()
  const file = join(dir, name)
  await fs.writeFile(file, yaml)
  await t.rejects(loadConfig(schema, file), { code: 'CONFIG_INVALID', exitCode: 2, message }, message.source)
}

t.test('one line naming the file and the key for each kind of mistake', async t => {
  await check(t, 'hub.yaml', 'listen: {port: 22}\nbogus: 1\n', HubConfigSchema, /^hub\.yaml: at the top level: unknown key 'bogus'$/)
  await check(t, 'hub.yaml', `services:\n  wiki:\n    key: ${KEY}\n    quota: lots\n`, HubConfigSchema, /^hub\.yaml: at 'services\.wiki\.quota': expected a size like 50G/)
  await check(t, 'hub.yaml', 'listen:\n  port: "twenty"\n', HubConfigSchema, /^hub\.yaml: at 'listen\.port': /)
  await check(t, 'hub.yaml', 'services:\n  Bad_Name:\n    key: x\n', HubConfigSchema, /^hub\.yaml: at 'services\.Bad_Name'/)
  await check(t, 'spoke.yaml', `service: wiki\nhub: {host: h, hostKey: '${KEY}'}\nsources: [relative/path]\n`, SpokeConfigSchema, /^spoke\.yaml: at 'sources\.0': expected an absolute path/)
  await check(t, 'spoke.yaml', `service: wiki\nsources: [/srv]\n`, SpokeConfigSchema, /^spoke\.yaml: at 'hub': /)
  await check(t, 'hub.yaml', 'listen: [unclosed\n', HubConfigSchema, /^hub\.yaml: .*line/)
  const hook = (env: string): string => `service: wiki\nhub: {host: h, hostKey: '${KEY}'}\nsources: [/srv]\nhooks:\n  pre:\n    - {name: dump, run: ['true'], env: ${env}}\n`
  await check(t, 'spoke.yaml', hook('{ROOST_KIND: full}'), SpokeConfigSchema, /^spoke\.yaml: at 'hooks\.pre\.0\.env\.ROOST_KIND': ROOST_KIND: ROOST_\* variables are set by roost/)
  await check(t, 'spoke.yaml', hook("{'BAD NAME': x}"), SpokeConfigSchema, /^spoke\.yaml: at 'hooks\.pre\.0\.env\.BAD NAME': 'BAD NAME' is not an environment variable name/)
})

t.test('a missing file is exit 2 and names the file', async t => {
  await t.rejects(loadConfig(HubConfigSchema, '/nonexistent/hub.yaml'), { code: 'CONFIG_MISSING', exitCode: 2, message: /\/nonexistent\/hub\.yaml/ })
})

t.test('a valid config gets its defaults and is frozen', async t => {
  const dir = t.testdir()
  const file = join(dir, 'hub.yaml')
  await fs.writeFile(file, `services:\n  wiki:\n    key: ${KEY}\n    quota: 50G\n    every: 1d\n`)
  const c = await loadConfig(HubConfigSchema, file)
  t.equal(c.listen.port, 2222)
  t.equal(c.services.wiki?.quota, 50 * 1024 ** 3)
  t.equal(c.limits.maxAuthTries, 6)
  t.ok(Object.isFrozen(c.services))
})
