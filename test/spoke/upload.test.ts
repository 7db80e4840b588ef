import t from 'tap'
import { basisFor, bwlimitKiB, isMissing, judgeStatus, parseListing, parseRsyncStats, uploadArgs, uploadGeneration } from '../../spoke/upload.js'
import { RoostError } from '../../lib/errors.js'
import { MAX_POLL_MS, nextPoll } from '../../spoke/deliver.js'
import type { ServiceStatus } from '../../lib/formats/status.js'

const STATS = `
Number of files: 1 (reg: 1)
Total file size: 10,240 bytes
Literal data: 3,000,000 bytes
Matched data: 7,340,032 bytes
File list size: 0
Total bytes sent: 1,234,567
Total bytes received: 35

sent 1,234,567 bytes  received 35 bytes  692.00 bytes/sec
`

t.test('rsync --stats figures, with or without thousands separators', async t => {
  t.same(parseRsyncStats(STATS), { sent: 1234567, literal: 3000000, matched: 7340032 })
  t.same(parseRsyncStats('Total bytes sent: 311\nLiteral data: 10240 bytes\n'), { sent: 311, literal: 10240, matched: 0 })
  t.same(parseRsyncStats(''), { sent: 0, literal: 0, matched: 0 })
})

t.test('the upload argv: data.tar against the basis of its kind, stats on (golden)', async t => {
  const target = { host: 'hub.example', port: 2222, user: 'wiki', key: '/etc/roost/keys/spoke_ed25519', knownHosts: '/etc/roost/state/known_hosts' }
  const gen = '20261122T030000Z-incr'
  const argv = uploadArgs(target, `/etc/roost/state/generations/${gen}/data.tar`, gen, { basisDir: basisFor(gen), bwlimit: 20480 })
  t.matchSnapshot(argv, 'upload argv')
  t.same(argv.slice(1, 3), ['--stats', '--ignore-times'])
  t.ok(argv.includes('--partial'), 'a cut upload is kept to resume from')
  t.notOk(argv.some(a => a === '--delay-updates' || a.startsWith('--partial-dir')), 'no partial dir: rrsync pins it where rsync cannot use it')
  t.ok(argv.includes('--copy-dest=/.basis/last'), "an incr's basis is the hub's last generation")
  t.equal(argv.at(-1), 'wiki@hub.example:/20261122T030000Z-incr/')
  t.equal(basisFor('20261122T030000Z-full'), '/.basis/full', "a full's basis is the hub's last full")
  t.equal(basisFor('20261122T030000Z-diff'), '/.basis/last', "a diff's basis is the hub's last generation")
  const manifest = uploadArgs(target, `/etc/roost/state/generations/${gen}/manifest.json`, gen, {}, false)
  t.notOk(manifest.includes('--partial'), 'a cut manifest is never left on the hub')
  t.equal(bwlimitKiB(20 * 1024 * 1024), 20480)
  t.equal(bwlimitKiB(100), 1)
  t.equal(bwlimitKiB(undefined), undefined)
})

t.test('an upload whose time budget is already spent is refused before rsync starts', async t => {
  const target = { host: '127.0.0.1', port: 1, user: 'wiki', key: '/nonexistent', knownHosts: '/nonexistent' }
  await t.rejects(uploadGeneration(target, t.testdir(), '20261122T030000Z-incr', { deadline: Date.now() - 1 }), {
    code: 'BUDGET_EXCEEDED',
    message: /time budget ran out before uploading 20261122T030000Z-incr\/data.tar was done; 20261122T030000Z-incr is kept on this host and the next run resumes it/,
  })
})

t.test('the hub\'s verdict on a generation, read from status.json', async t => {
  const gen = '20261122T030000Z-full'
  const base: ServiceStatus = { format: 'roost-status/1', service: 'wiki', updated: '2026-11-22T03:01:00.000Z', last: null, lastReject: null, wantFull: false, generations: 0 }
  t.same(judgeStatus(undefined, gen), { verdict: 'pending' })
  t.same(judgeStatus(base, gen), { verdict: 'pending' })
  t.same(judgeStatus({ ...base, last: { generation: gen, accepted: '2026-11-22T03:01:00.000Z', bytes: 1 } }, gen), { verdict: 'accepted' })
  t.same(judgeStatus({ ...base, last: { generation: '20261121T030000Z-full', accepted: '2026-11-21T03:01:00.000Z', bytes: 1 } }, gen), { verdict: 'pending' })
  t.same(judgeStatus({ ...base, lastReject: { generation: gen, at: '2026-11-22T03:01:00.000Z', code: 'ARRIVAL_HASH_MISMATCH', message: 'data.tar: sha256 differs' } }, gen), {
    verdict: 'rejected',
    code: 'ARRIVAL_HASH_MISMATCH',
    message: 'data.tar: sha256 differs',
  })
})

t.test('generation folders in a store listing', async t => {
  const listing = [
    'drwxr-xr-x          4,096 2026/11/22 03:01:00 .',
    '-rw-r--r--            312 2026/11/22 03:01:00 status.json',
    'dr-xr-xr-x          4,096 2026/11/22 03:01:00 20261122T030000Z-full',
    'dr-xr-xr-x          4,096 2026/11/21 03:01:00 20261121T030000Z-full',
    'drwxr-xr-x          4,096 2026/11/21 03:01:00 not-a-generation',
    '-rw-r--r--              1 2026/11/21 03:01:00 20261120T030000Z-full',
  ].join('\n')
  t.same(parseListing(listing), ['20261121T030000Z-full', '20261122T030000Z-full'])
})

t.test('a path missing on the hub is told apart from an unreachable hub', async t => {
  const err = (exitCode: number, hint: string) => new RoostError('RSYNC_FAILED', 'x', { hint, detail: { exitCode } })
  t.ok(isMissing(err(23, 'rsync: link_stat "/status.json" failed: No such file or directory (2)')))
  t.ok(isMissing(err(12, '/usr/bin/rrsync error: post-realpath open failed (race detected): /status.json No such file or directory')))
  t.ok(isMissing(err(12, '/usr/bin/rrsync error: Restricted directory does not exist!')))
  t.notOk(isMissing(err(12, 'ssh: connect to host 127.0.0.1 port 1: Connection refused')))
  t.notOk(isMissing(err(255, 'Host key verification failed.')))
  t.notOk(isMissing(new RoostError('TOOL_MISSING', 'rsync is not installed')))
})

t.test('polling for the verdict backs off: 0.5 s, half again each time, at most 5 s', async t => {
  const waits: number[] = []
  let w: number | undefined
  for (let i = 0; i < 10; i++) waits.push((w = nextPoll(w)))
  t.same(waits.slice(0, 4), [500, 750, 1125, 1688])
  t.equal(waits[9], MAX_POLL_MS, 'capped')
  t.equal(nextPoll(undefined, 100), 100, 'the first wait as given')
})
