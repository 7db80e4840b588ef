/**
 * Public-key authentication for the front door: does the key a client offers match the one
 * line registered for that user, and does its signature check out. No passwords, no
 * keyboard-interactive, no host-based auth: every other method is a failed attempt.
 */
import ssh2 from 'ssh2'
import type { AuthContext } from 'ssh2'
import { createHash } from 'node:crypto'

/** What to do with one auth request. */
export type AuthVerdict =
  /** The client asks whether a key would do (no signature yet): say yes. */
  | { kind: 'key-ok' }
  /** The signature is good: the user is in. */
  | { kind: 'accept' }
  | { kind: 'reject'; reason: string }

/** `SHA256:…` of a public key blob, as ssh-keygen -l prints it (for logs; never the key). */
export function blobFingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}

/**
 * Decides one auth request against the key line registered for its user (undefined: no such
 * user). Compares key blobs exactly and verifies the signature with ssh2's key parser.
 */
export function decideAuth(ctx: AuthContext, registered: string | undefined): AuthVerdict {
  if (ctx.method !== 'publickey') return { kind: 'reject', reason: `method ${ctx.method} is not allowed` }
  if (registered === undefined) return { kind: 'reject', reason: 'unknown user' }
  const parsed = ssh2.utils.parseKey(registered)
  if (parsed instanceof Error) return { kind: 'reject', reason: 'the registered key does not parse' }
  if (ctx.key.algo !== parsed.type || !parsed.getPublicSSH().equals(ctx.key.data)) return { kind: 'reject', reason: 'key not registered for this user' }
  if (!ctx.signature || !ctx.blob) return { kind: 'key-ok' }
  return parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? { kind: 'accept' } : { kind: 'reject', reason: 'bad signature' }
}
