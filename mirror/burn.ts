/**
 * `roost mirror burn IMAGE --drive DEV`: writes one image of a set to a disc with xorriso,
 * reads the disc back and compares it with the image, and records the burn in
 * `state/burns.jsonl` (label, image sha256, drive, time) so the operator can tell which discs
 * exist. `--dry-run` prints the plan and writes nothing.
 */
import { join, resolve } from 'node:path'
import { burnImage, isoLabel, type BurnResult } from '../lib/volumes/iso.js'
import { parseVolumeLabel } from '../lib/volumes/media.js'
import { RoostError } from '../lib/errors.js'
import type { MirrorPaths } from '../lib/config/mirror.js'
import { appendLine } from '../lib/fsx/atomic.js'

export interface BurnRecord {
  label: string
  image: string
  drive: string
  sha256: string
  bytes: number
  at: string
}

export async function burn(image: string, drive: string, o: { dryRun: boolean; paths?: MirrorPaths; now: () => Date }): Promise<BurnResult & { label: string; record?: BurnRecord }> {
  const path = resolve(image)
  const label = await isoLabel(path).catch(() => undefined)
  if (!label || !parseVolumeLabel(label)) throw new RoostError('USAGE', `${path} is not an image of a roost disc set (its label is ${label ? `'${label}'` : 'unreadable'})`, { hint: 'burn the .iso files roost mirror volumes wrote' })
  const r = await burnImage(path, drive, { dryRun: o.dryRun })
  if (!r.burned || !r.image || !o.paths) return { ...r, label }
  const record: BurnRecord = { label, image: path, drive, sha256: r.image.sha256, bytes: r.image.bytes, at: o.now().toISOString() }
  await appendLine(join(o.paths.state, 'burns.jsonl'), JSON.stringify(record))
  return { ...r, label, record }
}
