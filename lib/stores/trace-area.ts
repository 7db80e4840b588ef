/**
 * Reading a mirror account's trace area (`…/<mirror>/trace/TRACE.json`), on the hub and on a
 * mirror that serves others. A bad trace is reported, never thrown: one mirror's garbage must
 * not hide the others.
 */
import { constants as fsc, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { isRoostError } from '../errors.js'
import { parseTrace, TRACE_FILE, TRACE_MAX_BYTES, type TraceEntry } from '../formats/trace.js'

/** What was read from one mirror account's trace area. */
export interface TraceRead {
  entries: TraceEntry[]
  /** When the file last changed on the hub (ctime: rsync cannot set it). */
  contact: Date | null
  error?: string
}

/** Reads one mirror's TRACE.json (at most TRACE_MAX_BYTES); a bad one is reported, not thrown. */
export async function readTraceArea(dir: string, account: string): Promise<TraceRead | undefined> {
  const file = join(dir, TRACE_FILE)
  let fh
  try {
    // never through a symlink the mirror planted: only a plain file it wrote counts
    fh = await fs.open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    return { entries: [], contact: null, error: `${TRACE_FILE} cannot be read (${code ?? 'error'}): not a plain file` }
  }
  try {
    const st = await fh.stat()
    const contact = st.ctime
    if (!st.isFile() || st.size > TRACE_MAX_BYTES) return { entries: [], contact, error: `${TRACE_FILE} is not a file of at most ${TRACE_MAX_BYTES} bytes` }
    const buf = Buffer.alloc(st.size)
    await fh.read(buf, 0, st.size, 0)
    try {
      return { entries: parseTrace(buf.toString('utf8'), account, `mirror ${account}'s ${TRACE_FILE}`).entries, contact }
    } catch (err) {
      if (!isRoostError(err)) throw err
      return { entries: [], contact, error: err.message }
    }
  } finally {
    await fh.close()
  }
}

