import t from 'tap'
import { parseEndpoint, pickScannedKey } from '../../lib/upstream.js'

t.test('reads HOST:PORT, [V6]:PORT and HOST (port 2222 by default)', async t => {
  t.same(parseEndpoint('hub.example.org:2200'), { host: 'hub.example.org', port: 2200 })
  t.same(parseEndpoint('hub.example.org'), { host: 'hub.example.org', port: 2222 })
  t.same(parseEndpoint('[::1]:2201'), { host: '::1', port: 2201 })
  t.throws(() => parseEndpoint('hub:99999'), { code: 'USAGE', message: /--hub 'hub:99999'/ })
  t.throws(() => parseEndpoint('a:b:c', '--upstream'), { code: 'USAGE', message: /--upstream/ })
})

t.test('finds the ed25519 key in ssh-keyscan output', async t => {
  t.equal(pickScannedKey('# 127.0.0.1:2222 SSH-2.0-x\n[127.0.0.1]:2222 ssh-ed25519 AAAAC3Nz roost\n'), 'ssh-ed25519 AAAAC3Nz')
  t.equal(pickScannedKey('[127.0.0.1]:2222 ssh-rsa AAAAB3\n'), undefined)
  t.equal(pickScannedKey(''), undefined)
})
