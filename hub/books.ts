/**
 * The hub's books: one GenerationRecord per stored generation, in
 * `state/generations/<svc>/<generation>.json`. The index, status.json, quotas and
 * `hub status` read these, never a rehash of the store. A record is written just before
 * its generation's store rename (the commit point), so a record whose store folder is
 * missing is an accept a crash interrupted: readers skip it and the re-ingest rewrites it.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { FILE_NAME_RE, GENERATION_RE, KINDS, LABEL_RE, NAME_RE } from '../lib/formats/names.js'
import { StoredFileSchema, type GenerationRecord } from '../lib/formats/tree.js'
import { describeIssues } from '../lib/formats/manifest.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'
import { RoostError } from '../lib/errors.js'
import type { HubPaths } from '../lib/config/hub.js'

export const GenerationRecordSchema = z.strictObject({
  service: z.string().regex(NAME_RE),
  generation: z.string().regex(GENERATION_RE),
  kind: z.enum(KINDS),
  accepted: z.iso.datetime(),
  files: z.record(z.string().regex(FILE_NAME_RE), StoredFileSchema),
  /** The full a diff builds on (null otherwise). */
  base: z.string().regex(GENERATION_RE).nullable().optional(),
  /** The generation an incr builds on (null otherwise). */
  parent: z.string().regex(GENERATION_RE).nullable().optional(),
  label: z.string().regex(LABEL_RE).optional(),
})

/** A books record: a GenerationRecord (what the index lists) and what it builds on. */
export type BookRecord = z.infer<typeof GenerationRecordSchema>

/** The folder holding a service's records. */
export function booksDir(paths: HubPaths, service: string): string {
  return join(paths.state, 'generations', service)
}

/** Writes (or replaces) the record of one generation, atomically. */
export async function writeRecord(paths: HubPaths, r: GenerationRecord | BookRecord): Promise<void> {
  const rec = GenerationRecordSchema.parse(r)
  await ensureDir(join(paths.state, 'generations'))
  await ensureDir(booksDir(paths, rec.service))
  await writeFileAtomic(join(booksDir(paths, rec.service), `${rec.generation}.json`), JSON.stringify(rec, null, 2) + '\n', 0o600)
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false)
}

/**
 * The records of one service whose generation is in the store, sorted by acceptance
 * (hub clock), then by generation id. Throws INDEX_INVALID naming a damaged record.
 */
export async function readServiceBooks(paths: HubPaths, service: string): Promise<BookRecord[]> {
  const dir = booksDir(paths, service)
  const out: BookRecord[] = []
  for (const name of await listNames(dir)) {
    const gen = name.replace(/\.json$/, '')
    if (gen === name || !GENERATION_RE.test(gen)) continue
    const file = join(dir, name)
    const r = GenerationRecordSchema.safeParse(parseJson(await fs.readFile(file, 'utf8')))
    if (!r.success || r.data.service !== service || r.data.generation !== gen) {
      throw new RoostError('INDEX_INVALID', `${file}: not a generation record${r.success ? '' : ` (${describeIssues(r.error.issues)})`}`)
    }
    if (await exists(join(paths.store, service, gen))) out.push(r.data)
  }
  return out.sort((a, b) => a.accepted.localeCompare(b.accepted) || a.generation.localeCompare(b.generation))
}

/** The records of every service with books (including services no longer in hub.yaml). */
export async function readAllBooks(paths: HubPaths): Promise<BookRecord[]> {
  const out: BookRecord[] = []
  for (const service of (await listNames(join(paths.state, 'generations'))).sort()) {
    if (NAME_RE.test(service)) out.push(...(await readServiceBooks(paths, service)))
  }
  return out
}

/** Deletes the record of one generation (nothing when there is none). */
export async function deleteRecord(paths: HubPaths, service: string, generation: string): Promise<void> {
  if (!NAME_RE.test(service) || !GENERATION_RE.test(generation)) throw new Error(`not a service and generation: ${service}/${generation}`)
  await fs.rm(join(booksDir(paths, service), `${generation}.json`), { force: true })
}

/**
 * Records of a service whose store folder is gone: a prune a crash cut short, or an accept a
 * crash cut short (whose re-ingest writes the record again). Only call with the store lock held.
 */
export async function orphanRecords(paths: HubPaths, service: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await listNames(booksDir(paths, service))) {
    const gen = name.replace(/\.json$/, '')
    if (gen !== name && GENERATION_RE.test(gen) && !(await exists(join(paths.store, service, gen)))) out.push(gen)
  }
  return out.sort()
}

/** Bytes a generation takes in the store. */
export function recordBytes(r: GenerationRecord): number {
  return Object.values(r.files).reduce((n, f) => n + f.bytes, 0)
}

/** Bytes a list of generations takes in the store. */
export function totalBytes(records: readonly GenerationRecord[]): number {
  return records.reduce((n, r) => n + recordBytes(r), 0)
}
