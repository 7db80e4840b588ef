/**
 * The disc-set reader: restore from a folder of ISO images (or mounted discs) with nothing
 * else. Trust comes from the hub's index key, as for a store folder: each set's TREE.json
 * must verify with it, the signed catalog must name that tree, and every file put back
 * together from its pieces must hash to what the tree says.
 *
 * A file is reassembled piece by piece (each piece copied out of its image with xorriso,
 * which checks the MD5 recorded for it, then hashed against the catalog). If a piece cannot
 * be had — its disc is missing, unreadable, or the piece is damaged — the set is repaired:
 * every disc present is copied into a work folder (one folder per label, as par2 recorded
 * them), par2 rebuilds what is damaged or lost, and the pieces are read from there. That
 * needs the set's size in free space under TMPDIR; a plain restore needs one generation's.
 * When parity cannot make up for what is missing, the error names the discs to bring.
 */
import { createReadStream, promises as fs } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { Logger } from '../log.js'
import { RoostError, isRoostError } from '../errors.js'
import { parsePublicKey, type PublicKey } from '../sign.js'
import { TREE_FILE, type StoredFile, type TreeService } from '../formats/tree.js'
import { catalogFiles, type CatalogFile } from '../formats/catalog.js'
import { assertName, isGenerationId } from '../formats/names.js'
import { MANIFEST } from '../layout.js'
import { openSets, type OpenedSet, type VolumeSource } from '../volumes/open-set.js'
import { extractAll, extractFromIso } from '../volumes/iso.js'
import { repairParity } from '../volumes/parity.js'
import { PARITY_NAME, piecePath } from '../volumes/layout.js'
import type { FetchedGeneration, StoreReader } from './store-reader.js'

interface SetState {
  set: OpenedSet
  files: Map<string, CatalogFile>
  /** The repaired copy of the whole set, once a piece could not be read from its disc. */
  repaired?: string
}

export interface VolumeSetOptions {
  /** Pin the key the catalogs must be signed with (default: the signer each names). */
  catalogKey?: PublicKey
  /** The discs in `dir`, when the caller has found them already (findVolumes). */
  volumes?: VolumeSource[]
  log?: Logger
}

/** Reads generations from the disc sets in a folder. */
export class VolumeSetReader implements StoreReader {
  readonly source: string
  /** Discs used, and sets repaired with par2 (for the restore's result). */
  readonly used = new Set<string>()
  readonly repairedSets: string[] = []
  private readonly work: string

  private constructor(readonly dir: string, private readonly sets: SetState[], work: string, private readonly log?: Logger) {
    this.source = `discs in ${dir}`
    this.work = work
  }

  static async open(dir: string, indexKey: PublicKey, o: VolumeSetOptions = {}): Promise<VolumeSetReader> {
    const sets = await openSets(dir, indexKey, { ...(o.catalogKey ? { catalogKey: o.catalogKey } : {}), ...(o.volumes ? { volumes: o.volumes } : {}) })
    const work = await fs.mkdtemp(join(tmpdir(), 'roost-discs-'))
    const states = sets.map(set => ({ set, files: new Map(catalogFiles(set.catalog).map(f => [`${f.service}/${f.generation}/${f.name}`, f])) }))
    for (const s of sets) {
      if (s.missing.length) o.log?.warn({ set: s.id, missing: s.missing.map(n => s.catalog.labels[n - 1]) }, 'discs of the set are missing; parity will be used if they are needed')
    }
    return new VolumeSetReader(dir, states, work, o.log)
  }

  /** Sets are kept oldest first; the newest set naming the service decides its key. */
  private services(service: string): Array<{ state: SetState; svc: TreeService }> {
    assertName(service, 'service')
    return this.sets.flatMap(state => (state.set.tree.services[service] ? [{ state, svc: state.set.tree.services[service]! }] : []))
  }

