/**
 * Decides whether an arrival in a service's incoming may enter the store. Pure: reads no
 * files and starts nothing. Called twice per arrival: first with the cheap facts (schema,
 * service, signature, replay, chain, files present, sizes), then, after the one streaming
 * pass over the uploaded archive, with `pass` set (sha256, tar listing, counts, quota).
 *
 * Two shapes of generation arrive (lib/formats/manifest.ts): a plain one uploads `data.tar`
 * (compression none, no encryption), which the hub lists and counts; an encrypted one uploads
 * `data.tar.zst.age` (compression zstd, at least one recipient), which the hub holds no key
 * for: its size, sha256 and quota are checked, its counts cannot be.
 *
 * Chains: while the hub wants a full (status.json `wantFull`), a diff or incr is rejected
 * (ARRIVAL_FULL_REQUIRED); a diff or incr whose base or parent is not in the store, or belongs
 * to the archive of a reset, is rejected (ARRIVAL_MISSING_BASE). Every rejection but a replay
 * asks for a full: a spoke whose arrival was refused may have moved its chain (its tar
 * snapshot) past what the store holds, and one full costs less than a chain that silently
 * misses changes. A replay leaves the request as it is: the generation is already stored.
 */
import { verifyManifest, type Counts, type Manifest } from '../../lib/formats/manifest.js'
import { GENERATION_RE } from '../../lib/formats/names.js'
import { parsePublicKey } from '../../lib/sign.js'
import { ARCHIVE, ENCRYPTED_ARCHIVE, MANIFEST } from '../../lib/layout.js'
import { formatBytes } from '../../lib/config/units.js'
import type { WantFullReason } from '../../lib/formats/status.js'

export const ARRIVAL_CODES = [
  'ARRIVAL_BAD_MANIFEST',
  'ARRIVAL_UNSUPPORTED',
  'ARRIVAL_UNKNOWN_SERVICE',
  'ARRIVAL_WRONG_SERVICE',
  'ARRIVAL_WRONG_FOLDER',
  'ARRIVAL_BAD_SIGNATURE',
  'ARRIVAL_REPLAYED',
  'ARRIVAL_MISSING_BASE',
  'ARRIVAL_FULL_REQUIRED',
  'ARRIVAL_NOT_A_FILE',
  'ARRIVAL_EXTRA_FILE',
  'ARRIVAL_MISSING_FILE',
  'ARRIVAL_SIZE_MISMATCH',
  'ARRIVAL_HASH_MISMATCH',
  'ARRIVAL_NOT_A_TAR',
  'ARRIVAL_COUNT_MISMATCH',
  'ARRIVAL_OVER_QUOTA',
] as const
export type ArrivalCode = (typeof ARRIVAL_CODES)[number]

/** One entry of the arrival folder, from lstat (never followed). */
export interface EntryFact {
  name: string
  type: 'file' | 'dir' | 'symlink' | 'other'
  bytes: number
}

/** What reading manifest.json gave. */
export type ManifestFact =
  | { state: 'too-large'; bytes: number; limit: number }
  | { state: 'not-a-file' }
  | { state: 'invalid'; problem: string }
  | { state: 'parsed'; manifest: Manifest; bytes: number }

/** What the one pass over the uploaded archive measured. */
export interface PassFacts {
  sha256: string
  bytes: number
  /** False when `tar --list` failed (truncated, garbage); absent for ciphertext, which is never listed. */
  listed?: boolean
  listProblem?: string
  /** The listing's counts; absent for ciphertext. */
  counts?: Counts
  /** Bytes the generation will take in the store (its stored archive + manifest.json). */
  storedBytes: number
}

