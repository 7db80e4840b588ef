/**
 * Fault: the hub's disk fills up. The hub root lives on an 8 MiB tmpfs mounted by the test
 * (skipped, with the reason, when mounting is not permitted). A first small generation is
 * accepted; then the spoke uploads one that cannot fit. What must hold: the spoke exits
 * non-zero naming the full disk; nothing of the cut upload enters the store (every stored
 * file byte for byte as before, TREE.json unchanged); the `disk` alert fires through the
 * alerts command; and once space is freed (the file system grown, as an operator would) the
 * hub, still running, accepts the next run's upload.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import * as jsYaml from 'js-yaml'
import { roost, startHub, waitFor, type RunningHub } from '../helpers/roost.js'
import { dumpYaml } from '../../lib/config/load.js'
import { fingerprint, scratch } from '../attacks/kit.js'

const dir = await scratch('disk-full')
const hubRoot = join(dir, 'hub')
await fs.mkdir(hubRoot)
let mounted = false
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'tmpfs', hubRoot], { stdio: 'pipe' })
  mounted = true
} catch (err) {
  t.comment(`mount failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err)}`)
}
let hub: RunningHub | undefined
// one ordered teardown: the hub, then the mount, then the scratch folder
t.teardown(async () => {
  await hub?.stop()
  if (mounted) execFileSync('umount', [hubRoot])
  await fs.rm(dir, { recursive: true, force: true })
})

t.test('an upload that does not fit: refused, alerted, store intact, accepted once space is freed', { skip: mounted ? false : 'mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN)' }, async t => {
  t.equal((await roost(['hub', 'init', hubRoot, '--port', '0'])).exitCode, 0, 'hub init')
  const recorder = join(dir, 'record-alert')
  const alertLog = join(dir, 'alerts.log')
  await fs.writeFile(recorder, `#!/bin/sh\nprintf '%s %s\\n' "$ROOST_ALERT_STATE" "$ROOST_ALERT_KEY" >> ${alertLog}\n`, { mode: 0o755 })
  const config = join(hubRoot, 'hub.yaml')
  const y = jsYaml.load(await fs.readFile(config, 'utf8')) as Record<string, unknown>
  y.alerts = { every: '1s', remind: '1d', diskFree: '2M', command: [recorder] }
  await fs.writeFile(config, dumpYaml(y))
  hub = await startHub(hubRoot)

  const src = join(dir, 'src')
  await fs.mkdir(src)
  await fs.writeFile(join(src, 'small.txt'), 'a small file\n'.repeat(100))
  const spokeDir = join(dir, 'spoke')
  t.equal((await roost(['spoke', 'init', '--service', 'wiki', '--hub', `127.0.0.1:${hub.port}`, '--source', src, '--dir', spokeDir])).exitCode, 0, 'spoke init')
  const key = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  t.equal((await roost(['hub', 'add-service', 'wiki', '--key', key, '--config', config])).exitCode, 0, 'add-service')
  const spokeRun = () => roost(['spoke', 'run', '--config', join(spokeDir, 'spoke.yaml')], { timeout: 60_000 })
  const first = await spokeRun()
  t.equal(first.exitCode, 0, 'the first, small generation is accepted', { stderr: first.stderr.slice(-1500) })

  const store = join(hubRoot, 'store')
  const before = await fingerprint(store)
  const storedGens = async () => (await fs.readdir(join(store, 'wiki'))).filter(n => !n.startsWith('.') && n !== 'status.json').sort()
  const gensBefore = await storedGens()
  t.equal(gensBefore.length, 1)

  // 12 MiB of random data: neither compression nor the basis can make it fit in 8 MiB
  await fs.writeFile(join(src, 'big.bin'), randomBytes(12 * 1024 * 1024))
  const full = await spokeRun()
  t.not(full.exitCode, 0, `the spoke exits non-zero (${full.exitCode})`)
  t.match(full.stderr, /No space left on device/, 'and its message names the full disk')
  t.match(full.stderr, /RSYNC_FAILED|rsync exited/, 'and the upload that failed')
  t.comment(full.stderr.split('\n').filter(l => /No space|rsync exited/.test(l)).slice(0, 2).join('\n').slice(0, 600))

  await waitFor(async () => /^firing disk$/m.test(await fs.readFile(alertLog, 'utf8').catch(() => '')), 15_000, 'the disk alert')
  t.pass('the disk alert fired (alerts command)')
  t.same(await fingerprint(store), before, 'every file in the store is as before (TREE.json included)')
  t.same(await storedGens(), gensBefore, 'no new generation in the store')
  t.same(await fs.readdir(join(hubRoot, 'staging')).catch(() => []), [], 'nothing left in staging/')

  // space freed: the operator grows the file system; the same hub, never restarted, accepts the next run
  execFileSync('mount', ['-o', 'remount,size=64m', hubRoot])
  const next = await spokeRun()
  t.equal(next.exitCode, 0, 'the next run, with room, succeeds', { stderr: next.stderr.slice(-1500) })
  const gensAfter = await storedGens()
  t.ok(gensAfter.length >= 2, `the hub accepted the new generation (${gensAfter.join(', ')})`)
  for (const [path, was] of Object.entries(before)) if (!/(^|\/)(TREE\.json(\.sig)?|status\.json)$/.test(path)) t.equal((await fingerprint(store))[path], was, `${path} unchanged`)
  const v = await roost(['hub', 'verify', '--config', config])
  t.equal(v.exitCode, 0, 'roost hub verify passes', { out: v.stdout.slice(-800) + v.stderr.slice(-800) })
  await waitFor(async () => /^resolved disk$/m.test(await fs.readFile(alertLog, 'utf8').catch(() => '')), 15_000, 'the disk alert to resolve')
  t.pass('the disk alert resolved')
})
