/**
 * Checks the files of one stored generation against what a signed index says about them:
 * present, a regular file (not a symlink), the right size, the right sha256. Reads each
 * file once as a stream. Used by mirror sync (before a generation enters the store), mirror
 * verify (bit rot) and the store-folder reader.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { hashFile } from '../fsx/hash.js'
import type { StoredFile } from '../formats/tree.js'

/** One file that does not match the index. */
export interface FileProblem {
  /** The file's path (absolute). */
  path: string
  what: 'missing' | 'not a regular file' | 'size differs' | 'sha256 differs'
  detail?: string
}

/** Bytes and file counts of what was checked. */
export interface CheckTotals {
  files: number
  bytes: number
}

/** Checks every file listed in `files` inside `dir`; returns the problems (empty when all match). */
export async function checkFiles(dir: string, files: Readonly<Record<string, StoredFile>>, totals?: CheckTotals): Promise<FileProblem[]> {
  const problems: FileProblem[] = []
  for (const name of Object.keys(files).sort()) {
    const want = files[name]!
    const path = join(dir, name)
    const st = await fs.lstat(path).catch(() => undefined)
    if (!st) {
      problems.push({ path, what: 'missing' })
      continue
    }
    if (!st.isFile()) {
      problems.push({ path, what: 'not a regular file' })
      continue
    }
    if (st.size !== want.bytes) {
      problems.push({ path, what: 'size differs', detail: `${st.size} bytes, the index says ${want.bytes}` })
      continue
    }
    const got = await hashFile(path)
    if (totals) {
      totals.files++
      totals.bytes += got.bytes
    }
    if (got.sha256 !== want.sha256 || got.bytes !== want.bytes) problems.push({ path, what: 'sha256 differs', detail: `${got.sha256}, the index says ${want.sha256}` })
  }
  return problems
}

/** One line per problem, for messages. */
export function describeProblems(problems: readonly FileProblem[]): string {
  return problems.map(p => `${p.path}: ${p.what}${p.detail ? ` (${p.detail})` : ''}`).join('\n')
}
