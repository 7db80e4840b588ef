/**
 * Restores a generation of a service, with its whole chain, from any store reader into a
 * target folder. Order of trust: every manifest of the chain is read and verified first
 * (signature, index hash) and the chain is resolved from them alone; then each link, oldest
 * first, is fetched, its manifest checked to be the same bytes, and its archive verified and
 * extracted in one streaming pass (stored sha256 against the index, tar sha256 against the
 * manifest) into ONE staging folder inside the target, then its fetch is cleaned up. Only
 * after every link passed is anything moved into place; on any failure the staging folder is
 * removed and the target is as it was.
 */
import { removeTree } from '../fsx/atomic.js'
import { progress } from '../progress.js'
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Logger } from '../log.js'
import { RoostError, isRoostError } from '../errors.js'
import { assertName, isGenerationId } from '../formats/names.js'
import { ARCHIVE, ENCRYPTED_ARCHIVE, storedArchiveName } from '../layout.js'
import type { FetchedGeneration, StoreReader } from '../stores/store-reader.js'
import { checkSealed, passArchive, type ExtractExpectations } from './extract.js'
import { identityFor } from './identity.js'
import { moveInto, parentFolders } from './move-into.js'
import { choose, type Selection } from './choose.js'
import { readChain, verifiedLink, type VerifiedLink } from './read-chain.js'
import { ChainState } from './chain-state.js'
import { sameShape } from './compare-state.js'
import { archivePaths, countTree, pruneTo } from './paths.js'
import { parkLinks, unparkLinks } from './park-links.js'
import { sanitizeTree } from './sanitize.js'

export { chooseGeneration } from './choose.js'

export interface RestoreOptions extends Selection {
  reader: StoreReader
  service: string
  /** The target folder; archives hold paths relative to /, so `/srv/wiki` lands in `TO/srv/wiki`. */
  to: string
  /** Restore into a non-empty target (entries of the same name are replaced or merged). */
  force?: boolean
  /** Restore only these absolute paths (as on the source host), files or folders. */
  paths?: readonly string[]
  /** Fed every member of the chain: its effective state, for drills (not with `paths`). */
  state?: ChainState
  /** The age identity file that opens an encrypted service's archives (`--identity`). */
  identity?: string
  /** Keep set-user-ID/set-group-ID bits on files (`--keep-setuid`); cleared otherwise. */
  keepSetuid?: boolean
  /** Keep character and block device nodes (`--keep-devices`); left out otherwise. */
  keepDevices?: boolean
  log: Logger
}

export interface RestoreResult {
  service: string
  generation: string
  kind: string
  source: string
  to: string
  /** The generations replayed, oldest first. */
  chain: string[]
  /** Entries restored (files, folders, links), and regular files among them. */
  entries: number
  files: number
  /** Bytes of the (uncompressed) tars that were verified and replayed. */
  bytes: number
  /** The paths asked for with --path, when given. */
  paths?: string[]
  /** Files whose setuid/setgid bits were cleared, and device nodes left out (not asked to keep them). */
  setuidCleared: string[]
  devicesLeftOut: string[]
}

/** Makes sure the target exists and is empty (unless forced); returns its absolute path. */
export async function prepareTarget(to: string, force: boolean): Promise<string> {
  const abs = resolve(to)
  const st = await fs.lstat(abs).catch(() => undefined)
  if (!st) {
    await fs.mkdir(abs, { recursive: true, mode: 0o700 })
    return abs
  }
  if (!st.isDirectory()) throw new RoostError('USAGE', `--to ${abs} exists and is not a folder`)
  if (!force && (await fs.readdir(abs)).length > 0) {
    throw new RoostError('TARGET_NOT_EMPTY', `--to ${abs} is not empty; refusing to restore over it`, { hint: 'choose an empty folder, or pass --force to restore over what is there' })
  }
  return abs
}

/** The generation a selection means and its verified chain, oldest first. */
export async function resolveTarget(reader: StoreReader, service: string, sel: Selection): Promise<{ generation: string; chain: VerifiedLink[] }> {
  assertName(service, 'service')
  if (sel.generation !== undefined && !isGenerationId(sel.generation)) {
    throw new RoostError('USAGE', `'${sel.generation}' is not a generation id like 20261122T030000Z-full`)
  }
  const available = await reader.listGenerations(service)
  const generation = choose(available, sel, service, reader.source)
  return { generation, chain: await readChain(reader, service, generation, available) }
}

