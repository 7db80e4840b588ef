/**
 * The generation's manifest (`roost/1`) built from what the run found out, then signed with
 * the spoke's key and written as canonical JSON. `buildManifest` is pure.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { signManifest, renderManifest, type Counts, type Manifest, type UnsignedManifest } from '../lib/formats/manifest.js'
import type { Kind } from '../lib/formats/names.js'
import type { PrivateKey } from '../lib/sign.js'
import { writeFileAtomic } from '../lib/fsx/atomic.js'
import { ARCHIVE, ENCRYPTED_ARCHIVE, MANIFEST } from '../lib/layout.js'
import { recipientFingerprint } from '../lib/age.js'
import type { HookRun } from '../lib/hooks.js'

/** Everything a manifest states, gathered by the run. */
export interface ManifestFacts {
  service: string
  generation: string
  kind: Kind
  /** The full a diff builds on (null for a full). */
  base: string | null
  /** The generation an incr builds on (null for a full). */
  parent: string | null
  created: Date
  host: string
  roostVersion: string
  sources: readonly string[]
  excludes: readonly string[]
  hooks: readonly HookRun[]
  /** The file uploaded: the plain tar, or the ciphertext when `recipients` are given. */
  archive: { bytes: number; sha256: string }
  /** Counted from the plain tar (`bytes`: its size before compression). */
  counts: Counts
  /** age recipients the archive is encrypted to; named in the manifest by fingerprint only. */
  recipients?: readonly string[]
  /** `spoke run --label` (checked against LABEL_RE by the manifest schema). */
  label?: string
}

/** The unsigned manifest for these facts. Pure. */
export function buildManifest(f: ManifestFacts): UnsignedManifest {
  const encrypted = Boolean(f.recipients?.length)
  return {
    format: 'roost/1',
    service: f.service,
    generation: f.generation,
    kind: f.kind,
    base: f.base,
    parent: f.parent,
    created: f.created.toISOString(),
    host: f.host.slice(0, 255),
    roost: f.roostVersion,
    sources: [...f.sources],
    excludes: [...f.excludes],
    hooks: f.hooks.flatMap(h => (h.phase === 'restore' ? [] : [{ name: h.name, phase: h.phase, exitCode: h.exitCode, ms: h.ms }])),
    files: [{ name: encrypted ? ENCRYPTED_ARCHIVE : ARCHIVE, bytes: f.archive.bytes, sha256: f.archive.sha256 }],
    compression: encrypted ? 'zstd' : 'none',
    encryption: encrypted ? { recipients: f.recipients!.map(recipientFingerprint) } : null,
    counts: { ...f.counts },
    ...(f.label ? { label: f.label } : {}),
  }
}

/** Signs the manifest and writes it as `dir/manifest.json` (atomically, mode 0600). */
export async function writeManifest(dir: string, m: UnsignedManifest, key: PrivateKey): Promise<Manifest> {
  const signed = signManifest(m, key)
  await writeFileAtomic(join(dir, MANIFEST), renderManifest(signed), 0o600)
  return signed
}

/** roost's version from package.json (one level above the built or source tree). */
export function roostVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'roost' && pkg.version) return pkg.version
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0'
}
