/**
 * Plans a whole disc set: how many discs, which pieces on each (plan.ts), and the par2 parity
 * that lets the set lose any one disc (parity.ts), such that every disc's image — data,
 * parity, the per-disc files (layout.ts) and the ISO 9660 metadata — fits the medium. Pure.
 *
 * Parity that survives the loss of one disc costs one disc's worth of data spread over the
 * set, so a set needs about ⌈total / capacity⌉ + 1 discs. The planner starts at the lower
 * bound and, for each count n, gives the packer the room a disc has left for data once its
 * share of parity (1/(n − 1) of the fullest disc's data, plus par2's packet overhead) and its
 * metadata are set aside; it checks the exact parity of the resulting plan and shrinks the
 * room by any overflow before trying n + 1.
 */
import { RoostError } from '../errors.js'
import { isoDataBytes, isoOverhead, MAX_ISO_NAME_BYTES } from './iso.js'
import { DEFAULT_MAX_PIECE, planVolumes, type PlanFile, type VolumePlan } from './plan.js'
import { bestBlockSize, chooseBlockSize, parityPlan, type ParityPlan } from './parity.js'
import { MAX_VOLUMES, SECTOR_BYTES } from './media.js'
import { DISC_META_FILES } from './layout.js'

export interface SetPlanInput {
  files: readonly PlanFile[]
  /** Bytes one image may hold (the medium's capacity). */
  capacity: number
  /** Bytes of TREE.json plus TREE.json.sig. */
  treeBytes: number
  /** An upper bound on README.txt's bytes, less its lines per disc. */
  readmeBytes: number
  /** An upper bound on README.txt's bytes per disc of the set (its line per disc). */
  readmePerDisc?: number
  /** par2 redundancy in percent; default: survive the loss of one disc (10% for one disc). */
  redundancy?: number
  maxPiece?: number
}

export interface SetPlan {
  plan: VolumePlan
  parity: ParityPlan
  /** Per disc, an upper bound on its image's bytes (checked against the written image). */
  imageBytes: number[]
  /** Bytes of the per-disc files (catalog, tree, README, sums) allowed for on each disc. */
  metaBytes: number
  capacity: number
}

const sectors = (b: number): number => Math.floor(b / SECTOR_BYTES) * SECTOR_BYTES
// Generous bounds for the per-disc text files, per piece and per file.
const CATALOG_PER_PIECE = 420
const CATALOG_HEADER = 1024
const SIG_BYTES = 512
const LABEL_BYTES = 40
const SUMS_PER_FILE = 70
const PIECES_PER_PIECE = 140
const KEY_BYTES = 512
const PAR2_FILES = 2

/** Bytes of the per-disc files for a set with these names, pieces and discs (an upper bound). */
export function discMetaBytes(o: { pieces: number; files: number; nameBytes: number; discs: number; treeBytes: number; readmeBytes: number }): number {
  const catalog = CATALOG_HEADER + o.discs * LABEL_BYTES + o.pieces * (CATALOG_PER_PIECE + o.nameBytes)
  const sums = o.files * (SUMS_PER_FILE + o.nameBytes)
  const pieces = o.pieces * (PIECES_PER_PIECE + o.nameBytes)
  return [LABEL_BYTES, o.readmeBytes, catalog, SIG_BYTES, o.treeBytes, KEY_BYTES, sums, pieces].reduce((a, b) => a + isoDataBytes(b), 0)
}

/** The longest store path of a file (`svc/gen/name` plus a `.part001of001` suffix). */
function longestPath(files: readonly PlanFile[]): number {
  return files.reduce((m, f) => Math.max(m, Buffer.byteLength(`${f.service}/${f.generation}/${f.name}`)), 0) + 16
}

/**
 * Plans the set. Throws USAGE when a file's name is too long for a disc, when nothing is to
 * be written, or when the medium is too small to hold even one sector of data next to the
 * per-disc files and parity.
 */
export function planSet(input: SetPlanInput): SetPlan {
  const { files, capacity } = input
  if (!files.length) throw new RoostError('USAGE', 'nothing to write: the set would hold no files')
  const maxPiece = input.maxPiece ?? DEFAULT_MAX_PIECE
  for (const f of files) {
    if (Buffer.byteLength(f.name) + 16 > MAX_ISO_NAME_BYTES) throw new RoostError('NAME_INVALID', `${f.service}/${f.generation}/${f.name}: the name is too long for a disc (at most ${MAX_ISO_NAME_BYTES - 16} bytes)`)
  }
  const nameBytes = longestPath(files)
  const total = files.reduce((s, f) => s + isoDataBytes(f.bytes), 0)
  const basePieces = files.reduce((s, f) => s + Math.max(1, Math.ceil(f.bytes / maxPiece)), 0)
  const dirs = 1 + new Set(files.map(f => f.service)).size + new Set(files.map(f => `${f.service}/${f.generation}`)).size
  let n = Math.max(1, Math.ceil(total / capacity))
  for (; n <= MAX_VOLUMES; n++) {
    const pieces = basePieces + 2 * n
    const metaBytes = discMetaBytes({ pieces, files: files.length, nameBytes, discs: n, treeBytes: input.treeBytes, readmeBytes: input.readmeBytes + n * (input.readmePerDisc ?? 0) })
    const fixed = metaBytes + isoOverhead(pieces + DISC_META_FILES.length + PAR2_FILES, nameBytes, dirs)
    // data d and parity ≈ d/(n−1) (+0.2% for packet headers; an overflow shrinks it below) share what is left
    const share = input.redundancy !== undefined ? 1 + input.redundancy / 100 : n === 1 ? 1.1 : 1 + 1 / (n - 1)
    let usable = sectors((capacity - fixed) / (share * 1.002))
    if (n >= 2) usable = Math.min(usable, sectors((total - 1) / (n - 1))) // no fewer than n discs: parity is sized for n
    for (let attempt = 0; attempt < 8 && usable >= SECTOR_BYTES; attempt++) {
      const plan = planVolumes({ files, usable, maxPiece })
      if (plan.volumes.length !== n) break
      const data = plan.volumes.map(v => v.bytes)
      const counts = plan.volumes.map(v => v.pieces.length)
      const sizes = plan.volumes.map(v => v.pieces.map(p => p.bytes))
      const blockSize = n >= 2 && input.redundancy === undefined ? bestBlockSize(sizes) : chooseBlockSize(data, counts)
      const parity = parityPlan(n, data, blockSize, counts, { nameBytes, fileSizesPerDisc: sizes, ...(input.redundancy !== undefined ? { redundancy: input.redundancy } : {}) })
      const par = isoDataBytes(parity.recoveryBytesPerDisc) + PAR2_FILES * SECTOR_BYTES
      const imageBytes = plan.volumes.map(v => v.used + par + metaBytes + isoOverhead(v.pieces.length + DISC_META_FILES.length + PAR2_FILES, nameBytes, dirs))
      const over = Math.max(...imageBytes) - capacity
      if (over <= 0) return { plan, parity, imageBytes, metaBytes, capacity }
      usable = sectors(usable - over * share - SECTOR_BYTES)
    }
  }
  throw new RoostError('USAGE', `the medium of ${capacity} bytes is too small for this set's per-disc files and parity`, { hint: 'use a larger medium' })
}
