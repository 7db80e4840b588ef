/**
 * Plans a disc set: which piece of which stored file goes on which volume. Pure: takes the
 * files' sizes, reads nothing.
 *
 * The contract:
 *  - The plan uses exactly ⌈total / usable⌉ volumes (one if every file is empty), the lower
 *    bound, where total counts each piece in whole sectors as ISO 9660 stores it; or, if the
 *    caller allows `spareVolumes`, up to that many more when that splits fewer generations.
 *  - No volume holds more than `usable` bytes of sectors; no piece exceeds `maxPiece`.
 *  - Every byte of every file is in exactly one piece; a file's pieces are numbered from 1
 *    in offset order, and every piece but a file's last is a whole number of sectors.
 *  - A generation (all its files) stays on one volume unless it is larger than a volume, or
 *    the packing found no other way to stay at the bound (or, with `minFill`, to fill a
 *    volume). A split generation spans consecutive volumes, at most one more than its size
 *    needs; a file's pieces lie on them in offset order.
 *  - The same files give the same plan, whatever order they come in.
 *
 * How: generations larger than a volume ("big") must be split anyway; the part of one past
 * its whole volumes is its "need". Volumes are filled one after the other. A volume first
 * takes what is carried over from the one before. Then, if some big generation's need fits
 * the room, the one whose need fits closest takes all the room: its head here, its rest on
 * the next volumes, ending where its size says, so it spans no extra volume. Otherwise the
 * room takes the largest generations that still fit (first-fit decreasing, one volume at a
 * time); what is left stays empty while the slack (volumes × usable − total, volumes being
 * the bound) allows and the volume is at least `minFill` full, else it is topped up with the head of a
 * generation (a big one first, else the largest) whose rest starts the next volume. Without
 * `minFill`, plans are made for each of AUTO_MIN_FILLS and the one that splits the fewest
 * generations, then leaves its emptiest volume fullest, is kept.
 * Longer than most files: the packer and its private helpers read best together.
 */
import { RoostError } from '../errors.js'
import { SECTOR_BYTES } from './media.js'

/** DESIGN: every file on a disc stays under 4 GiB; one MiB of margin. */
export const DEFAULT_MAX_PIECE = 4 * 1024 ** 3 - 1024 ** 2

/** One stored file of the tree. */
export interface PlanFile {
  service: string
  generation: string
  /** The file's name inside its generation folder, `data.tar.zst`. */
  name: string
  bytes: number
  sha256: string
}

export interface PlanInput {
  files: readonly PlanFile[]
  /** Bytes per volume for pieces: the capacity less the caller's reserve (ISO metadata, catalog, README, parity). */
  usable: number
  /** The largest piece; default 4 GiB − 1 MiB. Rounded down to whole sectors. */
  maxPiece?: number
  /** Pieces occupy whole blocks of this size; default 2048 (ISO 9660). */
  blockSize?: number
  /**
   * Leave space empty on a volume other than the last only if it is at least this full
   * (0–1); below it, split a generation to fill the volume. Default: the plan, among those
   * for AUTO_MIN_FILLS, that splits the fewest generations, then fills volumes best.
   */
  minFill?: number
  /**
   * Volumes beyond the lower bound the plan may use, and uses only if that splits fewer
   * generations. Default 0: issue 6 keeps generations together only where it costs no disc.
   */
  spareVolumes?: number
}

/** A run of bytes of one file, stored on one volume as one file. */
export interface Piece {
  service: string
  generation: string
  name: string
  offset: number
  bytes: number
  /** 1-based, in offset order. */
  pieceIndex: number
  pieceCount: number
}

export interface PlannedVolume {
  /** 1-based. */
  number: number
  /** Sorted by service, generation, name, pieceIndex. */
  pieces: Piece[]
  /** The sum of the pieces' bytes. */
  bytes: number
  /** The sectors the pieces occupy, in bytes. */
  used: number
  /** used / usable. */
  fill: number
}

export interface VolumePlan {
  usable: number
  maxPiece: number
  blockSize: number
  /** The sectors all files occupy, in bytes. */
  total: number
  lowerBound: number
  volumes: PlannedVolume[]
}

/**
 * The fill thresholds tried when the caller names none. 0 leaves any space the lower bound's
 * slack allows empty; 1 fills every volume but the last, splitting what it must. Which splits
 * fewer generations depends on the mix: leaving a large space early can use up the slack
 * that many small gaps later need.
 */
export const AUTO_MIN_FILLS = [0, 0.9, 0.97, 0.99, 0.999, 1] as const

/** ⌈total / usable⌉: no plan can use fewer volumes. */
export function lowerBound(totalBytes: number, usable: number): number {
  if (!(usable > 0)) throw new Error(`lowerBound: usable must be positive, got ${usable}`)
  return Math.ceil(totalBytes / usable)
}

/** How full a volume is: the sectors it uses over the usable bytes. */
export function volumeFill(used: number, usable: number): number {
  return usable > 0 ? used / usable : 0
}

interface Seg {
  file: number
  offset: number
  bytes: number
}

