/**
 * The spoke against a real hub on 127.0.0.1: init pins the running hub's host key, a run is
 * accepted into the store, a run after a small change sends far less than the archive (the
 * hub's previous full is the delta basis), an unreachable hub fails a run before it makes
 * anything, a generation cut off by its budget is finished by the next run, and list shows
 * what the hub and this host hold.
 */
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { ROOST, roost, startHub, type RunningHub, NODE_SH } from '../helpers/roost.js'
import { loadSpokeConfig } from '../../lib/config/spoke.js'
import { waitForVerdict } from '../../spoke/deliver.js'
import { prepareTarget } from '../../spoke/upload.js'
import { makeServiceTree, mutateTree } from '../helpers/fixtures.js'
import { GENERATION_RE } from '../../lib/formats/names.js'

const SVC = 'wiki'

interface RunJson {
  generation: string
  bytes: number
  sent: number
  matched: number
  resumed: { generation: string; how: string }[]
  deleted: string[]
}

async function spokeRun(t: Test, config: string, args: string[] = [], expectExit = 0): Promise<RunJson> {
  const r = await roost(['spoke', 'run', '--config', config, '--json', ...args], { timeout: 60_000 })
  t.equal(r.exitCode, expectExit, `spoke run exit ${expectExit}\n${r.stderr}`)
  return (r.exitCode === 0 ? JSON.parse(r.stdout) : {}) as RunJson
}

