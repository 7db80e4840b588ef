import t from 'tap'
import { decryptArgs, encryptArgs, identityRecipientsArgs, matchingRecipients, recipientFingerprint } from '../../lib/age.js'

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
