/**
 * The export file (format `roost-export/1`): one POSIX tar a person can carry, holding
 * `roost-export.json` first, then `<generation>/manifest.json` and the link's stored archive
 * (`<generation>/data.tar.zst`, or `<generation>/data.tar.zst.age` for an encrypted service,
 * copied as the store holds it) for every link of a generation's chain, oldest (the full)
 * first — regular files only, no folders, no links. This module is pure: the schema of roost-export.json, the member names
 * an export must hold, and the checks of a `tar --list --verbose` listing against them.
 */
import { z } from 'zod'
import { RoostError } from '../errors.js'
import { GENERATION_RE, NAME_RE } from '../formats/names.js'
import { describeIssues, MANIFEST_MAX_BYTES } from '../formats/manifest.js'
import { ENCRYPTED_ARCHIVE, MANIFEST, STORED_ARCHIVE } from '../layout.js'

export const EXPORT_FORMAT = 'roost-export/1'
/** The first member of every export. */
export const EXPORT_INFO = 'roost-export.json'
export const EXPORT_INFO_MAX_BYTES = 64 * 1024
/** The longest chain an export may carry (a full and its diffs/incrs). */
export const EXPORT_CHAIN_MAX = 1000

export const ExportInfoSchema = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  service: z.string().regex(NAME_RE),
  /** The generation exported; the last link of `chain`. */
  generation: z.string().regex(GENERATION_RE),
  /** Every generation the export holds, oldest first: a full, then what builds on it. */
  chain: z.array(z.string().regex(GENERATION_RE)).min(1).max(EXPORT_CHAIN_MAX),
  /** When the export was written (the exporting host's clock; informational). */
  created: z.iso.datetime(),
  /** The service's public key line the exporter verified the manifests with. Informational: an importer trusts its own registration. */
  key: z.string().max(256),
  /** The roost version that wrote the export. */
  roost: z.string().max(64),
})

export type ExportInfo = z.infer<typeof ExportInfoSchema>

/** roost-export.json as written into an export. */
export function renderExportInfo(info: ExportInfo): Buffer {
  return Buffer.from(JSON.stringify(ExportInfoSchema.parse(info), null, 2) + '\n')
}

/** Parses and checks roost-export.json. Throws EXPORT_INVALID naming `where`. */
export function parseExportInfo(text: string, where: string): ExportInfo {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new RoostError('EXPORT_INVALID', `${where}: ${EXPORT_INFO} is not JSON`, { cause: err })
  }
  const r = ExportInfoSchema.safeParse(raw)
  if (!r.success) throw new RoostError('EXPORT_INVALID', `${where}: ${EXPORT_INFO}: ${describeIssues(r.error.issues)}`)
  const info = r.data
  const sorted = info.chain.every((g, i) => i === 0 || info.chain[i - 1]! < g)
  if (!sorted) throw new RoostError('EXPORT_INVALID', `${where}: ${EXPORT_INFO}: the chain is not in order, oldest first, without repeats`)
  if (info.chain.at(-1) !== info.generation) throw new RoostError('EXPORT_INVALID', `${where}: ${EXPORT_INFO}: the chain does not end with ${info.generation}`)
  if (!info.chain[0]!.endsWith('-full')) throw new RoostError('EXPORT_INVALID', `${where}: ${EXPORT_INFO}: the chain does not start with a full`)
  return info
}

/** The names a link's archive may have in an export: as the store holds it, plain or encrypted. */
export const EXPORT_ARCHIVES: readonly string[] = [STORED_ARCHIVE, ENCRYPTED_ARCHIVE]

/**
 * The member names an export of `chain` holds, in order; `archiveOf` names each link's archive
 * (its `storedArchiveName`; data.tar.zst by default). Pure.
 */
export function exportMembers(chain: readonly string[], archiveOf: (generation: string) => string = () => STORED_ARCHIVE): string[] {
  return [EXPORT_INFO, ...chain.flatMap(g => [`${g}/${MANIFEST}`, `${g}/${archiveOf(g)}`])]
}

/** One member as `tar --list --verbose` shows it. */
export interface ListedMember {
  /** tar's type letter: '-' regular file, 'd' folder, 'l' symlink, 'h' hard link, … */
  type: string
  size: number
  name: string
}

