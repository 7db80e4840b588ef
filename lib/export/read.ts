/**
 * Reading an export file with GNU tar, never extracting anything onto disk: `tar --list`
 * first (every member checked before any content is read), roost-export.json with
 * `--to-stdout`, then one `tar --extract --to-stdout` pass whose output is cut back into
 * members by the sizes the listing gave. Hostile names, links and extra files are refused
 * at the listing; nothing from the file ever becomes a path.
 */
import { promises as fs } from 'node:fs'
import { resolve } from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { createInterface } from 'node:readline'
import { RoostError } from '../errors.js'
import { run } from '../proc/run.js'
import { startChild } from '../proc/pipe.js'
import { checkListing, checkMembers, EXPORT_CHAIN_MAX, EXPORT_INFO, parseExportInfo, parseListingLine, type ExportInfo, type ListedMember } from './format.js'

/** An export whose listing and roost-export.json passed every check. */
export interface OpenedExport {
  file: string
  info: ExportInfo
  /** roost-export.json's exact bytes. */
  infoBytes: Buffer
  members: ListedMember[]
}

/** Most members a listing may have before it is refused unread (a chain's two per link, and the info). */
const MAX_MEMBERS = 2 * EXPORT_CHAIN_MAX + 1

/** `tar --list` of the export: every member's type, size and name. Throws EXPORT_INVALID (a truncated or garbled file). */
export async function listExport(file: string): Promise<ListedMember[]> {
  const argv = ['tar', '--list', '--verbose', '--numeric-owner', '--full-time', '--quoting-style=escape', `--file=${file}`]
  const tar = startChild(argv, { stdin: 'ignore', stdout: 'pipe', code: 'EXPORT_INVALID', what: `reading ${file} as a tar archive` })
  const members: ListedMember[] = []
  let problem: RoostError | undefined
  for await (const line of createInterface({ input: tar.stdout!, crlfDelay: Infinity })) {
    if (problem || !line) continue
    try {
      members.push(parseListingLine(line, file))
      if (members.length > MAX_MEMBERS) throw new RoostError('EXPORT_INVALID', `${file}: more than ${MAX_MEMBERS} members; not a roost export`)
    } catch (err) {
      problem = err as RoostError
      tar.kill()
    }
  }
  await tar.done.catch(err => {
    problem ??= err as RoostError
  })
  if (problem) throw problem
  return members
}

/**
 * Lists an export and reads its roost-export.json: the members must be exactly those of the
 * chain it names, in order. Throws EXPORT_INVALID (exit 3) or USAGE when FILE is missing.
 */
export async function openExport(path: string): Promise<OpenedExport> {
  const file = resolve(path)
  const st = await fs.stat(file).catch(() => undefined)
  if (!st?.isFile()) throw new RoostError('USAGE', `${file} does not exist or is not a file`)
  const members = await listExport(file)
  checkListing(members, file)
  const r = await run(['tar', '--extract', '--to-stdout', '--occurrence=1', `--file=${file}`, '--', EXPORT_INFO], { code: 'EXPORT_INVALID', what: `reading ${EXPORT_INFO} from ${file}` })
  const infoBytes = Buffer.from(r.stdout, 'utf8')
  if (infoBytes.length !== members[0]!.size) throw new RoostError('EXPORT_INVALID', `${file}: ${EXPORT_INFO} is not UTF-8 text of the size the listing shows`)
  const info = parseExportInfo(r.stdout, file)
  checkMembers(members, info, file)
  return { file, info, infoBytes, members }
}

/** Called once per member, in order, with a stream of exactly its bytes; must consume it. */
export type MemberHandler = (member: ListedMember, content: Readable) => Promise<void>

/** Feeds `size` bytes from the iterator into `out`, keeping what is left over. Rejects when the handler fails first. */
async function feed(it: AsyncIterator<Buffer>, carry: { rest: Buffer }, size: number, out: PassThrough, handled: Promise<void>, where: string): Promise<void> {
  let left = size
  while (left > 0) {
    if (carry.rest.length === 0) {
      const next = await it.next()
      if (next.done) throw new RoostError('EXPORT_INVALID', `${where}: the archive ended early (truncated or changed while being read)`)
      carry.rest = next.value
    }
    const piece = carry.rest.subarray(0, Math.min(left, carry.rest.length))
    carry.rest = carry.rest.subarray(piece.length)
    left -= piece.length
    if (!out.write(piece)) await Promise.race([new Promise(res => out.once('drain', res)), handled])
  }
  out.end()
}

/**
 * One pass over the export's contents (`tar --extract --to-stdout`), handing each member's
 * bytes to `handler` in order; the next member waits until the handler is done with this one.
 * A handler error stops tar and is rethrown. Throws EXPORT_INVALID when the contents do not
 * match the listing (the file changed, or is truncated).
 */
export async function streamMembers(ex: OpenedExport, handler: MemberHandler): Promise<void> {
  const tar = startChild(['tar', '--extract', '--to-stdout', `--file=${ex.file}`], { stdin: 'ignore', stdout: 'pipe', code: 'EXPORT_INVALID', what: `reading ${ex.file}` })
  const it = (tar.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
  const carry = { rest: Buffer.alloc(0) }
  try {
    for (const m of ex.members) {
      const out = new PassThrough({ highWaterMark: 1 << 20 })
      const handled = handler(m, out)
      handled.catch(() => {})
      await feed(it, carry, m.size, out, handled, `${ex.file}: ${m.name}`).catch(err => {
        out.destroy()
        throw err
      })
      await handled
    }
    const extra = carry.rest.length > 0 || !(await it.next()).done
    if (extra) throw new RoostError('EXPORT_INVALID', `${ex.file}: more content than the listing shows (changed while being read)`)
    await tar.done
  } catch (err) {
    tar.kill()
    // What tar wrote and nobody read keeps its stdout from ending, and tar.done would wait for
    // that end forever (with nothing left to keep node running): read it to its end. Through
    // the iterator, which owns the stream: resume() does nothing while it listens for 'readable'.
    await drainIterator(it)
    await tar.done.catch(() => {})
    throw err
  }
}

async function drainIterator(it: AsyncIterator<Buffer>): Promise<void> {
  try {
    while (!(await it.next()).done) {
      // discard
    }
  } catch {
    // the stream failed: it has ended either way
  }
}

/** A handler's helper: a small member's bytes (at most `max`). */
export async function collect(content: Readable, max: number, where: string): Promise<Buffer> {
  const parts: Buffer[] = []
  let n = 0
  for await (const chunk of content as AsyncIterable<Buffer>) {
    n += chunk.length
    if (n > max) throw new RoostError('EXPORT_INVALID', `${where}: more than ${max} bytes`)
    parts.push(chunk)
  }
  return Buffer.concat(parts)
}

/** A handler's helper: reads a member to its end, keeping nothing. */
export async function drain(content: Readable): Promise<void> {
  for await (const _ of content) {
    // discard
  }
}
