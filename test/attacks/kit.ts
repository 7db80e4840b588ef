/**
 * Shared plumbing for the attack suites: a private scratch folder made with fs.mkdtemp (servers
 * outlive t.testdir(), which tap removes before teardown), a fingerprint of a folder (every
 * entry's type, mode and sha256) to prove nothing changed, and hostile archives written member
 * by member (names, types and link targets GNU tar would never write) stored as a signed
 * generation in a store folder.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, createWriteStream, openSync, promises as fs, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { TarOut } from '../../lib/export/tar-writer.js'
import { countListingLine, emptyCounts } from '../../lib/tar.js'
import { compressArgs } from '../../lib/zstd.js'
import { renderManifest, signManifest, type UnsignedManifest } from '../../lib/formats/manifest.js'
import type { GenerationRecord } from '../../lib/formats/tree.js'
import type { PrivateKey } from '../../lib/sign.js'
import { initHub } from '../../hub/init.js'
import { addAccount } from '../../hub/add-account.js'
import { silentLogger } from '../../lib/log.js'
import { knownHostsLine } from '../../lib/ssh-client.js'
import { startHub, type RunningHub } from '../helpers/roost.js'

/**
 * Starts `hub serve` on the hub root made in `dir`, writes `dir/known_hosts` pinning its host
 * key, and registers one teardown (the hub stopped, then `dir` removed).
 */
export async function startPinnedHub(t: { teardown(fn: () => Promise<void>): void }, dir: string, hubRoot: string): Promise<{ hub: RunningHub; knownHosts: string }> {
  const knownHosts = join(dir, 'known_hosts')
  await fs.writeFile(knownHosts, knownHostsLine(await fs.readFile(join(hubRoot, 'keys', 'host_ed25519.pub'), 'utf8')))
  const hub = await startHub(hubRoot)
  t.teardown(async () => {
    await hub.stop()
    await fs.rm(dir, { recursive: true, force: true })
  })
  return { hub, knownHosts }
}

/** A fresh folder under the system temp folder (short paths: ustar names hold 100 bytes). */
export async function scratch(prefix: string): Promise<string> {
  return fs.mkdtemp(join(tmpdir(), `roost-${prefix}-`))
}

/** An ed25519 key pair made by ssh-keygen at `dir/name` (and `.pub`); returns the private key's path. */
export function sshKeygen(dir: string, name: string): string {
  const key = join(dir, name)
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', name, '-f', key])
  return key
}

/**
 * A hub root as `roost hub init` and `add-service`/`add-mirror` make it (in-process: faster than
 * four runs of the binary), with `limits` replacing hub.yaml's lines (`maxAuthTries: 2`…).
 * Returns the path of hub.yaml.
 */
export async function makeHubRoot(root: string, o: { services: Record<string, string>; mirrors?: Record<string, string>; limits?: Record<string, string> }): Promise<string> {
  await initHub({ dir: root, port: 0, host: '127.0.0.1', log: silentLogger(), now: new Date() })
  const configFile = join(root, 'hub.yaml')
  for (const [name, key] of Object.entries(o.services)) await addAccount({ configFile, kind: 'service', name, key })
  for (const [name, key] of Object.entries(o.mirrors ?? {})) await addAccount({ configFile, kind: 'mirror', name, key })
  let text = await fs.readFile(configFile, 'utf8')
  for (const [key, value] of Object.entries(o.limits ?? {})) {
    const next = text.replace(new RegExp(`^(\\s+${key}): .*$`, 'm'), `$1: ${value}`)
    if (next === text) throw new Error(`hub.yaml has no '${key}' line`)
    text = next
  }
  await fs.writeFile(configFile, text)
  return configFile
}

/** Every entry under `root`: relative path → type, mode (and sha256 for files, target for links). */
export async function fingerprint(root: string, skip: (rel: string) => boolean = () => false): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await fs.readdir(dir)).sort()) {
      const abs = join(dir, name)
      const rel = relative(root, abs)
      if (skip(rel)) continue
      const st = await fs.lstat(abs).catch(() => undefined)
      if (!st) continue // a temporary file the hub renamed meanwhile
      const mode = (st.mode & 0o7777).toString(8)
      if (st.isDirectory()) {
        out[rel + '/'] = `dir ${mode}`
        await walk(abs)
      } else if (st.isSymbolicLink()) out[rel] = `link -> ${await fs.readlink(abs)}`
      else if (st.isFile()) out[rel] = `file ${mode} ${createHash('sha256').update(await fs.readFile(abs)).digest('hex')}`
      else out[rel] = `other ${mode}`
    }
  }
  await walk(root)
  return out
}

/** One member of a hostile tar: a regular file by default; `type` is the ustar type flag. */
export interface Member {
  name: string
  type?: '0' | '1' | '2' | '3' | '4' | '5'
  linkname?: string
  data?: string
  mode?: number
}

/** Writes a ustar archive of exactly these members, in order. */
export async function writeTar(path: string, members: readonly Member[]): Promise<void> {
  const out = new TarOut(createWriteStream(path))
  const mtime = new Date('2026-11-20T03:00:00Z')
  for (const m of members) {
    const type = m.type ?? '0'
    await out.addBuffer({ name: m.name, mtime, type, mode: m.mode ?? (type === '5' ? 0o755 : 0o644), ...(m.linkname ? { linkname: m.linkname } : {}) }, Buffer.from(type === '0' ? (m.data ?? '') : ''))
  }
  await out.end()
}

function digest(path: string): { sha256: string; bytes: number } {
  const buf = readFileSync(path)
  return { sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length }
}

/**
 * Stores `tar` as store/<svc>/<gen>/ (data.tar.zst + a manifest the service's key signs, as the
 * hub keeps a generation) and returns its index record. The spoke that signed it is the
 * attacker: everything about the generation is valid but its content.
 */
export async function storeTar(store: string, service: string, generation: string, tar: string, key: PrivateKey, o: { parent?: string } = {}): Promise<GenerationRecord> {
  const dir = join(store, service, generation)
  await fs.mkdir(dir, { recursive: true })
  const counts = emptyCounts()
  const listing = execFileSync('tar', ['--list', '--verbose', '--quoting-style=escape', '--file', tar]).toString()
  for (const line of listing.split('\n')) countListingLine(counts, line)
  const d = digest(tar)
  counts.bytes = d.bytes
  const kind = o.parent ? 'incr' : 'full'
  const unsigned: UnsignedManifest = {
    format: 'roost/1', service, generation, kind, base: null, parent: o.parent ?? null,
    created: '2026-11-22T03:00:00.000Z', host: 'attacker', roost: '0.1.0', sources: [`/srv/${service}`], excludes: [], hooks: [],
    files: [{ name: 'data.tar', ...d }], compression: 'none', encryption: null, counts,
  }
  await fs.writeFile(join(dir, 'manifest.json'), renderManifest(signManifest(unsigned, key)))
  const inp = openSync(tar, 'r')
  const out = openSync(join(dir, 'data.tar.zst'), 'w')
  try {
    const [bin, ...args] = compressArgs()
    const r = spawnSync(bin!, args, { stdio: [inp, out, 'pipe'] })
    if (r.status !== 0) throw new Error(`zstd exited ${r.status}: ${r.stderr}`)
  } finally {
    closeSync(inp)
    closeSync(out)
  }
  return {
    service, generation, kind, accepted: '2026-11-22T03:01:00.000Z',
    files: { 'manifest.json': digest(join(dir, 'manifest.json')), 'data.tar.zst': digest(join(dir, 'data.tar.zst')) },
  }
}
