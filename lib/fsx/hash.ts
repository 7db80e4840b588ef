/**
 * Hashing while streaming: one read pass feeds the hash and every other consumer
 * (a compressor, a tar listing, a file). Memory stays flat whatever the size.
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Transform, Writable, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface Digest {
  sha256: string
  bytes: number
}

/** A pass-through that hashes and counts what flows through it. */
export class HashingStream extends Transform {
  private readonly h: Hash = createHash('sha256')
  bytes = 0
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.h.update(chunk)
    this.bytes += chunk.length
    cb(null, chunk)
  }
  digest(): Digest {
    return { sha256: this.h.digest('hex'), bytes: this.bytes }
  }
}

/** A sink that only hashes. */
export class HashSink extends Writable {
  private readonly h: Hash = createHash('sha256')
  bytes = 0
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.h.update(chunk)
    this.bytes += chunk.length
    cb()
  }
  digest(): Digest {
    return { sha256: this.h.digest('hex'), bytes: this.bytes }
  }
}

/** sha256 of bytes in memory, as hex. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** sha256 and size of a file, read once as a stream. */
export async function hashFile(path: string): Promise<Digest> {
  const sink = new HashSink()
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), sink)
  return sink.digest()
}

/**
 * Sends one readable to several writables with backpressure: the source pauses while any
 * destination is full. Resolves when every destination has finished; rejects on the first error.
 */
export async function fanOut(src: Readable, dests: NodeJS.WritableStream[]): Promise<void> {
  const done = dests.map(d => new Promise<void>((res, rej) => {
    d.on('error', rej)
    d.on('finish', () => res())
    // a child's stdin socket may be destroyed when the child exits before 'finish' is
    // emitted (a race): 'close' ends the wait too; the caller checks the child's exit status
    d.on('close', () => res())
    // a child's stdin closing early (EPIPE) surfaces as an error on that destination
  }))
  const failed = new Promise<never>((_, rej) => src.on('error', rej))
  for (const d of dests) src.pipe(d)
  await Promise.race([Promise.all(done), failed])
}