export interface ReplayOptions {
  reader: StoreReader
  service: string
  chain: readonly VerifiedLink[]
  /** Extract into this folder; without it the archives are only verified and read. */
  into?: string
  /** Archive names to extract (see archivePaths). */
  names?: readonly string[]
  /** Fed every member of every link, to work out the chain's effective state. */
  state?: ChainState
  /** Opens encrypted links (checked by `identityFor` before the replay). */
  identity?: string
  log: Logger
}

/** What a link's archive must be, from its verified manifest and the source's index. */
function expectationsFor(link: VerifiedLink, label: string, expected: Record<string, { bytes: number; sha256: string }> | undefined, identity: string | undefined): ExtractExpectations {
  const m = link.manifest
  const stored = expected?.[storedArchiveName(m)]
  const indexed = stored ? { stored } : {}
  if (m.encryption) {
    const file = m.files.find(f => f.name === ENCRYPTED_ARCHIVE)
    if (!file) throw new RoostError('MANIFEST_INVALID', `${label}: the manifest of an encrypted generation lists no ${ENCRYPTED_ARCHIVE}`)
    if (identity === undefined) throw new RoostError('IDENTITY_REQUIRED', `${label} is encrypted; pass --identity FILE`)
    return { label, sealed: { file, tarBytes: m.counts.bytes, identity }, ...indexed }
  }
  const tar = m.files.find(f => f.name === ARCHIVE)
  if (!tar) throw new RoostError('MANIFEST_INVALID', `${label}: the manifest lists no ${ARCHIVE}`)
  return { label, tar, ...indexed }
}

/**
 * Fetches each link of the chain in turn, checks its manifest is the one the chain was
 * resolved from, hands the fetch to `fn`, and cleans the fetch up. Sums what `fn` returns.
 */
async function eachFetchedLink(o: Pick<ReplayOptions, 'reader' | 'service' | 'chain'>, fn: (link: VerifiedLink, fetched: FetchedGeneration, label: string) => Promise<number>): Promise<number> {
  let bytes = 0
  const shown = progress('restore')
  try {
    for (const [i, link] of o.chain.entries()) {
      const label = `${o.service}/${link.generation}`
      shown.update(`${label}, link`, i + 1, o.chain.length, 'items')
      const fetched = await o.reader.fetch(o.service, link.generation)
      try {
        const again = await verifiedLink(fetched, o.reader, o.service, link.generation)
        if (!again.bytes.equals(link.bytes)) throw new RoostError('MANIFEST_INVALID', `${label}: the manifest changed while it was read`, { hint: 'the source changed under the restore or check; run it again' })
        bytes += await fn(again, fetched, label)
      } finally {
        await fetched.cleanup()
      }
    }
  } finally {
    shown.end()
  }
  return bytes
}

/**
 * Checks every link's stored archive against its signed manifest and the index without
 * opening it: for an encrypted chain when no identity is at hand (the hub's drill).
 * Returns the bytes of ciphertext checked.
 */
export async function checkChainSealed(o: Omit<ReplayOptions, 'into' | 'names' | 'state' | 'identity'>): Promise<number> {
  return eachFetchedLink(o, async (link, fetched, label) => {
    const name = storedArchiveName(link.manifest)
    const file = link.manifest.encryption ? link.manifest.files.find(f => f.name === ENCRYPTED_ARCHIVE) : undefined
    if (!file) throw new RoostError('USAGE', `${label} is not encrypted: restore it to check it`)
    const stored = fetched.expected?.[name]
    const d = await checkSealed(join(fetched.dir, name), { label, file, ...(stored ? { stored } : {}) })
    o.log.info({ generation: link.generation }, 'ciphertext verified')
    return d.bytes
  })
}

/**
 * Replays the chain: fetches one link at a time, checks its manifest is the one the chain was
 * resolved from, verifies and (when `into` is given) extracts its archive, cleans the fetch up.
 * Returns the bytes of tar verified.
 */
export async function replayChain(o: ReplayOptions): Promise<number> {
  let links = 0
  return eachFetchedLink(o, async (link, fetched, label) => {
    const expect = expectationsFor(link, label, fetched.expected, o.identity)
    const state = o.state
    // symlinks earlier links left are parked while a later one extracts: never written through
    const parking = o.into && links++ > 0 ? await parkLinks(o.into, `${o.into}.links`) : undefined
    try {
      const digest = await passArchive(join(fetched.dir, storedArchiveName(link.manifest)), expect, {
        ...(o.into ? { into: o.into, sameOwner: process.getuid?.() === 0 } : {}),
        ...(o.names ? { paths: o.names } : {}),
        ...(state ? { onMember: m => state.apply(m, link.generation) } : {}),
      })
      if (parking) await unparkLinks(o.into!, parking)
      o.log.info({ generation: link.generation, bytes: digest.bytes }, o.into ? 'archive verified and extracted' : 'archive verified and read')
      return digest.bytes
    } finally {
      if (parking) await removeTree(parking.dir)
    }
  })
}

