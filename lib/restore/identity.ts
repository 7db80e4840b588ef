/**
 * The age identity a restore of an encrypted chain needs. Checked before anything is fetched:
 * the file exists and only its owner reads it, and (when `age-keygen -y` can read it, i.e. a
 * native age identity) it opens one of the recipients every encrypted link was sealed for.
 * Identities `age-keygen -y` cannot read (ssh keys, passphrase-protected files) are left to
 * `age --decrypt` itself, whose failure becomes DECRYPT_FAILED.
 */
import { RoostError } from '../errors.js'
import { checkIdentityFile, identityRecipientsArgs, matchingRecipients, recipientFingerprint } from '../age.js'
import { run } from '../proc/run.js'
import type { VerifiedLink } from './read-chain.js'

/** The links of a chain that are encrypted. Pure. */
export function sealedLinks(chain: readonly VerifiedLink[]): VerifiedLink[] {
  return chain.filter(l => l.manifest.encryption !== null)
}

/**
 * Throws IDENTITY_REQUIRED (exit 2) when the chain is encrypted and no identity was given,
 * KEY_LOOSE_PERMISSIONS for a readable identity, DECRYPT_FAILED when the identity opens none
 * of a link's recipients. Returns the identity to use (undefined for a plain chain).
 */
export async function identityFor(service: string, chain: readonly VerifiedLink[], identity: string | undefined): Promise<string | undefined> {
  const sealed = sealedLinks(chain)
  if (!sealed.length) return undefined
  if (identity === undefined) {
    throw new RoostError('IDENTITY_REQUIRED', `${service}/${chain.at(-1)!.generation} is encrypted (${sealed.length} of its ${chain.length} link(s)); pass --identity FILE, the age identity kept offline`, {
      hint: `it was encrypted to ${sealed[0]!.manifest.encryption!.recipients.join(', ')}; 'age-keygen -y FILE' prints an identity's recipient`,
    })
  }
  await checkIdentityFile(identity)
  const r = await run(identityRecipientsArgs(identity), { okCodes: [0, 1] })
  if (r.exitCode !== 0) return identity // not a native age identity file: age --decrypt decides
  const recipients = r.stdout.split('\n').filter(l => l.startsWith('age1'))
  for (const l of sealed) {
    const want = l.manifest.encryption!.recipients
    if (!matchingRecipients(want, recipients).length) {
      throw new RoostError('DECRYPT_FAILED', `the identity ${identity} cannot open ${service}/${l.generation}: it was encrypted to ${want.join(', ')}, the identity opens ${recipients.map(recipientFingerprint).join(', ') || 'none'}`, {
        hint: 'use the identity whose public recipient is in the spoke.yaml encrypt.recipients of that time',
      })
    }
  }
  return identity
}
