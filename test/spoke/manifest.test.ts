import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { buildManifest, roostVersion, writeManifest, type ManifestFacts } from '../../spoke/manifest.js'
import { parseManifest, verifyManifest } from '../../lib/formats/manifest.js'
import { readPrivateKey } from '../../lib/sign.js'
import { recipientFingerprint } from '../../lib/age.js'

const facts: ManifestFacts = {
  service: 'wiki',
  generation: '20261122T030000Z-full',
  kind: 'full',
  base: null,
  parent: null,
  created: new Date('2026-11-22T03:00:07.123Z'),
  host: 'wiki-host',
  roostVersion: '0.1.0',
  sources: ['/srv/wiki'],
  excludes: ['*.tmp'],
  hooks: [
    { name: 'dump', phase: 'pre', exitCode: 0, ms: 120, ok: true },
    { name: 'maintenance off', phase: 'post', exitCode: 0, ms: 5, ok: true },
  ],
  archive: { bytes: 20480, sha256: 'b'.repeat(64) },
  counts: { entries: 4, files: 2, dirs: 1, symlinks: 1, hardlinks: 0, other: 0, bytes: 20480 },
}

t.test('the manifest built from a run\'s facts (golden)', async t => {
  const m = buildManifest(facts)
  t.matchSnapshot(m, 'unsigned manifest')
  t.same(m.files, [{ name: 'data.tar', bytes: 20480, sha256: 'b'.repeat(64) }])
  t.equal(m.compression, 'none')
  t.equal(m.encryption, null)
})

t.test('an encrypted generation: the ciphertext is the file, recipients by fingerprint only', async t => {
  const recipient = 'age1' + 'q'.repeat(58)
  const m = buildManifest({ ...facts, archive: { bytes: 9000, sha256: 'c'.repeat(64) }, recipients: [recipient] })
  t.same(m.files, [{ name: 'data.tar.zst.age', bytes: 9000, sha256: 'c'.repeat(64) }])
  t.equal(m.compression, 'zstd')
  t.same(m.encryption, { recipients: [recipientFingerprint(recipient)] })
  t.match(m.encryption!.recipients[0], /^age:[0-9a-f]{16}$/)
  t.notMatch(JSON.stringify(m), /age1q/, 'the recipient itself is not in the manifest')
  t.equal(m.counts.bytes, 20480, "counts keep the plain tar's size")
})

t.test('the written manifest parses and verifies with the spoke key', async t => {
  const dir = t.testdir()
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', join(dir, 'k')])
  const key = await readPrivateKey(join(dir, 'k'))
  await writeManifest(dir, buildManifest(facts), key)
  const st = await fs.stat(join(dir, 'manifest.json'))
  t.equal(st.mode & 0o777, 0o600)
  const m = parseManifest(await fs.readFile(join(dir, 'manifest.json'), 'utf8'))
  t.ok(verifyManifest(m, key.public))
})

t.test('the roost version comes from package.json', async t => {
  const pkg = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(roostVersion(), pkg.version)
})
