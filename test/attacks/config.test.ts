/**
 * Configuration and key files an operator (or an attacker with a foot on the host) gets wrong,
 * end to end through the binary: `roost hub serve` and `roost spoke run` must stop before they
 * listen, read or write anything, with exit 2 and one line naming the file (and the key). The
 * parsing of each mistake (malformed YAML, unknown keys, wrong types, key files) is unit-tested
 * in test/lib/config/load.test.ts and test/lib/sign.test.ts; here it is the commands' behaviour.
 * The binary runs for the classic case and for the one that was a bug; the rest call serveHub
 * in-process (what the binary runs), which is cheaper.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { roost, type RoostRun } from '../helpers/roost.js'
import { initHub } from '../../hub/init.js'
import { silentLogger } from '../../lib/log.js'
import { isRoostError } from '../../lib/errors.js'
import { serveHub } from '../../hub/serve.js'
import { scratch, sshKeygen } from './kit.js'

const dir = await scratch('config')
t.teardown(() => fs.rm(dir, { recursive: true, force: true }))
const template = join(dir, 'template')
await initHub({ dir: template, port: 0, host: '127.0.0.1', log: silentLogger(), now: new Date() })

interface Case {
  name: string
  /** Run the binary (exit code, output) or, cheaper, serveHub in-process (the error it throws). */
  binary?: boolean
  /** Spoils a copy of the hub root. */
  spoil: (root: string) => Promise<void>
  code: string
  /** What the one line must say. */
  says: RegExp
}

const cases: Case[] = [
  { name: 'an unknown key', spoil: r => fs.appendFile(join(r, 'hub.yaml'), 'bogus: 1\n'), code: 'CONFIG_INVALID', says: /hub\.yaml: at the top level: unknown key 'bogus'/ },
  { name: 'a host key others can read', binary: true, spoil: r => fs.chmod(join(r, 'keys', 'host_ed25519'), 0o644), code: 'KEY_LOOSE_PERMISSIONS', says: /keys\/host_ed25519 is readable by others \(mode 644\)/ },
  { name: 'an index key its group can read', spoil: r => fs.chmod(join(r, 'keys', 'index_ed25519'), 0o640), code: 'KEY_LOOSE_PERMISSIONS', says: /keys\/index_ed25519 is readable by others \(mode 640\)/ },
  { name: 'a missing host key', spoil: r => fs.rm(join(r, 'keys', 'host_ed25519')), code: 'CONFIG_MISSING', says: /keys\/host_ed25519 cannot be read/ },
  {
    name: 'a host key that cannot be read (a folder in its place)',
    binary: true,
    spoil: async r => {
      await fs.rm(join(r, 'keys', 'host_ed25519'))
      await fs.mkdir(join(r, 'keys', 'host_ed25519'), { mode: 0o700 })
    },
    code: 'CONFIG_MISSING',
    says: /keys\/host_ed25519 cannot be read \(it is a folder\)/,
  },
  { name: 'a host key that is not a key', spoil: r => fs.writeFile(join(r, 'keys', 'host_ed25519'), 'garbage\n', { mode: 0o600 }), code: 'KEY_INVALID', says: /keys\/host_ed25519: not an OpenSSH private key/ },
]

/** What `roost hub serve` would print and exit with, from serveHub in-process (roost.ts renders errors so). */
async function serveInProcess(configFile: string): Promise<RoostRun> {
  try {
    // stop at once should it start: a regression fails here instead of serving forever
    await serveHub({ configFile, log: silentLogger(), now: () => new Date(), stop: Promise.resolve() })
    return { exitCode: 0, stdout: '', stderr: 'it started' }
  } catch (err) {
    if (!isRoostError(err)) return { exitCode: 1, stdout: '', stderr: `roost: internal error: ${String(err)}` }
    return { exitCode: err.exitCode, stdout: '', stderr: `roost: ${err.message} [${err.code}]` }
  }
}

const roots = await Promise.all(
  cases.map(async (c, i) => {
    const root = join(dir, `hub-${i}`)
    await fs.cp(template, root, { recursive: true })
    await c.spoil(root)
    return root
  }),
)
const binaryRuns = new Map(await Promise.all(cases.flatMap((c, i) => (c.binary ? [roost(['hub', 'serve', '--config', join(roots[i]!, 'hub.yaml')], { timeout: 20_000 }).then(r => [i, r] as const)] : []))))

for (const [i, c] of cases.entries()) {
  t.test(`hub serve refuses ${c.name}: exit 2, one line naming it, never listening`, async t => {
    const root = roots[i]!
    const r = binaryRuns.get(i) ?? (await serveInProcess(join(root, 'hub.yaml')))
    t.equal(r.exitCode, 2, r.stderr)
    t.match(r.stderr, c.says)
    t.match(r.stderr, `[${c.code}]`)
    t.notMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace')
    t.notOk(await fs.stat(join(root, 'state', 'listen.json')).catch(() => undefined), 'it never listened')
  })
}

t.test('spoke run refuses a key others can read before it archives or dials anything', async t => {
  const spoke = join(dir, 'spoke')
  const src = join(dir, 'src')
  await fs.mkdir(join(spoke, 'keys'), { recursive: true })
  await fs.mkdir(src)
  await fs.writeFile(join(src, 'file.txt'), 'data\n')
  const key = sshKeygen(join(spoke, 'keys'), 'spoke_ed25519')
  await fs.chmod(key, 0o644)
  const hostKey = (await fs.readFile(join(template, 'keys', 'host_ed25519.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')
  await fs.writeFile(join(spoke, 'spoke.yaml'), `service: wiki\nhub: { host: 127.0.0.1, port: 1, hostKey: '${hostKey}' }\nsources: [${src}]\n`)
  const r: RoostRun = await roost(['spoke', 'run', '--config', join(spoke, 'spoke.yaml')], { timeout: 20_000 })
  t.equal(r.exitCode, 2, r.stderr)
  t.match(r.stderr, /keys\/spoke_ed25519 is readable by others \(mode 644\) \[KEY_LOOSE_PERMISSIONS\]/)
  t.match(r.stderr, /chmod 600/, 'and says what to do')
  const kept = await fs.readdir(join(spoke, 'state', 'generations')).catch(() => [] as string[])
  t.same(kept, [], 'no generation was made')
})
