/**
 * Atomic file-system changes: write to a temp name, fsync, rename, fsync the folder.
 * Readers see the old file or the new one, never half of either.
 */
import { promises as fs, constants } from 'node:fs'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { RoostError } from '../errors.js'

/** Flushes a file or a folder (its entries) to disk. */
export async function fsyncPath(path: string): Promise<void> {
  const h = await fs.open(path, constants.O_RDONLY)
  try {
    await h.sync()
  } finally {
    await h.close()
  }
}

/** Writes `data` durably under a new temporary name beside `path`, with `mode`; returns that name. */
async function writeTemp(path: string, data: string | Buffer, mode: number): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const h = await fs.open(tmp, 'wx', mode)
  try {
    await h.writeFile(data)
    await h.sync()
    await h.chmod(mode)
  } catch (err) {
    await h.close()
    await fs.rm(tmp, { force: true })
    throw err
  }
  await h.close()
  return tmp
}

/** Replaces `path` atomically with `data`. */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = await writeTemp(path, data, mode)
  try {
    await fs.rename(tmp, path)
  } catch (err) {
    await fs.rm(tmp, { force: true })
    throw err
  }
  await fsyncPath(dirname(path))
}

/**
 * Puts `data` at `path` as the last act on its folder: written under a temporary name, made
 * durable with the folder, then renamed into place. For a file whose appearance hands the
 * folder to someone else (hub serve's ingest watcher takes an upload when its manifest.json
 * appears, and may move the folder away at once), so nothing here touches the folder after it.
 */
export async function publishFileLast(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = await writeTemp(path, data, mode)
  try {
    await fsyncPath(dirname(path))
    await fs.rename(tmp, path)
  } catch (err) {
    await fs.rm(tmp, { force: true })
    throw err
  }
}

/** Creates a file that must not exist yet (fails with CONFIG_EXISTS naming it if it does). */
export async function writeFileNew(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  try {
    await fs.writeFile(path, data, { flag: 'wx', mode })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RoostError('CONFIG_EXISTS', `${path} already exists; refusing to overwrite it`)
    throw err
  }
}

/**
 * Moves a folder to a new name that must not exist yet. Never replaces anything: renaming
 * onto an empty folder would replace it, so an existing target is refused first, and a
 * non-empty one fails in the kernel (ENOTEMPTY) if it appears in between.
 */
export async function renameNoReplace(from: string, to: string): Promise<void> {
  const exists = await fs.lstat(to).then(() => true, () => false)
  if (exists) throw new RoostError('STORE_GENERATION_EXISTS', `${to} already exists; refusing to replace it`)
  try {
    await fs.rename(from, to)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new RoostError('STORE_GENERATION_EXISTS', `${to} already exists; refusing to replace it`, { cause: err })
    throw err
  }
  await fsyncPath(dirname(to))
}

/** Makes a folder (and parents) with a mode; tightens the mode if it already exists. */
export async function ensureDir(path: string, mode = 0o700): Promise<void> {
  await fs.mkdir(path, { recursive: true, mode })
  await fs.chmod(path, mode)
}

/** Reads a small text file, or returns undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Removes a folder tree even where it holds read-only folders (as a restored archive may,
 * for a user who is not root): on EACCES/EPERM it makes every folder writable, then retries.
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await fs.rm(dir, { recursive: true, force: true })
    return
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EACCES' && code !== 'EPERM') throw err
  }
  const open = async (d: string): Promise<void> => {
    await fs.chmod(d, 0o700).catch(() => {})
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await open(join(d, e.name))
    }
  }
  await open(dir)
  await fs.rm(dir, { recursive: true, force: true })
}

/** Appends one line (a newline is added) to a log file, creating it with `mode`. */
export async function appendLine(path: string, line: string, mode = 0o600): Promise<void> {
  await fs.appendFile(path, `${line}\n`, { mode })
}
