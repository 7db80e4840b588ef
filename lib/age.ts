/**
 * age argv builders (pure) and recipient fingerprints. An encrypted service's archive is
 * tar → zstd → `age -r …` on the spoke: only ciphertext leaves it. Manifests name recipients
 * by fingerprint, never by key; the identity (the secret) is only ever read by restore.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { RoostError } from './errors.js'

export { ENCRYPTED_ARCHIVE } from './layout.js'

/** `age` encrypting stdin to stdout for every recipient. */
export function encryptArgs(recipients: readonly string[]): string[] {
  if (!recipients.length) throw new Error('encryptArgs: no recipients')
  return ['age', '--encrypt', ...recipients.flatMap(r => ['--recipient', r])]
}

/** `age` decrypting stdin to stdout with an identity file. */
export function decryptArgs(identityFile: string): string[] {
  return ['age', '--decrypt', '--identity', identityFile]
}

/** A recipient's fingerprint for manifests: `age:` and the first 16 hex of its sha256. Pure. */
export function recipientFingerprint(recipient: string): string {
  return 'age:' + createHash('sha256').update(recipient).digest('hex').slice(0, 16)
}

/**
 * Checks an identity file before use: a regular file that only its owner may read (an age
 * identity is a secret key). Throws IDENTITY_REQUIRED (missing) or KEY_LOOSE_PERMISSIONS.
 */
export async function checkIdentityFile(path: string): Promise<void> {
  const st = await fs.stat(path).catch(() => undefined)
  if (!st?.isFile()) throw new RoostError('IDENTITY_REQUIRED', `the age identity ${path} does not exist or is not a file`)
  if ((st.mode & 0o077) !== 0) {
    throw new RoostError('KEY_LOOSE_PERMISSIONS', `the age identity ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)})`, { hint: `chmod 600 ${path}` })
  }
}

/** `age-keygen -y`: the recipients of the identities in a file (one per line). */
export function identityRecipientsArgs(identityFile: string): string[] {
  return ['age-keygen', '-y', identityFile]
}

/**
 * Which of a generation's recipients (fingerprints, from its signed manifest) the identities
 * in a file open. Pure: `identityRecipients` are what `age-keygen -y` printed.
 */
export function matchingRecipients(manifestRecipients: readonly string[], identityRecipients: readonly string[]): string[] {
  const mine = new Set(identityRecipients.map(r => recipientFingerprint(r.trim())))
  return manifestRecipients.filter(r => mine.has(r))
}
