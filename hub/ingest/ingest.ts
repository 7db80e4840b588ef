/**
 * Ingests one arrival, `accounts/<svc>/incoming/<folder>/`: take it out of the spoke's reach,
 * gather the cheap facts, decide,
 * run the one streaming pass, decide again, then accept into the store or reject.
 * The staging folder is always gone afterwards (renamed into the store, or removed).
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { ARCHIVE } from '../../lib/layout.js'
import { checkArrival, type ArrivalCode } from './check-arrival.js'
import { gatherArrival, takeArrival } from './gather.js'
import { streamArrival } from './pass.js'
import { commitGeneration, ensureRecord, finishAccept, makeStaging, type IngestContext } from './accept.js'
import { rejectArrival } from './reject.js'

export type IngestOutcome =
  | { outcome: 'nothing' }
  | { outcome: 'accepted'; generation: string; serial: number; resumed: boolean }
  | { outcome: 'rejected'; code: ArrivalCode; message: string; folder: string }

/** Ingests one arrival. Throws only for the hub's own failures (the arrival then stays in ingesting/, and a rescan retries it). */
export async function ingestArrival(c: IngestContext, service: string, folder: string): Promise<IngestOutcome> {
  if (!(await takeArrival(c.paths, service, folder))) return { outcome: 'nothing' }
  const g = await gatherArrival(c.paths, c.config, service, folder)
  if (!g) return { outcome: 'nothing' }
  const first = checkArrival(g.facts)
  if (!first.accepted) {
    await rejectArrival(c, service, folder, first)
    return { outcome: 'rejected', code: first.code, message: first.message, folder }
  }
  const m = first.manifest
  if (first.alreadyStored) {
    c.log.info({ service, generation: m.generation }, 'finishing an accept that was interrupted')
    await ensureRecord(c, m)
    const { serial } = await finishAccept(c, m)
    return { outcome: 'accepted', generation: m.generation, serial, resumed: true }
  }
  const started = Date.now()
  const staging = await makeStaging(c.paths, service, m.generation)
  try {
    const r = await streamArrival(join(g.dir, ARCHIVE), staging)
    const storedBytes = r.stored.bytes + (g.manifestBytes?.length ?? 0)
    const second = checkArrival({ ...g.facts, pass: { ...r.pass, storedBytes } })
    if (!second.accepted) {
      await fs.rm(staging, { recursive: true, force: true })
      await rejectArrival(c, service, folder, second)
      return { outcome: 'rejected', code: second.code, message: second.message, folder }
    }
    await commitGeneration(c, m, g.manifestBytes!, staging, r.stored)
    const { serial } = await finishAccept(c, m)
    c.log.info({ service, generation: m.generation, bytes: r.pass.bytes, stored: storedBytes, ms: Date.now() - started, serial }, 'generation accepted')
    return { outcome: 'accepted', generation: m.generation, serial, resumed: false }
  } finally {
    await fs.rm(staging, { recursive: true, force: true })
  }
}

