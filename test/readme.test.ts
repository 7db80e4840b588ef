/**
 * Keeps the README honest: every example config in it must load with the real schemas
 * (placeholder keys swapped for a real key line), and the two quick-start commands must be
 * the ones CI and the scripts use.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import * as yaml from 'js-yaml'
import { REPO } from './helpers/roost.js'
import { validateConfig } from '../lib/config/load.js'
import { HubConfigSchema } from '../lib/config/hub.js'
import { SpokeConfigSchema } from '../lib/config/spoke.js'
import { MirrorConfigSchema } from '../lib/config/mirror.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG2VQ6ESNrrFsf1rtkQwJI2ti8Tlp2X6VXRkKBY9gh7I'

t.test('every YAML example in the README is a valid config for its role', async t => {
  const readme = await fs.readFile(join(REPO, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/`([^`\n]+\.yaml)`[^\n]*\n\n```yaml\n([\s\S]*?)```/g)]
  const seen: string[] = []
  for (const [, file, body] of blocks) {
    const text = body!.replace(/ssh-ed25519 AAAAC3Nza…( [\w-]+)?/g, KEY)
    const raw = yaml.load(text)
    const name = file!.split('/').pop()!
    const schema = name === 'hub.yaml' ? HubConfigSchema : name === 'spoke.yaml' ? SpokeConfigSchema : MirrorConfigSchema
    t.doesNotThrow(() => validateConfig(schema as typeof HubConfigSchema, raw, name), `${file} in the README loads`)
    seen.push(name)
  }
  t.same(seen.sort(), ['hub.yaml', 'mirror.yaml', 'spoke.yaml'], 'the README shows a config for each role')
})

t.test('the quick start is two commands, and CI runs the same test command', async t => {
  const readme = await fs.readFile(join(REPO, 'README.md'), 'utf8')
  const quick = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  const commands = quick.split('\n').map(l => l.replace(/#.*$/, '').trim()).filter(Boolean)
  t.same(commands, ['bash scripts/quickstart.sh', 'npm test'])
  const ci = await fs.readFile(join(REPO, '.ci', 'run'), 'utf8')
  t.match(ci, /^npm test 2>&1/m, 'CI runs the README test command')
  t.ok(await fs.stat(join(REPO, 'scripts', 'quickstart.sh')), 'the quick start script exists')
})
