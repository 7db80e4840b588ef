/**
 * CATALOG.json, format `roost-catalog/1`: the signed list of what a disc set holds. Every
 * volume carries the whole catalog. It names the set (`2026W47`), the medium and its capacity,
 * the volumes' labels, the hub TREE.json it was made from (serial and sha256 of its bytes), the
 * earlier sets it needs (`requires`, for a `--new-only` set), the public key of the mirror
 * that signed it (`signer`: a disc alone can check the signature; pin it with the key you
 * know), and every piece: which file of
 * which generation (with the whole file's size and sha256), which part of it (1-based index
 * of count, offset, bytes, sha256), on which volume (1-based). CATALOG.json.sig holds an
 * ed25519 signature over the exact bytes, in TREE.json.sig's format. Pure.
 *
 * Parsing checks more than shapes: a file's pieces tile it exactly (1..count, contiguous
 * offsets, ending at its size), volumes are in range and not over capacity, labels match the
 * set, names are the store's safe names (no `/`, `..` or NUL). Unknown fields are refused.
 */
import { z } from 'zod'
import { FILE_NAME_RE, GENERATION_RE, NAME_RE } from './names.js'
import { checkSignature, parseJsonWith, signCanonical, type SignedJson } from './signed-json.js'
import { MAX_VOLUMES, MEDIA, MEDIA_NAMES, MIN_MEDIA_BYTES, SECTOR_BYTES, SET_ID_RE, VOLUME_LABEL_RE, volumeLabel } from '../volumes/media.js'
import type { PrivateKey, PublicKey } from '../sign.js'
import { RoostError } from '../errors.js'

export const CATALOG_FORMAT = 'roost-catalog/1'
export const CATALOG_FILE = 'CATALOG.json'
export const CATALOG_SIG_FILE = 'CATALOG.json.sig'
export const CATALOG_MAX_BYTES = 256 * 1024 * 1024

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const positive = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

export const CatalogPieceSchema = z.strictObject({
  service: z.string().regex(NAME_RE),
  generation: z.string().regex(GENERATION_RE),
  /** The file's name in its generation folder. */
  name: z.string().regex(FILE_NAME_RE),
  fileBytes: count,
  fileSha256: sha256,
  /** 1-based, in offset order. */
  index: positive,
  count: positive,
  /** 1-based volume number. */
  volume: positive,
  offset: count,
  bytes: count,
  sha256,
})

const CatalogShape = z.strictObject({
  format: z.literal(CATALOG_FORMAT),
  set: z.string().regex(SET_ID_RE),
  created: z.iso.datetime(),
  media: z.enum([...MEDIA_NAMES, 'bytes']),
  /** Bytes one volume (one ISO image) may hold. */
  capacity: positive,
  volumes: z.number().int().min(1).max(MAX_VOLUMES),
  /** labels[n - 1] is volume n's: `ROOST_2026W47_03OF07`. */
  labels: z.array(z.string().regex(VOLUME_LABEL_RE)),
  /** The hub index the set was made from. */
  tree: z.strictObject({ serial: count, sha256 }),
  /** The public key (`ssh-ed25519 …` line) of the mirror that made and signed the set. */
  signer: z.string().min(1).max(512),
  /** Earlier sets this one needs to restore everything it lists (a `--new-only` set). */
  requires: z.array(z.string().regex(SET_ID_RE)),
  pieces: z.array(CatalogPieceSchema),
})

/** The shape, then (only when the shape holds) the checks across fields. */
export const CatalogSchema = CatalogShape.superRefine(
  (c, ctx) => {
    for (const { path, message } of catalogProblems(c)) ctx.addIssue({ code: 'custom', path, message })
  },
  { when: payload => payload.issues.length === 0 },
)

export type Catalog = z.infer<typeof CatalogSchema>
export type CatalogPiece = z.infer<typeof CatalogPieceSchema>

/** CATALOG.json's bytes and the text of CATALOG.json.sig (the shape TREE.json uses). */
export type SignedCatalog = SignedJson

type Problem = { path: Array<string | number>; message: string }

const fileKey = (p: Pick<CatalogPiece, 'service' | 'generation' | 'name'>): string => `${p.service}/${p.generation}/${p.name}`
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const pieceOrder = (a: CatalogPiece, b: CatalogPiece): number => cmp(a.service, b.service) || cmp(a.generation, b.generation) || cmp(a.name, b.name) || a.index - b.index

