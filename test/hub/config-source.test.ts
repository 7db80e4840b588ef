import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { createConfigSource } from '../../hub/config-source.js'
import { silentLogger } from '../../lib/log.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC++UWLTC9PyBAlpUkTjqoMLnnluSOjEEK6ZNdLFmGD3'

t.test('re-reads hub.yaml when it changes and keeps the last good config when it turns invalid', async t => {
  const dir = t.testdir({ 'hub.yaml': 'services: {}\n' })
  const file = join(dir, 'hub.yaml')
  const source = await createConfigSource(file, silentLogger())
  t.same(Object.keys(source.get().config.services), [])
  t.equal(source.get().paths.root, dir)

  await fs.writeFile(file, `services:\n  wiki:\n    key: ${KEY}\n`)
  const after = await source.refresh()
  t.same(Object.keys(after.config.services), ['wiki'], 'refresh sees the new service at once')

  await fs.writeFile(file, 'services:\n  wiki:\n    key: not-a-key\n    extra: 1\n')
  t.same(Object.keys((await source.refresh()).config.services), ['wiki'], 'an invalid file keeps the last good config')
  await fs.rm(file)
  t.same(Object.keys((await source.refresh()).config.services), ['wiki'], 'so does a missing file')

  await fs.writeFile(file, 'services: {}\nmirrors:\n  m1:\n    key: ' + KEY + '\n')
  source.get() // a stat sees the change and starts the re-read
  await source.refresh()
  t.same(Object.keys(source.get().config.mirrors), ['m1'])
})

t.test('a hub.yaml that is invalid at start is an error', async t => {
  const dir = t.testdir({ 'hub.yaml': 'nope: 1\n' })
  await t.rejects(createConfigSource(join(dir, 'hub.yaml'), silentLogger()), { code: 'CONFIG_INVALID' })
})
