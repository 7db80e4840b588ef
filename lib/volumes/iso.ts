/**
 * One volume as one ISO 9660 image, made, checked, read and burned with xorriso alone.
 *
 * Images carry Rock Ridge (no Joliet: it truncates names), no padding, no emulated TOC (so the
 * image starts at LBA 0 and is exactly the size `-print_size` foretells), and MD5s recorded
 * for the superblock, the tree, the whole session and every file (`-md5 on`): `verifyIso`
 * checks them all, `extractFromIso` checks a file's MD5 while it copies it out.
 *
 * Limits (measured with xorriso 1.5.4 / libisofs 1.5.4, see the volumes findings):
 * - a file must stay under 4 GiB − 2 KiB: bigger ones become multi-extent files that old
 *   kernels misread, so the planner splits them;
 * - a name (one path component) must stay within 100 bytes: longer Rock Ridge names need
 *   continuation areas, and libisofs 1.5.4 then writes damaged images at random
 *   ("Calculated/written tree end address mismatch") once a folder holds many of them.
 * This file runs to about 300 lines: the runners share the staging checks and the parsing
 * of xorriso's result lines, which read best next to the argv they belong to.
 */
import { promises as fs, createReadStream } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { RoostError } from '../errors.js'
import { run, lastLines } from '../proc/run.js'
import { fsyncPath } from '../fsx/atomic.js'
import { HashSink, type Digest } from '../fsx/hash.js'
import { SECTOR_BYTES } from './media.js'

/** ISO 9660's sector (media.ts measures capacities in it). */
export const SECTOR = SECTOR_BYTES
/** The largest file that still fits one ISO 9660 extent (xorriso's extents are 4 GiB − 2 KiB). */
export const MAX_ISO_FILE_BYTES = 4 * 1024 ** 3 - 2048
/** The longest name (bytes of one path component) that libisofs 1.5.4 writes reliably. */
export const MAX_ISO_NAME_BYTES = 100

/** Bytes a file's data takes on the image: whole 2048-byte sectors. */
export function isoDataBytes(fileBytes: number): number {
  return Math.ceil(fileBytes / SECTOR) * SECTOR
}

/**
 * A safe upper bound on what the ISO 9660 + Rock Ridge metadata (system area, descriptors,
 * path tables, directory records, MD5 tags and array) takes for `files` files and `dirs`
 * folders whose longest name is `nameBytes`. File data comes on top (`isoDataBytes` each).
 * Measured overhead is 35 sectors for an empty image and ~150–280 bytes a file; the bound
 * allows 48 sectors, 176 + 2·name bytes a file and a whole sector plus path-table entries
 * a folder (see the findings for the table it was checked against).
 */
export function isoOverhead(files: number, nameBytes: number, dirs = 1): number {
  const perFile = 176 + 2 * nameBytes
  const perDir = SECTOR + 4 * (9 + nameBytes) + perFile
  return isoDataBytes(48 * SECTOR + files * perFile + dirs * perDir)
}

/** Why a volume label is unfit, or undefined: 1–32 of A–Z 0–9 _ - (e.g. ROOST-2026W47-03OF07). */
export function labelProblem(label: string): string | undefined {
  if (!/^[A-Z0-9_-]{1,32}$/.test(label)) return `volume label '${label}' must be 1–32 characters of A–Z, 0–9, _ and -`
  return undefined
}

/** Throws BUDGET_EXCEEDED naming the volume when `bytes` do not fit `capacity`. Pure. */
export function checkIsoFits(bytes: number, capacity: number, label: string): void {
  if (bytes > capacity) {
    throw new RoostError('BUDGET_EXCEEDED', `volume ${label} needs ${bytes} bytes but the medium holds ${capacity} (${bytes - capacity} bytes too many)`, { hint: 'plan fewer or smaller pieces for this volume (reserve isoOverhead() for the metadata)', detail: { label, bytes, capacity } })
  }
}

// Settings every run shares: no startup files, no wildcard expansion of paths.
const COMMON = ['-no_rc', '-report_about', 'WARNING', '-iso_rr_pattern', 'off', '-disk_pattern', 'off'] as const
// Let problems show in the exit status (32) rather than stopping at the first one.
const TOLERANT = ['-abort_on', 'NEVER', '-return_with', 'SORRY', '32'] as const

function imageSettings(label: string): string[] {
  return ['-volid', label, '-joliet', 'off', '-rockridge', 'on', '-compliance', 'no_emul_toc', '-padding', '0', '-md5', 'on', '-file_size_limit', String(MAX_ISO_FILE_BYTES), '--']
}