export interface ArrivalFacts {
  /** The account the arrival came through: the service whose incoming holds it. */
  account: string
  /** The arrival folder's name inside incoming. */
  folder: string
  /** The arrival is a real folder (not a symlink or a file). */
  folderIsDir: boolean
  /** The key line registered for the account in hub.yaml; undefined: not a service. */
  registeredKey: string | undefined
  /** The service's quota in bytes, if it has one. */
  quota: number | undefined
  manifest: ManifestFact
  /** Entries of the arrival folder other than manifest.json and .rsync-partial. */
  entries: readonly EntryFact[]
  /** Generations of the account already in the store. */
  stored: ReadonlySet<string>
  /** Bytes the account already takes in the store (from the books). */
  storedBytes: number
  /**
   * Whether store/<svc>/<folder> exists: 'interrupted' when it holds this exact manifest and
   * the hub's pending mark says its accept was cut short after the store rename.
   */
  storedCopy: 'none' | 'present' | 'interrupted'
  /** The service's status.json asks for a full; why (null when an older file gave no reason). */
  wantFull: { reason: string | null } | null
  /** The newest `hub reset` of the service (hub clock), or null. */
  lastReset: string | null
  /** Stored generations accepted before the newest reset: the archive, never built on again. */
  archived: ReadonlySet<string>
  pass?: PassFacts
}

export type Verdict =
  | { accepted: true; manifest: Manifest; /** An accept a crash interrupted after the store rename: only clean up. */ alreadyStored: boolean }
  | { accepted: false; code: ArrivalCode; message: string; /** Why to ask the spoke for a full; null: leave status.json's request as it is. */ wantFull: WantFullReason | null }

/** Why a rejection asks for a full: every one but a replay, or one refused because a full is already asked for. Pure. */
export function wantFullFor(code: ArrivalCode): WantFullReason | null {
  if (code === 'ARRIVAL_REPLAYED' || code === 'ARRIVAL_FULL_REQUIRED' || code === 'ARRIVAL_UNKNOWN_SERVICE') return null
  return code === 'ARRIVAL_MISSING_BASE' ? 'missing-base' : 'rejected'
}

function reject(code: ArrivalCode, message: string): Verdict {
  return { accepted: false, code, message, wantFull: wantFullFor(code) }
}

const WHY: Record<string, string> = {
  'missing-base': 'an earlier arrival built on a generation the store does not hold',
  rejected: 'an earlier arrival was rejected',
  reset: 'the service was reset',
  mismatch: 'a stored generation did not match its manifest',
}

/** Why the hub wants a full, in words, from status.json's reason and the last reset. Pure. */
export function describeWantFull(reason: string | null, lastReset: string | null): string {
  if (reason === 'reset' && lastReset) return `the service was reset at ${lastReset}`
  return (reason && WHY[reason]) ?? `its status.json asks for one${reason ? ` (${reason})` : ''}`
}

/** A recipient as manifests name it: a fingerprint, never a key (lib/age.ts recipientFingerprint). */
const RECIPIENT_RE = /^age:[0-9a-f]{16}$/

/** One archive per generation, in one of the two shapes (see the top of this file). */
function checkArchiveShape(m: Manifest): Verdict | undefined {
  const name = m.files[0]!.name
  if (m.files.length !== 1) return reject('ARRIVAL_UNSUPPORTED', `${MANIFEST} lists ${m.files.length} files; this hub stores one archive per generation (${ARCHIVE}, or ${ENCRYPTED_ARCHIVE} when encrypted)`)
  if (m.encryption === null) {
    if (name !== ARCHIVE) return reject('ARRIVAL_UNSUPPORTED', `${MANIFEST} lists '${name}' for an unencrypted generation; this hub takes one uncompressed ${ARCHIVE}`)
    if (m.compression !== 'none') return reject('ARRIVAL_UNSUPPORTED', `${MANIFEST} says compression '${m.compression}' for an unencrypted generation; this hub takes one uncompressed ${ARCHIVE} and compresses it itself`)
    return undefined
  }
  const { recipients } = m.encryption
  if (recipients.length === 0) return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST} says the archive is encrypted but names no recipient; an encrypted generation names every recipient by fingerprint`)
  const odd = recipients.find(r => !RECIPIENT_RE.test(r))
  if (odd !== undefined) return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST}: recipient '${odd.slice(0, 80)}' is not a fingerprint like age:0123456789abcdef`)
  if (name !== ENCRYPTED_ARCHIVE) return reject('ARRIVAL_UNSUPPORTED', `${MANIFEST} lists '${name}' for an encrypted generation; this hub takes one ${ENCRYPTED_ARCHIVE} (tar, zstd, then age)`)
  if (m.compression !== 'zstd') return reject('ARRIVAL_UNSUPPORTED', `${MANIFEST} says compression '${m.compression}' for an encrypted generation; ${ENCRYPTED_ARCHIVE} is compressed with zstd before age encrypts it`)
  return undefined
}

