/**
 * Staging a set: a stored file is read once, as a stream, and cut into its pieces (each
 * written to its own file, on its own disc's folder), hashing each piece and the whole file on
 * the way. Memory stays at one read buffer whatever the file's size.
 */
import { createReadStream, promises as fs } from 'node:fs'
import { createHash, type Hash } from 'node:crypto'
import { dirname } from 'node:path'
import { RoostError } from '../errors.js'
import type { Digest } from '../fsx/hash.js'

export interface PieceTarget {
  offset: number
  bytes: number
  /** Where the piece is written; must not exist. */
  dest: string
}

/**
 * Copies `src` into `parts` (which must tile the file from offset 0, in order) and returns
 * the sha256 of the whole file and of each part. When `expect` is given and the file differs,
 * throws HASH_MISMATCH (the parts written so far stay: the caller removes its staging folder).
 */
export async function splitFile(src: string, parts: readonly PieceTarget[], expect?: Digest): Promise<{ whole: Digest; parts: Digest[] }> {
  let at = 0
  for (const p of parts) {
    if (p.offset !== at || p.bytes < 0) throw new Error(`splitFile: parts of ${src} do not tile it (offset ${p.offset}, expected ${at})`)
    at += p.bytes
  }
  const whole = createHash('sha256')
  const out: Digest[] = []
  let k = -1
  let handle: fs.FileHandle | undefined
  let hash: Hash | undefined
  let left = 0
  let read = 0
  const next = async (): Promise<void> => {
    if (handle) {
      await handle.close()
      out.push({ sha256: hash!.digest('hex'), bytes: parts[k]!.bytes })
    }
    k++
    handle = undefined
    if (k >= parts.length) return
    await fs.mkdir(dirname(parts[k]!.dest), { recursive: true })
    handle = await fs.open(parts[k]!.dest, 'wx', 0o644)
    hash = createHash('sha256')
    left = parts[k]!.bytes
  }
  try {
    await next()
    while (k < parts.length && left === 0 && parts[k]!.bytes === 0) await next() // empty parts
    for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      whole.update(chunk)
      read += chunk.length
      let off = 0
      while (off < chunk.length) {
        if (k >= parts.length) throw new RoostError('HASH_MISMATCH', `${src} is longer than the ${at} bytes its index lists`)
        const take = Math.min(left, chunk.length - off)
        const slice = chunk.subarray(off, off + take)
        hash!.update(slice)
        await handle!.write(slice)
        off += take
        left -= take
        if (left === 0) await next()
      }
    }
    if (k < parts.length) throw new RoostError('HASH_MISMATCH', `${src} has ${read} bytes, fewer than the ${at} its index lists`)
  } finally {
    await handle?.close()
  }
  const digest = { sha256: whole.digest('hex'), bytes: read }
  if (expect && (digest.sha256 !== expect.sha256 || digest.bytes !== expect.bytes)) {
    throw new RoostError('HASH_MISMATCH', `${src}: sha256 ${digest.sha256} (${digest.bytes} bytes) differs from the signed index (${expect.sha256}, ${expect.bytes} bytes)`, {
      hint: 'the mirror\'s copy is damaged: run roost mirror verify, then roost mirror sync to fetch it again',
    })
  }
  return { whole: digest, parts: out }
}
