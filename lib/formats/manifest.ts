/**
 * manifest.json, format `roost/1`: what a generation holds, signed by its spoke's ed25519 key
 * over the canonical JSON of every field but `signature`. Pure.
 */
import { z } from 'zod'
import { canonicalBytes } from './canonical-json.js'
import { FILE_NAME_RE, GENERATION_RE, KINDS, LABEL_RE, NAME_RE } from './names.js'
import { signBytes, verifyBytes, type PrivateKey, type PublicKey } from '../sign.js'
import { RoostError } from '../errors.js'

export const MANIFEST_FORMAT = 'roost/1'
/** A manifest larger than this is refused unread. */
export const MANIFEST_MAX_BYTES = 1024 * 1024

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in hex')
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const text = z.string().max(4096)

export const ManifestFileSchema = z.strictObject({
  name: z.string().regex(FILE_NAME_RE, 'expected a plain file name'),
  bytes: count,
  sha256,
})

export const HookRunSchema = z.strictObject({
  name: z.string().max(256),
  phase: z.enum(['pre', 'post']),
  exitCode: z.number().int().nullable(),
  ms: count,
})

export const CountsSchema = z.strictObject({
  entries: count,
  files: count,
  dirs: count,
  symlinks: count,
  hardlinks: count,
  other: count,
  /** Bytes of the archive before compression. */
  bytes: count,
})

export const SignatureSchema = z.strictObject({
  algorithm: z.literal('ed25519'),
  key: z.string().max(128),
  value: z.string().max(256),
})

export const UnsignedManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  service: z.string().regex(NAME_RE),
  generation: z.string().regex(GENERATION_RE),
  kind: z.enum(KINDS),
  /** The full a diff builds on. */
  base: z.string().regex(GENERATION_RE).nullable(),
  /** The generation an incr builds on. */
  parent: z.string().regex(GENERATION_RE).nullable(),
  created: z.iso.datetime(),
  host: z.string().max(255),
  roost: z.string().max(64),
  sources: z.array(text).max(1000),
  excludes: z.array(text).max(1000),
  hooks: z.array(HookRunSchema).max(100),
  files: z.array(ManifestFileSchema).min(1).max(100),
  /**
   * Two shapes exist. Plain: files `[data.tar]` (the uncompressed tar), compression `none`,
   * encryption null. Encrypted (spoke.yaml `encrypt`): files `[data.tar.zst.age]` (tar → zstd →
   * age, hashed as ciphertext), compression `zstd`, encryption naming each recipient by
   * fingerprint (`age:` + 16 hex); `counts.bytes` is then the tar's size before compression.
   */
  compression: z.enum(['none', 'zstd']),
  encryption: z.strictObject({ recipients: z.array(z.string().max(128)).max(32) }).nullable(),
  counts: CountsSchema,
  /**
   * A tag given with `spoke run --label` (e.g. `pre-update`). Optional, so manifests made
   * before labels existed still verify: it is absent, never null, when not given.
   */
  label: z.string().regex(LABEL_RE, 'expected a label of letters, digits, dots, dashes and underscores').optional(),
})

export const ManifestSchema = UnsignedManifestSchema.extend({ signature: SignatureSchema })

export type UnsignedManifest = z.infer<typeof UnsignedManifestSchema>
export type Manifest = z.infer<typeof ManifestSchema>
export type ManifestFile = z.infer<typeof ManifestFileSchema>
export type Counts = z.infer<typeof CountsSchema>

/** Signs a manifest with the spoke's key. */
export function signManifest(m: UnsignedManifest, key: PrivateKey): Manifest {
  const unsigned = UnsignedManifestSchema.parse(m)
  return { ...unsigned, signature: { algorithm: 'ed25519', key: key.public.fingerprint, value: signBytes(key, canonicalBytes(unsigned)) } }
}

/** True when the manifest's signature was made by `key` over exactly these fields. */
export function verifyManifest(m: Manifest, key: PublicKey): boolean {
  const { signature, ...unsigned } = m
  if (signature.key !== key.fingerprint) return false
  return verifyBytes(key, canonicalBytes(unsigned), signature.value)
}

/** One line per zod issue, naming where it is. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map(i => `at '${i.path.join('.') || '(top level)'}': ${i.message}`)
    .join('; ')
}

/** Parses manifest text. Throws MANIFEST_INVALID naming `where` and the first problems. */
export function parseManifest(textIn: string, where = 'manifest.json'): Manifest {
  if (Buffer.byteLength(textIn) > MANIFEST_MAX_BYTES) {
    throw new RoostError('MANIFEST_INVALID', `${where}: larger than ${MANIFEST_MAX_BYTES} bytes`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(textIn)
  } catch (err) {
    throw new RoostError('MANIFEST_INVALID', `${where}: not JSON`, { cause: err })
  }
  const r = ManifestSchema.safeParse(raw)
  if (!r.success) throw new RoostError('MANIFEST_INVALID', `${where}: ${describeIssues(r.error.issues)}`)
  return r.data
}

/** The manifest as written to disk: canonical JSON and a newline. */
export function renderManifest(m: Manifest): string {
  return canonicalBytes(m).toString('utf8') + '\n'
}
