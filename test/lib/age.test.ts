import t from 'tap'
import { chmod } from 'node:fs/promises'
import { checkIdentityFile, decryptArgs, encryptArgs, identityRecipientsArgs, matchingRecipients, recipientFingerprint } from '../../lib/age.js'

const A = 'age1' + 'a'.repeat(58)
const B = 'age1' + 'c'.repeat(58)

t.test('age argv (golden)', async t => {
  t.same(encryptArgs([A, B]), ['age', '--encrypt', '--recipient', A, '--recipient', B])
  t.throws(() => encryptArgs([]), /no recipients/)
  t.same(decryptArgs('/offline/id.txt'), ['age', '--decrypt', '--identity', '/offline/id.txt'])
  t.same(identityRecipientsArgs('/offline/id.txt'), ['age-keygen', '-y', '/offline/id.txt'])
})

t.test('recipients are named by fingerprint, and matched by it', async t => {
  t.match(recipientFingerprint(A), /^age:[0-9a-f]{16}$/)
  t.not(recipientFingerprint(A), recipientFingerprint(B))
  t.equal(recipientFingerprint(A), recipientFingerprint(A))
  t.same(matchingRecipients([recipientFingerprint(A), recipientFingerprint(B)], [B + '\n']), [recipientFingerprint(B)])
  t.same(matchingRecipients([recipientFingerprint(A)], [B]), [])
})

t.test('an identity file must exist and be readable by its owner only', async t => {
  const dir = t.testdir({ 'id.txt': 'AGE-SECRET-KEY-1EXAMPLE\n' })
  const file = `${dir}/id.txt`
  await chmod(file, 0o600)
  await t.resolves(checkIdentityFile(file))
  await chmod(file, 0o644)
  await t.rejects(checkIdentityFile(file), { code: 'KEY_LOOSE_PERMISSIONS', message: /readable by others \(mode 644\)/, hint: /chmod 600/ })
  await t.rejects(checkIdentityFile(`${dir}/nothing.txt`), { code: 'IDENTITY_REQUIRED', exitCode: 2 })
  await t.rejects(checkIdentityFile(dir), { code: 'IDENTITY_REQUIRED' }, 'a folder is not an identity')
})