t.test('spoke init, run, delta run, resume and list against a running hub', async t => {
  const dir = t.testdir()
  const data = join(dir, 'srv', SVC)
  await makeServiceTree(data, { seed: SVC, largeBytes: 24 * 1024 * 1024 })
  const hubRoot = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', hubRoot, '--port', '0'])).exitCode, 0, 'hub init')
  const hub: RunningHub = await startHub(hubRoot)
  t.teardown(() => hub.stop())
  const spokeDir = join(dir, 'spoke')
  const config = join(spokeDir, 'spoke.yaml')

  const init = await roost(['spoke', 'init', '--service', SVC, '--hub', `127.0.0.1:${hub.port}`, '--source', data, '--dir', spokeDir, '--json'])
  t.equal(init.exitCode, 0, init.stderr)
  const setup = JSON.parse(init.stdout) as { register: string; key: { line: string }; hub: { hostKey: string; pinnedFrom: string } }
  const hostPub = (await fs.readFile(join(hubRoot, 'keys', 'host_ed25519.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')
  t.equal(setup.hub.hostKey, hostPub, "init pinned the running hub's host key")
  t.equal(setup.hub.pinnedFrom, 'ssh-keyscan')
  const add = await roost(['hub', 'add-service', SVC, '--key', setup.key.line, '--config', join(hubRoot, 'hub.yaml')])
  t.equal(add.exitCode, 0, add.stderr)

  const first = await spokeRun(t, config)
  const stored = join(hubRoot, 'store', SVC, first.generation)
  t.ok(await fs.stat(join(stored, 'data.tar.zst')), 'the hub stored data.tar.zst')
  t.ok(await fs.stat(join(stored, 'manifest.json')), 'and the manifest')
  t.ok(first.sent > first.bytes / 10, 'the first upload sends the archive (compressed on the wire)')

  await mutateTree(data, 'day1')
  const second = await spokeRun(t, config, ['--kind', 'full'])
  t.not(second.generation, first.generation)
  t.ok(second.sent < first.bytes / 10, `the second full sends far less (${second.sent} bytes) than the archive (${second.bytes} bytes)`)
  t.ok(second.matched > second.bytes / 2, "most of it was found in the hub's previous full")
  t.same(second.deleted, [first.generation], 'local retention removed the older accepted generation')

  // a run that cannot reach the hub fails before it makes anything
  await fs.writeFile(join(data, 'data', 'new-day2.txt'), 'made on day 2\n') // mutateTree runs once per tree
  const offline = join(spokeDir, 'spoke-offline.yaml')
  await fs.writeFile(offline, (await fs.readFile(config, 'utf8')).replace(/port: \d+/, 'port: 1'), { mode: 0o600 })
  const unreachable = await roost(['spoke', 'run', '--config', offline])
  t.equal(unreachable.exitCode, 1, 'an unreachable hub fails the run')
  t.match(unreachable.stderr, /cannot read this service's status from the hub: .*no generation was made/)
  const generations = async () => (await fs.readdir(join(spokeDir, 'state', 'generations'))).filter(n => !n.startsWith('.'))
  t.same(await generations(), [second.generation], 'and leaves nothing behind')

  // a run whose time budget is spent before the upload keeps its generation; the next run finishes it first
  await spokeRun(t, config, ['--time-budget', '1ms'], 1)
  const pending = (await generations()).filter(n => n !== second.generation)
  t.equal(pending.length, 1, 'the generation cut off by its budget is kept locally')
  const fourth = await spokeRun(t, config)
  t.same(fourth.resumed.map(r => r.generation), pending, 'the next run uploaded it first')
  t.ok(await fs.stat(join(hubRoot, 'store', SVC, pending[0]!, 'data.tar.zst')), 'and the hub accepted it')

  // a post hook that spoils the archive after it was hashed: the hub rejects it, the run fails
  const spoil = join(spokeDir, 'spoke-spoil.yaml')
  const hook = `post:\n    - name: spoil\n      run: [sh, -c, 'printf X | dd of=${spokeDir}/state/generations/.making-$ROOST_GENERATION/data.tar bs=1 seek=5000 conv=notrunc']`
  await fs.writeFile(spoil, (await fs.readFile(config, 'utf8')).replace('post: []', hook), { mode: 0o600 })
  const rejected = await roost(['spoke', 'run', '--config', spoil])
  t.equal(rejected.exitCode, 1, rejected.stderr)
  t.match(rejected.stderr, /the hub rejected \S+-incr: .*\[ARRIVAL_REJECTED\]/)

  const list = await roost(['spoke', 'list', '--config', config, '--json'])
  t.equal(list.exitCode, 0, list.stderr)
  const rows = (JSON.parse(list.stdout) as { generations: { generation: string; onHub: boolean; local: string | null }[] }).generations
  const onHub = (await fs.readdir(join(hubRoot, 'store', SVC))).filter(n => GENERATION_RE.test(n)).sort()
  t.same(rows.filter(r => r.onHub).map(r => r.generation), onHub, "list shows what the hub's store holds (its retention may have pruned the first full)")
  t.ok([second.generation, pending[0]!, fourth.generation].every(g => onHub.includes(g)), 'the newest accepted and its chain are on the hub')
  t.same(rows.filter(r => r.local).map(r => [r.generation, r.local, r.onHub]), [
    [second.generation, 'accepted', true],
    [pending[0], 'accepted', true],
    [fourth.generation, 'accepted', true],
    [rows.at(-1)!.generation, 'rejected', false],
  ], 'kept locally: the newest accepted, the chain it builds on (incr → incr → full), and the rejected one')

  // on a terminal (a real pty made by util-linux script): the archive and upload progress lines are drawn and ended
  await fs.writeFile(join(data, 'data', 'pty.txt'), 'a change for the run on a terminal\n')
  const tty = spawnSync('script', ['-qec', `${NODE_SH} ${ROOST} spoke run --config ${config}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, ROOST_LOG_LEVEL: 'warn' }, timeout: 60_000 })
  t.equal(tty.status, 0, 'spoke run on a terminal', { stdout: tty.stdout })
  t.match(tty.stdout, /archive: /, 'the archive step shows its progress')
  t.match(tty.stdout, /upload: data\.tar [\d.]+ \w*B of [\d.]+ \w*B \(\d+%\)/, 'the upload shows bytes through rsync of the archive size')

  // waiting for a verdict that never comes: each ask is an ssh login, so asks back off (0.5 s,
  // then half again longer, up to 5 s): over 8 s that is 6 or 7 logins, where asking every
  // 0.5 s made 12 (50 spokes waiting at once were ~100 logins a second, and the hub choked)
  const { config: cfg, paths } = await loadSpokeConfig(config)
  const logins = (): number => hub.logs().split('\n').filter(l => l.includes('"msg":"authenticated"') && l.includes(`"user":"${SVC}"`)).length
  const before = logins()
  const waited = await waitForVerdict(await prepareTarget(cfg, paths), '20991231T000000Z-full', { verdictTimeoutMs: 8000, tmpRoot: paths.state })
  t.equal(waited.verdict, 'pending', 'no verdict for a generation the hub never got')
  const asked = logins() - before
  t.ok(asked >= 5 && asked <= 9, `${asked} logins while waiting 8 s (backing off: 6–7; asking every 0.5 s: 12)`)
})
