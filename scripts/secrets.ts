/**
 * "No secret in any log": the secret material under a folder (OpenSSH private keys, age
 * identities, http tokens) and where any piece of it shows up in a text. Used by the demo to
 * check every log line it collected, and by the full-cycle test to check that again.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'

export interface Secret {
  file: string
  /** Pieces of the secret, each long enough never to occur by chance (a key's base64 lines, an age key). */
  pieces: string[]
}

/** The secret pieces in one file's text, or none. Pure. */
export function secretPieces(text: string): string[] {
  const out: string[] = []
  const ssh = /-----BEGIN OPENSSH PRIVATE KEY-----\n([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)
  if (ssh) out.push(...ssh[1]!.split('\n').map(l => l.trim()).filter(l => l.length >= 24))
  for (const m of text.matchAll(/AGE-SECRET-KEY-1[0-9A-Z]{40,}/g)) out.push(m[0])
  return out
}

/** Every secret under `root` (files up to 64 KiB; `skip` names folders left out, e.g. the logs themselves). */
export async function secretsUnder(root: string, skip: ReadonlySet<string> = new Set()): Promise<Secret[]> {
  const found: Secret[] = []
  for (const e of await fs.readdir(root, { withFileTypes: true }).catch(() => [])) {
    const path = join(root, e.name)
    if (e.isDirectory() && !skip.has(path)) found.push(...(await secretsUnder(path, skip)))
    else if (e.isFile() && (await fs.stat(path)).size <= 65_536) {
      const pieces = secretPieces(await fs.readFile(path, 'utf8'))
      if (pieces.length) found.push({ file: path, pieces })
    }
  }
  return found
}

/** The secrets of which some piece occurs in `text`, by file. Pure. */
export function leakedIn(text: string, secrets: readonly Secret[]): string[] {
  return secrets.filter(s => s.pieces.some(p => text.includes(p))).map(s => s.file)
}
