/**
 * The chain a generation needs, resolved from signed manifests only: each manifest is read
 * through `readVerifiedManifest` (signature, index hash) and what it builds on (`base` for a
 * diff, `parent` for an incr) names the next link. Only manifests are fetched here; archives
 * are fetched one at a time while replaying.
 */
import { RoostError } from '../errors.js'
import { dependsOn, resolveChain, type ChainLink } from '../formats/chain.js'
import { generationKind } from '../formats/names.js'
import type { Manifest } from '../formats/manifest.js'
import { readVerifiedManifest } from '../stores/verified-manifest.js'
import { fetchManifestOnly, type FetchedGeneration, type StoreReader } from '../stores/store-reader.js'

/** A link of a chain with its verified manifest (and its exact bytes, to re-check later). */
export interface VerifiedLink {
  generation: string
  manifest: Manifest
  bytes: Buffer
}

/** Reads and verifies a fetched generation's manifest (plain or encrypted alike). */
export async function verifiedLink(fetched: FetchedGeneration, reader: StoreReader, service: string, generation: string): Promise<VerifiedLink> {
  const { manifest, bytes } = await readVerifiedManifest(fetched, reader, service, generation)
  if (manifest.kind !== generationKind(generation)) {
    throw new RoostError('MANIFEST_INVALID', `${service}/${generation}: the signed manifest says kind '${manifest.kind}', the id says '${generationKind(generation)}'`)
  }
  return { generation, manifest, bytes }
}

async function fetchLink(reader: StoreReader, service: string, generation: string): Promise<VerifiedLink> {
  const fetched = await fetchManifestOnly(reader, service, generation)
  try {
    return await verifiedLink(fetched, reader, service, generation)
  } finally {
    await fetched.cleanup()
  }
}

/**
 * The verified manifests of the chain ending in `target`, oldest first (a full first).
 * Throws CHAIN_BROKEN naming a link the reader does not hold, or a chain that loops or does
 * not start with a full; MANIFEST_* / HASH_MISMATCH (exit 3) for a manifest that fails a check.
 */
export async function readChain(reader: StoreReader, service: string, target: string, available: readonly string[]): Promise<VerifiedLink[]> {
  const held = new Set(available)
  const links = new Map<string, VerifiedLink>()
  let id: string | null = target
  while (id !== null && held.has(id) && !links.has(id)) {
    const link = await fetchLink(reader, service, id)
    links.set(id, link)
    id = dependsOn(link.manifest)
  }
  const lookup = (g: string): ChainLink | undefined => links.get(g)?.manifest
  const order = resolveChain(target, lookup, `${service} in ${reader.source}`)
  const chain = order.map(g => links.get(g)!)
  if (chain[0]!.manifest.kind !== 'full') {
    throw new RoostError('CHAIN_BROKEN', `the chain of ${service}/${target} starts with ${chain[0]!.generation}, which is not a full`, {
      hint: 'its signed manifest names no base or parent; restore another generation',
    })
  }
  return chain
}
