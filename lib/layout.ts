/**
 * The names every role agrees on: what a generation folder holds on the wire and at rest,
 * and where a service's account reads and writes. One place, so no role guesses.
 */

/** The archive a spoke uploads (an uncompressed tar, so rsync can send only changed blocks). */
export const ARCHIVE = 'data.tar'
/** The archive at rest in a store (compressed by the hub). */
export const STORED_ARCHIVE = 'data.tar.zst'
/**
 * The archive of an encrypted service, on the wire and at rest alike: tar → zstd → age, made
 * on the spoke. The hub, the mirrors and the discs only ever hold this ciphertext.
 */
export const ENCRYPTED_ARCHIVE = 'data.tar.zst.age'

/** The archive file a generation keeps at rest (store, kept copies, exports, discs). Pure. */
export function storedArchiveName(m: { encryption: unknown }): string {
  return m.encryption ? ENCRYPTED_ARCHIVE : STORED_ARCHIVE
}

/** The archive file a generation travels as from the spoke to the hub. Pure. */
export function uploadedArchiveName(m: { encryption: unknown }): string {
  return m.encryption ? ENCRYPTED_ARCHIVE : ARCHIVE
}
export const MANIFEST = 'manifest.json'
/**
 * Inside a service's incoming: delta bases for the next upload, kept by the hub.
 * `.basis/full/data.tar` is the last accepted full's tar (the basis of a full);
 * `.basis/last/data.tar` the last accepted generation's tar (the basis of a diff or incr).
 */
export const BASIS_DIR = '.basis'
export const BASIS_FULL = 'full'
export const BASIS_LAST = 'last'
/** Relative to each file's folder: where rsync keeps a cut upload for resuming. */
export const PARTIAL_DIR = '.rsync-partial'
/** Written by the hub into store/<svc>/, read by the spoke. */
export const STATUS = 'status.json'

/** On the spoke, beside a kept generation the hub accepted (JSON: when, and what it said). */
export const ACCEPTED_MARK = '.accepted'
/** On the spoke, beside a kept generation the hub rejected. */
export const REJECTED_MARK = '.rejected'

/** On the spoke, beside each kept generation: GNU tar's snapshot after making it. */
export const SNAPSHOT = 'snapshot.snar'