interface Unit {
  segs: Seg[]
  size: number
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
type Named = Pick<PlanFile, 'service' | 'generation' | 'name'>
const fileOrder = (a: Named, b: Named): number => cmp(a.service, b.service) || cmp(a.generation, b.generation) || cmp(a.name, b.name)

/** Plans the volumes of a set. Throws USAGE when `usable` leaves no room for a sector. */
export function planVolumes(input: PlanInput): VolumePlan {
  const block = input.blockSize ?? SECTOR_BYTES
  if (!Number.isSafeInteger(block) || block < 1) throw new Error(`planVolumes: bad blockSize ${block}`)
  const usable = Math.floor(input.usable / block) * block
  if (!(usable >= block)) {
    throw new RoostError('USAGE', `each volume would have ${Math.max(0, Math.floor(input.usable))} bytes for files after its reserve; at least one ${block}-byte sector is needed`, { hint: 'use a larger medium' })
  }
  const maxPiece = Math.floor((input.maxPiece ?? DEFAULT_MAX_PIECE) / block) * block
  if (maxPiece < block) throw new Error(`planVolumes: maxPiece ${input.maxPiece} is less than a block`)
  const tries = input.minFill === undefined ? AUTO_MIN_FILLS : [input.minFill]
  if (!tries.every(m => m >= 0 && m <= 1)) throw new Error(`planVolumes: minFill ${input.minFill} is not between 0 and 1`)

  const files = [...input.files].sort(fileOrder)
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!
    if (!Number.isSafeInteger(f.bytes) || f.bytes < 0) throw new Error(`planVolumes: ${f.service}/${f.generation}/${f.name} has ${f.bytes} bytes`)
    if (i > 0 && fileOrder(files[i - 1]!, f) === 0) throw new Error(`planVolumes: ${f.service}/${f.generation}/${f.name} is listed twice`)
  }
  const fp = (bytes: number): number => Math.ceil(bytes / block) * block
  const units = groupUnits(files, fp)
  const total = units.reduce((s, u) => s + u.size, 0)
  const bound = files.length ? Math.max(1, lowerBound(total, usable)) : 0
  const spare = input.spareVolumes ?? 0
  if (!Number.isSafeInteger(spare) || spare < 0) throw new Error(`planVolumes: spareVolumes ${spare}`)
  let best: Packed | undefined
  for (const volumes of spare && files.length ? [bound, bound + spare] : [bound]) {
    if (best?.extraSpans === 0) break
    for (const minFill of tries) {
      const p = pack(units, { usable, fp, slack: volumes * usable - total, wasteCap: Math.floor((1 - minFill) * usable) })
      if (!best || better(p, best)) best = p
    }
  }
  const bins = best?.bins ?? []
  if (bins.length > bound + spare) throw new Error(`planVolumes: ${bins.length} volumes for a lower bound of ${bound} (a bug)`)
  return { usable, maxPiece, blockSize: block, total, lowerBound: bound, volumes: toVolumes(bins, files, { usable, maxPiece, fp }) }
}

/** One unit per generation, largest first; its files largest first, so a small manifest rides with the tail. */
function groupUnits(files: readonly PlanFile[], fp: (b: number) => number): Unit[] {
  const units: Unit[] = []
  let prev: PlanFile | undefined
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!
    if (!prev || prev.service !== f.service || prev.generation !== f.generation) units.push({ segs: [], size: 0 })
    const u = units[units.length - 1]!
    u.segs.push({ file: i, offset: 0, bytes: f.bytes })
    u.size += fp(f.bytes)
    prev = f
  }
  for (const u of units) u.segs.sort((a, b) => fp(b.bytes) - fp(a.bytes) || a.file - b.file)
  // Stable sort: ties stay in service/generation order.
  return units.sort((a, b) => b.size - a.size)
}

/** Cuts segments, in order, into what fits in `room` and the rest. `room` is whole blocks. */
function lay(segs: readonly Seg[], room: number, fp: (b: number) => number): { head: Seg[]; tail: Seg[]; used: number } {
  const head: Seg[] = []
  const tail: Seg[] = []
  let used = 0
  for (const s of segs) {
    if (tail.length) tail.push(s)
    else if (fp(s.bytes) <= room - used) {
      head.push(s)
      used += fp(s.bytes)
    } else {
      const take = room - used // whole blocks, and less than s.bytes since fp(s.bytes) > take
      if (take > 0) head.push({ file: s.file, offset: s.offset, bytes: take })
      used += take
      tail.push({ file: s.file, offset: s.offset + take, bytes: s.bytes - take })
    }
  }
  return { head, tail, used }
}

/** "The first alive index at or after i": a union-find over the sorted units, n when none. */
function aliveFinder(n: number): { find(i: number): number; kill(i: number): void } {
  const next = Array.from({ length: n + 1 }, (_, i) => i)
  const find = (i: number): number => {
    let r = i
    while (next[r] !== r) r = next[r]!
    while (next[i] !== r) [i, next[i]] = [next[i]!, r]
    return r
  }
  return { find, kill: i => void (next[i] = i + 1) }
}