  /** The set holding a generation's files: the newest set whose catalog lists them all. */
  private holder(service: string, generation: string): { state: SetState; files: Record<string, StoredFile> } | undefined {
    for (const { state, svc } of this.services(service).reverse()) {
      const entry = svc.generations[generation]
      if (!entry) continue
      const names = Object.keys(entry.files)
      if (names.length && names.every(n => state.files.has(`${service}/${generation}/${n}`))) return { state, files: entry.files }
    }
    return undefined
  }

  async listGenerations(service: string): Promise<string[]> {
    const found = this.services(service)
    if (!found.length) {
      const all = [...new Set(this.sets.flatMap(s => Object.keys(s.set.tree.services)))].sort()
      throw new RoostError('SERVICE_UNKNOWN', `service '${service}' is not on the discs in ${this.dir}`, { hint: `services there: ${all.join(', ') || 'none'}` })
    }
    const gens = new Set<string>()
    for (const { svc } of found) for (const g of Object.keys(svc.generations)) if (isGenerationId(g) && this.holder(service, g)) gens.add(g)
    return [...gens].sort()
  }

  async manifestKey(service: string): Promise<PublicKey> {
    const found = this.services(service)
    const last = found[found.length - 1]
    if (!last) throw new RoostError('SERVICE_UNKNOWN', `service '${service}' is not on the discs in ${this.dir}`)
    return parsePublicKey(last.svc.key, `${TREE_FILE} of set ${last.state.set.id}: key of service '${service}'`)
  }

  async fetch(service: string, generation: string): Promise<FetchedGeneration> {
    return this.fetchNames(service, generation, undefined)
  }

  async fetchManifest(service: string, generation: string): Promise<FetchedGeneration> {
    return this.fetchNames(service, generation, [MANIFEST])
  }