/** Schema-level problems the zod schema cannot see: kind, chain fields, what this hub can store. */
function checkShape(m: Manifest): Verdict | undefined {
  const idKind = GENERATION_RE.exec(m.generation)?.[1]
  if (idKind !== m.kind) return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST}: kind '${m.kind}' does not match generation ${m.generation}`)
  if (m.kind === 'full' && (m.base !== null || m.parent !== null)) return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST}: a full generation has no base or parent`)
  if (m.kind === 'diff' && (m.base === null || m.parent !== null)) return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST}: a diff names its base (a full) and no parent`)
  if (m.kind === 'incr' && (m.parent === null || m.base !== null)) return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST}: an incr names its parent and no base`)
  if (m.base !== null && !m.base.endsWith('-full')) return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST}: base ${m.base} is not a full`)
  const before = m.base ?? m.parent
  if (before !== null && before >= m.generation) return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST}: ${before} is not older than ${m.generation}`)
  return checkArchiveShape(m)
}

function checkIdentity(f: ArrivalFacts, m: Manifest): Verdict | undefined {
  if (m.service !== f.account) return reject('ARRIVAL_WRONG_SERVICE', `${MANIFEST} is for service '${m.service}' but arrived in the incoming of '${f.account}'`)
  if (m.generation !== f.folder) return reject('ARRIVAL_WRONG_FOLDER', `${MANIFEST} is for generation ${m.generation} but arrived in folder '${f.folder}'`)
  let valid = false
  try {
    valid = verifyManifest(m, parsePublicKey(f.registeredKey!, `hub.yaml services.${f.account}.key`))
  } catch {
    valid = false
  }
  if (!valid) return reject('ARRIVAL_BAD_SIGNATURE', `${MANIFEST}: the signature does not verify with the key registered for service '${f.account}' in hub.yaml`)
  return undefined
}

function checkHistory(f: ArrivalFacts, m: Manifest): Verdict | undefined {
  if (f.stored.has(m.generation) || f.storedCopy !== 'none') return reject('ARRIVAL_REPLAYED', `generation ${m.generation} of '${f.account}' is already in the store`)
  const before = m.base ?? m.parent
  if (before === null) return undefined
  if (f.wantFull) {
    return reject('ARRIVAL_FULL_REQUIRED', `${m.kind} ${m.generation} was not accepted: the hub wants a full because ${describeWantFull(f.wantFull.reason, f.lastReset)}; the next run must be a full`)
  }
  if (!f.stored.has(before)) {
    return reject('ARRIVAL_MISSING_BASE', `${m.kind} ${m.generation} builds on ${before}, which is not in the store; the next run must be a full`)
  }
  if (f.archived.has(before)) {
    return reject('ARRIVAL_MISSING_BASE', `${m.kind} ${m.generation} builds on ${before}, which was accepted before the service was reset at ${f.lastReset} and belongs to its archive; the next run must be a full`)
  }
  return undefined
}

function checkFiles(f: ArrivalFacts, m: Manifest): Verdict | undefined {
  const odd = f.entries.find(e => e.type !== 'file')
  if (odd) return reject('ARRIVAL_NOT_A_FILE', `'${odd.name}' in the arrival is a ${odd.type}, not a regular file`)
  const listed = new Set(m.files.map(x => x.name))
  const extra = f.entries.find(e => !listed.has(e.name))
  if (extra) return reject('ARRIVAL_EXTRA_FILE', `'${extra.name}' is in the arrival but not in ${MANIFEST}`)
  for (const want of m.files) {
    const seen = f.entries.find(e => e.name === want.name)
    if (!seen) return reject('ARRIVAL_MISSING_FILE', `${MANIFEST} lists '${want.name}' but the arrival has no such file`)
    if (seen.bytes !== want.bytes) return reject('ARRIVAL_SIZE_MISMATCH', `'${want.name}' has ${seen.bytes} bytes; ${MANIFEST} says ${want.bytes}`)
  }
  return undefined
}

