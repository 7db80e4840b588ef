/**
 * Gathers the cheap facts about one arrival for checkArrival: the folder's entries (lstat,
 * never followed), manifest.json read with a size cap and without following a symlink, the
 * service's registration, what the store and the books already hold, whether status.json asks
 * for a full, and the service's last reset. Thin I/O, no decisions.
 */
import { promises as fs, constants } from 'node:fs'
import { join } from 'node:path'
import { MANIFEST_MAX_BYTES, parseManifest } from '../../lib/formats/manifest.js'
import { GENERATION_RE } from '../../lib/formats/names.js'
import { MANIFEST, PARTIAL_DIR } from '../../lib/layout.js'
import { RoostError } from '../../lib/errors.js'
import type { HubConfig, HubPaths } from '../../lib/config/hub.js'
import { readServiceBooks, totalBytes } from '../books.js'
import { readServiceStatus } from '../service-status.js'
import { lastReset, readServiceState } from '../service-state.js'
import type { ArrivalFacts, EntryFact, ManifestFact } from './check-arrival.js'

export interface Gathered {
  facts: ArrivalFacts
  /** The arrival folder, once taken: accounts/<svc>/ingesting/<folder>. */
  dir: string
  /** manifest.json's exact bytes, when it was read. */
  manifestBytes?: Buffer
}

/** Where an arrival is ingested from: beside incoming, out of the spoke's reach. */
export function ingestingDir(paths: HubPaths, service: string): string {
  return join(paths.accounts, service, 'ingesting')
}

/** The folder an arrival sits in once taken (every read and move after the take uses it). */
export function arrivalDir(paths: HubPaths, service: string, folder: string): string {
  return join(ingestingDir(paths, service), folder)
}

/**
 * Takes `incoming/<folder>` out of the spoke's reach before anything reads it: one rename
 * into `accounts/<svc>/ingesting/`, which the spoke's rrsync root (incoming) does not
 * contain. From then on the spoke cannot swap the folder, or a file in it, for a symlink
 * into another service's area while the hub reads, hashes or moves it. rename never follows
 * a symlink: a folder that is one is moved as the link, and gather sees it for what it is.
 * Returns false when there is nothing to take. An arrival already taken (an ingest cut short)
 * is left where it is and ingested first; the newer upload waits for the next round.
 */
export async function takeArrival(paths: HubPaths, service: string, folder: string): Promise<boolean> {
  const taken = arrivalDir(paths, service, folder)
  if (await lstatOrUndefined(taken)) return true
  const src = join(paths.accounts, service, 'incoming', folder)
  if (!(await lstatOrUndefined(join(src, MANIFEST)))) return false
  await fs.mkdir(ingestingDir(paths, service), { recursive: true, mode: 0o700 })
  try {
    await fs.rename(src, taken)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  return true
}

function typeOf(st: import('node:fs').Stats): EntryFact['type'] {
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFile()) return 'file'
  if (st.isDirectory()) return 'dir'
  return 'other'
}

async function lstatOrUndefined(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await fs.lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** Reads at most `limit + 1` bytes of a regular file, refusing symlinks and anything else. */
async function readCapped(path: string, limit: number): Promise<{ bytes: Buffer } | { tooLarge: number } | 'not-a-file'> {
  const h = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP') return undefined
    throw err
  })
  if (!h) return 'not-a-file'
  try {
    const st = await h.stat()
    if (!st.isFile()) return 'not-a-file'
    if (st.size > limit) return { tooLarge: st.size }
    const buf = Buffer.alloc(limit + 1)
    let n = 0
    for (;;) {
      const { bytesRead } = await h.read(buf, n, buf.length - n, n)
      if (bytesRead === 0) break
      n += bytesRead
      if (n > limit) return { tooLarge: n }
    }
    return { bytes: buf.subarray(0, n) }
  } finally {
    await h.close()
  }
}

async function readManifestFact(file: string, where: string): Promise<{ fact: ManifestFact; bytes?: Buffer }> {
  const r = await readCapped(file, MANIFEST_MAX_BYTES)
  if (r === 'not-a-file') return { fact: { state: 'not-a-file' } }
  if ('tooLarge' in r) return { fact: { state: 'too-large', bytes: r.tooLarge, limit: MANIFEST_MAX_BYTES } }
  try {
    return { fact: { state: 'parsed', manifest: parseManifest(r.bytes.toString('utf8'), where), bytes: r.bytes.length }, bytes: r.bytes }
  } catch (err) {
    if (err instanceof RoostError) return { fact: { state: 'invalid', problem: err.message }, bytes: r.bytes }
    throw err
  }
}

