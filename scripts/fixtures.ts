/**
 * Service data for the demo, the tests and the benchmarks: files with odd names, symlinks (inside and dangling),
 * hardlinks, an empty folder, nested folders, a large file, varied modes and mtimes.
 * Deterministic for a seed.
 */
import { promises as fs } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'

function bytes(seed: string, n: number): Buffer {
  const out = Buffer.alloc(n)
  let block = createHash('sha256').update(seed).digest()
  for (let off = 0; off < n; off += 32) {
    block.copy(out, off, 0, Math.min(32, n - off))
    block = createHash('sha256').update(block).digest()
  }
  return out
}

export interface FixtureOptions {
  seed?: string
  /** Size of the large file in bytes (default 8 MiB). */
  largeBytes?: number
}

/** Fills `dir` (created if needed) with a service-like tree. */
export async function makeServiceTree(dir: string, o: FixtureOptions = {}): Promise<void> {
  const seed = o.seed ?? 'roost'
  await fs.mkdir(dir, { recursive: true })
  const w = async (rel: string, data: string | Buffer, mode = 0o644): Promise<void> => {
    await fs.mkdir(join(dir, rel, '..'), { recursive: true })
    await fs.writeFile(join(dir, rel), data, { mode })
    await fs.chmod(join(dir, rel), mode)
  }
  await w('config/app.ini', `[app]\nname=${seed}\nport=8080\n`)
  await w('config/secret.key', bytes(`${seed}-secret`, 64), 0o600)
  await w('bin/run.sh', '#!/bin/sh\necho run\n', 0o755)
  await w('data/notes with spaces.txt', 'spaces in the name\n')
  await w('data/ünïcødé-名前.txt', 'unicode name\n')
  await w('data/quote\'s "double" $dollar `tick`.txt', 'shell characters\n')
  await w('data/new\nline.txt', 'a newline in the name\n')
  await w('data/-starts-with-dash', 'dash\n')
  await w('data/.hidden', 'hidden\n')
  await w(`data/${'long-name-'.repeat(20)}end.txt`, 'a 205-byte name\n')
  await w('data/deep/a/b/c/d/e/f/leaf.txt', 'deep\n')
  await w('data/empty-file', '')
  await w('data/large.bin', bytes(`${seed}-large`, o.largeBytes ?? 8 * 1024 * 1024))
  for (let i = 0; i < 50; i++) await w(`sessions/sess_${i.toString().padStart(3, '0')}`, bytes(`${seed}-s${i}`, 100 + i * 7))
  await fs.mkdir(join(dir, 'data', 'empty-folder'), { recursive: true })
  await fs.symlink('../config/app.ini', join(dir, 'data', 'link-to-config'))
  await fs.symlink('/nonexistent/target', join(dir, 'data', 'dangling-link'))
  await fs.symlink('deep', join(dir, 'data', 'link-to-dir'))
  await fs.link(join(dir, 'data', 'notes with spaces.txt'), join(dir, 'data', 'hardlink-to-notes'))
  await fs.link(join(dir, 'config', 'app.ini'), join(dir, 'sessions', 'hardlink-across-folders'))
  // varied mtimes, set last (children first, then folders)
  const t0 = new Date('2026-01-02T03:04:05.678Z')
  await fs.utimes(join(dir, 'data', 'large.bin'), t0, t0)
  await fs.utimes(join(dir, 'config', 'secret.key'), t0, new Date('2025-06-07T08:09:10Z'))
  await fs.utimes(join(dir, 'data', 'empty-folder'), t0, t0)
}

/** Changes about `fraction` of the files under `dir` (for delta tests). */
export async function mutateTree(dir: string, seed = 'day1'): Promise<void> {
  await fs.appendFile(join(dir, 'config', 'app.ini'), `changed=${seed}\n`)
  const large = join(dir, 'data', 'large.bin')
  const h = await fs.open(large, 'r+')
  try {
    await h.write(bytes(seed, 4096), 0, 4096, 1024 * 1024)
  } finally {
    await h.close()
  }
  await fs.writeFile(join(dir, 'data', `new-${seed}.txt`), `new file ${seed}\n`)
  await fs.rm(join(dir, 'sessions', 'sess_000'))
}
