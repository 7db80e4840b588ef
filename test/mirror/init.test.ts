import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { initMirror } from '../../mirror/init.js'
import { loadMirrorConfig } from '../../lib/config/mirror.js'
import { makeKey } from '../lib/stores/make-store.js'

t.test('makes the mirror root with pinned keys and refuses to do it twice', async t => {
  const dir = t.testdir()
  const idx = await makeKey(dir, 'idx')
  const host = await makeKey(dir, 'host')
  const root = join(dir, 'mirror')
  const r = await initMirror({ dir: root, upstream: '127.0.0.1:2222', name: 'm1', indexKey: `${idx.path}.pub`, hostKey: host.public.line })
  t.match(r.register, /^roost hub add-mirror m1 --key 'ssh-ed25519 \S+ roost-mirror-m1'$/)
  const { config, paths } = await loadMirrorConfig(r.config)
  t.equal(config.indexKey, idx.public.line)
  t.equal(config.upstream.hostKey, host.public.line)
  t.equal((await fs.stat(r.config)).mode & 0o777, 0o600)
  t.equal((await fs.stat(paths.key)).mode & 0o777, 0o600)
  t.equal((await fs.stat(join(root, 'keys'))).mode & 0o777, 0o700)
  t.equal((await fs.stat(paths.state)).mode & 0o777, 0o700)
  t.equal((await fs.stat(paths.staging)).mode & 0o777, 0o700)
  t.ok((await fs.stat(paths.store)).isDirectory())
  await t.rejects(initMirror({ dir: root, upstream: '127.0.0.1:2222', name: 'm1', indexKey: idx.public.line, hostKey: host.public.line }), { code: 'CONFIG_EXISTS', exitCode: 2 })
  await t.rejects(initMirror({ dir: join(dir, 'm2'), upstream: '127.0.0.1:2222', name: 'Bad_Name', indexKey: idx.public.line }), { code: 'NAME_INVALID' })
})
