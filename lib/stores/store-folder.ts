/**
 * The store-folder reader: a mirror's `store/`, or any copy of the hub's `store/`. Trust comes
 * from the signed index alone: TREE.json must verify with the pinned index key, each service's
 * manifest key is taken from it, and every stored file is checked against its sha256 there.
 */
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { RoostError } from '../errors.js'
import type { PublicKey } from '../sign.js'
import { TREE_FILE, type Tree } from '../formats/tree.js'
import { generationIds, generationIn, serviceKey } from './tree-lookup.js'
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

  private get where(): string {
    return `the index of ${this.dir}`
  }

  async listGenerations(service: string): Promise<string[]> {
    return generationIds(this.tree, service, this.where)
  }

  async manifestKey(service: string): Promise<PublicKey> {
    return serviceKey(this.tree, service, this.where)
  }

  async fetch(service: string, generation: string): Promise<FetchedGeneration> {
    const entry = generationIn(this.tree, service, generation, this.where)
    return { dir: join(this.dir, service, generation), expected: entry.files, cleanup: async () => {} }
  }

  /** The same folder as `fetch`: nothing is copied from a local store. */
  async fetchManifest(service: string, generation: string): Promise<FetchedGeneration> {
    return this.fetch(service, generation)
  }
}
