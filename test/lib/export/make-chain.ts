/**
 * Test plumbing for export and import: a store folder holding a real chain — a full, then
 * incrs made with GNU tar's --listed-incremental after changing the source (files changed,
 * added, deleted) — with signed manifests, data.tar.zst and a signed TREE.json, laid out the
 * way the hub stores it. The uncompressed tars stay beside it for comparisons. With `encrypt`
 * (an age key) each link is stored as an encrypted service's: data.tar.zst.age, sealed with
 * the real zstd and age, and a manifest naming the ciphertext.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { startChild } from '../../../lib/proc/pipe.js'
import { createArgs, TAR_CREATE_OK } from '../../../lib/tar.js'
import { compressArgs } from '../../../lib/zstd.js'
import { hashFile } from '../../../lib/fsx/hash.js'
import { renderManifest, signManifest } from '../../../lib/formats/manifest.js'
import type { GenerationRecord } from '../../../lib/formats/tree.js'
import type { PrivateKey } from '../../../lib/sign.js'
import { makeServiceTree } from '../../helpers/fixtures.js'
import { countTar, encryptedManifestFor, manifestFor, sealTar, type AgeKey } from '../../hub/ingest/kit.js'
import { makeKey, publishStore } from '../stores/make-store.js'

export interface ChainStore {
  /** The store folder (store/<svc>/<gen>/…, TREE.json). */
  store: string
  /** The source tree as it is after the last generation. */
  src: string
  service: string
  /** Generation ids, oldest first: a full, then incrs. */
  gens: string[]
  /** The uncompressed tar of each generation. */
  tars: Record<string, string>
  key: PrivateKey & { path: string }
  indexKey: PrivateKey & { path: string }
  records: GenerationRecord[]
  /** The age key every link is encrypted to (an encrypted service), or undefined. */
  age?: AgeKey
}

/** `20261122T030000Z-full`, `20261123T030000Z-incr`, …: one a day. */
export function chainIds(links: number): string[] {
  return Array.from({ length: links }, (_, i) => `202611${String(22 + i).padStart(2, '0')}T030000Z-${i === 0 ? 'full' : 'incr'}`)
}

/** Day `i`'s changes: a file changed, one added, one deleted, one renamed. */
async function change(src: string, i: number): Promise<void> {
  await fs.appendFile(join(src, 'config', 'app.ini'), `changed=day${i}\n`)
  await fs.writeFile(join(src, 'data', `new-day${i}.txt`), `new on day ${i}\n`)
  await fs.rm(join(src, 'sessions', `sess_${String(i).padStart(3, '0')}`))
  await fs.rename(join(src, 'sessions', `sess_${String(10 + i).padStart(3, '0')}`), join(src, 'sessions', `renamed-day${i}`))
}

async function tarInto(src: string, snapshot: string, out: string): Promise<void> {
  const tar = startChild(createArgs({ sources: [src], snapshot }), { stdin: 'ignore', stdout: createWriteStream(out), okCodes: TAR_CREATE_OK })
  await tar.done
}

async function compress(tar: string, out: string): Promise<void> {
  const z = startChild(compressArgs(), { stdout: createWriteStream(out) })
  await pipeline(createReadStream(tar), z.stdin!)
  await z.done
}

/** Writes one generation of `src` into the store (manifest signed by `key`) and returns its books record. */
async function storeGeneration(c: ChainStore, work: string, gen: string, parent: string | null, snapshot: string): Promise<GenerationRecord> {
  const tar = join(work, `${gen}.tar`)
  await tarInto(c.src, snapshot, tar)
  const d = await hashFile(tar)
  const counts = { ...(await countTar(tar)), bytes: d.bytes }
  const dir = join(c.store, c.service, gen)
  await fs.mkdir(dir, { recursive: true })
  const chain = { kind: parent ? ('incr' as const) : ('full' as const), parent, sources: [c.src] }
  let archive = 'data.tar.zst'
  let unsigned = manifestFor(c.service, gen, { ...d, counts }, chain)
  if (c.age) {
    archive = 'data.tar.zst.age'
    const sealed = await sealTar(tar, join(dir, archive), [c.age.recipient])
    unsigned = encryptedManifestFor(c.service, gen, { counts }, sealed, [c.age.recipient], chain)
  } else {
    await compress(tar, join(dir, archive))
  }
  await fs.writeFile(join(dir, 'manifest.json'), renderManifest(signManifest(unsigned, c.key)))
  c.tars[gen] = tar
  return {
    service: c.service, generation: gen, kind: parent ? 'incr' : 'full', accepted: '2026-11-22T03:01:00.000Z',
    files: { 'manifest.json': await hashFile(join(dir, 'manifest.json')), [archive]: await hashFile(join(dir, archive)) },
  }
}

/** A store folder with a chain of `links` generations (a full and links-1 incrs) of a fixture tree, encrypted to `o.age` when given. */
export async function makeChainStore(dir: string, links = 3, service = 'wiki', o: { age?: AgeKey; largeBytes?: number } = {}): Promise<ChainStore> {
  const work = join(dir, 'work')
  await fs.mkdir(work, { recursive: true })
  const c: ChainStore = {
    store: join(dir, 'store'), src: join(dir, 'src', service), service, gens: chainIds(links), tars: {}, records: [],
    key: await makeKey(work, `spoke-${service}`), indexKey: await makeKey(work, 'index_ed25519'), ...(o.age ? { age: o.age } : {}),
  }
  await makeServiceTree(c.src, { seed: service, largeBytes: o.largeBytes ?? 1536 * 1024 })
  for (const [i, gen] of c.gens.entries()) {
    const snapshot = join(work, `${gen}.snar`)
    if (i > 0) {
      await change(c.src, i)
      await fs.copyFile(join(work, `${c.gens[i - 1]}.snar`), snapshot)
    }
    c.records.push(await storeGeneration(c, work, gen, i === 0 ? null : c.gens[i - 1]!, snapshot))
  }
  await publishStore(c.store, c.records, { [service]: c.key.public.line }, 1, c.indexKey)
  return c
}
