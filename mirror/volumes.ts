/**
 * `roost mirror volumes`: the mirror's published tree (or, with --new-only, what no earlier
 * set holds) as a set of ISO images, one per disc, each fitting the medium exactly.
 *
 * Steps, under the mirror's lock (so no sync changes the store meanwhile):
 *  1. read the published TREE.json (checked with the pinned index key) and the earlier sets;
 *  2. plan discs, pieces and parity (lib/volumes/set-plan.ts);
 *  3. stage: stream every stored file once into its pieces, one folder per disc, checking the
 *     whole file against the index and hashing every piece;
 *  4. par2 over the data of every disc, a recovery file on each;
 *  5. sign the catalog with the mirror's key; put catalog, tree, index key, README, sums and
 *     pieces list on every disc;
 *  6. xorriso writes each image (its size checked against the medium), staging is freed disc
 *     by disc; the set is recorded in state/sets/ last.
 * A failure at any step removes the staging folder and the set's partial images; nothing is
 * recorded, so the next run starts afresh. A run killed outright leaves its set folder marked
 * `.unfinished`: the next run removes it (and its staging) and reuses the set id. Staging needs the set's size in free space, plus
 * the images.
 */
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Logger } from '../lib/log.js'
import { RoostError } from '../lib/errors.js'
import type { MirrorConfig, MirrorPaths } from '../lib/config/mirror.js'
import { parsePublicKey, readPrivateKey } from '../lib/sign.js'
import { readPublishedTree } from '../lib/stores/published-tree.js'
import { treeGenerations, type Tree } from '../lib/formats/tree.js'
import { CATALOG_FILE, CATALOG_FORMAT, CATALOG_SIG_FILE, signCatalog, type Catalog, type CatalogPiece } from '../lib/formats/catalog.js'
import { parseManifest } from '../lib/formats/manifest.js'
import { closure, dependsOn, type ChainLink } from '../lib/formats/chain.js'
import { MANIFEST, ENCRYPTED_ARCHIVE } from '../lib/layout.js'
import { SET_ID_RE, nextSetId, resolveMedia, volumeLabel } from '../lib/volumes/media.js'
import { planSet } from '../lib/volumes/set-plan.js'
import { splitFile } from '../lib/volumes/stage.js'
import { createParity } from '../lib/volumes/parity.js'
import { buildIso } from '../lib/volumes/iso.js'
import { ISO_SUFFIX, INDEX_KEY_FILE, PARITY_NAME, PIECES_FILE, README_FILE, SUMS_FILE, VOLUME_FILE, piecePath, storePath } from '../lib/volumes/layout.js'
import { README_PER_DISC, renderDiscReadme, type ReadmeGeneration, type ReadmeInput } from '../lib/volumes/readme.js'
import type { PlanFile } from '../lib/volumes/plan.js'
import { ensureDir, fsyncPath } from '../lib/fsx/atomic.js'
import { sha256Hex } from '../lib/fsx/hash.js'
import { acquireLock } from './lock.js'
import { progress } from '../lib/progress.js'
import { readSets, recordSet } from './sets.js'

export interface VolumesOptions {
  media: string
  out: string
  newOnly: boolean
  /** par2 redundancy in percent; default survives the loss of one disc. */
  redundancy?: number
}

export interface VolumeImage {
  label: string
  path: string
  /** The image's size. */
  bytes: number
  /** Bytes of stored data (pieces) on it. */
  dataBytes: number
  pieces: number
  /** Image bytes over the medium's capacity. */
  fill: number
}

export interface VolumesResult {
  /** False when --new-only found nothing new: no set was made. */
  made: boolean
  set?: string
  dir?: string
  media: string
  capacity: number
  serial: number
  requires: string[]
  files: number
  generations: number
  dataBytes: number
  /** ⌈data / capacity⌉: no set without parity could use fewer discs. */
  lowerBound: number
  volumes: VolumeImage[]
  parity?: { redundancyPercent: number; survivesDiscLoss: boolean; blockSize: number; recoveryBlocks: number }
  ms: { stage: number; parity: number; iso: number; total: number }
}

interface SetFile extends PlanFile {
  key: string
}

type Link = ChainLink & { encrypted: boolean }

