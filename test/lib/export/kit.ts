/**
 * Test plumbing for exports: write one from a store folder, take one apart into its members,
 * and put members (altered, renamed, links, extras) back together as a tar — the raw
 * material of the hostile-export catalogue.
 */
import { createWriteStream, promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { silentLogger } from '../../../lib/log.js'
import { StoreFolderReader } from '../../../lib/stores/store-folder.js'
import { exportGeneration, type ExportResult } from '../../../lib/export/export.js'
import { TarOut, type TarHeader } from '../../../lib/export/tar-writer.js'
import type { ChainStore } from './make-chain.js'

/** Exports `generation` of the chain store into `file` (a store-folder reader trusting its index key). */
export async function exportFrom(c: ChainStore, generation: string, file: string, o: { store?: string; force?: boolean } = {}): Promise<ExportResult> {
  const reader = await StoreFolderReader.open(o.store ?? c.store, c.indexKey.public)
  return exportGeneration({ reader, service: c.service, generation, to: file, force: o.force ?? false, now: () => new Date('2026-12-01T00:00:00Z'), log: silentLogger() })
}

export interface Member {
  name: string
  data: Buffer
  /** ustar type flag (default '0', a regular file). */
  type?: string
  linkname?: string
}

/** The members of a (good) export, in order, read with tar into `work`. */
export async function unpack(file: string, work: string): Promise<Member[]> {
  await fs.mkdir(work, { recursive: true })
  execFileSync('tar', ['-xf', file, '-C', work])
  const names = execFileSync('tar', ['-tf', file]).toString().trim().split('\n')
  return Promise.all(names.map(async name => ({ name, data: await fs.readFile(join(work, name)) })))
}

/** Writes members as a tar (any names, types and links: for hostile exports). */
export async function pack(file: string, members: readonly Member[]): Promise<void> {
  const out = createWriteStream(file)
  const tar = new TarOut(out)
  const mtime = new Date('2026-12-01T00:00:00Z')
  for (const m of members) {
    const h: Omit<TarHeader, 'size'> = { name: m.name, mtime, ...(m.type ? { type: m.type } : {}), ...(m.linkname ? { linkname: m.linkname } : {}) }
    await tar.addBuffer(h, m.data)
  }
  await tar.end()
}

/** Replaces one member's bytes (by name). */
export function replaceMember(members: readonly Member[], name: string, data: Buffer): Member[] {
  if (!members.some(m => m.name === name)) throw new Error(`no member ${name}`)
  return members.map(m => (m.name === name ? { ...m, data } : m))
}

/** zstd of a buffer. */
export function zstd(data: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 1 << 28 })
}

/** Every file under `dir` (relative paths), for "nothing else was written" checks. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const visit = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(join(dir, rel), { withFileTypes: true }).catch(() => [])) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await visit(r)
      else out.push(r)
    }
  }
  await visit('')
  return out.sort()
}
