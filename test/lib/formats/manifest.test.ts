import t from 'tap'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { readPrivateKey } from '../../../lib/sign.js'
import { signManifest, verifyManifest, parseManifest, renderManifest, type UnsignedManifest } from '../../../lib/formats/manifest.js'

const base: UnsignedManifest = {
  format: 'roost/1',
  service: 'wiki',
  generation: '20261122T030000Z-full',
  kind: 'full',
  base: null,
  parent: null,
  created: '2026-11-22T03:00:00.000Z',
  host: 'wiki-host',
  roost: '0.1.0',
  sources: ['/srv/wiki'],
  excludes: [],
  hooks: [{ name: 'dump', phase: 'pre', exitCode: 0, ms: 12 }],
  files: [{ name: 'data.tar', bytes: 10240, sha256: 'a'.repeat(64) }],
  compression: 'none',
  encryption: null,
  counts: { entries: 3, files: 1, dirs: 2, symlinks: 0, hardlinks: 0, other: 0, bytes: 10240 },
}

async function key(dir: string, name: string) {
  const p = join(dir, name)
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', p])
  return readPrivateKey(p)
}

t.test('the canonical form is stable (golden)', async t => {
  const dir = t.testdir()
  const k = await key(dir, 'k')
  const m = signManifest(base, k)
  const rendered = renderManifest({ ...m, signature: { ...m.signature, key: 'SHA256:fixed', value: 'fixed' } })
  t.matchSnapshot(rendered, 'manifest roost/1 canonical form')
})

t.test('signed manifests verify, and any change breaks the signature', async t => {
  const dir = t.testdir()
  const k = await key(dir, 'k')
  const other = await key(dir, 'o')
  const m = signManifest(base, k)
  t.ok(verifyManifest(m, k.public))
  t.notOk(verifyManifest(m, other.public), 'another key')
  t.notOk(verifyManifest({ ...m, files: [{ ...m.files[0]!, bytes: 10241 }] }, k.public), 'altered size')
  t.notOk(verifyManifest({ ...m, signature: { ...m.signature, key: other.public.fingerprint } }, other.public), 'relabelled key')
  const reparsed = parseManifest(renderManifest(m))
  t.ok(verifyManifest(reparsed, k.public), 'survives a render/parse round trip')
})

t.test('parse refuses unknown fields, bad names, huge input and non-JSON', async t => {
  const dir = t.testdir()
  const k = await key(dir, 'k')
  const m = signManifest(base, k)
  t.throws(() => parseManifest(JSON.stringify({ ...m, extra: 1 })), { code: 'MANIFEST_INVALID', message: /extra|Unrecognized/i })
  t.throws(() => parseManifest(JSON.stringify({ ...m, files: [{ name: '../etc/passwd', bytes: 1, sha256: 'a'.repeat(64) }] })), { code: 'MANIFEST_INVALID' })
  t.throws(() => parseManifest(JSON.stringify({ ...m, generation: '../x' })), { code: 'MANIFEST_INVALID' })
  t.throws(() => parseManifest('{' + ' '.repeat(2 * 1024 * 1024) + '}'), { code: 'MANIFEST_INVALID', message: /larger/ })
  t.throws(() => parseManifest('not json'), { code: 'MANIFEST_INVALID', message: /not JSON/ })
})
