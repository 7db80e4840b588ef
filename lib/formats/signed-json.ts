/**
 * A JSON document with a detached ed25519 signature (TREE.json + TREE.json.sig, CATALOG.json +
 * CATALOG.json.sig): the document's canonical bytes, and a small JSON naming the algorithm, the
 * signing key's fingerprint and the signature. Pure.
 */
import { z } from 'zod'
import { canonicalBytes } from './canonical-json.js'
import { signBytes, verifyBytes, type PrivateKey, type PublicKey } from '../sign.js'
import { RoostError, type ErrorCode } from '../errors.js'
import { describeIssues } from './manifest.js'

export const SignatureSchema = z.strictObject({
  algorithm: z.literal('ed25519'),
  key: z.string().max(128),
  value: z.string().max(256),
})

export interface SignedJson {
  /** The exact bytes of the document. */
  bytes: Buffer
  /** The text of its .sig file. */
  signature: string
}

/** Renders an already validated value canonically (with a final newline) and signs the bytes. */
export function signCanonical(value: unknown, key: PrivateKey): SignedJson {
  const bytes = Buffer.concat([canonicalBytes(value), Buffer.from('\n')])
  const sig = { algorithm: 'ed25519' as const, key: key.public.fingerprint, value: signBytes(key, bytes) }
  return { bytes, signature: JSON.stringify(sig) + '\n' }
}

/**
 * Throws `code` (naming `where` and `what` the key is) unless `signed` carries a valid
 * signature by `key`. Checks only: the caller parses the bytes.
 */
export function checkSignature(signed: SignedJson, key: PublicKey, o: { where: string; code: ErrorCode; what: string; hint: string }): void {
  let sig
  try {
    sig = SignatureSchema.parse(JSON.parse(signed.signature))
  } catch (err) {
    throw new RoostError(o.code, `${o.where}.sig is not a signature`, { cause: err })
  }
  if (sig.key !== key.fingerprint || !verifyBytes(key, signed.bytes, sig.value)) {
    throw new RoostError(o.code, `${o.where}: the signature does not match ${o.what} ${key.fingerprint}`, { hint: o.hint })
  }
}

/** Parses JSON text against `schema`; anything else is `code` naming `where` and the first problems. */
export function parseJsonWith<T>(schema: z.ZodType<T>, text: string, where: string, code: ErrorCode): T {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new RoostError(code, `${where}: not JSON`, { cause: err })
  }
  const r = schema.safeParse(raw)
  if (!r.success) throw new RoostError(code, `${where}: ${describeIssues(r.error.issues)}`)
  return r.data
}
