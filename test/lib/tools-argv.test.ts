import t from 'tap'
import { pushArgs, pullArgs, listArgs as rsyncList, rsyncFailure, rsyncRemote } from '../../lib/rsync.js'
import { createArgs, extractArgs, listArgs, ListingCounter } from '../../lib/tar.js'
import { compressArgs, decompressArgs } from '../../lib/zstd.js'
import { sshArgv, rsyncRsh, type SshTarget } from '../../lib/ssh-client.js'

const target: SshTarget = { host: 'hub.example', port: 2222, user: 'wiki', key: '/etc/roost/keys/spoke_ed25519', knownHosts: '/var/lib/roost/state/known_hosts' }

t.test('argv builders (golden)', async t => {
  t.matchSnapshot(sshArgv(target), 'ssh')
  t.matchSnapshot(pushArgs(target, ['/s/gen/data.tar'], '/20261122T030000Z-full', { basisDir: '/.basis', bwlimit: 1000 }), 'rsync push')
  t.matchSnapshot(pullArgs(target, ['/TREE.json', '/TREE.json.sig'], '/m/staging', { compress: false }), 'rsync pull')
  t.matchSnapshot(rsyncList(target, '/'), 'rsync list')
  t.matchSnapshot(createArgs({ sources: ['/srv/wiki', '/var/lib/wiki'], excludes: ['*.tmp', '/srv/wiki/cache'] }), 'tar create')
  t.matchSnapshot(extractArgs('/restore/.stage', { sameOwner: true }), 'tar extract')
  t.matchSnapshot(listArgs(), 'tar list')
  t.matchSnapshot([compressArgs(), decompressArgs()], 'zstd')
})

t.test('rsync -e quotes paths with spaces and refuses a quote', async t => {
  t.match(rsyncRsh({ ...target, key: '/a b/key' }), "-i '/a b/key'")
  t.throws(() => rsyncRsh({ ...target, key: "/a'b/key" }), { code: 'CONFIG_INVALID' })
})

t.test('an IPv6 hub is bracketed', async t => {
  t.match(pushArgs({ ...target, host: '::1' }, ['f'], '/g').at(-1), 'wiki@[::1]:/g/')
})

t.test('the listing counter counts entries by type, across chunk boundaries', async t => {
  const c = new ListingCounter()
  const text = 'drwxr-xr-x root/root 0 2026-01-01 00:00 srv/\n-rw-r--r-- root/root 3 2026-01-01 00:00 srv/a\\nb\nlrwxrwxrwx root/root 0 2026-01-01 00:00 srv/l -> a\nhrw-r--r-- root/root 0 2026-01-01 00:00 srv/h link to srv/a\nprw-r--r-- root/root 0 2026-01-01 00:00 srv/fifo'
  c.write(Buffer.from(text.slice(0, 50)))
  c.end(Buffer.from(text.slice(50)))
  await new Promise(r => c.on('finish', r))
  t.same(c.counts, { entries: 5, files: 1, dirs: 1, symlinks: 1, hardlinks: 1, other: 1, bytes: 0 })
})

t.test("rsync's failures in words: lost connection, unreachable, refused key, host key, the rest by exit code", async t => {
  const cut = 'rsync: connection unexpectedly closed (786731 bytes received so far) [receiver]\nrsync error: error in rsync protocol data stream (code 12) at io.c(285) [receiver=3.5.0]'
  t.equal(rsyncFailure(12, cut, '10.0.0.1'), 'the connection to 10.0.0.1 was lost mid-transfer (rsync exited 12: a cut link, or 10.0.0.1 stopped)')
  t.match(rsyncFailure(255, 'client_loop: send disconnect: Broken pipe', 'hub'), /connection to hub was lost/)
  t.equal(rsyncFailure(255, 'ssh: connect to host 10.0.0.1 port 2222: No route to host', '10.0.0.1'), 'could not reach 10.0.0.1 (No route to host)')
  t.equal(rsyncFailure(255, 'ssh: connect to host h port 22: Connection refused'), 'could not reach the other end (Connection refused)')
  t.equal(rsyncFailure(255, 'ssh: connect to host h port 22: Connection timed out', 'h'), 'could not reach h (Connection timed out)')
  t.equal(rsyncFailure(255, 'Connection timed out during banner exchange', 'h'), 'could not reach h (Connection timed out)')
  t.match(rsyncFailure(255, 'wiki@roost-upstream: Permission denied (publickey).', 'hub'), /hub refused our key/)
  t.match(rsyncFailure(255, 'Host key verification failed.', 'hub'), /not the pinned one/)
  t.equal(rsyncFailure(23, 'rsync: some error'), 'rsync exited 23 (partial transfer)')
  t.equal(rsyncFailure(99, ''), 'rsync exited 99 (error)')
  t.equal(rsyncRemote(['rsync', '-e', 'ssh -p 2222', '--', 'wiki@10.0.0.1:/store/', '/tmp/x']), '10.0.0.1')
  t.equal(rsyncRemote(['rsync', '--', '/tmp/x', 'm1@[::1]:/trace/']), '[::1]')
  t.equal(rsyncRemote(['rsync', '/a', '/b']), undefined)
})
