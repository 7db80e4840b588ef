/**
 * Ingests one arrival, `accounts/<svc>/incoming/<folder>/`: take it out of the spoke's reach,
 * gather the cheap facts, decide, run the one streaming pass, then, holding the store lock,
 * gather what may have changed meanwhile (the store, status.json, resets), decide again, and
 * accept into the store or reject. After an accept the service's retention is applied (unless
 * `c.retain` is false). The staging folder is always gone afterwards (renamed into the store, or removed).
 */
import { promises as fs } from 'node:fs'
import type { Manifest } from '../../lib/formats/manifest.js'
import { checkArrival, type ArrivalCode, type Verdict } from './check-arrival.js'
import { gatherArrival, gatherHistory, takeArrival } from './gather.js'
import { passArrival } from './pass.js'
import { commitGeneration, ensureRecord, finishAccept, makeStaging, type IngestContext } from './accept.js'
import { rejectArrival } from './reject.js'
import { withStoreLock } from '../store-lock.js'
import { applyRetention } from '../retention/prune.js'

export type IngestOutcome =
  | { outcome: 'nothing' }
  | { outcome: 'accepted'; generation: string; serial: number; resumed: boolean }
  | { outcome: 'rejected'; code: ArrivalCode; message: string; folder: string }

async function rejected(c: IngestContext, service: string, folder: string, v: Extract<Verdict, { accepted: false }>): Promise<IngestOutcome> {
  await rejectArrival(c, service, folder, v)
  return { outcome: 'rejected', code: v.code, message: v.message, folder }
}

/** After an accept, with the store lock held: the service's retention (a failure there is logged, never undoes the accept). */
async function retain(c: IngestContext, m: Manifest): Promise<void> {
  if (c.retain === false) return
  try {
    await applyRetention({ paths: c.paths, config: c.config, indexKey: c.indexKey, log: c.log, now: c.now() }, m.service)
  } catch (err) {
    c.log.error({ err, service: m.service }, 'retention after an accept failed; the next accept or `roost hub prune` tries again')
  }
}

/** Ingests one arrival. Throws only for the hub's own failures (the arrival then stays in ingesting/, and a rescan retries it). */
export async function ingestArrival(c: IngestContext, service: string, folder: string): Promise<IngestOutcome> {
  if (!(await takeArrival(c.paths, service, folder))) return { outcome: 'nothing' }
  const g = await gatherArrival(c.paths, c.config, service, folder)
  if (!g) return { outcome: 'nothing' }
  const first = checkArrival(g.facts)
  if (!first.accepted) return withStoreLock(c.paths, () => rejected(c, service, folder, first))
  const m = first.manifest
  if (first.alreadyStored) {
    c.log.info({ service, generation: m.generation }, 'finishing an accept that was interrupted')
    return withStoreLock(c.paths, async () => {
      await ensureRecord(c, m)
      const { serial } = await finishAccept(c, m)
      await retain(c, m)
      return { outcome: 'accepted', generation: m.generation, serial, resumed: true }
    })
  }
  const started = Date.now()
  const staging = await makeStaging(c.paths, service, m.generation)
  try {
    const r = await passArrival(m, g.dir, staging)
    const storedBytes = r.stored.bytes + (g.manifestBytes?.length ?? 0)
    return await withStoreLock(c.paths, async (): Promise<IngestOutcome> => {
      const history = await gatherHistory(c.paths, service, folder, g.manifestBytes)
      const second = checkArrival({ ...g.facts, ...history, pass: { ...r.pass, storedBytes } })
      if (!second.accepted) {
        await fs.rm(staging, { recursive: true, force: true })
        return rejected(c, service, folder, second)
      }
      await commitGeneration(c, m, g.manifestBytes!, staging, r.stored)
      const { serial } = await finishAccept(c, m)
      c.log.info({ service, generation: m.generation, bytes: r.pass.bytes, stored: storedBytes, ms: Date.now() - started, serial }, 'generation accepted')
      await retain(c, m)
      return { outcome: 'accepted', generation: m.generation, serial, resumed: false }
    })
  } finally {
    await fs.rm(staging, { recursive: true, force: true })
  }
}