interface PackOptions {
  usable: number
  fp: (b: number) => number
  /** volumes × usable − total: how much space may be left empty before the last volume. */
  slack: number
  /** The most space a volume other than the last may leave empty. */
  wasteCap: number
}

interface Packed {
  bins: Seg[][]
  /** Volumes spanned beyond what the generations' sizes need, summed. */
  extraSpans: number
  /** The least used space of a volume other than the last. */
  leastFull: number
}

/** Fewer split generations, then fewer volumes, then a fuller emptiest volume. */
function better(a: Packed, b: Packed): boolean {
  if (a.extraSpans !== b.extraSpans) return a.extraSpans < b.extraSpans
  if (a.bins.length !== b.bins.length) return a.bins.length < b.bins.length
  return a.leastFull > b.leastFull
}

/** Fills volumes one after the other (see the file's first comment). Units sorted largest first. */
function pack(units: readonly Unit[], o: PackOptions): Packed {
  const n = units.length
  const alive = aliveFinder(n)
  // Index of the first unit no larger than `room` (sizes descend).
  const firstFitting = (room: number): number => {
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (units[mid]!.size <= room) hi = mid
      else lo = mid + 1
    }
    return lo
  }
  // Units larger than a volume, with the room their head needs so they span no extra volume;
  // sorted by need, and among equal needs the largest unit last.
  const big = units.flatMap((u, i) => (u.size > o.usable ? [{ i, need: u.size % o.usable || o.usable }] : [])).sort((a, b) => a.need - b.need || b.i - a.i)
  const lastNeedWithin = (room: number): number => {
    let lo = 0
    let hi = big.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (big[mid]!.need <= room) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }
  let slack = o.slack
  let carry: Seg[] = []
  const bins: Seg[][] = []
  let extraSpans = 0
  let leastFull = o.usable
  let room = o.usable
  while (carry.length || alive.find(0) < n) {
    if (bins.length) leastFull = Math.min(leastFull, o.usable - room)
    const bin: Seg[] = []
    bins.push(bin)
    room = o.usable
    if (carry.length) {
      const r = lay(carry, room, o.fp)
      bin.push(...r.head)
      room -= r.used
      carry = r.tail
      if (carry.length) continue // the volume is full of the carried generation
    }
    // The big unit whose need fits the room closest takes all of it; its rest ends on a later volume,
    // leaving that one's room smaller by exactly its need.
    const pick = lastNeedWithin(room)
    const top = pick >= 0 ? big.splice(pick, 1)[0]! : undefined
    if (top) alive.kill(top.i)
    let split = top?.i ?? -1
    if (split < 0) {
      for (let j = alive.find(firstFitting(room)); j < n; j = alive.find(firstFitting(room))) {
        bin.push(...units[j]!.segs)
        room -= units[j]!.size
        alive.kill(j)
      }
      if (room === 0 || alive.find(0) === n) continue
      if (room <= slack && room <= o.wasteCap) {
        slack -= room
        continue
      }
      // Costs one more volume span to a generation: a big one if any is left, else the largest.
      split = big.length ? big.splice(big.reduce((m, b, k) => (b.i < big[m]!.i ? k : m), 0), 1)[0]!.i : alive.find(0)
      alive.kill(split)
      extraSpans++
    }
    const r = lay(units[split]!.segs, room, o.fp)
    bin.push(...r.head)
    carry = r.tail
    room -= r.used
  }
  return { bins, extraSpans, leastFull }
}

/** Turns segments into numbered pieces no larger than maxPiece, volume by volume. */
function toVolumes(bins: Seg[][], files: readonly PlanFile[], o: { usable: number; maxPiece: number; fp: (b: number) => number }): PlannedVolume[] {
  const perFile = new Map<number, Array<Piece & { volume: number }>>()
  bins.forEach((segs, v) => {
    for (const s of segs) {
      const f = files[s.file]!
      const list = perFile.get(s.file) ?? []
      perFile.set(s.file, list)
      let off = s.offset
      const end = s.offset + s.bytes
      do {
        const bytes = Math.min(o.maxPiece, end - off)
        list.push({ service: f.service, generation: f.generation, name: f.name, offset: off, bytes, pieceIndex: 0, pieceCount: 0, volume: v })
        off += bytes
      } while (off < end)
    }
  })
  const volumes: PlannedVolume[] = bins.map((_, v) => ({ number: v + 1, pieces: [], bytes: 0, used: 0, fill: 0 }))
  for (const list of perFile.values()) {
    list.sort((a, b) => a.offset - b.offset)
    list.forEach(({ volume, ...p }, k) => {
      const vol = volumes[volume]!
      vol.pieces.push({ ...p, pieceIndex: k + 1, pieceCount: list.length })
      vol.bytes += p.bytes
      vol.used += o.fp(p.bytes)
    })
  }
  for (const vol of volumes) {
    vol.pieces.sort((a, b) => fileOrder(a, b) || a.pieceIndex - b.pieceIndex)
    vol.fill = volumeFill(vol.used, o.usable)
  }
  return volumes
}
