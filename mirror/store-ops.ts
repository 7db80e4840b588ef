/**
 * The mirror store's folder operations: what generations it holds, moving a verified
 * generation in (one no-replace rename, then read-only), taking one out again (to repair
 * or remove it). Staging and store share a file system, so every move is a rename.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { isGenerationId, isName } from '../lib/formats/names.js'
import { ensureDir, renameNoReplace } from '../lib/fsx/atomic.js'
import type { GenRef } from './plan-sync.js'

/** 'svc/gen' for every generation folder in the store. */
export async function listStore(store: string): Promise<Set<string>> {
  const have = new Set<string>()
  for (const svc of await fs.readdir(store, { withFileTypes: true }).catch(() => [])) {
    if (!svc.isDirectory() || !isName(svc.name)) continue
    for (const gen of await fs.readdir(join(store, svc.name), { withFileTypes: true })) {
      if (gen.isDirectory() && isGenerationId(gen.name)) have.add(`${svc.name}/${gen.name}`)
    }
  }
  return have
}

/** The folder of a generation under a root (store or staging). */
export function genDir(root: string, g: GenRef): string {
  return join(root, g.service, g.generation)
}

/** Moves a verified generation from staging into the store and makes it read-only. Never replaces. */
export async function installGeneration(staging: string, store: string, g: GenRef): Promise<void> {
  await ensureDir(join(store, g.service), 0o755)
  const to = genDir(store, g)
  await renameNoReplace(genDir(staging, g), to)
  for (const name of await fs.readdir(to)) await fs.chmod(join(to, name), 0o444)
  await fs.chmod(to, 0o555)
}

/** Makes a read-only generation folder writable again (for repair or removal). */
async function unlock(dir: string): Promise<void> {
  await fs.chmod(dir, 0o700)
  for (const name of await fs.readdir(dir)) await fs.chmod(join(dir, name), 0o600).catch(() => {})
}

/**
 * Moves a stored generation back into staging (for repair: only its bad files are then
 * fetched again). Whatever staging held for it is discarded.
 */
export async function reclaimGeneration(staging: string, store: string, g: GenRef): Promise<void> {
  const from = genDir(store, g)
  const to = genDir(staging, g)
  await ensureDir(join(staging, g.service), 0o700)
  await fs.rm(to, { recursive: true, force: true })
  await unlock(from)
  await fs.rename(from, to)
}

/** Removes a generation from the store, and its service folder once empty. */
export async function removeGeneration(store: string, g: GenRef): Promise<void> {
  const dir = genDir(store, g)
  await unlock(dir).catch(() => {})
  await fs.rm(dir, { recursive: true, force: true })
  await fs.rmdir(join(store, g.service)).catch(() => {}) // only when empty
}
