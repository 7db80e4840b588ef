/**
 * Media and names for disc sets. Pure.
 *
 * Capacities are exact, in bytes, from DESIGN's Facts: an image built with `-padding 0` that
 * is at most this size fits the medium. `dvd` is DVD+R (2,295,104 sectors), the smaller of
 * DVD±R, so one image fits both; `dvd-dl` is DVD+R DL. `--media BYTES` takes any size that is
 * a whole number of 2048-byte sectors and at least 1 MiB.
 *
 * A set id names one set of volumes: the ISO week it was made in, `2026W47`. A second set
 * made in the same week takes a sequence letter, `2026W47B`, a third `2026W47C`, up to `Z`
 * (`nextSetId` picks the first free one); the first set of a week has none, never `A`.
 *
 * Volume labels (the ISO 9660 volume id) say set, number and count: `ROOST_2026W47_03OF07`.
 * The separators are underscores, not dashes: a volume id may hold at most 32 characters
 * from A–Z, 0–9 and `_` (ISO 9660 d-characters), and xorriso warns about any other.
 */
import { RoostError } from '../errors.js'
import { parseSize } from '../config/units.js'

/** The ISO 9660 logical block: every file on a volume occupies whole sectors. */
export const SECTOR_BYTES = 2048

/** The smallest `--media BYTES` accepted. */
export const MIN_MEDIA_BYTES = 1024 * 1024

/** Exact capacities in bytes. */
export const MEDIA = {
  cd: 737_280_000, // CD-R 80 min, 360,000 sectors
  dvd: 4_700_372_992, // DVD+R, 2,295,104 sectors (DVD-R holds 4,707,319,808)
  'dvd-dl': 8_547_991_552, // DVD+R DL, 4,173,824 sectors
  bd: 25_025_314_816, // BD-R SL, 12,219,392 sectors
  'bd-dl': 50_050_629_632, // BD-R DL, 24,438,784 sectors
} as const

export type MediaName = keyof typeof MEDIA
export const MEDIA_NAMES = Object.keys(MEDIA) as MediaName[]

/** A medium as `--media` named it: one of MEDIA, or `bytes` for a size given in bytes. */
export interface Media {
  media: MediaName | 'bytes'
  capacity: number
}

export function isMediaName(s: string): s is MediaName {
  return Object.prototype.hasOwnProperty.call(MEDIA, s)
}

/**
 * Reads `--media`: a name (`dvd`, case-insensitive), a byte count (`4700372992`) or a binary
 * size (`700M`, `4G`: K/M/G/T are powers of 1024, as everywhere in roost). A size must be a
 * whole number of sectors and at least 1 MiB. Throws USAGE otherwise.
 */
export function resolveMedia(text: string): Media {
  const s = text.trim().toLowerCase()
  if (isMediaName(s)) return { media: s, capacity: MEDIA[s] }
  const names = MEDIA_NAMES.join(', ')
  const bytes = parseSize(s)
  if (bytes === undefined) {
    throw new RoostError('USAGE', `--media '${text}' is neither a medium nor a size`, { hint: `use one of ${names}, or a size in bytes (a multiple of ${SECTOR_BYTES})` })
  }
  if (bytes < MIN_MEDIA_BYTES) {
    throw new RoostError('USAGE', `--media '${text}' is ${bytes} bytes, smaller than the ${MIN_MEDIA_BYTES} bytes (1 MiB) a volume needs`, { hint: `use one of ${names}, or at least ${MIN_MEDIA_BYTES}` })
  }
  if (bytes % SECTOR_BYTES !== 0) {
    const below = bytes - (bytes % SECTOR_BYTES)
    throw new RoostError('USAGE', `--media '${text}' is ${bytes} bytes, not a whole number of ${SECTOR_BYTES}-byte sectors`, {
      hint: `give a multiple of ${SECTOR_BYTES} such as ${below}, or one of ${names} (sizes are binary: G is 1024³; a DVD is --media dvd, ${MEDIA.dvd} bytes)`,
    })
  }
  return { media: 'bytes', capacity: bytes }
}