async function listEntries(dir: string): Promise<EntryFact[]> {
  const out: EntryFact[] = []
  for (const name of (await fs.readdir(dir)).sort()) {
    if (name === MANIFEST) continue
    const st = await lstatOrUndefined(join(dir, name))
    if (!st) continue
    if (name === PARTIAL_DIR && st.isDirectory()) continue
    out.push({ name, type: typeOf(st), bytes: st.size })
  }
  return out
}

async function storedGenerations(paths: HubPaths, service: string): Promise<Set<string>> {
  const names = await fs.readdir(join(paths.store, service)).catch(() => [] as string[])
  return new Set(names.filter(n => GENERATION_RE.test(n)))
}

async function compareStoredCopy(paths: HubPaths, service: string, folder: string, bytes: Buffer | undefined): Promise<ArrivalFacts['storedCopy']> {
  if (!GENERATION_RE.test(folder)) return 'none'
  const stored = await lstatOrUndefined(join(paths.store, service, folder))
  if (!stored) return 'none'
  if (!(await lstatOrUndefined(pendingMark(paths, service, folder)))) return 'present'
  const copy = await fs.readFile(join(paths.store, service, folder, MANIFEST)).catch(() => undefined)
  return copy && bytes && copy.equals(bytes) ? 'interrupted' : 'present'
}

/**
 * The mark an accept leaves in state/ from just before its store rename until its clean-up
 * is done: it tells a crash-interrupted accept (finish it) from a replay (reject it).
 */
export function pendingMark(paths: HubPaths, service: string, generation: string): string {
  return join(paths.state, 'ingest-pending', service, generation)
}

/** The facts that change as the store changes: gathered with the rest, and again under the store lock before a commit. */
export type HistoryFacts = Pick<ArrivalFacts, 'stored' | 'storedBytes' | 'storedCopy' | 'wantFull' | 'lastReset' | 'archived'>

/** What the store, the books, status.json and the service's state say now about `service`. */
export async function gatherHistory(paths: HubPaths, service: string, folder: string, manifestBytes: Buffer | undefined): Promise<HistoryFacts> {
  const books = await readServiceBooks(paths, service)
  const status = await readServiceStatus(paths, service)
  const reset = lastReset(await readServiceState(paths, service))
  return {
    stored: await storedGenerations(paths, service),
    storedBytes: totalBytes(books),
    storedCopy: await compareStoredCopy(paths, service, folder, manifestBytes),
    wantFull: status?.wantFull ? { reason: status.wantFullReason ?? null } : null,
    lastReset: reset,
    archived: new Set(reset === null ? [] : books.filter(r => r.accepted < reset).map(r => r.generation)),
  }
}

/**
 * The facts about a taken arrival `ingesting/<folder>` of `service`, or undefined when there
 * is nothing to ingest (the folder or its manifest.json is gone).
 */
export async function gatherArrival(paths: HubPaths, config: HubConfig, service: string, folder: string): Promise<Gathered | undefined> {
  const dir = arrivalDir(paths, service, folder)
  const st = await lstatOrUndefined(dir)
  if (!st) return undefined
  const svc = Object.hasOwn(config.services, service) ? config.services[service] : undefined
  const base = { account: service, folder, registeredKey: svc?.key, quota: svc?.quota, stored: new Set<string>(), storedBytes: 0, storedCopy: 'none' as const, wantFull: null, lastReset: null, archived: new Set<string>() }
  if (!st.isDirectory()) return { dir, facts: { ...base, folderIsDir: false, manifest: { state: 'not-a-file' }, entries: [] } }
  const mst = await lstatOrUndefined(join(dir, MANIFEST))
  if (!mst) return undefined
  const m = await readManifestFact(join(dir, MANIFEST), `${service}/incoming/${folder}/${MANIFEST}`)
  const facts: ArrivalFacts = {
    ...base,
    folderIsDir: true,
    manifest: m.fact,
    entries: await listEntries(dir),
    ...(await gatherHistory(paths, service, folder, m.bytes)),
  }
  return m.bytes ? { dir, facts, manifestBytes: m.bytes } : { dir, facts }
}
