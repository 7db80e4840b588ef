import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { parsePrivateKey, parsePublicKey, readPrivateKey, signBytes, verifyBytes, readPublicKeyArg } from '../../lib/sign.js'

function keygen(dir: string, name = 'k'): string {
  const path = join(dir, name)
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', 'test', '-f', path])
  return path
}

t.test('reads a key made by ssh-keygen, and its fingerprint matches ssh-keygen -l', async t => {
  const dir = t.testdir()
  const path = keygen(dir)
  const priv = parsePrivateKey(await fs.readFile(path, 'utf8'))
  const pubLine = await fs.readFile(path + '.pub', 'utf8')
  const pub = parsePublicKey(pubLine)
  t.equal(priv.public.line, pub.line)
  const fp = execFileSync('ssh-keygen', ['-l', '-f', path + '.pub']).toString().split(' ')[1]
  t.equal(pub.fingerprint, fp)
})

t.test('a signature verifies with the right key only, and only over the same bytes', async t => {
  const dir = t.testdir()
  const a = await readPrivateKey(keygen(dir, 'a'))
  const b = await readPrivateKey(keygen(dir, 'b'))
  const data = Buffer.from('generation 1')
  const sig = signBytes(a, data)
  t.ok(verifyBytes(a.public, data, sig))
  t.notOk(verifyBytes(b.public, data, sig), 'another key')
  t.notOk(verifyBytes(a.public, Buffer.from('generation 2'), sig), 'other bytes')
  t.notOk(verifyBytes(a.public, data, 'not base64 at all!'), 'garbage signature')
})

t.test('a signature made by OpenSSH over the same bytes uses the same key material', async t => {
  // ssh-keygen -Y sign signs a wrapped blob, so instead check that the key we derive signs
  // what the ssh public key verifies: round-trip via the public line
  const dir = t.testdir()
  const path = keygen(dir)
  const priv = await readPrivateKey(path)
  const pub = await readPublicKeyArg(path + '.pub')
  t.ok(verifyBytes(pub, Buffer.from('x'), signBytes(priv, Buffer.from('x'))))
})

t.test('refuses a private key that others can read', async t => {
  const dir = t.testdir()
  const path = keygen(dir)
  await fs.chmod(path, 0o644)
  await t.rejects(readPrivateKey(path), { code: 'KEY_LOOSE_PERMISSIONS' })
})

t.test('refuses a passphrase-protected key, another type, and garbage', async t => {
  const dir = t.testdir()
  const enc = join(dir, 'enc')
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', 'secret', '-q', '-f', enc])
  t.throws(() => parsePrivateKey(execFileSync('cat', [enc]).toString()), { code: 'KEY_INVALID', message: /passphrase/ })
  const rsa = join(dir, 'rsa')
  execFileSync('ssh-keygen', ['-t', 'rsa', '-b', '2048', '-N', '', '-q', '-f', rsa])
  t.throws(() => parsePrivateKey(execFileSync('cat', [rsa]).toString()), { code: 'KEY_INVALID' })
  t.throws(() => parsePublicKey('ssh-rsa AAAAB3Nza'), { code: 'KEY_INVALID' })
  t.throws(() => parsePublicKey('ssh-ed25519 AAAA'), { code: 'KEY_INVALID' })
  await t.rejects(readPublicKeyArg('/nonexistent/key.pub'), { code: 'KEY_INVALID' })
})
