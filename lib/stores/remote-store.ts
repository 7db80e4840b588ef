/**
 * The remote-store reader: a tree served over SSH by the hub or a mirror that serves
 * (`roost mirror serve`), read with a mirror account (the mirror.yaml given with --config:
 * its name, key, upstream and pinned host key). `roost restore --from upstream`. Trust is the
 * signed index alone, as for a store folder: TREE.json must verify with the pinned index key,
 * and every file fetched is checked against its sha256 there by restore. Generations are
 * fetched into a temp folder of its own under the mirror's staging/.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { RoostError } from '../errors.js'
import { parsePublicKey, type PublicKey } from '../sign.js'
import { openTree, TREE_FILE, TREE_SIG_FILE, type Tree } from '../formats/tree.js'
import { generationIds, generationIn, serviceKey } from './tree-lookup.js'
import { knownHostsLine, endpointTarget, type SshTarget } from '../ssh-client.js'
import { pullArgs, runRsync } from '../rsync.js'
import { ensureDir, writeFileAtomic } from '../fsx/atomic.js'
import { MANIFEST } from '../layout.js'
import type { MirrorConfig, MirrorPaths } from '../config/mirror.js'
import { readTreePair } from './published-tree.js'
import type { FetchedGeneration, StoreReader } from './store-reader.js'

export class RemoteStoreReader implements StoreReader {
  readonly source: string

  private constructor(
    private readonly target: SshTarget,
    private readonly tree: Tree,
    private readonly work: string,
  ) {
    this.source = `${target.host}:${target.port} (as mirror ${target.user})`
  }

  /** Dials the mirror.yaml's upstream, fetches and checks its TREE.json. */
  static async open(config: MirrorConfig, paths: MirrorPaths): Promise<RemoteStoreReader> {
    const key = parsePublicKey(config.indexKey, `${paths.config}: indexKey`)
    await ensureDir(paths.staging)
    const work = join(paths.staging, `restore-${randomBytes(6).toString('hex')}`)
    await ensureDir(work)
    try {
      const knownHosts = join(work, 'known_hosts')
      await writeFileAtomic(knownHosts, knownHostsLine(config.upstream.hostKey), 0o600)
      const target = endpointTarget(config.upstream, config.name, paths.key, knownHosts)
      const index = join(work, 'index')
      await ensureDir(index)
      await runRsync(pullArgs(target, [`/${TREE_FILE}`, `/${TREE_SIG_FILE}`], index, { compress: false }), `fetching ${TREE_FILE} from ${target.host}:${target.port}`)
      const pair = await readTreePair(index)
      if (!pair) throw new RoostError('INDEX_MISSING', `${target.host}:${target.port} serves no ${TREE_FILE}`)
      return new RemoteStoreReader(target, openTree(pair, key, `${target.host}:${target.port} ${TREE_FILE}`), work)
    } catch (err) {
      await fs.rm(work, { recursive: true, force: true })
      throw err
    }
  }



  private get where(): string {
    return `the index ${this.source} serves`
  }

  async listGenerations(service: string): Promise<string[]> {
    return generationIds(this.tree, service, this.where)
  }

  async manifestKey(service: string): Promise<PublicKey> {
    return serviceKey(this.tree, service, this.where)
  }

  async fetch(service: string, generation: string): Promise<FetchedGeneration> {
    const entry = generationIn(this.tree, service, generation, this.where)
    const dir = join(this.work, service, generation)
    await ensureDir(dir)
    await runRsync(pullArgs(this.target, [`/${service}/${generation}/`], dir, { compress: false }), `fetching ${service}/${generation} from ${this.source}`)
    return { dir, expected: entry.files, cleanup: () => fs.rm(dir, { recursive: true, force: true }) }
  }

  async fetchManifest(service: string, generation: string): Promise<FetchedGeneration> {
    const entry = generationIn(this.tree, service, generation, this.where)
    const dir = join(this.work, service, `${generation}.manifest`)
    await ensureDir(dir)
    await runRsync(pullArgs(this.target, [`/${service}/${generation}/${MANIFEST}`], dir, { compress: false }), `fetching the manifest of ${service}/${generation} from ${this.source}`)
    return { dir, expected: { [MANIFEST]: entry.files[MANIFEST]! }, cleanup: () => fs.rm(dir, { recursive: true, force: true }) }
  }

  async close(): Promise<void> {
    await fs.rm(this.work, { recursive: true, force: true })
  }
}
