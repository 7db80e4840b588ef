/**
 * GNU tar argv builders (pure, snapshot-tested) and the listing counter. Archives keep
 * modes, owners, mtimes, symlinks, hardlinks, ACLs and extended attributes (posix format).
 */
import { Writable } from 'node:stream'
import type { Counts } from './formats/manifest.js'

export interface CreateOptions {
  /** Absolute source paths; stored relative to / so a restore to / puts them back. */
  sources: readonly string[]
  excludes?: readonly string[]
  /**
   * GNU tar's snapshot file for `--listed-incremental`: a fresh (missing or empty) file makes
   * a level-0 archive (a full); a copy of an earlier generation's snapshot makes an archive of
   * what changed since (diff or incr), recording deletions and renames. tar updates it in place.
   */
  snapshot?: string
}

/** `tar` writing an archive of the sources to stdout. */
export function createArgs(o: CreateOptions): string[] {
  const a = ['tar', '--create', '--file=-', '--format=posix', '--acls', '--xattrs', '--xattrs-include=*', '--one-file-system', '--directory=/']
  // device numbers change across reboots and snapshots (LVM, NFS): never let that force a full
  if (o.snapshot) a.push(`--listed-incremental=${o.snapshot}`, '--no-check-device')
  // tar sees names relative to / (etc/hostname): an absolute exclude is that path exactly
  // (anchored, its leading / dropped); any other pattern matches at any depth, as tar does
  const excludes = o.excludes ?? []
  for (const e of excludes.filter(e => !e.startsWith('/'))) a.push(`--exclude=${e}`)
  const anchored = excludes.filter(e => e.startsWith('/'))
  if (anchored.length) a.push('--anchored', ...anchored.map(e => `--exclude=${e.replace(/^\/+/, '')}`), '--no-anchored')
  a.push('--', ...o.sources.map(s => s.replace(/^\/+/, '') || '.'))
  return a
}

/** `tar` listing an archive from stdin, one quoted line per entry. */
export function listArgs(): string[] {
  return ['tar', '--list', '--verbose', '--file=-', '--quoting-style=escape']
}

/**
 * `tar` extracting an archive from stdin into `dir`, keeping owners only when asked. Always in
 * incremental mode (`--listed-incremental=/dev/null`): replaying a chain (full, then diff or
 * incrs, in order, into one folder) then deletes what a later generation no longer holds; an
 * archive made without a snapshot extracts as usual.
 */
export function extractArgs(dir: string, o: { sameOwner: boolean; paths?: readonly string[] }): string[] {
  const a = ['tar', '--extract', '--file=-', '--listed-incremental=/dev/null', '--acls', '--xattrs', '--xattrs-include=*', '--preserve-permissions', `--directory=${dir}`]
  a.push(o.sameOwner ? '--same-owner' : '--no-same-owner')
  if (o.paths?.length) a.push('--', ...o.paths)
  return a
}

/** Exit statuses of GNU tar --create: 1 means some files changed while being read (a warning). */
export const TAR_CREATE_OK = [0, 1]

/** Counts for a manifest, from the lines of `tar --list --verbose`. Pure. */
export function emptyCounts(): Counts {
  return { entries: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, other: 0, bytes: 0 }
}

export function countListingLine(c: Counts, line: string): void {
  if (!line) return
  c.entries++
  switch (line[0]) {
    case '-': c.files++; break
    case 'd': c.dirs++; break
    case 'l': c.symlinks++; break
    case 'h': c.hardlinks++; break
    default: c.other++
  }
}

/** A sink for tar's listing output that counts entries by type without keeping lines. */
export class ListingCounter extends Writable {
  readonly counts: Counts = emptyCounts()
  private rest = ''
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    const lines = (this.rest + chunk.toString('utf8')).split('\n')
    this.rest = lines.pop() ?? ''
    for (const l of lines) countListingLine(this.counts, l)
    cb()
  }
  override _final(cb: (err?: Error | null) => void): void {
    countListingLine(this.counts, this.rest)
    this.rest = ''
    cb()
  }
}
