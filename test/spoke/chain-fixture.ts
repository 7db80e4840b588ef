/**
 * Test plumbing for chains of generations: a day of changes that tar's incrementals must
 * record (a modified file, a deleted file, a renamed file and folder, new files), and a
 * plain-tar replay of archives (full first) into a folder, as a restore does.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { extractArgs } from '../../lib/tar.js'

/** Changes `dir` (a makeServiceTree tree) in every way an incremental must record. */
export async function changeTree(dir: string, day: string): Promise<void> {
  await fs.appendFile(join(dir, 'config', 'app.ini'), `changed=${day}\n`) // modify (a hardlinked file)
  await fs.rm(join(dir, 'sessions', `sess_0${day.slice(-2)}`), { force: true }) // delete
  await fs.rename(join(dir, 'data', 'notes with spaces.txt'), join(dir, 'data', `notes-${day}.txt`)).catch(() => {}) // rename (once)
  await fs.rename(join(dir, 'data', 'deep'), join(dir, 'data', `deep-${day}`)).catch(() => {}) // rename a folder (once)
  await fs.mkdir(join(dir, 'data', `added-${day}`), { recursive: true })
  await fs.writeFile(join(dir, 'data', `added-${day}`, 'new.txt'), `added on ${day}\n`) // add
}

/** Extracts each archive in turn (`.zst` ones through zstd -d) into `out`, as tar replays a chain. */
export function replay(archives: readonly string[], out: string): void {
  for (const a of archives) {
    const data = a.endsWith('.zst') ? execFileSync('zstd', ['-d', '-q', '-c', a], { maxBuffer: 1 << 30 }) : execFileSync('cat', [a], { maxBuffer: 1 << 30 })
    const [tar, ...args] = extractArgs(out, { sameOwner: false })
    execFileSync(tar!, args, { input: data, maxBuffer: 1 << 20 })
  }
}
