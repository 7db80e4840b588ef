/**
 * Writes a POSIX (ustar + pax) tar stream member by member, so an export is written in one
 * pass while its archives are verified: GNU tar cannot hash what it reads for us, and reading
 * every archive twice would double the cost. Only what an export needs: regular files with
 * short names; a pax `size` record for members of 8 GiB and more. Any POSIX tar reads it.
 */
import { once } from 'node:events'
import { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'

const BLOCK = 512
/** GNU tar pads an archive to a multiple of its 20-block record; do the same. */
const RECORD = 20 * BLOCK
/** The largest size an 11-digit octal ustar field holds. */
const OCTAL_MAX = 8 ** 11 - 1

export interface TarHeader {
  name: string
  size: number
  mtime: Date
  /** ustar type flag: '0' a regular file (default); tests write others to build hostile tars. */
  type?: string
  linkname?: string
  mode?: number
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

function putString(b: Buffer, off: number, len: number, s: string): void {
  const bytes = Buffer.from(s, 'utf8')
  if (bytes.length > len) throw new Error(`tar header field too long: ${s}`)
  bytes.copy(b, off)
}

/** One 512-byte ustar header block. Pure. */
export function ustarHeader(h: TarHeader): Buffer {
  const b = Buffer.alloc(BLOCK)
  putString(b, 0, 100, h.name)
  putString(b, 100, 8, octal(h.mode ?? 0o644, 8))
  putString(b, 108, 8, octal(0, 8))
  putString(b, 116, 8, octal(0, 8))
  if (h.size <= OCTAL_MAX) {
    putString(b, 124, 12, octal(h.size, 12))
  } else {
    // base-256 (GNU, star): a set high bit, then the size big-endian; the pax record rules anyway
    b[124] = 0x80
    b.writeBigUInt64BE(BigInt(h.size), 124 + 4)
  }
  putString(b, 136, 12, octal(Math.max(0, Math.floor(h.mtime.getTime() / 1000)), 12))
  b.fill(0x20, 148, 156)
  putString(b, 156, 1, h.type ?? '0')
  putString(b, 157, 100, h.linkname ?? '')
  putString(b, 257, 6, 'ustar\0')
  putString(b, 263, 2, '00')
  putString(b, 265, 32, 'root')
  putString(b, 297, 32, 'root')
  let sum = 0
  for (const byte of b) sum += byte
  putString(b, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ')
  return b
}

/** One pax record, `LEN key=value\n`, where LEN counts the whole record including itself. Pure. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let len = Buffer.byteLength(body)
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body)
  return `${len}${body}`
}

/** Zero bytes that pad `size` bytes of content to a whole block. Pure. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK)
}

/**
 * The header blocks of a member: a pax extended header carrying `size` when the size does
 * not fit ustar's octal field (or when `pax` forces it), then the ustar header. Pure.
 */
export function memberHeader(h: TarHeader, o: { pax?: boolean } = {}): Buffer {
  if (!o.pax && h.size <= OCTAL_MAX) return ustarHeader(h)
  const records = Buffer.from(paxRecord('size', String(h.size)))
  const pax = ustarHeader({ name: `PaxHeaders/${h.name}`.slice(0, 100), size: records.length, mtime: h.mtime, type: 'x' })
  return Buffer.concat([pax, records, padding(records.length), ustarHeader(h)])
}

/** Writes tar members into a stream with backpressure, counting the bytes written. */
export class TarOut {
  bytes = 0
  private failed: Error | undefined
  constructor(private readonly out: Writable) {
    out.on('error', err => {
      this.failed ??= err
    })
  }

  /** Writes raw bytes, waiting while the stream is full. Throws the stream's error (a full disk). */
  async write(b: Buffer): Promise<void> {
    if (this.failed) throw this.failed
    if (b.length === 0) return
    this.bytes += b.length
    if (!this.out.write(b)) await once(this.out, 'drain')
  }

  /** A whole member from bytes in memory (small files only: roost-export.json, manifests). */
  async addBuffer(h: Omit<TarHeader, 'size'>, data: Buffer): Promise<void> {
    await this.write(memberHeader({ ...h, size: data.length }))
    await this.write(data)
    await this.write(padding(data.length))
  }

  /**
   * Starts a member of `h.size` bytes whose content the caller streams into the returned
   * sink; `close` then checks the count and pads the block.
   */
  async begin(h: TarHeader, o: { pax?: boolean } = {}): Promise<{ sink: ContentSink; close(): Promise<void> }> {
    await this.write(memberHeader(h, o))
    const sink = new ContentSink(this)
    return {
      sink,
      close: async () => {
        if (sink.bytes !== h.size) throw new Error(`tar member ${h.name}: ${sink.bytes} bytes written, the header says ${h.size}`)
        await this.write(padding(h.size))
      },
    }
  }

  /** Writes the end-of-archive blocks, pads to a whole record, ends the stream and waits for it to finish. */
  async end(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK))
    await this.write(Buffer.alloc((RECORD - (this.bytes % RECORD)) % RECORD))
    this.out.end()
    await finished(this.out)
  }
}

/** A member's content: forwards into the tar stream (never ending it), counting bytes. */
export class ContentSink extends Writable {
  bytes = 0
  constructor(private readonly tar: TarOut) {
    super({ highWaterMark: 1 << 20 })
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length
    this.tar.write(chunk).then(() => cb(), cb)
  }
}
