/**
 * Test plumbing: builds a store folder the way the hub lays one out (data.tar.zst +
 * signed manifest per generation, TREE.json + .sig signed with an index key) with the real
 * tar and zstd, without a running hub. Also makes ed25519 keys with ssh-keygen.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, openSync, promises as fs, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readPrivateKey, type PrivateKey } from '../../../lib/sign.js'
import { createArgs, countListingLine, emptyCounts } from '../../../lib/tar.js'
import { compressArgs } from '../../../lib/zstd.js'
import { signManifest, renderManifest, type UnsignedManifest } from '../../../lib/formats/manifest.js'
import { buildTree, signTree, type GenerationRecord } from '../../../lib/formats/tree.js'
import type { Kind } from '../../../lib/formats/names.js'

export async function makeKey(dir: string, name: string): Promise<PrivateKey & { path: string }> {
  const path = join(dir, name)
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', name, '-f', path])
  return { ...(await readPrivateKey(path)), path }
}

function sha256File(path: string): { sha256: string; bytes: number } {
  const buf = readFileSync(path)
  return { sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length }
}

function runTo(argv: string[], outFile: string, stdinFile?: string): void {
  const out = openSync(outFile, 'w')
  const inp = stdinFile ? openSync(stdinFile, 'r') : 'ignore'
  try {
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: [inp, out, 'pipe'] })
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  } finally {
    closeSync(out)
    if (typeof inp === 'number') closeSync(inp)
  }
}

export interface MadeGeneration {
  record: GenerationRecord
  tar: string
}

/** What a generation builds on, and the tar snapshot file that makes it incremental. */
export interface GenerationOptions {
  kind?: Kind
  base?: string | null
  parent?: string | null
  /** GNU tar's snapshot (fresh for a full; a copy of the earlier one's for a diff or incr). */
  snapshot?: string
}

/** Writes store/<svc>/<gen>/{manifest.json,data.tar.zst} for an archive of `source`. */
export async function makeGeneration(store: string, work: string, service: string, generation: string, source: string, key: PrivateKey, o: GenerationOptions = {}): Promise<MadeGeneration> {
  const dir = join(store, service, generation)
  await fs.mkdir(dir, { recursive: true })
  const tar = join(work, `${service}-${generation}.tar`)
  runTo(createArgs({ sources: [source], ...(o.snapshot ? { snapshot: o.snapshot } : {}) }), tar)
  const counts = emptyCounts()
  const listing = execFileSync('tar', ['--list', '--verbose', '--quoting-style=escape', '--file', tar], { maxBuffer: 1 << 26 }).toString()
  for (const line of listing.split('\n')) countListingLine(counts, line)
  const t = sha256File(tar)
  counts.bytes = t.bytes
  const unsigned: UnsignedManifest = {
    format: 'roost/1', service, generation, kind: o.kind ?? 'full', base: o.base ?? null, parent: o.parent ?? null,
    created: '2026-11-22T03:00:00.000Z', host: 'test', roost: '0.1.0', sources: [source], excludes: [], hooks: [],
    files: [{ name: 'data.tar', ...t }], compression: 'none', encryption: null, counts,
  }
  await fs.writeFile(join(dir, 'manifest.json'), renderManifest(signManifest(unsigned, key)))
  runTo(compressArgs(), join(dir, 'data.tar.zst'), tar)
  const record: GenerationRecord = {
    service, generation, kind: o.kind ?? 'full', accepted: '2026-11-22T03:01:00.000Z',
    files: { 'manifest.json': sha256File(join(dir, 'manifest.json')), 'data.tar.zst': sha256File(join(dir, 'data.tar.zst')) },
  }
  return { record, tar }
}

/** Signs and writes store/TREE.json + .sig for the records. */
export async function publishStore(store: string, records: GenerationRecord[], keys: Record<string, string>, serial: number, indexKey: PrivateKey): Promise<void> {
  const signed = signTree(buildTree(records, keys, serial - 1, new Date('2026-11-22T04:00:00Z')), indexKey)
  await fs.writeFile(join(store, 'TREE.json'), signed.bytes)
  await fs.writeFile(join(store, 'TREE.json.sig'), signed.signature)
}
