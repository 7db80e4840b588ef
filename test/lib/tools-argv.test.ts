import t from 'tap'
import { pushArgs, pullArgs, listArgs as rsyncList } from '../../lib/rsync.js'
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