/**
 * What the set's generations build on, back to their fulls, from the stored manifests: only
 * the chains that `start` (`service/generation` keys) reach are read.
 */
async function readLinks(store: string, tree: Tree, start: Iterable<string>): Promise<Map<string, Link>> {
  const out = new Map<string, Link>()
  for (const first of start) {
    for (let key: string | null = first; key && !out.has(key); ) {
      const [service, generation] = key.split('/') as [string, string]
      const entry = tree.services[service]?.generations[generation]
      if (!entry) break
      const path = join(store, service, generation, MANIFEST)
      const m = parseManifest(await fs.readFile(path, 'utf8'), path)
      const link: Link = { generation, kind: m.kind, base: m.base, parent: m.parent, encrypted: ENCRYPTED_ARCHIVE in entry.files }
      out.set(key, link)
      const next = dependsOn(link)
      key = next ? `${service}/${next}` : null
    }
  }
  return out
}

export async function makeVolumes(config: MirrorConfig, paths: MirrorPaths, o: VolumesOptions, log: Logger, now: () => Date): Promise<VolumesResult> {
  const started = Date.now()
  const media = resolveMedia(o.media)
  const out = resolve(o.out)
  const lock = await acquireLock(paths.lock, 'mirror sync, verify or volumes')
  try {
    const indexKey = parsePublicKey(config.indexKey, `${paths.config}: indexKey`)
    const published = await readPublishedTree(paths.store, indexKey)
    if (!published) throw new RoostError('INDEX_MISSING', `${paths.store} has no published TREE.json yet`, { hint: 'run roost mirror sync first' })
    const { tree, signed: signedTree } = published
    const signer = await readPrivateKey(paths.key)
    const earlier = await readSets(paths.state, signer.public)
    const held = new Map<string, string>() // file key → the set holding it
    for (const c of earlier) for (const p of c.pieces) held.set(`${storePath(p)}:${p.fileSha256}`, c.set)
    const all: SetFile[] = treeGenerations(tree).flatMap(({ service, generation, entry }) =>
      Object.entries(entry.files).map(([name, f]) => ({ service, generation, name, bytes: f.bytes, sha256: f.sha256, key: `${service}/${generation}/${name}:${f.sha256}` })),
    )
    const files = o.newOnly ? all.filter(f => !held.has(f.key)) : all
    const base: VolumesResult = { made: false, media: media.media, capacity: media.capacity, serial: tree.serial, requires: [], files: 0, generations: 0, dataBytes: 0, lowerBound: 0, volumes: [], ms: { stage: 0, parity: 0, iso: 0, total: 0 } }
    if (!files.length) {
      if (o.newOnly) return { ...base, ms: { ...base.ms, total: Date.now() - started } }
      throw new RoostError('USAGE', `the published tree (serial ${tree.serial}) holds no files`, { hint: 'run roost mirror sync once the hub has accepted a generation' })
    }
    const dataBytes = files.reduce((n, f) => n + f.bytes, 0)
    const inSet = new Set(files.map(f => `${f.service}/${f.generation}`))
    const links = await readLinks(paths.store, tree, inSet)
    const genHolder = new Map<string, string>() // generation key → an earlier set holding its files
    for (const f of all) {
      const set = held.get(f.key)
      if (set) genHolder.set(`${f.service}/${f.generation}`, set)
    }
    const requires = new Set<string>()
    for (const key of inSet) {
      const [service] = key.split('/') as [string]
      for (const g of closure([key.slice(service.length + 1)], g => links.get(`${service}/${g}`))) {
        const holder = inSet.has(`${service}/${g}`) ? undefined : genHolder.get(`${service}/${g}`)
        if (holder) requires.add(holder)
      }
    }
    await removeUnfinished(out, log)
    const taken = [...earlier.map(c => c.set), ...(await fs.readdir(out).catch(() => [] as string[]))]
    const set = nextSetId(now(), taken)
    const dir = join(out, set)
    const readmeOf = (labels: string[], extra: Pick<ReadmeInput, 'redundancyPercent' | 'survivesDiscLoss'>): string =>
      renderDiscReadme({
        set, labels, created: now().toISOString(), media: media.media, capacity: media.capacity, requires: [...requires].sort(), treeSerial: tree.serial,
        indexKeyFingerprint: indexKey.fingerprint, signerFingerprint: signer.public.fingerprint, ...extra,
        generations: [...inSet].sort().map(k => readmeGeneration(k, links)),
      })
    const sp = planSet({
      files, capacity: media.capacity, treeBytes: signedTree.bytes.length + Buffer.byteLength(signedTree.signature),
      readmeBytes: Buffer.byteLength(readmeOf([], { redundancyPercent: 100, survivesDiscLoss: true })), readmePerDisc: README_PER_DISC,
      ...(o.redundancy !== undefined ? { redundancy: o.redundancy } : {}),
    })
    const n = sp.plan.volumes.length
    const labels = Array.from({ length: n }, (_, i) => volumeLabel(set, i + 1, n))
    log.info({ set, volumes: n, files: files.length, bytes: sp.plan.total, redundancy: sp.parity.redundancyPercent }, 'volumes: planned')
    await ensureDir(out, 0o755)
    await fs.mkdir(dir, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw new RoostError('TARGET_NOT_EMPTY', `${dir} already exists; refusing to write a set over it`)
      throw err
    })
    const staging = join(out, `.${set}.staging`)
    let done = false
    const shown = progress('volumes')
    try {
      await fs.writeFile(join(dir, UNFINISHED), `roost mirror volumes (pid ${process.pid}) is writing set ${set}; a folder left with this file was cut short and is removed by the next run\n`)
      await fs.rm(staging, { recursive: true, force: true })
      await fs.mkdir(staging, { mode: 0o700 })
      // 3. stage every file once, cut into its pieces
      const t0 = Date.now()
      const byFile = new Map<string, Array<{ volume: number; offset: number; bytes: number; index: number; count: number }>>()
      for (const v of sp.plan.volumes) {
        for (const p of v.pieces) {
          const k = storePath(p)
          const list = byFile.get(k) ?? []
          byFile.set(k, list)
          list.push({ volume: v.number, offset: p.offset, bytes: p.bytes, index: p.pieceIndex, count: p.pieceCount })
        }
      }
      const pieces: CatalogPiece[] = []
      let staged = 0
      for (const f of files) {
        const list = (byFile.get(storePath(f)) ?? []).sort((a, b) => a.index - b.index)
        const targets = list.map(p => ({ offset: p.offset, bytes: p.bytes, dest: join(staging, labels[p.volume - 1]!, piecePath({ ...f, index: p.index, count: p.count })) }))
        const r = await splitFile(join(paths.store, f.service, f.generation, f.name), targets, { bytes: f.bytes, sha256: f.sha256 })
        staged += f.bytes
        shown.update(`${set}: staging`, staged, dataBytes)
        list.forEach((p, i) => pieces.push({ service: f.service, generation: f.generation, name: f.name, fileBytes: f.bytes, fileSha256: f.sha256, index: p.index, count: p.count, volume: p.volume, offset: p.offset, bytes: p.bytes, sha256: r.parts[i]!.sha256 }))
      }
      const stageMs = Date.now() - t0
      log.info({ set, ms: stageMs }, 'volumes: staged')
      // 4. parity over the data of every disc
      const t1 = Date.now()
      for (const l of labels) await fs.mkdir(join(staging, l), { recursive: true })
      shown.update(`${set}: par2 over`, dataBytes, undefined)
      await createParity(staging, labels, sp.parity, PARITY_NAME)
      const parityMs = Date.now() - t1
      log.info({ set, ms: parityMs, recoveryBlocks: sp.parity.recoveryBlocks }, 'volumes: parity made')
      // 5. the per-disc files
      const catalog: Catalog = {
        format: CATALOG_FORMAT, set, created: now().toISOString(), media: media.media, capacity: media.capacity, volumes: n, labels,
        tree: { serial: tree.serial, sha256: sha256Hex(signedTree.bytes) }, signer: signer.public.line, requires: [...requires].sort(), pieces,
      }
      const signed = signCatalog(catalog, signer)
      const common: Array<[string, string | Buffer]> = [
        [README_FILE, readmeOf(labels, { redundancyPercent: sp.parity.redundancyPercent, survivesDiscLoss: sp.parity.survivesDiscLoss })],
        [CATALOG_FILE, signed.bytes], [CATALOG_SIG_FILE, signed.signature],
        ['TREE.json', signedTree.bytes], ['TREE.json.sig', signedTree.signature],
        [INDEX_KEY_FILE, `${indexKey.line}\n`],
        [SUMS_FILE, files.map(f => `${f.sha256}  ${storePath(f)}\n`).join('')],
        [PIECES_FILE, piecesList(pieces, labels)],
      ]
      // 6. one image per disc
      const t2 = Date.now()
      const volumes: VolumeImage[] = []
      for (const [i, label] of labels.entries()) {
        const disc = join(staging, label)
        shown.update(`${set}: image`, i + 1, n, 'items')
        await fs.writeFile(join(disc, VOLUME_FILE), `${label}\n`)
        for (const [name, body] of common) await fs.writeFile(join(disc, name), body)
        const iso = await buildIso(disc, join(dir, `${label}${ISO_SUFFIX}`), label, { capacity: media.capacity })
        await fs.rm(disc, { recursive: true, force: true })
        const v = sp.plan.volumes[i]!
        volumes.push({ label, path: iso.path, bytes: iso.bytes, dataBytes: v.bytes, pieces: v.pieces.length, fill: iso.bytes / media.capacity })
        log.info({ label, bytes: iso.bytes, fill: Number((iso.bytes / media.capacity).toFixed(4)) }, 'volumes: image written')
      }
      for (const [name, body] of [[CATALOG_FILE, signed.bytes], [CATALOG_SIG_FILE, signed.signature], [README_FILE, common[0]![1]]] as const) await fs.writeFile(join(dir, name), body)
      await recordSet(paths.state, set, signed)
      await fs.rm(join(dir, UNFINISHED))
      await fsyncPath(dir)
      done = true
      return {
        ...base, made: true, set, dir, requires: catalog.requires, files: files.length, generations: inSet.size, dataBytes,
        lowerBound: Math.max(1, Math.ceil(dataBytes / media.capacity)), volumes,
        parity: { redundancyPercent: sp.parity.redundancyPercent, survivesDiscLoss: sp.parity.survivesDiscLoss, blockSize: sp.parity.blockSize, recoveryBlocks: sp.parity.recoveryBlocks },
        ms: { stage: stageMs, parity: parityMs, iso: Date.now() - t2, total: Date.now() - started },
      }
    } finally {
      shown.end()
      await fs.rm(staging, { recursive: true, force: true })
      if (!done) await fs.rm(dir, { recursive: true, force: true })
    }
  } finally {
    await lock.release()
  }
}

