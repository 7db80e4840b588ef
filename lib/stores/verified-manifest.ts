/**
 * Reading a fetched generation's manifest.json and trusting it only after checks: a regular
 * file no larger than the limit, its bytes matching the signed index (when the source has
 * one), the right service and generation, and the signature of the key the reader vouches
 * for. Every reader of a store (restore, export, drills) goes through this one function.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { RoostError } from '../errors.js'
import { MANIFEST_MAX_BYTES, parseManifest, verifyManifest, type Manifest } from '../formats/manifest.js'
import type { StoredFile } from '../formats/tree.js'
import { MANIFEST } from '../layout.js'
import type { FetchedGeneration, StoreReader } from './store-reader.js'

function checkIndexed(path: string, bytes: Buffer, want: StoredFile | undefined): void {
  if (!want) return
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  if (sha256 !== want.sha256 || bytes.length !== want.bytes) {
    throw new RoostError('HASH_MISMATCH', `${path}: sha256 ${sha256} (${bytes.length} bytes) differs from the signed index (${want.sha256}, ${want.bytes} bytes)`)
  }
}

/**
 * The manifest of `service/generation` in a fetched folder, verified. Throws MANIFEST_INVALID,
 * HASH_MISMATCH or MANIFEST_BAD_SIGNATURE (all exit 3).
 */
export async function readVerifiedManifest(fetched: FetchedGeneration, reader: StoreReader, service: string, generation: string): Promise<{ manifest: Manifest; bytes: Buffer }> {
  const path = join(fetched.dir, MANIFEST)
  const st = await fs.lstat(path).catch(() => undefined)
  if (!st?.isFile()) throw new RoostError('MANIFEST_INVALID', `${path} is missing or not a regular file (${service}/${generation})`)
  if (st.size > MANIFEST_MAX_BYTES) throw new RoostError('MANIFEST_INVALID', `${path} is larger than ${MANIFEST_MAX_BYTES} bytes`)
  const bytes = await fs.readFile(path)
  checkIndexed(path, bytes, fetched.expected?.[MANIFEST])
  const m = parseManifest(bytes.toString('utf8'), path)
  if (m.service !== service || m.generation !== generation) {
    throw new RoostError('MANIFEST_INVALID', `${path} is for ${m.service}/${m.generation}, not ${service}/${generation}`)
  }
  const key = await reader.manifestKey(service)
  if (!verifyManifest(m, key)) {
    throw new RoostError('MANIFEST_BAD_SIGNATURE', `${path}: the signature does not match service '${service}''s key ${key.fingerprint}`, {
      hint: 'the manifest was altered or signed by another key; nothing was restored',
    })
  }
  return { manifest: m, bytes }
}
