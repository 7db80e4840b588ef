/**
 * state/suspects.json: generations `mirror verify` found damaged. The next sync rechecks
 * them and fetches their bad files again ("a later sync repairs what is bad").
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'

const FILE = 'suspects.json'

/** 'svc/gen' keys of damaged generations (empty when none are recorded). */
export async function readSuspects(state: string): Promise<Set<string>> {
  const text = await readIfExists(join(state, FILE))
  if (!text) return new Set()
  try {
    const v = (JSON.parse(text) as { generations?: unknown }).generations
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
  } catch {
    return new Set()
  }
}

/** Records the damaged generations (or clears the record when there are none). */
export async function writeSuspects(state: string, generations: readonly string[], now: Date): Promise<void> {
  if (!generations.length) return clearSuspects(state)
  await writeFileAtomic(join(state, FILE), JSON.stringify({ time: now.toISOString(), generations }, null, 2) + '\n', 0o600)
}

export async function clearSuspects(state: string): Promise<void> {
  await fs.rm(join(state, FILE), { force: true })
}
