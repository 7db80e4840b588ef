/**
 * Test kit for the hub's ingest: a hub layout with a hub.yaml, keys from ssh-keygen, real
 * tar archives of a fixture tree with their counts, signed manifests, arrivals placed
 * straight into accounts/<svc>/incoming/<generation>/, and a fingerprint of store/. For
 * encrypted services: age identities from age-keygen and tars sealed as the spoke seals them
 * (tar → zstd → age, with the real tools).
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs'
import { join, relative } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { run } from '../../../lib/proc/run.js'
import { startChild } from '../../../lib/proc/pipe.js'
import { createArgs, listArgs, ListingCounter, TAR_CREATE_OK } from '../../../lib/tar.js'
import { hashFile } from '../../../lib/fsx/hash.js'
import { parsePrivateKey, type PrivateKey } from '../../../lib/sign.js'
import { dumpYaml } from '../../../lib/config/load.js'
import { loadHubConfig, type HubConfig, type HubPaths } from '../../../lib/config/hub.js'
import { signManifest, renderManifest, type Counts, type Manifest, type UnsignedManifest } from '../../../lib/formats/manifest.js'
import { makeServiceTree } from '../../helpers/fixtures.js'
import { compressArgs } from '../../../lib/zstd.js'
import { encryptArgs, recipientFingerprint } from '../../../lib/age.js'
import { TolerantSink } from '../../../lib/proc/pipe.js'

export interface TestKey {
  key: PrivateKey
  line: string
  path: string
}

/** A fresh ed25519 key made by ssh-keygen. */
export async function keygen(dir: string, name: string): Promise<TestKey> {
  await fs.mkdir(dir, { recursive: true })
  const path = join(dir, name)
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path])
  return { key: parsePrivateKey(await fs.readFile(path, 'utf8'), path), line: (await fs.readFile(`${path}.pub`, 'utf8')).trim(), path }
}

export interface ServiceSpec {
  key: string
  quota?: string
  every?: string
  /** hub.yaml `services.<svc>.retention` (any subset of keepLast, daily, weekly, monthly, yearly, archive, burst). */
  retention?: Record<string, number | string>
}

export interface TestHub {
  root: string
  paths: HubPaths
  config: HubConfig
  indexKey: TestKey
  /** Rewrites hub.yaml with these services (creating their incoming) and reloads `config`. */
  setServices(services: Record<string, ServiceSpec>, mirrors?: Record<string, { key: string }>): Promise<void>
}

/** A hub root laid out as `hub init` would, with an index key and the given services. */
export async function makeHub(root: string, services: Record<string, ServiceSpec>, mirrors: Record<string, { key: string }> = {}): Promise<TestHub> {
  for (const d of ['accounts', 'store', 'rejected', 'staging', 'state', 'keys']) await fs.mkdir(join(root, d), { recursive: true, mode: 0o700 })
  const indexKey = await keygen(join(root, 'keys'), 'index_ed25519')
  const hub: TestHub = {
    root,
    indexKey,
    paths: undefined as unknown as HubPaths,
    config: undefined as unknown as HubConfig,
    async setServices(s, m = mirrors) {
      for (const name of Object.keys(s)) await fs.mkdir(join(root, 'accounts', name, 'incoming'), { recursive: true })
      await fs.writeFile(join(root, 'hub.yaml'), dumpYaml({ services: s, mirrors: m }))
      const loaded = await loadHubConfig(join(root, 'hub.yaml'))
      hub.paths = loaded.paths
      hub.config = loaded.config
    },
  }
  await hub.setServices(services, mirrors)
  return hub
}

export interface TestTar {
  path: string
  sha256: string
  bytes: number
  counts: Counts
}

/** Counts of a tar file, from `tar --list --verbose`. */
export async function countTar(path: string): Promise<Counts> {
  const counter = new ListingCounter()
  const tar = startChild(listArgs(), { stdout: counter })
  // tar may stop reading at the end-of-archive blocks: a lenient sink drops the rest
  await pipeline(createReadStream(path), new TolerantSink(tar.stdin!))
  await tar.done
  return counter.counts
}

/** A real tar of a fixture tree (small: tests stay fast). */
export async function makeTar(dir: string, seed: string, largeBytes = 64 * 1024): Promise<TestTar> {
  const src = join(dir, `src-${seed}`)
  await makeServiceTree(src, { seed, largeBytes })
  const path = join(dir, `${seed}.tar`)
  const tar = startChild(createArgs({ sources: [src] }), { stdin: 'ignore', stdout: createWriteStream(path), okCodes: TAR_CREATE_OK })
  await tar.done
  const d = await hashFile(path)
  const counts = await countTar(path)
  return { path, sha256: d.sha256, bytes: d.bytes, counts: { ...counts, bytes: d.bytes } }
}