/** xorriso writing `stagingDir` as the whole tree of a new image at `out`. Pure. */
export function buildIsoArgs(stagingDir: string, out: string, label: string): string[] {
  return ['xorriso', ...COMMON, '-outdev', `stdio:${out}`, ...imageSettings(label), '-map', stagingDir, '/', '-commit']
}

/** xorriso printing the sectors the image of `stagingDir` would take, writing nothing. Pure. */
export function printSizeArgs(stagingDir: string, label: string): string[] {
  return ['xorriso', ...COMMON, '-outdev', 'stdio:/dev/null', ...imageSettings(label), '-map', stagingDir, '/', '-print_size', '-rollback_end']
}

/** What a staging folder holds, checked against the image limits. */
export interface StagingFacts {
  files: number
  dirs: number
  dataBytes: number
  longestName: number
}

/** Walks a staging folder: only folders and regular files, names ≤ 100 bytes, files < 4 GiB. */
export async function scanStaging(dir: string): Promise<StagingFacts> {
  const facts: StagingFacts = { files: 0, dirs: 0, dataBytes: 0, longestName: 0 }
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      const nameBytes = Buffer.byteLength(e.name)
      if (nameBytes > MAX_ISO_NAME_BYTES) throw new RoostError('NAME_INVALID', `${p}: a name on a volume may have at most ${MAX_ISO_NAME_BYTES} bytes (it has ${nameBytes})`, { hint: 'libisofs 1.5.4 damages images with longer Rock Ridge names; the planner must shorten it' })
      facts.longestName = Math.max(facts.longestName, nameBytes)
      if (e.isDirectory()) {
        facts.dirs++
        await walk(p)
      } else if (e.isFile()) {
        const { size } = await fs.stat(p)
        if (size > MAX_ISO_FILE_BYTES) throw new RoostError('BUDGET_EXCEEDED', `${p} has ${size} bytes; a file on a volume must stay under ${MAX_ISO_FILE_BYTES}`, { hint: 'split it into pieces' })
        facts.files++
        facts.dataBytes += size
      } else {
        throw new RoostError('NAME_INVALID', `${p} is neither a regular file nor a folder; a volume holds only those`)
      }
    }
  }
  await walk(dir)
  return facts
}

/**
 * What xorriso foretells for the image of `stagingDir`, without writing it: exact without
 * MD5s, but with `-md5 on` xorriso 1.5.4 leaves the MD5 records out (~16–40 bytes a file),
 * so this is a lower bound. Good for refusing early; the written size is what counts.
 */
export async function minimumIsoBytes(stagingDir: string, label: string): Promise<number> {
  const r = await run(printSizeArgs(resolve(stagingDir), label), { what: `xorriso sizing ${stagingDir}` })
  const m = /Image size\s*:\s*(\d+)s/.exec(r.stdout)
  if (!m) throw new RoostError('TOOL_FAILED', `xorriso printed no image size for ${stagingDir}`, { hint: lastLines(r.stdout + r.stderr) })
  return Number(m[1]) * SECTOR
}

export interface BuiltIso {
  path: string
  label: string
  bytes: number
  staging: StagingFacts
}

/**
 * Writes the image of `stagingDir` to `out` (which must not exist), labelled `label`. When a
 * capacity is given, xorriso's forecast is checked before anything is written, and the
 * written image after (nothing is left behind when it does not fit).
 * Written to a temp name, fsynced, then linked into place: never replaces a file.
 */
export async function buildIso(stagingDir: string, out: string, label: string, opts: { capacity?: number } = {}): Promise<BuiltIso> {
  const problem = labelProblem(label)
  if (problem) throw new RoostError('NAME_INVALID', problem)
  const src = resolve(stagingDir)
  const dest = resolve(out)
  if (await fs.lstat(dest).then(() => true, () => false)) throw new RoostError('TARGET_NOT_EMPTY', `${dest} already exists; refusing to replace it`)
  const staging = await scanStaging(src)
  if (opts.capacity !== undefined) checkIsoFits(await minimumIsoBytes(src, label), opts.capacity, label)
  const tmp = join(dirname(dest), `.${basename(dest)}.${randomBytes(6).toString('hex')}.tmp`)
  let bytes: number
  try {
    await run(buildIsoArgs(src, tmp, label), { what: `xorriso writing ${label}` })
    bytes = (await fs.stat(tmp)).size
    if (opts.capacity !== undefined) checkIsoFits(bytes, opts.capacity, label)
    await fsyncPath(tmp)
    await linkNew(tmp, dest)
  } finally {
    await fs.rm(tmp, { force: true })
  }
  await fsyncPath(dirname(dest))
  return { path: dest, label, bytes, staging }
}

