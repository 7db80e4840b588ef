/**
 * `roost spoke run` around its hooks, against a real hub on 127.0.0.1 (a run reads the hub's
 * status before it decides anything): a failing pre hook makes nothing and still runs the
 * post hook; a failing post hook after a failing archive is reported with it; an unreachable
 * hub fails the run before any hook runs.
 */
import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { makeServiceTree } from '../helpers/fixtures.js'
import { roost, startHub, type RunningHub } from '../helpers/roost.js'
import { dumpYaml } from '../../lib/config/load.js'

const top = t.testdir()
let hub: RunningHub | undefined
let services = 0

/** One hub for the file, started on first use. */
async function theHub(): Promise<RunningHub> {
  if (hub) return hub
  const root = join(top, 'hub')
  const init = await roost(['hub', 'init', root, '--port', '0'])
  if (init.exitCode !== 0) throw new Error(init.stderr)
  hub = await startHub(root)
  t.teardown(() => hub?.stop())
  return hub
}

/** A spoke root registered on the hub (or pointing at port 1 when `reachable` is false). */
async function spokeRoot(dir: string, extra: Record<string, unknown>, reachable = true): Promise<string> {
  await fs.mkdir(join(dir, 'keys'), { mode: 0o700 })
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', join(dir, 'keys', 'spoke_ed25519')])
  const service = `svc${++services}`
  let endpoint = { host: '127.0.0.1', port: 1, hostKey: '' }
  const h = await theHub()
  endpoint.hostKey = (await fs.readFile(join(h.root, 'keys', 'host_ed25519.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')
  if (reachable) {
    endpoint = { ...endpoint, port: h.port }
    const keyLine = (await fs.readFile(join(dir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
    const add = await roost(['hub', 'add-service', service, '--key', keyLine, '--config', h.config])
    if (add.exitCode !== 0) throw new Error(add.stderr)
  }
  const file = join(dir, 'spoke.yaml')
  await fs.writeFile(file, dumpYaml({ service, hub: endpoint, sources: [join(dir, 'data')], ...extra }))
  await makeServiceTree(join(dir, 'data'), { largeBytes: 1024 })
  return file
}

t.test('a failing pre hook fails the run: no generation made, post hook still ran', async t => {
  const dir = t.testdir()
  const config = await spokeRoot(dir, {
    hooks: {
      pre: [{ name: 'dump the database', run: ['sh', '-c', 'echo "database is down" >&2; exit 7'] }],
      post: [{ name: 'maintenance off', run: ['touch', join(dir, 'post-ran')] }],
    },
  })
  const r = await roost(['spoke', 'run', '--config', config])
  t.equal(r.exitCode, 1, r.stderr)
  t.match(r.stderr, /pre hook 'dump the database' exited 7: database is down; no generation was made/)
  t.match(r.stderr, /HOOK_FAILED/)
  t.ok(await fs.stat(join(dir, 'post-ran')), 'the post hook ran')
  t.same(await fs.readdir(join(dir, 'state', 'generations')), [], 'no generation folder is left')
  await t.rejects(fs.stat(join(dir, 'state', 'lock')), 'the lock is released')
})

t.test('a failing post hook after a failing archive is reported with it', async t => {
  const dir = t.testdir()
  const config = await spokeRoot(dir, {
    sources: [join(dir, 'missing')],
    hooks: { post: [{ name: 'maintenance off', run: ['sh', '-c', 'exit 4'] }] },
  })
  const r = await roost(['spoke', 'run', '--config', config])
  t.equal(r.exitCode, 1)
  t.match(r.stderr, /tar.*also post hook 'maintenance off' exited 4/s)
  t.same(await fs.readdir(join(dir, 'state', 'generations')), [])
  t.same(await fs.readdir(join(dir, 'state', 'snapshots')).catch(() => []), [], 'no snapshot is kept')
})

t.test('an unreachable hub fails the run before any hook runs', async t => {
  const dir = t.testdir()
  const config = await spokeRoot(dir, { hooks: { pre: [{ name: 'maintenance on', run: ['touch', join(dir, 'pre-ran')] }] } }, false)
  const r = await roost(['spoke', 'run', '--config', config])
  t.equal(r.exitCode, 1)
  t.match(r.stderr, /HUB_UNREACHABLE/)
  t.match(r.stderr, /cannot read this service's status from the hub: .*no generation was made/)
  await t.rejects(fs.stat(join(dir, 'pre-ran')), 'the service was never disturbed')
  t.same(await fs.readdir(join(dir, 'state', 'generations')), [])
})
