/**
 * The hub reader: a spoke's view of its own generations on the hub, over SSH with the spoke's
 * config and key. The hub's rrsync confines the account to `store/<svc>` read-only, so the
 * service lists `svc@hub:/` and fetches `/<generation>/` into a temp folder under the spoke's
 * state. There is no index here: trust is the spoke's own public key, which signed the
 * manifest, and the manifest's sha256 of the tar, which restore checks while extracting.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { RoostError } from '../errors.js'
import { readPrivateKey, type PublicKey } from '../sign.js'
import { isGenerationId } from '../formats/names.js'
import { knownHostsLine, endpointTarget, type SshTarget } from '../ssh-client.js'
import { listArgs, pullArgs, runRsync } from '../rsync.js'
import { ensureDir, writeFileAtomic } from '../fsx/atomic.js'
import { MANIFEST } from '../layout.js'
import type { SpokeConfig, SpokePaths } from '../config/spoke.js'
import type { FetchedGeneration, StoreReader } from './store-reader.js'

/** Generation ids in `rsync --list-only` output (folders only), sorted. Pure. */
export function parseGenerationListing(stdout: string): string[] {
  const out: string[] = []
  for (const line of stdout.split('\n')) {
    const m = /^d\S*\s+[\d,.]+\s+\S+\s+\S+\s+(.+)$/.exec(line.trimEnd())
    if (m && isGenerationId(m[1]!)) out.push(m[1]!)
  }
  return out.sort()
}

/** Reads the spoke's own generations from the hub. Call `close()` when done. */
export class HubReader implements StoreReader {
  readonly source: string

  private constructor(
    private readonly config: SpokeConfig,
    private readonly key: PublicKey,
    private readonly target: SshTarget,
    private readonly work: string,
  ) {
    this.source = `hub ${config.hub.host}:${config.hub.port}`
  }

  /** Prepares a temp folder under the spoke's state (with the pinned host key) and reads the spoke's key. */
  static async open(config: SpokeConfig, paths: SpokePaths): Promise<HubReader> {
    const key = (await readPrivateKey(paths.key)).public
    await ensureDir(paths.state)
    const work = join(paths.state, `restore-${randomBytes(6).toString('hex')}`)
    await ensureDir(work)
    const knownHosts = join(work, 'known_hosts')
    await writeFileAtomic(knownHosts, knownHostsLine(config.hub.hostKey), 0o600)
    const target = endpointTarget(config.hub, config.service, paths.key, knownHosts)
    return new HubReader(config, key, target, work)
  }

  private checkService(service: string): void {
    if (service !== this.config.service) {
      throw new RoostError('SERVICE_UNKNOWN', `this spoke's config is for service '${this.config.service}', not '${service}'`, {
        hint: "restore from the hub with the config of the service's own spoke (--config spoke.yaml)",
      })
    }
  }

  async listGenerations(service: string): Promise<string[]> {
    this.checkService(service)
    return parseGenerationListing(await runRsync(listArgs(this.target, '/'), `listing ${service}'s generations on ${this.source}`))
  }

  async manifestKey(service: string): Promise<PublicKey> {
    this.checkService(service)
    return this.key
  }

  async fetch(service: string, generation: string): Promise<FetchedGeneration> {
    this.checkService(service)
    if (!isGenerationId(generation)) throw new RoostError('USAGE', `'${generation}' is not a generation id like 20261122T030000Z-full`)
    const dir = join(this.work, generation)
    await ensureDir(dir)
    await runRsync(pullArgs(this.target, [`/${generation}/`], dir, { compress: false }), `fetching ${service}/${generation} from ${this.source}`)
    return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) }
  }

  async fetchManifest(service: string, generation: string): Promise<FetchedGeneration> {
    this.checkService(service)
    if (!isGenerationId(generation)) throw new RoostError('USAGE', `'${generation}' is not a generation id like 20261122T030000Z-full`)
    const dir = join(this.work, `${generation}.manifest`)
    await ensureDir(dir)
    await runRsync(pullArgs(this.target, [`/${generation}/${MANIFEST}`], dir, { compress: false }), `fetching the manifest of ${service}/${generation} from ${this.source}`)
    return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) }
  }

  /** Removes the temp folder. */
  async close(): Promise<void> {
    await fs.rm(this.work, { recursive: true, force: true })
  }
}
