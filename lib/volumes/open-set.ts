/**
 * Finding and opening disc sets in a folder: ISO images (`*.iso`, in the folder or one level
 * down, as `roost mirror volumes --out` writes them) and mounted or copied discs (folders with
 * VOLUME.txt). Each set's catalog is read from the first disc that yields a valid one, checked
 * against its signature (the pinned mirror key, or the signer it names), compared with the
 * copy on every other disc, and tied to the hub's TREE.json on the disc, which must verify
 * with the index key and hash to what the catalog says. Every file the catalog lists must be
 * in that tree with the same size and sha256: the index key is the root of trust.
 */
import { promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { RoostError, isRoostError } from '../errors.js'
import { parsePublicKey, type PublicKey } from '../sign.js'
import { CATALOG_FILE, CATALOG_MAX_BYTES, CATALOG_SIG_FILE, openCatalog, parseCatalog, type Catalog } from '../formats/catalog.js'
import { openTree, TREE_FILE, TREE_MAX_BYTES, TREE_SIG_FILE, type Tree } from '../formats/tree.js'
import { extractFromIso, isoLabel } from './iso.js'
import { parseVolumeLabel } from './media.js'
import { ISO_SUFFIX, VOLUME_FILE, parseVolumeFile } from './layout.js'
import { sha256Hex } from '../fsx/hash.js'

/** One disc found in the folder: an image, or a folder holding a disc's files. */
export interface VolumeSource {
  label: string
  set: string
  number: number
  count: number
  kind: 'iso' | 'dir'
  path: string
}

export interface OpenedSet {
  id: string
  catalog: Catalog
  catalogBytes: Buffer
  tree: Tree
  /** Present discs by number. */
  volumes: Map<number, VolumeSource>
  /** Numbers of the discs not found. */
  missing: number[]
  /** Discs whose catalog or tree could not be read or differs (damaged), with the reason. */
  unreadable: Array<{ label: string; reason: string }>
  signerFingerprint: string
}

async function labelOf(path: string, isDir: boolean): Promise<string | undefined> {
  if (isDir) {
    const text = await fs.readFile(join(path, VOLUME_FILE), 'utf8').catch(() => undefined)
    return text === undefined ? undefined : parseVolumeFile(text, join(path, VOLUME_FILE))
  }
  return path.endsWith(ISO_SUFFIX) ? isoLabel(path).catch(() => undefined) : undefined
}

/** Every disc of ours in `dir` (depth ≤ 2), by label; the first copy of a label wins. */
export async function findVolumes(dir: string): Promise<VolumeSource[]> {
  const root = resolve(dir)
  const st = await fs.stat(root).catch(() => undefined)
  if (!st?.isDirectory()) throw new RoostError('USAGE', `${root} is not a folder`, { hint: 'give the folder holding the ISO images (or the mounted discs, one folder each)' })
  const found = new Map<string, VolumeSource>()
  const visit = async (path: string, isDir: boolean, depth: number): Promise<void> => {
    const label = await labelOf(path, isDir)
    const parsed = label ? parseVolumeLabel(label) : undefined
    if (label && parsed) {
      if (!found.has(label)) found.set(label, { label, set: parsed.setId, number: parsed.n, count: parsed.count, kind: isDir ? 'dir' : 'iso', path })
      return
    }
    if (!isDir || depth >= 2) return
    for (const e of (await fs.readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue
      if (e.isDirectory() || e.isFile()) await visit(join(path, e.name), e.isDirectory(), depth + 1)
    }
  }
  await visit(root, true, 0)
  return [...found.values()]
}

/** Reads one small file from a disc (its root), at most `max` bytes. */
export async function readDiscFile(v: VolumeSource, name: string, max: number): Promise<Buffer> {
  if (v.kind === 'dir') {
    const path = join(v.path, name)
    const st = await fs.stat(path).catch(() => undefined)
    if (!st?.isFile()) throw new RoostError('PATH_NOT_FOUND', `${path} is missing`)
    if (st.size > max) throw new RoostError('VERIFY_FAILED', `${path} is larger than ${max} bytes`)
    return fs.readFile(path)
  }
  const tmp = join(tmpdir(), `roost-disc-${randomBytes(6).toString('hex')}`)
  try {
    await extractFromIso(v.path, `/${name}`, tmp, { durable: false })
    const st = await fs.stat(tmp)
    if (st.size > max) throw new RoostError('VERIFY_FAILED', `${name} on ${v.label} is larger than ${max} bytes`)
    return await fs.readFile(tmp)
  } finally {
    await fs.rm(tmp, { force: true })
  }
}

async function readCatalogOf(v: VolumeSource, catalogKey: PublicKey | undefined): Promise<{ catalog: Catalog; bytes: Buffer; signer: PublicKey }> {
  const bytes = await readDiscFile(v, CATALOG_FILE, CATALOG_MAX_BYTES)
  const signature = (await readDiscFile(v, CATALOG_SIG_FILE, 64 * 1024)).toString('utf8')
  const where = `${CATALOG_FILE} on ${v.label}`
  const signer = catalogKey ?? parsePublicKey(parseCatalog(bytes, where).signer, `${where}: signer`)
  const catalog = openCatalog({ bytes, signature }, signer, where)
  if (catalog.set !== v.set || catalog.labels[v.number - 1] !== v.label) throw new RoostError('CATALOG_INVALID', `${where} describes set ${catalog.set}, which has no disc ${v.label}`)
  return { catalog, bytes, signer }
}

async function readTreeOf(v: VolumeSource, catalog: Catalog, indexKey: PublicKey): Promise<Tree> {
  const bytes = await readDiscFile(v, TREE_FILE, TREE_MAX_BYTES)
  const signature = (await readDiscFile(v, TREE_SIG_FILE, 64 * 1024)).toString('utf8')
  const where = `${TREE_FILE} on ${v.label}`
  const tree = openTree({ bytes, signature }, indexKey, where)
  if (sha256Hex(bytes) !== catalog.tree.sha256 || tree.serial !== catalog.tree.serial) throw new RoostError('CATALOG_INVALID', `${where} (serial ${tree.serial}) is not the index the catalog of set ${catalog.set} names (serial ${catalog.tree.serial})`)
  for (const p of catalog.pieces) {
    const f = tree.services[p.service]?.generations[p.generation]?.files[p.name]
    if (!f || f.sha256 !== p.fileSha256 || f.bytes !== p.fileBytes) throw new RoostError('CATALOG_INVALID', `the catalog of set ${catalog.set} lists ${p.service}/${p.generation}/${p.name} unlike the signed index`, { hint: 'the catalog does not match the hub\'s index: do not trust this set' })
  }
  return tree
}

/** Errors that mean "this disc is damaged or not ours", as opposed to a forged set. */
function discFault(err: unknown): boolean {
  return isRoostError(err, 'HASH_MISMATCH') || isRoostError(err, 'PATH_NOT_FOUND') || isRoostError(err, 'TOOL_FAILED') || isRoostError(err, 'VERIFY_FAILED')
}

/**
 * Opens every set found in `dir` (or among `volumes`, when the caller has looked already), oldest first. A disc whose catalog or index cannot be read
 * (damaged) is noted in `unreadable`; a catalog or index that reads but fails its signature
 * or differs from another disc's throws (CATALOG_* / INDEX_*, exit 3): the set is not trusted.
 */
export async function openSets(dir: string, indexKey: PublicKey, o: { catalogKey?: PublicKey; volumes?: VolumeSource[] } = {}): Promise<OpenedSet[]> {
  const all = o.volumes ?? (await findVolumes(dir))
  if (!all.length) throw new RoostError('PATH_NOT_FOUND', `no roost disc images (*.iso) or discs (folders with ${VOLUME_FILE}) in ${resolve(dir)}`, { hint: 'copy the images of the set there, or mount each disc in a folder of its own there' })
  const bySet = new Map<string, VolumeSource[]>()
  for (const v of all) bySet.set(v.set, [...(bySet.get(v.set) ?? []), v])
  const out: OpenedSet[] = []
  for (const id of [...bySet.keys()].sort()) {
    const vols = bySet.get(id)!.sort((a, b) => a.number - b.number)
    const unreadable: OpenedSet['unreadable'] = []
    let first: { catalog: Catalog; bytes: Buffer; signer: PublicKey; tree: Tree } | undefined
    for (const v of vols) {
      try {
        const c = await readCatalogOf(v, o.catalogKey)
        if (first && !c.bytes.equals(first.bytes)) throw new RoostError('CATALOG_INVALID', `${CATALOG_FILE} on ${v.label} differs from the one on ${vols[0]!.label}, though both are signed`, { hint: 'the discs come from different runs of the same set id: keep the discs of one run together' })
        if (!first) first = { ...c, tree: await readTreeOf(v, c.catalog, indexKey) }
      } catch (err) {
        if (!discFault(err)) throw err
        unreadable.push({ label: v.label, reason: (err as Error).message })
      }
    }
    if (!first) throw new RoostError('VERIFY_FAILED', `no disc of set ${id} has a readable catalog and index (${unreadable.map(u => u.label).join(', ')})`, { hint: unreadable[0]?.reason ?? '' })
    const volumes = new Map(vols.map(v => [v.number, v] as const))
    const missing = Array.from({ length: first.catalog.volumes }, (_, i) => i + 1).filter(n => !volumes.has(n))
    out.push({ id, catalog: first.catalog, catalogBytes: first.bytes, tree: first.tree, volumes, missing, unreadable, signerFingerprint: first.signer.fingerprint })
  }
  return out
}