/** The checks a schema cannot say: media, labels, requires, and pieces tiling their files. */
function catalogProblems(c: z.infer<typeof CatalogShape>): Problem[] {
  const out: Problem[] = []
  if (c.media !== 'bytes' && c.capacity !== MEDIA[c.media]) out.push({ path: ['capacity'], message: `${c.media} holds ${MEDIA[c.media]} bytes, not ${c.capacity}` })
  if (c.capacity % SECTOR_BYTES !== 0 || c.capacity < MIN_MEDIA_BYTES) out.push({ path: ['capacity'], message: `${c.capacity} is not a whole number of ${SECTOR_BYTES}-byte sectors of at least ${MIN_MEDIA_BYTES}` })
  if (c.labels.length !== c.volumes) out.push({ path: ['labels'], message: `${c.labels.length} labels for ${c.volumes} volumes` })
  c.labels.forEach((label, i) => {
    const want = i < c.volumes ? volumeLabel(c.set, i + 1, c.volumes) : undefined
    if (label !== want) out.push({ path: ['labels', i], message: `'${label}' is not the label of volume ${i + 1} of ${c.volumes} of set ${c.set}${want ? ` ('${want}')` : ''}` })
  })
  c.requires.forEach((id, i) => {
    if (!(id < c.set)) out.push({ path: ['requires', i], message: `set ${c.set} can only require earlier sets, not ${id}` })
    if (c.requires.indexOf(id) !== i) out.push({ path: ['requires', i], message: `set ${id} is listed twice` })
  })
  const perVolume = new Map<number, number>()
  const files = new Map<string, Array<{ piece: CatalogPiece; at: number }>>()
  c.pieces.forEach((p, at) => {
    if (p.volume > c.volumes) out.push({ path: ['pieces', at], message: `${fileKey(p)} piece ${p.index} is on volume ${p.volume} of a set of ${c.volumes}` })
    perVolume.set(p.volume, (perVolume.get(p.volume) ?? 0) + p.bytes)
    const list = files.get(fileKey(p)) ?? []
    files.set(fileKey(p), list)
    list.push({ piece: p, at })
  })
  for (const [volume, bytes] of perVolume) {
    if (bytes > c.capacity) out.push({ path: ['pieces'], message: `volume ${volume} holds ${bytes} bytes of pieces, more than its capacity of ${c.capacity}` })
  }
  for (const [key, list] of files) out.push(...tilingProblems(key, list))
  return out
}

/** A file's pieces must agree on the file and cover it exactly once, in order. Reports the first fault. */
function tilingProblems(key: string, list: Array<{ piece: CatalogPiece; at: number }>): Problem[] {
  const first = list[0]!.piece
  const sorted = [...list].sort((a, b) => a.piece.index - b.piece.index)
  const fault = (at: number, message: string): Problem[] => [{ path: ['pieces', at], message: `${key}: ${message}` }]
  let end = 0
  for (let k = 0; k < sorted.length; k++) {
    const { piece: p, at } = sorted[k]!
    if (p.fileBytes !== first.fileBytes || p.fileSha256 !== first.fileSha256 || p.count !== first.count) return fault(at, `its pieces disagree on the file's size, sha256 or piece count`)
    if (p.index > p.count) return fault(at, `piece ${p.index} of ${p.count} is past the last`)
    if (k > 0 && p.index === sorted[k - 1]!.piece.index) return fault(at, `piece ${p.index} of ${p.count} is listed twice`)
    if (p.index !== k + 1) return fault(at, `piece ${k + 1} of ${p.count} is missing`)
    if (p.offset !== end) return fault(at, `piece ${p.index} of ${p.count} starts at ${p.offset}, but the pieces before it end at ${end}`)
    end = p.offset + p.bytes
  }
  const last = sorted[sorted.length - 1]!.at
  if (sorted.length !== first.count) return fault(last, `piece ${sorted.length + 1} of ${first.count} is missing`)
  if (end !== first.fileBytes) return fault(last, `its pieces end at ${end}, but the file has ${first.fileBytes} bytes`)
  if (first.count === 1 && first.sha256 !== first.fileSha256) return fault(last, `a file in one piece has a piece sha256 unlike its own`)
  return []
}

/** Renders a catalog canonically (pieces sorted by file, then index) and signs it. */
export function signCatalog(catalog: Catalog, key: PrivateKey): SignedCatalog {
  const checked = CatalogSchema.parse(catalog)
  return signCanonical({ ...checked, pieces: [...checked.pieces].sort(pieceOrder) }, key)
}

/**
 * Checks CATALOG.json's signature with the expected key, then parses it.
 * Throws CATALOG_BAD_SIGNATURE or CATALOG_INVALID naming `where`.
 */
export function openCatalog(signed: SignedCatalog, key: PublicKey, where = CATALOG_FILE): Catalog {
  checkSignature(signed, key, {
    where,
    code: 'CATALOG_BAD_SIGNATURE',
    what: 'the key',
    hint: 'the catalog was altered or signed by another key; do not trust this copy (another volume of the set carries the same catalog)',
  })
  return parseCatalog(signed.bytes, where)
}

/** Parses CATALOG.json (no signature check: use openCatalog for anything trusted). Throws CATALOG_INVALID. */
export function parseCatalog(text: string | Buffer, where = CATALOG_FILE): Catalog {
  if (Buffer.byteLength(text) > CATALOG_MAX_BYTES) throw new RoostError('CATALOG_INVALID', `${where}: larger than ${CATALOG_MAX_BYTES} bytes`)
  return parseJsonWith(CatalogSchema, text.toString(), where, 'CATALOG_INVALID')
}

/** One stored file of a catalog with its pieces in order. */
export interface CatalogFile {
  service: string
  generation: string
  name: string
  bytes: number
  sha256: string
  pieces: Array<Pick<CatalogPiece, 'index' | 'volume' | 'offset' | 'bytes' | 'sha256'>>
}

/** The files of a (parsed, so valid) catalog, sorted by service, generation and name. */
export function catalogFiles(catalog: Catalog): CatalogFile[] {
  const out = new Map<string, CatalogFile>()
  for (const p of [...catalog.pieces].sort(pieceOrder)) {
    const f = out.get(fileKey(p)) ?? { service: p.service, generation: p.generation, name: p.name, bytes: p.fileBytes, sha256: p.fileSha256, pieces: [] }
    out.set(fileKey(p), f)
    f.pieces.push({ index: p.index, volume: p.volume, offset: p.offset, bytes: p.bytes, sha256: p.sha256 })
  }
  return [...out.values()]
}
