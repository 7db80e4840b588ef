/**
 * A streaming reader of tar headers: it sees every byte of an archive, keeps only the headers
 * (ustar fields, pax records, GNU long names) and skips file contents, so memory stays flat.
 * Why not parse `tar --list --incremental -vv`: tar prints dumpdir names raw (a name with a
 * newline, which the fixtures have, breaks the listing apart) and joins symlink targets with
 * ` -> `; the headers themselves are exact. tar still does all extraction.
 */
import { Writable } from 'node:stream'
import { RoostError } from '../errors.js'

export type MemberType = 'file' | 'hardlink' | 'symlink' | 'dir' | 'char' | 'block' | 'fifo' | 'other'

/** One dumpdir entry (GNU incremental): Y in this archive, N unchanged, D a folder, R/T/X renames. */
export interface DumpdirEntry {
  code: 'Y' | 'N' | 'D' | 'R' | 'T' | 'X'
  name: string
}

/** What a header says about one member. `path` has no trailing slash. */
export interface TarMember {
  path: string
  type: MemberType
  /** Permission bits (07777). */
  mode: number
  uid: number
  gid: number
  uname: string
  gname: string
  /** Bytes of content (0 for folders and links). */
  size: number
  mtimeNs: bigint
  /** Symlink target, or the member a hardlink points to. */
  linkname?: string
  dumpdir?: DumpdirEntry[]
}

const BLOCK = 512
/** Pax headers and long names larger than this are refused (a dumpdir of a huge folder fits). */
const MAX_META = 64 * 1024 * 1024
const TYPES: Record<string, MemberType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo', D: 'dir' }

function bad(what: string): RoostError {
  return new RoostError('TAR_FAILED', `cannot read the tar headers: ${what}`)
}

function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len)
  const end = s.indexOf(0)
  return (end < 0 ? s : s.subarray(0, end)).toString('utf8')
}

/** An octal or base-256 (GNU) numeric header field. */
function num(b: Buffer, start: number, len: number): number {
  if (b[start]! & 0x80) {
    let v = b[start]! & 0x7f
    for (let i = 1; i < len; i++) v = v * 256 + b[start + i]!
    return v
  }
  const s = cstr(b, start, len).trim()
  return s ? parseInt(s, 8) : 0
}

function checksumOk(h: Buffer): boolean {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!
  return sum === num(h, 148, 8)
}

/** `1763802054.750267203` (a pax time) in nanoseconds. */
export function paxTimeNs(v: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(v.trim())
  if (!m) throw bad(`a pax time '${v}'`)
  const ns = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? '').slice(0, 9).padEnd(9, '0'))
  return m[1] ? -ns : ns
}

/** The entries of a dumpdir: `C name \0` repeated, ended by an empty entry. */
export function parseDumpdir(b: Buffer): DumpdirEntry[] {
  const out: DumpdirEntry[] = []
  let i = 0
  while (i < b.length && b[i] !== 0) {
    const end = b.indexOf(0, i)
    const stop = end < 0 ? b.length : end
    const code = String.fromCharCode(b[i]!)
    if (!'YNDRTX'.includes(code)) throw bad(`dumpdir code '${code}'`)
    out.push({ code: code as DumpdirEntry['code'], name: b.subarray(i + 1, stop).toString('utf8') })
    i = stop + 1
  }
  return out
}

/** The records of a pax header: `LEN key=value\n`, lengths counted in bytes. */
export function parsePax(b: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  let i = 0
  while (i < b.length && b[i] !== 0) {
    const sp = b.indexOf(0x20, i)
    const len = sp < 0 ? NaN : Number(b.subarray(i, sp).toString('latin1'))
    if (!Number.isInteger(len) || len <= 0 || i + len > b.length) throw bad('a pax record')
    const rec = b.subarray(sp + 1, i + len - 1)
    const eq = rec.indexOf(0x3d)
    if (eq < 0) throw bad('a pax record without =')
    out.set(rec.subarray(0, eq).toString('utf8'), rec.subarray(eq + 1))
    i += len
  }
  return out
}