/** An unsigned manifest for a tar, with overrides. */
export function manifestFor(service: string, generation: string, tar: Pick<TestTar, 'sha256' | 'bytes' | 'counts'>, over: Partial<UnsignedManifest> = {}): UnsignedManifest {
  return {
    format: 'roost/1',
    service,
    generation,
    kind: 'full',
    base: null,
    parent: null,
    created: '2026-11-22T03:00:00.000Z',
    host: 'test-host',
    roost: '0.1.0',
    sources: ['/srv/test'],
    excludes: [],
    hooks: [],
    files: [{ name: 'data.tar', bytes: tar.bytes, sha256: tar.sha256 }],
    compression: 'none',
    encryption: null,
    counts: tar.counts,
    ...over,
  }
}

/** A signed manifest, rendered as the spoke writes it. */
export function signedManifest(key: TestKey, m: UnsignedManifest): { manifest: Manifest; text: string } {
  const manifest = signManifest(m, key.key)
  return { manifest, text: renderManifest(manifest) }
}

/** An age identity made by age-keygen, and its recipient (`age1…`). */
export interface AgeKey {
  identity: string
  recipient: string
}

/** A fresh age identity (mode 0600) made by the real age-keygen. */
export async function ageKeygen(dir: string, name: string): Promise<AgeKey> {
  await fs.mkdir(dir, { recursive: true })
  const identity = join(dir, name)
  await run(['age-keygen', '-o', identity])
  return { identity, recipient: (await run(['age-keygen', '-y', identity])).stdout.trim() }
}

export interface SealedTar {
  path: string
  sha256: string
  bytes: number
}

/** `tar` → `zstd` → `age -r …` into `out`, as an encrypted spoke makes its data.tar.zst.age. */
export async function sealTar(tar: string, out: string, recipients: readonly string[]): Promise<SealedTar> {
  const age = startChild(encryptArgs(recipients), { stdout: createWriteStream(out, { flags: 'wx' }) })
  const zstd = startChild(compressArgs(), { stdout: age.stdin! })
  await Promise.all([pipeline(createReadStream(tar), zstd.stdin!), zstd.done, age.done])
  return { path: out, ...(await hashFile(out)) }
}

/** An unsigned manifest for an encrypted generation: the ciphertext's hash, the tar's counts, recipients by fingerprint. */
export function encryptedManifestFor(service: string, generation: string, tar: Pick<TestTar, 'counts'>, sealed: Pick<SealedTar, 'sha256' | 'bytes'>, recipients: readonly string[], over: Partial<UnsignedManifest> = {}): UnsignedManifest {
  return manifestFor(service, generation, { sha256: sealed.sha256, bytes: sealed.bytes, counts: tar.counts }, {
    files: [{ name: 'data.tar.zst.age', bytes: sealed.bytes, sha256: sealed.sha256 }],
    compression: 'zstd',
    encryption: { recipients: recipients.map(recipientFingerprint) },
    ...over,
  })
}

export interface PlaceOptions {
  /** The tar to upload as data.tar (omit for none). */
  tar?: string
  /** The ciphertext to upload as data.tar.zst.age (omit for none). */
  sealed?: string
  /** manifest.json's content, written last (via a dot temp name, as rsync does). */
  manifest: string | Buffer
  /** Other files to put in the folder first. */
  extra?: Record<string, string>
}

/** Places an upload into accounts/<svc>/incoming/<folder>/ as a spoke's rsync would. */
export async function placeArrival(paths: HubPaths, service: string, folder: string, o: PlaceOptions): Promise<string> {
  const dir = join(paths.accounts, service, 'incoming', folder)
  await fs.mkdir(dir, { recursive: true })
  if (o.tar) await fs.copyFile(o.tar, join(dir, 'data.tar'))
  if (o.sealed) await fs.copyFile(o.sealed, join(dir, 'data.tar.zst.age'))
  for (const [name, text] of Object.entries(o.extra ?? {})) await fs.writeFile(join(dir, name), text)
  const tmp = join(dir, '.manifest.json.Xy12Ab')
  await fs.writeFile(tmp, o.manifest)
  await fs.rename(tmp, join(dir, 'manifest.json'))
  return dir
}

const SKIP = new Set(['TREE.json', 'TREE.json.sig', 'status.json'])

/** Every entry under store/ with its type, mode and content hash (TREE.json, its .sig and status.json left out). */
export async function fingerprintStore(store: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const visit = async (dir: string): Promise<void> => {
    for (const name of (await fs.readdir(dir)).sort()) {
      const abs = join(dir, name)
      const rel = relative(store, abs)
      const st = await fs.lstat(abs)
      const mode = (st.mode & 0o7777).toString(8)
      if (st.isDirectory()) {
        out[rel + '/'] = `dir ${mode}`
        await visit(abs)
      } else if (!SKIP.has(rel.split('/').pop()!)) {
        out[rel] = st.isFile() ? `file ${mode} ${(await hashFile(abs)).sha256}` : `other ${mode}`
      }
    }
  }
  await visit(store)
  return out
}

/** Polls until `fn` is truthy (fails after `ms`). */
export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 25))
  }
}

/** True once a path no longer exists. */
export async function gone(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => false, () => true)
}
