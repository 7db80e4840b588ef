/**
 * What `roost restore` reads from. Every tier (a store folder such as a mirror's `store/` or
 * a copy of the hub's, the hub over SSH, later a set of volumes) implements this one small
 * interface, so restore has one code path and one verification path for all of them.
 */
import type { PublicKey } from '../sign.js'
import type { StoredFile } from '../formats/tree.js'

/** A generation fetched to a local folder, ready to be verified and extracted. */
export interface FetchedGeneration {
  /** A local folder holding `manifest.json` and `data.tar.zst`. */
  dir: string
  /**
   * The stored files' sizes and sha256 from a signed index, when the source has one
   * (a store folder does; the hub over SSH does not). Restore checks them while reading.
   */
  expected?: Readonly<Record<string, StoredFile>>
  /** Removes whatever the fetch made (a temp folder); a no-op for a local store. */
  cleanup(): Promise<void>
}

/**
 * Contract: `listGenerations` returns the generation ids of a service sorted oldest first
 * (ids sort by time), only ids that match GENERATION_RE; `manifestKey` returns the key a
 * trusted party vouches for (the signed index, or the spoke's own key); `fetch` never
 * returns files it knows are wrong, and never writes outside a temp folder of its own.
 */
export interface StoreReader {
  /** Where the data comes from, for messages and results (`hub 127.0.0.1:2222`, a folder). */
  readonly source: string
  listGenerations(service: string): Promise<string[]>
  /** The public key the service's manifests must be signed with. */
  manifestKey(service: string): Promise<PublicKey>
  fetch(service: string, generation: string): Promise<FetchedGeneration>
  /**
   * Fetches only `manifest.json` (to resolve a chain before any archive is fetched); the
   * folder may hold the archive too (a local store). Optional: without it, `fetch` is used.
   */
  fetchManifest?(service: string, generation: string): Promise<FetchedGeneration>
  /** Releases what the reader holds (temp folders); optional. */
  close?(): Promise<void>
}

/** The generation's manifest, fetched alone when the reader can (see `fetchManifest`). */
export async function fetchManifestOnly(reader: StoreReader, service: string, generation: string): Promise<FetchedGeneration> {
  return reader.fetchManifest ? reader.fetchManifest(service, generation) : reader.fetch(service, generation)
}