const LISTING_RE = /^(\S)\S*\s+\d+\/\d+\s+(\d+)\s+\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?\s(.*)$/
/** `roost-export.json`, `<generation>/manifest.json`, `<generation>/data.tar.zst` or `<generation>/data.tar.zst.age`. */
const MEMBER_RE = /^(?:roost-export\.json|\d{8}T\d{6}Z-(?:full|diff|incr)\/(?:manifest\.json|data\.tar\.zst(?:\.age)?))$/

/** One line of `tar --list --verbose --numeric-owner --full-time --quoting-style=escape`. Throws EXPORT_INVALID. */
export function parseListingLine(line: string, where: string): ListedMember {
  const m = LISTING_RE.exec(line)
  if (!m) throw new RoostError('EXPORT_INVALID', `${where}: unexpected member '${line.slice(0, 200)}': an export holds regular files only`)
  const type = m[1]!
  // tar shows a link as `name -> target` or `name link to target`; only the name matters here
  const name = type === 'l' ? m[3]!.replace(/ -> .*$/, '') : type === 'h' ? m[3]!.replace(/ link to .*$/, '') : m[3]!
  return { type, size: Number(m[2]), name }
}

const TYPES: Record<string, string> = { d: 'a folder', l: 'a symbolic link', h: 'a hard link', c: 'a device', b: 'a device', p: 'a fifo', s: 'a socket' }

/** The first problem with one member on its own (name, type, size), or undefined. Pure. */
export function memberProblem(m: ListedMember): string | undefined {
  if (m.name.startsWith('/') || m.name.split('/').includes('..')) return `member '${m.name}' points outside the export (an absolute path or '..')`
  if (m.type !== '-') return `member '${m.name}' is ${TYPES[m.type] ?? `of type '${m.type}'`}; an export holds regular files only`
  if (!MEMBER_RE.test(m.name)) return `member '${m.name}' is not part of a roost export`
  if (m.name === EXPORT_INFO && m.size > EXPORT_INFO_MAX_BYTES) return `${EXPORT_INFO} has ${m.size} bytes, more than ${EXPORT_INFO_MAX_BYTES}`
  if (m.name.endsWith(`/${MANIFEST}`) && m.size > MANIFEST_MAX_BYTES) return `member '${m.name}' has ${m.size} bytes, more than ${MANIFEST_MAX_BYTES}`
  return undefined
}

/**
 * Checks a listing before anything is read from the export: every member a regular file with
 * an export's name, no repeats, roost-export.json first. Throws EXPORT_INVALID. Pure.
 */
export function checkListing(members: readonly ListedMember[], where: string): void {
  if (members[0]?.name !== EXPORT_INFO) throw new RoostError('EXPORT_INVALID', `${where}: the first member is not ${EXPORT_INFO}; not a roost export`)
  const seen = new Set<string>()
  for (const m of members) {
    const problem = memberProblem(m) ?? (seen.has(m.name) ? `member '${m.name}' appears twice` : undefined)
    if (problem) throw new RoostError('EXPORT_INVALID', `${where}: ${problem}`, { hint: 'this file was altered or is not a roost export; nothing was imported' })
    seen.add(m.name)
  }
}

/**
 * Checks that the listing holds exactly the members of the chain roost-export.json names, in
 * order, each link's archive under one of its two names (which one must match the link's
 * manifest: the importer checks that when it reads them). Throws EXPORT_INVALID. Pure.
 */
export function checkMembers(members: readonly ListedMember[], info: ExportInfo, where: string): void {
  const got = members.map(m => m.name)
  const names = new Set(got)
  const want = exportMembers(info.chain, g => (names.has(`${g}/${ENCRYPTED_ARCHIVE}`) ? ENCRYPTED_ARCHIVE : STORED_ARCHIVE))
  const i = want.findIndex((name, k) => got[k] !== name)
  if (i >= 0) throw new RoostError('EXPORT_INVALID', `${where}: member ${i + 1} is ${got[i] === undefined ? 'missing' : `'${got[i]}'`}; ${EXPORT_INFO} says it is '${want[i]}'`)
  if (got.length > want.length) throw new RoostError('EXPORT_INVALID', `${where}: member '${got[want.length]}' is not in the chain ${EXPORT_INFO} names`)
}