  private async fetchNames(service: string, generation: string, only: string[] | undefined): Promise<FetchedGeneration> {
    const h = isGenerationId(generation) ? this.holder(service, generation) : undefined
    if (!h) throw new RoostError('GENERATION_NOT_FOUND', `generation ${generation} of service '${service}' is not on the discs in ${this.dir}`, { hint: 'bring the set that holds it (roost restore … --list shows what the discs hold)' })
    const dir = await fs.mkdtemp(join(this.work, `${generation}-`))
    try {
      for (const name of only ?? Object.keys(h.files).sort()) {
        const f = h.state.files.get(`${service}/${generation}/${name}`)
        if (!f) throw new RoostError('GENERATION_NOT_FOUND', `${service}/${generation}/${name} is not in the catalog of set ${h.state.set.id}`)
        await this.reassemble(h.state, f, join(dir, name))
      }
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true })
      throw err
    }
    return { dir, expected: h.files, cleanup: () => fs.rm(dir, { recursive: true, force: true }) }
  }

  /**
   * Puts a file together from its pieces at `dest`, hashing each piece and the whole in one
   * pass. A piece that cannot be read or differs from the catalog has the set repaired, and
   * the file is put together again from the repaired copy.
   */
  private async reassemble(state: SetState, f: CatalogFile, dest: string): Promise<void> {
    const out = await fs.open(dest, 'wx', 0o600)
    try {
      let fault = await this.copyPieces(state, f, out)
      if (fault && !state.repaired) {
        this.log?.warn({ set: state.set.id, fault }, 'repairing the set with par2')
        state.repaired = await this.repair(state)
        await out.truncate(0)
        fault = await this.copyPieces(state, f, out)
      }
      if (fault) throw new RoostError('VERIFY_FAILED', `${f.service}/${f.generation}/${f.name} cannot be put back together from set ${state.set.id}: ${fault}`, { hint: 'find another copy of the damaged disc' })
    } finally {
      await out.close()
    }
  }

  /** Writes the pieces from the discs (or the repaired set); returns what went wrong, if anything. */
  private async copyPieces(state: SetState, f: CatalogFile, out: fs.FileHandle): Promise<string | undefined> {
    const whole = createHash('sha256')
    let at = 0
    for (const p of f.pieces) {
      const label = state.set.catalog.labels[p.volume - 1]!
      const path = piecePath({ ...f, index: p.index, count: f.pieces.length })
      let got: { file: string; done: () => Promise<void> }
      try {
        got = await this.openPiece(state, label, p.volume, path)
      } catch (err) {
        if (isRoostError(err, 'HASH_MISMATCH') || isRoostError(err, 'PATH_NOT_FOUND') || isRoostError(err, 'TOOL_FAILED')) return `${path} on ${label}: ${(err as Error).message}`
        throw err
      }
      const h = createHash('sha256')
      let n = 0
      try {
        for await (const chunk of createReadStream(got.file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
          h.update(chunk)
          whole.update(chunk)
          await out.write(chunk, 0, chunk.length, at + n)
          n += chunk.length
        }
      } finally {
        await got.done()
      }
      if (h.digest('hex') !== p.sha256 || n !== p.bytes) return `${path} on ${label} differs from the catalog`
      at += n
      if (state.set.volumes.has(p.volume)) this.used.add(label)
    }
    const sha = whole.digest('hex')
    if (sha !== f.sha256 || at !== f.bytes) return `the pieces hash to ${sha} (${at} bytes), not ${f.sha256} (${f.bytes} bytes)`
    return undefined
  }

  /** A piece as a local file: from the repaired set, its disc's folder, or copied out of its image. */
  private async openPiece(state: SetState, label: string, volume: number, path: string): Promise<{ file: string; done: () => Promise<void> }> {
    if (state.repaired) return { file: join(state.repaired, label, path), done: async () => {} }
    const v = state.set.volumes.get(volume)
    if (!v) throw new RoostError('PATH_NOT_FOUND', `disc ${label} is not in ${this.dir}`)
    return this.readPiece(v.kind, v.path, path, v.label)
  }

  private async readPiece(kind: 'iso' | 'dir', source: string, path: string, label: string): Promise<{ file: string; done: () => Promise<void> }> {
    if (kind === 'dir') {
      const file = join(source, path)
      if (!(await fs.stat(file).then(s => s.isFile(), () => false))) throw new RoostError('PATH_NOT_FOUND', `${path} is not on disc ${label}`)
      return { file, done: async () => {} }
    }
    const file = join(this.work, `piece-${label}-${Date.now()}-${Math.random().toString(16).slice(2)}`)
    await extractFromIso(source, `/${path}`, file, { durable: false })
    return { file, done: () => fs.rm(file, { force: true }) }
  }

  /** Copies every present disc of the set into a work folder and has par2 repair it. */
  private async repair(state: SetState): Promise<string> {
    const { set } = state
    const ws = join(this.work, `repair-${set.id}`)
    await fs.rm(ws, { recursive: true, force: true })
    await fs.mkdir(ws, { mode: 0o700 })
    const lost: string[] = []
    for (const [i, label] of set.catalog.labels.entries()) {
      const v = set.volumes.get(i + 1)
      const ok = !v ? false : v.kind === 'iso' ? await extractAll(v.path, join(ws, label)) : await fs.cp(v.path, join(ws, label), { recursive: true }).then(() => true, () => false)
      if (!ok) lost.push(label)
      else this.used.add(label)
    }
    this.log?.warn({ set: set.id, lost }, 'repairing the set with par2')
    try {
      await repairParity(ws, PARITY_NAME)
    } catch (err) {
      if (isRoostError(err, 'VERIFY_FAILED') || isRoostError(err, 'PATH_NOT_FOUND')) {
        const missing = set.missing.map(n => set.catalog.labels[n - 1]!)
        throw new RoostError(missing.length > 1 || lost.length > 1 ? 'VOLUMES_MISSING' : 'VERIFY_FAILED', `set ${set.id} cannot be repaired from the discs at hand${lost.length ? ` (missing or unreadable: ${lost.join(', ')})` : ''}: ${(err as Error).message}`, {
          hint: lost.length ? `bring the discs ${lost.join(', ')} (images or mounted discs) into ${this.dir}; parity makes up for one lost disc` : 'find another copy of the damaged disc',
          cause: err,
        })
      }
      throw err
    }
    this.repairedSets.push(set.id)
    return ws
  }

  async close(): Promise<void> {
    await fs.rm(this.work, { recursive: true, force: true })
  }
}