async function linkNew(from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RoostError('TARGET_NOT_EMPTY', `${to} already exists; refusing to replace it`, { cause: err })
    throw err
  }
}

/** An image's primary volume descriptor (sector 16), or undefined when it has none. */
async function readPvd(image: string): Promise<Buffer | undefined> {
  const h = await fs.open(image, 'r')
  try {
    const pvd = Buffer.alloc(SECTOR)
    const { bytesRead } = await h.read(pvd, 0, SECTOR, 16 * SECTOR)
    return bytesRead === SECTOR && pvd[0] === 1 && pvd.toString('latin1', 1, 6) === 'CD001' ? pvd : undefined
  } finally {
    await h.close()
  }
}

/** The size an ISO 9660 image declares in its primary volume descriptor. */
export async function isoSize(image: string): Promise<number> {
  const pvd = await readPvd(image)
  if (!pvd) throw new RoostError('VERIFY_FAILED', `${image} is not an ISO 9660 image (no primary volume descriptor at sector 16)`)
  return pvd.readUInt32LE(80) * pvd.readUInt16LE(128)
}

/** The volume label an ISO 9660 image declares (bytes 40–71 of its descriptor), or undefined if it is none. */
export async function isoLabel(image: string): Promise<string | undefined> {
  return (await readPvd(image))?.toString('latin1', 40, 72).trimEnd()
}

/** xorriso copying a whole image's tree into `dest`, damaged or not (no MD5 check). Pure. */
export function extractAllArgs(image: string, dest: string): string[] {
  return ['xorriso', ...COMMON, ...TOLERANT, '-osirrox', 'on', '-indev', image, '-extract', '/', dest]
}

/**
 * Copies everything in an image into `dest` (which must not exist), without checking MD5s:
 * for par2 to judge and repair. Returns false (and leaves nothing) when xorriso cannot read
 * the image's tree at all.
 */
export async function extractAll(image: string, dest: string): Promise<boolean> {
  await mustExist(image)
  const target = resolve(dest)
  if (await fs.lstat(target).then(() => true, () => false)) throw new RoostError('TARGET_NOT_EMPTY', `${target} already exists; refusing to replace it`)
  const r = await run(extractAllArgs(image, target), { okCodes: [0, 32], what: `xorriso extracting ${image}` }).catch(() => undefined)
  const made = await fs.stat(target).then(s => s.isDirectory(), () => false)
  if (!r || !made) {
    await fs.rm(target, { recursive: true, force: true })
    return false
  }
  return true
}

/** xorriso checking the session MD5 and every file's MD5 of an image or drive. Pure. */
export function verifyIsoArgs(image: string): string[] {
  return ['xorriso', ...COMMON, ...TOLERANT, '-md5', 'on', '-indev', image, '-check_md5', 'SORRY', '--', '-check_md5_r', 'SORRY', '/', '--']
}

export type IsoCheck = { ok: true } | { ok: false; badFiles: string[]; sessionOk: boolean; reason: string }

/** Reads xorriso's result lines of `verifyIsoArgs`. Pure. */
export function parseIsoCheck(stdout: string, stderr: string, exitCode: number): IsoCheck {
  const sessionOk = stdout.includes('Ok, session data match recorded md5.')
  const filesOk = stdout.includes('File contents and their MD5 checksums match.')
  const badFiles = [...stdout.matchAll(/^MD5 MISMATCH: '(.*)'$/gm)].map(m => unquote(m[1] ?? ''))
  if (exitCode === 0 && sessionOk && filesOk && badFiles.length === 0) return { ok: true }
  const reason = badFiles.length ? `MD5 mismatch in ${badFiles.join(', ')}`
    : !sessionOk && /No session MD5 is recorded|No ISO image present/.test(stderr) ? lastLines(stderr, 2)
      : !sessionOk ? 'the session MD5 does not match (the image is damaged or truncated)'
        : lastLines(stdout + stderr, 3)
  return { ok: false, badFiles, sessionOk, reason }
}

// xorriso quotes names shell-style: 'it'"'"'s' is it's.
function unquote(s: string): string {
  return s.replaceAll(`'"'"'`, `'`)
}

/** Checks every MD5 recorded in an image (or on a drive): ok, or bad with the files named. */
export async function verifyIso(image: string): Promise<IsoCheck> {
  await mustExist(image)
  const r = await run(verifyIsoArgs(image), { okCodes: [0, 32], what: `xorriso checking ${image}` })
  return parseIsoCheck(r.stdout, r.stderr, r.exitCode)
}

