import t from 'tap'
import { join } from 'node:path'
import { chmod } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { identityFor, sealedLinks } from '../../../lib/restore/identity.js'
import { recipientFingerprint } from '../../../lib/age.js'
import type { VerifiedLink } from '../../../lib/restore/read-chain.js'
import type { Manifest } from '../../../lib/formats/manifest.js'

function link(generation: string, recipients: string[] | null): VerifiedLink {
  return { generation, manifest: { encryption: recipients ? { recipients } : null } as Manifest, bytes: Buffer.alloc(0) }
}

function keygen(file: string): string {
  execFileSync('age-keygen', ['-o', file], { stdio: 'pipe' })
  return execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim()
}

t.test('the identity an encrypted chain needs is checked before anything is fetched', async t => {
  const dir = t.testdir()
  const mine = join(dir, 'mine.txt')
  const other = join(dir, 'other.txt')
  const fp = recipientFingerprint(keygen(mine))
  keygen(other)
  const plain = [link('20261201T030000Z-full', null)]
  const sealed = [link('20261201T030000Z-full', [fp]), link('20261202T030000Z-incr', [fp])]
  t.same(sealedLinks(sealed).length, 2)
  t.equal(await identityFor('mail', plain, undefined), undefined, 'a plain chain needs none')
  await t.rejects(identityFor('mail', sealed, undefined), { code: 'IDENTITY_REQUIRED', exitCode: 2, message: /2 of its 2 link/, hint: new RegExp(fp) })
  t.equal(await identityFor('mail', sealed, mine), mine, 'the identity that opens the recipient')
  await t.rejects(identityFor('mail', sealed, other), { code: 'DECRYPT_FAILED', message: new RegExp(`encrypted to ${fp}`) })
  await chmod(mine, 0o640)
  await t.rejects(identityFor('mail', sealed, mine), { code: 'KEY_LOOSE_PERMISSIONS' }, 'one others can read is refused')
  const mixed = [link('20261201T030000Z-full', null), link('20261202T030000Z-incr', [fp])]
  await t.rejects(identityFor('mail', mixed, undefined), { code: 'IDENTITY_REQUIRED', message: /1 of its 2 link/ }, 'a chain that switched to encryption needs it too')
})