/** Turns a header block and what preceded it (pax records, GNU long names) into a member. */
function member(h: Buffer, pax: Map<string, Buffer>, longName?: string, longLink?: string): TarMember {
  const text = (k: string): string | undefined => pax.get(k)?.toString('utf8')
  const prefix = cstr(h, 345, 155)
  const ustarName = prefix && h.subarray(257, 263).toString('latin1') === 'ustar\0' ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100)
  const flag = String.fromCharCode(h[156]!)
  const type = TYPES[flag] ?? 'other'
  const path = (text('path') ?? longName ?? ustarName).replace(/\/+$/, '')
  const size = Number(text('size') ?? num(h, 124, 12))
  const m: TarMember = {
    path,
    type,
    mode: num(h, 100, 8) & 0o7777,
    uid: Number(text('uid') ?? num(h, 108, 8)),
    gid: Number(text('gid') ?? num(h, 116, 8)),
    uname: text('uname') ?? cstr(h, 265, 32),
    gname: text('gname') ?? cstr(h, 297, 32),
    size: type === 'file' ? size : 0,
    mtimeNs: pax.has('mtime') ? paxTimeNs(text('mtime')!) : BigInt(num(h, 136, 12)) * 1_000_000_000n,
  }
  const link = text('linkpath') ?? longLink ?? cstr(h, 157, 100)
  if (type === 'symlink' || type === 'hardlink') m.linkname = link
  const dd = pax.get('GNU.dumpdir')
  if (dd) m.dumpdir = parseDumpdir(dd)
  return m
}

type Want = { what: 'header' } | { what: 'meta'; kind: string; size: number } | { what: 'skip'; left: number } | { what: 'end' }

/**
 * A sink that calls `onMember` for every member of the tar written to it, in order. Content
 * is skipped, never kept. A member of type `D` (GNU format) has its dumpdir read from its data.
 * A header that does not parse is kept as `error` (TAR_FAILED) and the rest is drained
 * unread, so the stream that feeds this sink (and hashes the archive) is never cut short.
 */
export class TarHeaderReader extends Writable {
  private buf: Buffer[] = []
  private have = 0
  private want: Want = { what: 'header' }
  private pax = new Map<string, Buffer>()
  private global = new Map<string, Buffer>()
  private longName: string | undefined
  private longLink: string | undefined
  private pending: TarMember | undefined
  /** The first problem reading the headers, if any. */
  error: Error | undefined

  constructor(private readonly onMember: (m: TarMember) => void) {
    super()
  }

  private take(n: number): Buffer {
    const all = this.buf.length === 1 ? this.buf[0]! : Buffer.concat(this.buf)
    this.buf = n < all.length ? [all.subarray(n)] : []
    this.have -= n
    return all.subarray(0, n)
  }

  private header(h: Buffer): void {
    if (h.every(b => b === 0)) return void (this.want = { what: 'end' })
    if (!checksumOk(h)) throw bad('a header checksum')
    const flag = String.fromCharCode(h[156]!)
    const size = num(h, 124, 12)
    if ('xgLK'.includes(flag)) {
      if (size > MAX_META) throw bad(`a ${size}-byte extended header`)
      this.want = { what: 'meta', kind: flag, size }
      return
    }
    const m = member(h, new Map([...this.global, ...this.pax]), this.longName, this.longLink)
    this.pax = new Map()
    this.longName = this.longLink = undefined
    if (flag === 'D' && size > 0) {
      this.pending = m
      this.want = { what: 'meta', kind: 'D', size }
      return
    }
    this.onMember(m)
    const data = m.type === 'file' ? m.size : size
    this.want = data > 0 ? { what: 'skip', left: Math.ceil(data / BLOCK) * BLOCK } : { what: 'header' }
  }

  private meta(kind: string, data: Buffer): void {
    if (kind === 'x') this.pax = parsePax(data)
    else if (kind === 'g') for (const [k, v] of parsePax(data)) this.global.set(k, v)
    else if (kind === 'L') this.longName = cstr(data, 0, data.length)
    else if (kind === 'K') this.longLink = cstr(data, 0, data.length)
    else if (kind === 'D' && this.pending) {
      this.onMember({ ...this.pending, dumpdir: parseDumpdir(data) })
      this.pending = undefined
    }
    this.want = { what: 'header' }
  }

  private step(): boolean {
    const w = this.want
    if (w.what === 'end') return (this.take(this.have), false)
    if (w.what === 'skip') {
      const n = Math.min(w.left, this.have)
      this.take(n)
      w.left -= n
      if (w.left === 0) this.want = { what: 'header' }
      return this.have > 0
    }
    const need = w.what === 'header' ? BLOCK : Math.ceil(w.size / BLOCK) * BLOCK
    if (this.have < need) return false
    const block = this.take(need)
    if (w.what === 'header') this.header(block)
    else this.meta(w.kind, block.subarray(0, w.size))
    return true
  }

  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.error) return cb()
    this.buf.push(chunk)
    this.have += chunk.length
    try {
      while (this.have > 0 && this.step()) {
        /* keep reading headers */
      }
    } catch (err) {
      this.error = err as Error
      this.buf = []
    }
    cb()
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.error && this.want.what !== 'end') this.error = bad('the archive ends before its end-of-archive blocks')
    cb()
  }
}