/** Marks a set folder while it is written; a run killed before the end leaves it behind. */
const UNFINISHED = '.unfinished'

/** Removes set folders (and their staging) that a killed run left unfinished in `out`. */
async function removeUnfinished(out: string, log: Logger): Promise<void> {
  for (const name of await fs.readdir(out).catch(() => [] as string[])) {
    if (!SET_ID_RE.test(name) || !(await fs.stat(join(out, name, UNFINISHED)).then(() => true, () => false))) continue
    log.warn({ set: name, dir: join(out, name) }, 'volumes: removing a set a killed run left unfinished')
    await fs.rm(join(out, name), { recursive: true, force: true })
    await fs.rm(join(out, `.${name}.staging`), { recursive: true, force: true })
  }
}

function readmeGeneration(key: string, links: Map<string, Link>): ReadmeGeneration {
  const [service, generation] = key.split('/') as [string, string]
  const l = links.get(key)!
  return { service, generation, kind: l.kind, dependsOn: dependsOn(l), encrypted: l.encrypted }
}

/** PIECES.txt: `DISC PATH-ON-DISC FILE OFFSET BYTES SHA256`, in file then piece order. */
function piecesList(pieces: readonly CatalogPiece[], labels: readonly string[]): string {
  const sorted = [...pieces].sort((a, b) => (storePath(a) < storePath(b) ? -1 : storePath(a) > storePath(b) ? 1 : a.index - b.index))
  return sorted.map(p => `${labels[p.volume - 1]} ${piecePath(p)} ${storePath(p)} ${p.offset} ${p.bytes} ${p.sha256}\n`).join('')
}