async function mustExist(path: string): Promise<void> {
  if (!(await fs.stat(path).then(() => true, () => false))) throw new RoostError('PATH_NOT_FOUND', `${path} does not exist`)
}

/** xorriso copying one file out of an image, checking its recorded MD5 on the way. Pure. */
export function extractArgs(image: string, pathInIso: string, dest: string): string[] {
  return ['xorriso', ...COMMON, ...TOLERANT, '-md5', 'on', '-osirrox', 'on:check_md5_force', '-indev', image, '-extract_single', pathInIso, dest]
}

/**
 * Streams one file (`/path/in/iso`) out of an image to `dest` (which must not exist). xorriso
 * checks the file's recorded MD5 while copying; a mismatch leaves nothing at `dest` and
 * throws HASH_MISMATCH naming the file and the image. `durable: false` skips the fsync (for
 * a temp copy that is read once and removed).
 */
export async function extractFromIso(image: string, pathInIso: string, dest: string, o: { durable?: boolean } = {}): Promise<{ bytes: number }> {
  if (!pathInIso.startsWith('/') || pathInIso.split('/').includes('..')) throw new RoostError('NAME_INVALID', `'${pathInIso}' must be an absolute path inside the image, without '..'`)
  await mustExist(image)
  const target = resolve(dest)
  if (await fs.lstat(target).then(() => true, () => false)) throw new RoostError('TARGET_NOT_EMPTY', `${target} already exists; refusing to replace it`)
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const r = await run(extractArgs(image, pathInIso, tmp), { okCodes: [0, 32], what: `xorriso extracting ${pathInIso}` })
    if (/Cannot determine attributes of \(ISO\) source file/.test(r.stderr)) throw new RoostError('PATH_NOT_FOUND', `${pathInIso} is not in ${image}`)
    if (/does not match recorded MD5|No MD5 recorded/i.test(r.stderr)) throw new RoostError('HASH_MISMATCH', `${pathInIso} in ${image} does not match its recorded MD5`, { hint: 'the image is damaged: repair it with par2 or use another copy' })
    if (r.exitCode !== 0) throw new RoostError('TOOL_FAILED', `xorriso could not extract ${pathInIso} from ${image}`, { hint: lastLines(r.stderr) })
    const { size } = await fs.stat(tmp)
    if (o.durable !== false) await fsyncPath(tmp)
    await linkNew(tmp, target)
    return { bytes: size }
  } finally {
    await fs.rm(tmp, { force: true })
  }
}

/** xorriso burning an image to a drive (`/dev/sr0`, or `stdio:/path/file` in tests). Pure. */
export function burnArgs(image: string, drive: string): string[] {
  return ['xorriso', '-no_rc', '-as', 'cdrecord', '-v', `dev=${drive}`, '-nopad', image]
}

export interface BurnPlan {
  argv: string[]
  /** What is read back after burning, and how many bytes of it are compared. */
  readBack: string
  bytes: number
}

export interface BurnResult {
  plan: BurnPlan
  burned: boolean
  image?: Digest
}

/**
 * Burns `image` to `drive`, then reads the drive back and compares it byte for byte (by
 * sha256 of the image's declared size). With dryRun, only returns the plan.
 */
export async function burnImage(image: string, drive: string, opts: { dryRun?: boolean } = {}): Promise<BurnResult> {
  const declared = await isoSize(image)
  const { size } = await fs.stat(image)
  if (size < declared) throw new RoostError('VERIFY_FAILED', `${image} is truncated: ${size} bytes of the ${declared} it declares`)
  const plan: BurnPlan = { argv: burnArgs(resolve(image), drive), readBack: drive.replace(/^stdio:/, ''), bytes: declared }
  if (opts.dryRun) return { plan, burned: false }
  await run(plan.argv, { what: `xorriso burning ${image} to ${drive}` })
  const [want, got] = await Promise.all([hashPrefix(image, declared), hashPrefix(plan.readBack, declared)])
  if (got.bytes !== want.bytes || got.sha256 !== want.sha256) {
    throw new RoostError('VERIFY_FAILED', `read-back of ${drive} differs from ${image} (${got.bytes} of ${want.bytes} bytes read, sha256 ${got.sha256.slice(0, 12)}… vs ${want.sha256.slice(0, 12)}…)`, { hint: 'burn again on a new disc' })
  }
  return { plan, burned: true, image: want }
}

async function hashPrefix(path: string, bytes: number): Promise<Digest> {
  const sink = new HashSink()
  await pipeline(createReadStream(path, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 }), sink)
  return sink.digest()
}
