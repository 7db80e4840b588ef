/**
 * What a disc of a set holds, by name. The writer (`roost mirror volumes`) and every reader
 * (restore from discs, `--verify`, a person with a shell) agree on these names:
 *
 *   VOLUME.txt                 this disc's label (ROOST_2026W47_03OF07), one line
 *   README.txt                 how to restore, with roost and by hand
 *   CATALOG.json, .sig         the whole set: every piece, its disc, offset and sha256 (signed)
 *   TREE.json, .sig            the hub's signed index the set was made from
 *   INDEX_KEY.pub              the hub's index key (compare its fingerprint with your records)
 *   SHA256SUMS                 every whole file of the set, `sha256sum -c` format, store paths
 *   PIECES.txt                 one line per piece: disc, path on the disc, offset, bytes, sha256
 *   roost.par2, roost.volA+B.par2   this disc's share of the set's cross-disc parity
 *   data/SERVICE/GENERATION/NAME                  a file kept whole on this disc
 *   data/SERVICE/GENERATION/NAME.part002of005     a piece of a file split across discs
 *
 * Parity covers the data/ files of every disc (par2 records them as LABEL/data/…), so a set
 * laid out as one folder per disc, named by label, can be repaired by par2 alone. Pure.
 */
import { RoostError } from '../errors.js'

export const DATA_DIR = 'data'
export const VOLUME_FILE = 'VOLUME.txt'
export const README_FILE = 'README.txt'
export const INDEX_KEY_FILE = 'INDEX_KEY.pub'
export const SUMS_FILE = 'SHA256SUMS'
export const PIECES_FILE = 'PIECES.txt'
/** par2's base name: roost.par2 and roost.volA+B.par2 on every disc. */
export const PARITY_NAME = 'roost'
/** An image's file name in an output folder: the label and `.iso`. */
export const ISO_SUFFIX = '.iso'

/** Files every disc carries besides data and parity (the same bytes on each but VOLUME.txt). */
export const DISC_META_FILES = [VOLUME_FILE, README_FILE, 'CATALOG.json', 'CATALOG.json.sig', 'TREE.json', 'TREE.json.sig', INDEX_KEY_FILE, SUMS_FILE, PIECES_FILE] as const

/** `NAME` for a file kept whole, `NAME.part002of005` for a piece. Zero-padded so names sort in order. */
export function pieceName(name: string, index: number, count: number): string {
  if (count === 1) return name
  const width = Math.max(3, String(count).length)
  return `${name}.part${String(index).padStart(width, '0')}of${String(count).padStart(width, '0')}`
}

/** The path of a piece on its disc, relative to the disc's root: `data/wiki/GEN/NAME…`. */
export function piecePath(p: { service: string; generation: string; name: string; index: number; count: number }): string {
  return `${DATA_DIR}/${p.service}/${p.generation}/${pieceName(p.name, p.index, p.count)}`
}

/** The store path of a file (as SHA256SUMS and a restored store name it): `wiki/GEN/NAME`. */
export function storePath(f: { service: string; generation: string; name: string }): string {
  return `${f.service}/${f.generation}/${f.name}`
}

/** Reads VOLUME.txt's content: one label line. Throws VERIFY_FAILED otherwise. */
export function parseVolumeFile(text: string, where: string): string {
  const label = text.trim()
  if (!/^[A-Z0-9_]{1,32}$/.test(label)) throw new RoostError('VERIFY_FAILED', `${where}: '${label.slice(0, 40)}' is not a volume label`)
  return label
}
