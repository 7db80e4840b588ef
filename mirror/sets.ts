/**
 * The mirror's record of the disc sets it made: `state/sets/<set>/CATALOG.json` and `.sig`,
 * the same signed catalog every disc of the set carries. `--new-only` reads them to leave out
 * what an earlier set holds; a record whose signature fails (altered, or made with another
 * key) stops the run rather than being silently trusted.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { RoostError } from '../lib/errors.js'
import { CATALOG_FILE, CATALOG_MAX_BYTES, CATALOG_SIG_FILE, openCatalog, type Catalog, type SignedCatalog } from '../lib/formats/catalog.js'
import { SET_ID_RE } from '../lib/volumes/media.js'
import { ensureDir, fsyncPath, writeFileAtomic } from '../lib/fsx/atomic.js'
import type { PublicKey } from '../lib/sign.js'

export function setsDir(state: string): string {
  return join(state, 'sets')
}

/** Every recorded set, oldest first, each checked with the mirror's key. */
export async function readSets(state: string, key: PublicKey): Promise<Catalog[]> {
  const dir = setsDir(state)
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[]
    throw err
  })
  const out: Catalog[] = []
  for (const id of names.filter(n => SET_ID_RE.test(n)).sort()) {
    const where = join(dir, id, CATALOG_FILE)
    const st = await fs.stat(where).catch(() => undefined)
    if (!st?.isFile() || st.size > CATALOG_MAX_BYTES) throw new RoostError('CATALOG_INVALID', `${where} is missing or too large: the record of set ${id} is damaged`, { hint: `restore it from any disc of set ${id} (CATALOG.json and CATALOG.json.sig)` })
    const signed: SignedCatalog = { bytes: await fs.readFile(where), signature: await fs.readFile(join(dir, id, CATALOG_SIG_FILE), 'utf8').catch(() => '') }
    const catalog = openCatalog(signed, key, where)
    if (catalog.set !== id) throw new RoostError('CATALOG_INVALID', `${where} is the catalog of set ${catalog.set}, not ${id}`)
    out.push(catalog)
  }
  return out
}

/** Records a set once its images are written (the record is what `--new-only` trusts). */
export async function recordSet(state: string, id: string, signed: SignedCatalog): Promise<void> {
  await ensureDir(setsDir(state), 0o700)
  const dir = join(setsDir(state), id)
  await fs.mkdir(dir, { mode: 0o700 })
  await writeFileAtomic(join(dir, CATALOG_SIG_FILE), signed.signature, 0o600)
  await writeFileAtomic(join(dir, CATALOG_FILE), signed.bytes, 0o600)
  await fsyncPath(dir)
}
