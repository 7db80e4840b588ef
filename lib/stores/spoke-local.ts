/**
 * The spoke-local reader: the copies a spoke keeps of its own generations after the hub
 * accepted them, `state/generations/<generation>/{manifest.json, data.tar.zst, .accepted}`
 * (an encrypted service keeps data.tar.zst.age, which only `--identity` opens).
 * Only accepted generations whose compressed archive is present are listed (a pending one
 * still holds its uncompressed data.tar). Trust is the spoke's own public key, as for the hub
 * reader: restore verifies each manifest's signature and the tar's sha256 in it.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { RoostError } from '../errors.js'
import { readPrivateKey, type PublicKey } from '../sign.js'
import { isGenerationId } from '../formats/names.js'
import { ACCEPTED_MARK, ENCRYPTED_ARCHIVE, STORED_ARCHIVE } from '../layout.js'
import type { SpokeConfig, SpokePaths } from '../config/spoke.js'
import type { FetchedGeneration, StoreReader } from './store-reader.js'


async function isFile(path: string): Promise<boolean> {
  return fs.lstat(path).then(st => st.isFile(), () => false)
}

/** Reads the generations kept on this spoke. */
export class SpokeLocalReader implements StoreReader {
  readonly source: string

  private constructor(
    private readonly service: string,
    private readonly key: PublicKey,
    private readonly dir: string,
  ) {
    this.source = `local copies in ${dir}`
  }

  /** Reads the spoke's key (its public half vouches for the manifests). */
  static async open(config: SpokeConfig, paths: SpokePaths): Promise<SpokeLocalReader> {
    return new SpokeLocalReader(config.service, (await readPrivateKey(paths.key)).public, paths.generations)
  }

  private checkService(service: string): void {
    if (service !== this.service) {
      throw new RoostError('SERVICE_UNKNOWN', `this spoke keeps copies of service '${this.service}', not '${service}'`, {
        hint: "restore from the local copies with the config of the service's own spoke (--config spoke.yaml)",
      })
    }
  }

  async listGenerations(service: string): Promise<string[]> {
    this.checkService(service)
    const names = await fs.readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[]
      throw err
    })
    const out: string[] = []
    for (const g of names.filter(isGenerationId)) {
      const archive = (await isFile(join(this.dir, g, STORED_ARCHIVE))) || (await isFile(join(this.dir, g, ENCRYPTED_ARCHIVE)))
      if (archive && (await isFile(join(this.dir, g, ACCEPTED_MARK)))) out.push(g)
    }
    return out.sort()
  }

  async manifestKey(service: string): Promise<PublicKey> {
    this.checkService(service)
    return this.key
  }

  async fetch(service: string, generation: string): Promise<FetchedGeneration> {
    if (!isGenerationId(generation) || !(await this.listGenerations(service)).includes(generation)) {
      throw new RoostError('GENERATION_NOT_FOUND', `generation ${generation} of service '${service}' is not among the ${this.source}`, {
        hint: 'only generations the hub accepted, compressed after acceptance, are kept for restore',
      })
    }
    return { dir: join(this.dir, generation), cleanup: async () => {} }
  }
}