const COUNTED = ['entries', 'files', 'dirs', 'symlinks', 'hardlinks', 'other'] as const

function checkPass(f: ArrivalFacts, m: Manifest, p: PassFacts): Verdict | undefined {
  const want = m.files[0]!
  if (p.bytes !== want.bytes) return reject('ARRIVAL_SIZE_MISMATCH', `'${want.name}' read as ${p.bytes} bytes; ${MANIFEST} says ${want.bytes}`)
  if (p.sha256 !== want.sha256) return reject('ARRIVAL_HASH_MISMATCH', `'${want.name}' has sha256 ${p.sha256}; ${MANIFEST} says ${want.sha256}`)
  // ciphertext: the hub holds no key, so the listing and counts are the restore's to check
  const bad = m.encryption === null ? checkListing(m, p) : undefined
  if (bad) return bad
  if (f.quota !== undefined && f.storedBytes + p.storedBytes > f.quota) {
    return reject('ARRIVAL_OVER_QUOTA', `'${f.account}' would hold ${formatBytes(f.storedBytes + p.storedBytes)} with this generation; its quota is ${formatBytes(f.quota)}`)
  }
  return undefined
}

function checkListing(m: Manifest, p: PassFacts): Verdict | undefined {
  const want = m.files[0]!
  if (!p.listed || !p.counts) return reject('ARRIVAL_NOT_A_TAR', `'${want.name}' is not a readable tar archive${p.listProblem ? `: ${p.listProblem}` : ''}`)
  for (const k of COUNTED) {
    if (p.counts[k] !== m.counts[k]) return reject('ARRIVAL_COUNT_MISMATCH', `'${want.name}' lists ${p.counts[k]} ${k}; ${MANIFEST} says ${m.counts[k]}`)
  }
  if (m.counts.bytes !== p.bytes) return reject('ARRIVAL_COUNT_MISMATCH', `'${want.name}' has ${p.bytes} bytes before compression; ${MANIFEST}'s counts say ${m.counts.bytes}`)
  return undefined
}

/**
 * Decides whether an arrival may enter the store. Without `f.pass` only the cheap checks
 * run (an accept then means "worth the streaming pass"); with it, every check runs.
 * An arrival whose exact manifest is already stored under a pending mark is an accept a
 * crash interrupted after its store rename: it comes back accepted with `alreadyStored`.
 */
export function checkArrival(f: ArrivalFacts): Verdict {
  if (f.registeredKey === undefined) return reject('ARRIVAL_UNKNOWN_SERVICE', `'${f.account}' is not a service in hub.yaml`)
  if (!f.folderIsDir) return reject('ARRIVAL_NOT_A_FILE', `the arrival '${f.folder}' is not a folder`)
  const mf = f.manifest
  if (mf.state === 'too-large') return reject('ARRIVAL_BAD_MANIFEST', `${MANIFEST} has ${mf.bytes} bytes, more than the limit of ${mf.limit}; not read`)
  if (mf.state === 'not-a-file') return reject('ARRIVAL_NOT_A_FILE', `${MANIFEST} is not a regular file`)
  if (mf.state === 'invalid') return reject('ARRIVAL_BAD_MANIFEST', mf.problem)
  const m = mf.manifest
  if (f.storedCopy === 'interrupted' && m.service === f.account && m.generation === f.folder) return { accepted: true, manifest: m, alreadyStored: true }
  const bad =
    checkIdentity(f, m) ??
    checkShape(m) ??
    checkHistory(f, m) ??
    checkFiles(f, m) ??
    (f.pass ? checkPass(f, m, f.pass) : undefined)
  return bad ?? { accepted: true, manifest: m, alreadyStored: false }
}