/** The capacity in bytes that `--media` names. Throws USAGE for anything else. */
export function parseMedia(text: string): number {
  return resolveMedia(text).capacity
}

/** `2026W47`, or `2026W47B` for the second set of that week. */
export const SET_ID_RE = /^\d{4}W(0[1-9]|[1-4]\d|5[0-3])[B-Z]?$/

/** `ROOST_2026W47_03OF07`; numbers have at least two digits, as many as the count needs. */
export const VOLUME_LABEL_RE = /^ROOST_(\d{4}W\d{2}[B-Z]?)_(\d{2,4})OF(\d{2,4})$/

/** The most volumes one set may have (four digits in the label). */
export const MAX_VOLUMES = 9999

/** The ISO 8601 week-numbering year and week of a date, in UTC. */
export function isoWeek(date: Date): { year: number; week: number } {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()))
  d.setUTCDate(d.getUTCDate() + 4 - (d.getUTCDay() || 7)) // the Thursday of its week decides the year
  const year = d.getUTCFullYear()
  const week = Math.floor((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1
  return { year, week }
}

/**
 * The set id for a set made at `date` (UTC): `2026W47`. `sequence` is the letter of a later set
 * in the same week, `B` to `Z`; omit it for the first. Throws USAGE for another letter.
 */
export function setIdFor(date: Date, sequence?: string): string {
  const { year, week } = isoWeek(date)
  const id = `${year}W${String(week).padStart(2, '0')}${sequence ?? ''}`
  if (!SET_ID_RE.test(id)) {
    throw new RoostError('USAGE', `cannot make a set id from ${date.toISOString()} and sequence '${sequence ?? ''}'`, { hint: 'the sequence is one letter, B to Z, for the second and later sets of a week' })
  }
  return id
}

/** The first set id for `date`'s week that is not in `taken`. Throws USAGE after `Z`. */
export function nextSetId(date: Date, taken: Iterable<string>): string {
  const used = new Set(taken)
  for (const seq of [undefined, ...'BCDEFGHIJKLMNOPQRSTUVWXYZ']) {
    const id = setIdFor(date, seq)
    if (!used.has(id)) return id
  }
  throw new RoostError('USAGE', `25 sets were already made in the week of ${date.toISOString()}`, { hint: 'wait for the next week, or remove a set that was never burned' })
}

/** The label of volume `n` (1-based) of `count`: `ROOST_2026W47_03OF07`. At most 32 characters. */
export function volumeLabel(setId: string, n: number, count: number): string {
  if (!SET_ID_RE.test(setId)) throw new Error(`volumeLabel: not a set id: ${setId}`)
  if (!Number.isInteger(count) || count < 1 || count > MAX_VOLUMES) {
    throw new RoostError('USAGE', `a set of ${count} volumes cannot be labelled (at most ${MAX_VOLUMES})`, { hint: 'use a larger medium' })
  }
  if (!Number.isInteger(n) || n < 1 || n > count) throw new Error(`volumeLabel: volume ${n} of ${count}`)
  const width = Math.max(2, String(count).length)
  return `ROOST_${setId}_${String(n).padStart(width, '0')}OF${String(count).padStart(width, '0')}`
}

/** Reads a label back: set id, number and count; undefined for anything that is not one. */
export function parseVolumeLabel(label: string): { setId: string; n: number; count: number } | undefined {
  const m = VOLUME_LABEL_RE.exec(label.trim())
  if (!m || !SET_ID_RE.test(m[1]!)) return undefined
  const n = Number(m[2])
  const count = Number(m[3])
  if (n < 1 || n > count || volumeLabel(m[1]!, n, count) !== label.trim()) return undefined
  return { setId: m[1]!, n, count }
}