/**
 * A replay limited to `names` (tar's member selection, so only what was asked for is
 * written). Each name must exist at the generation (PATH_NOT_FOUND), and the staged paths
 * must hold exactly what the chain says. Selection cannot replay everything: a folder renamed
 * inside a requested path is renamed by tar only when extracting its parent, and a hardlink
 * to a file outside the request cannot be made. Then the whole chain is replayed and what was
 * not asked for pruned. Returns the bytes of tar in the replay that was kept.
 */
async function replayPaths(o: ReplayOptions & { into: string; names: readonly string[] }, generation: string): Promise<number> {
  const notFound = (n: string): RoostError =>
    new RoostError('PATH_NOT_FOUND', `/${n} is not in ${o.service}/${generation}`, { hint: `roost restore ${o.service} ${generation} --list shows what it holds` })
  let bytes = 0
  let why: string | undefined
  try {
    const state = new ChainState()
    bytes = await replayChain({ ...o, state })
    for (const n of o.names) if (!state.has(n)) throw notFound(n)
    for (const n of o.names) if (!why && !(await sameShape(o.into, state, n))) why = `a folder inside /${n} was renamed`
  } catch (err) {
    if (!isRoostError(err, 'TAR_FAILED')) throw err
    why = err.hint ? `${err.message}: ${err.hint.split('\n')[0]}` : err.message
  }
  if (why) {
    o.log.warn({ why }, 'a restore of only some paths needs the whole chain: replaying it')
    await removeTree(o.into)
    await fs.mkdir(o.into, { mode: 0o700 })
    const state = new ChainState()
    bytes = await replayChain({ reader: o.reader, service: o.service, chain: o.chain, into: o.into, state, log: o.log, ...(o.identity ? { identity: o.identity } : {}) })
    for (const n of o.names) if (!state.has(n)) throw notFound(n)
    await pruneTo(o.into, o.names)
  }
  for (const n of o.names) if (!(await fs.lstat(join(o.into, n)).catch(() => undefined))) throw notFound(n)
  return bytes
}

/**
 * Restores a generation (default: the newest; or `at` a time) with its chain into `to`.
 * Refuses a non-empty target unless forced (TARGET_NOT_EMPTY, exit 2); a broken chain is
 * CHAIN_BROKEN; a bad signature or hash is exit 3, always with the target as it was.
 */
export async function restoreGeneration(o: RestoreOptions): Promise<RestoreResult> {
  const names = o.paths?.length ? archivePaths(o.paths) : undefined
  const to = await prepareTarget(o.to, o.force ?? false)
  const { generation, chain } = await resolveTarget(o.reader, o.service, o)
  const identity = await identityFor(o.service, chain, o.identity)
  const log = o.log.child({ service: o.service, generation })
  log.info({ source: o.reader.source, chain: chain.map(l => l.generation) }, 'chain resolved from signed manifests')
  const target = chain.at(-1)!.manifest
  const staging = join(to, `.roost-restore-${randomBytes(6).toString('hex')}`)
  await fs.mkdir(staging, { mode: 0o700 })
  try {
    const base = { reader: o.reader, service: o.service, chain, into: staging, log, ...(identity ? { identity } : {}) }
    const bytes = names ? await replayPaths({ ...base, names }, generation) : await replayChain({ ...base, ...(o.state ? { state: o.state } : {}) })
    const parents = parentFolders([...target.sources, ...(names ?? []).map(n => `/${n}`)])
    const sanitized = await sanitizeTree(staging, { keepSetuid: o.keepSetuid ?? false, keepDevices: o.keepDevices ?? false })
    if (sanitized.setuidCleared.length || sanitized.devicesLeftOut.length) log.warn({ setuidCleared: sanitized.setuidCleared.length, devicesLeftOut: sanitized.devicesLeftOut.length }, 'setuid bits cleared and device nodes left out (--keep-setuid, --keep-devices keep them)')
    const counted = await countTree(staging, parents)
    await moveInto(staging, to, parents)
    return { service: o.service, generation, kind: target.kind, source: o.reader.source, to, chain: chain.map(l => l.generation), ...counted, bytes, ...(names ? { paths: names.map(n => `/${n}`) } : {}), ...sanitized }
  } finally {
    // a cleanup failure is logged, never allowed to hide why the restore failed
    await removeTree(staging).catch(err => log.error({ err, staging }, 'could not remove the restore staging folder'))
  }
}
