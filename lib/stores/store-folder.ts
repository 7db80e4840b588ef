/**
 * The store-folder reader: a mirror's `store/`, or any copy of the hub's `store/`. Trust comes
 * from the signed index alone: TREE.json must verify with the pinned index key, each service's
 * manifest key is taken from it, and every stored file is checked against its sha256 there.
 */
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { RoostError } from '../errors.js'
import { parsePublicKey, type PublicKey } from '../sign.js'
import { TREE_FILE, type Tree, type TreeService } from '../formats/tree.js'
import { assertName, isGenerationId } from '../formats/names.js'
import { readPublishedTree } from './published-tree.js'
import type { FetchedGeneration, StoreReader } from './store-reader.js'

/** Reads generations from a store folder, trusting only what the index key signed. */
export class StoreFolderReader implements StoreReader {
  readonly source: string

  private constructor(readonly dir: string, readonly tree: Tree) {
    this.source = dir
  }

  /** Opens a store folder: reads and checks its TREE.json. Throws INDEX_* errors. */
  static async open(dir: string, indexKey: PublicKey): Promise<StoreFolderReader> {
    const abs = resolve(dir)
    const st = await fs.stat(abs).catch(() => undefined)
    if (!st?.isDirectory()) throw new RoostError('USAGE', `${abs} is not a folder`, { hint: "--from takes 'hub' or a store folder (a mirror's store/ or a copy of the hub's)" })
    const published = await readPublishedTree(abs, indexKey)
    if (!published) {
      throw new RoostError('INDEX_MISSING', `${abs} has no ${TREE_FILE}: not a store folder, or nothing was published to it yet`, {
        hint: "point --from at a mirror's store/ or a copy of the hub's store/",
      })
    }
    return new StoreFolderReader(abs, published.tree)
  }

  private service(service: string): TreeService {
    assertName(service, 'service')
    const svc = this.tree.services[service]
    if (!svc) {
      throw new RoostError('SERVICE_UNKNOWN', `service '${service}' is not in the index of ${this.dir}`, {
        hint: `services there: ${Object.keys(this.tree.services).sort().join(', ') || 'none'}`,
      })
    }
    return svc
  }

  async listGenerations(service: string): Promise<string[]> {
    return Object.keys(this.service(service).generations).filter(isGenerationId).sort()
  }

  async manifestKey(service: string): Promise<PublicKey> {
    return parsePublicKey(this.service(service).key, `${TREE_FILE}: key of service '${service}'`)
  }

  async fetch(service: string, generation: string): Promise<FetchedGeneration> {
    const entry = this.service(service).generations[generation]
    if (!entry || !isGenerationId(generation)) {
      throw new RoostError('GENERATION_NOT_FOUND', `generation ${generation} of service '${service}' is not in the index of ${this.dir}`)
    }
    return { dir: join(this.dir, service, generation), expected: entry.files, cleanup: async () => {} }
  }

  /** The same folder as `fetch`: nothing is copied from a local store. */
  async fetchManifest(service: string, generation: string): Promise<FetchedGeneration> {
    return this.fetch(service, generation)
  }
}
