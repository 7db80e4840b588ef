/**
 * `roost restore --list`: the files of a generation as a restore would bring them back — the
 * effective state after replaying its chain — worked out by streaming each link's archive
 * through the same verification as a restore (so a forged copy is exit 3 here too) and
 * reading only its headers. Writes nothing but the fetch's temp files.
 */
import type { Logger } from '../log.js'
import { RoostError } from '../errors.js'
import type { StoreReader } from '../stores/store-reader.js'
import type { Selection } from './choose.js'
import { ChainState, type StateEntry } from './chain-state.js'
import type { MemberType } from './tar-headers.js'
import { archivePaths, within } from './paths.js'
import { replayChain, resolveTarget } from './restore.js'
import { identityFor } from './identity.js'

export interface ListOptions extends Selection {
  reader: StoreReader
  service: string
  /** Only entries at or below these absolute paths. */
  paths?: readonly string[]
  /** Opens an encrypted chain (`--identity`). */
  identity?: string
  log: Logger
}

/** One entry as listed: the path as it was on the source host. */
export interface ListedEntry {
  path: string
  type: MemberType
  /** Like ls: `-rw-r--r--`, `drwxr-xr-x`, `lrwxrwxrwx`, `hrw-r--r--` for a hardlink. */
  mode: string
  owner: string
  uid: number
  gid: number
  size: number
  /** UTC, to the nanosecond the archive holds. */
  mtime: string
  /** A symlink's target, or the path a hardlink shares its file with. */
  link?: string
  /** The generation whose archive holds this version. */
  generation: string
}

export interface ListResult {
  service: string
  generation: string
  source: string
  chain: string[]
  entries: ListedEntry[]
}

const TYPE_CHAR: Record<MemberType, string> = { file: '-', hardlink: 'h', symlink: 'l', dir: 'd', char: 'c', block: 'b', fifo: 'p', other: '?' }

/** `-rwsr-x--T` and friends, as ls prints them. Pure. */
export function modeString(type: MemberType, mode: number): string {
  const bit = (m: number, c: string): string => (mode & m ? c : '-')
  const x = (m: number, s: number, on: string, off: string): string => (mode & s ? (mode & m ? on : off) : bit(m, 'x'))
  return TYPE_CHAR[type] + bit(0o400, 'r') + bit(0o200, 'w') + x(0o100, 0o4000, 's', 'S') + bit(0o040, 'r') + bit(0o020, 'w') + x(0o010, 0o2000, 's', 'S') + bit(0o004, 'r') + bit(0o002, 'w') + x(0o001, 0o1000, 't', 'T')
}

/** An mtime in nanoseconds as ISO 8601 UTC, keeping only the digits of the fraction it has. Pure. */
export function formatMtime(ns: bigint): string {
  const sec = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n)
  const frac = (ns - sec * 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '')
  return new Date(Number(sec) * 1000).toISOString().replace(/\.000Z$/, frac ? `.${frac}Z` : 'Z')
}

function listed(e: StateEntry): ListedEntry {
  const out: ListedEntry = {
    path: `/${e.path}`, type: e.type, mode: modeString(e.type, e.mode), owner: `${e.uname || e.uid}/${e.gname || e.gid}`,
    uid: e.uid, gid: e.gid, size: e.size, mtime: formatMtime(e.mtimeNs), generation: e.generation,
  }
  if (e.linkname !== undefined) out.link = e.type === 'hardlink' ? `/${e.linkname}` : e.linkname
  return out
}

/** Lists a generation (default: the newest; or `at` a time) as its chain restores it. */
export async function listGeneration(o: ListOptions): Promise<ListResult> {
  const names = o.paths?.length ? archivePaths(o.paths) : undefined
  const { generation, chain } = await resolveTarget(o.reader, o.service, o)
  const identity = await identityFor(o.service, chain, o.identity)
  const state = new ChainState()
  await replayChain({ reader: o.reader, service: o.service, chain, state, log: o.log.child({ service: o.service, generation }), ...(identity ? { identity } : {}) })
  for (const n of names ?? []) {
    if (!state.has(n)) throw new RoostError('PATH_NOT_FOUND', `/${n} is not in ${o.service}/${generation}`)
  }
  const entries: ListedEntry[] = []
  for (const e of state.entries()) if (!names || within(e.path, names)) entries.push(listed(e))
  return { service: o.service, generation, source: o.reader.source, chain: chain.map(l => l.generation), entries }
}

/** Control characters and backslashes escaped, so one entry is one line. Pure. */
export function escapeName(s: string): string {
  return s.replace(/[\\\x00-\x1f\x7f]/g, c => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
}

/** `mode owner size mtime path` lines, sizes and owners aligned. Pure. */
export function renderListing(r: ListResult): string {
  const ow = r.entries.reduce((n, e) => Math.max(n, e.owner.length), 0)
  const sw = r.entries.reduce((n, e) => Math.max(n, String(e.size).length), 0)
  const lines = r.entries.map(e => {
    const name = escapeName(e.path) + (e.type === 'dir' ? '/' : '')
    const link = e.link === undefined ? '' : e.type === 'symlink' ? ` -> ${escapeName(e.link)}` : ` link to ${escapeName(e.link)}`
    return `${e.mode} ${e.owner.padEnd(ow)} ${String(e.size).padStart(sw)} ${e.mtime} ${name}${link}`
  })
  return lines.join('\n')
}
