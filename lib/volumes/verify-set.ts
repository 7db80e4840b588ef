/**
 * Checking disc sets as they are (`roost mirror volumes --verify DIR`): every image's recorded
 * MD5s (xorriso), every piece on a mounted disc against the catalog, the catalog's signature
 * and its agreement across discs, the hub's index. When a disc is damaged or missing, the
 * set is copied into a work folder and par2 says whether it could be repaired (nothing is
 * changed in DIR).
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { PublicKey } from '../sign.js'
import { openSets, type OpenedSet, type VolumeSource } from './open-set.js'
import { extractAll, verifyIso } from './iso.js'
import { verifyParity } from './parity.js'
import { PARITY_NAME, piecePath } from './layout.js'
import { hashFile } from '../fsx/hash.js'

export interface SetCheck {
  set: string
  volumes: number
  ok: string[]
  damaged: Array<{ label: string; reason: string }>
  missing: string[]
  /** par2's verdict on the set when a disc is damaged or missing. */
  parity?: 'ok' | 'repairable' | 'not-repairable'
  requires: string[]
}

export interface SetsCheck {
  ok: boolean
  sets: SetCheck[]
}

async function checkDisc(set: OpenedSet, v: VolumeSource): Promise<string | undefined> {
  if (v.kind === 'iso') {
    const r = await verifyIso(v.path)
    return r.ok ? undefined : r.reason
  }
  for (const p of set.catalog.pieces.filter(p => p.volume === v.number)) {
    const path = piecePath(p)
    if ((await hashFile(join(v.path, path)).catch(() => undefined))?.sha256 !== p.sha256) return `${path} is missing or differs from the catalog`
  }
  return undefined
}

async function parityVerdict(set: OpenedSet): Promise<SetCheck['parity']> {
  const ws = await fs.mkdtemp(join(tmpdir(), `roost-verify-${set.id}-`))
  try {
    for (const [i, label] of set.catalog.labels.entries()) {
      const v = set.volumes.get(i + 1)
      if (!v) continue
      if (v.kind === 'iso') await extractAll(v.path, join(ws, label))
      else await fs.cp(v.path, join(ws, label), { recursive: true })
    }
    return (await verifyParity(ws, PARITY_NAME)).state
  } catch {
    return 'not-repairable'
  } finally {
    await fs.rm(ws, { recursive: true, force: true })
  }
}

/** Checks every set in `dir`. Throws only when a set cannot be trusted at all (forged, alien). */
export async function verifySets(dir: string, indexKey: PublicKey, o: { catalogKey?: PublicKey } = {}): Promise<SetsCheck> {
  const sets = await openSets(dir, indexKey, o)
  const out: SetCheck[] = []
  for (const set of sets) {
    const check: SetCheck = { set: set.id, volumes: set.catalog.volumes, ok: [], damaged: [...set.unreadable], missing: set.missing.map(n => set.catalog.labels[n - 1]!), requires: set.catalog.requires }
    for (const v of [...set.volumes.values()].sort((a, b) => a.number - b.number)) {
      if (check.damaged.some(d => d.label === v.label)) continue
      const problem = await checkDisc(set, v)
      if (problem) check.damaged.push({ label: v.label, reason: problem })
      else check.ok.push(v.label)
    }
    if (check.damaged.length || check.missing.length) check.parity = await parityVerdict(set)
    out.push(check)
  }
  return { ok: out.every(s => !s.damaged.length && !s.missing.length), sets: out }
}
