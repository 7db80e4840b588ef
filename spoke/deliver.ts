/**
 * Delivering a made generation: upload it, wait for the hub's verdict, record it locally.
 * Also finishes generations an earlier run made but never saw accepted (resume): the hub's
 * store listing and status.json tell whether it already holds them.
 */
import type { Logger } from '../lib/log.js'
import type { SshTarget } from '../lib/ssh-client.js'
import { RoostError } from '../lib/errors.js'
import { markGeneration, type LocalGeneration } from './local.js'
import { fetchStatus, judgeStatus, listHubGenerations, uploadGeneration, type TransferStats, type UploadOptions, type Verdict } from './upload.js'

export interface DeliverOptions extends UploadOptions {
  /** How long to wait for the hub's verdict after the manifest arrived. */
  verdictTimeoutMs: number
  /** How soon to ask again at first (default 500 ms); each wait is half again as long, up to 5 s. */
  pollMs?: number
  /** A folder for the short-lived copy of status.json. */
  tmpRoot: string
}

export interface Delivery {
  generation: string
  stats: TransferStats
  uploadMs: number
  verdictMs: number
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

/** The longest wait between two polls: every poll is an ssh login, and a busy hub has many spokes asking. */
export const MAX_POLL_MS = 5000

/** The waits between polls: `first`, then each half again as long, up to MAX_POLL_MS. Pure. */
export function nextPoll(prev: number | undefined, first = 500): number {
  return prev === undefined ? first : Math.min(MAX_POLL_MS, Math.round(prev * 1.5))
}

/** Polls the hub's status.json until it names the generation, or the timeout passes. */
export async function waitForVerdict(t: SshTarget, generation: string, o: DeliverOptions): Promise<Verdict> {
  const end = Date.now() + o.verdictTimeoutMs
  let wait: number | undefined
  for (;;) {
    const v = judgeStatus(await fetchStatus(t, o.tmpRoot), generation)
    if (v.verdict !== 'pending') return v
    if (Date.now() >= end) return v
    wait = nextPoll(wait, o.pollMs)
    await sleep(Math.min(wait, Math.max(0, end - Date.now())))
  }
}

/** Turns a verdict into the local marker; throws ARRIVAL_REJECTED or UPLOAD_FAILED when not accepted. */
async function settle(g: LocalGeneration, v: Verdict, timeoutMs: number): Promise<void> {
  if (v.verdict === 'accepted') {
    await markGeneration(g.dir, 'accepted', { at: new Date().toISOString() })
    return
  }
  if (v.verdict === 'rejected') {
    await markGeneration(g.dir, 'rejected', { at: new Date().toISOString(), code: v.code, message: v.message })
    throw new RoostError('ARRIVAL_REJECTED', `the hub rejected ${g.generation}: ${v.message} [${v.code}]`, {
      hint: 'see the hub\'s rejected/ folder and reason.json; the generation is kept on this host',
      detail: { generation: g.generation, code: v.code },
    })
  }
  throw new RoostError('UPLOAD_FAILED', `${g.generation} was uploaded but the hub gave no verdict within ${Math.round(timeoutMs / 1000)} s`, {
    hint: 'is `roost hub serve` running its ingest? The next run checks again and finishes it',
  })
}

/** Uploads a generation and waits for the hub to accept it. BUDGET_EXCEEDED passes through as it is. */
export async function deliver(t: SshTarget, g: LocalGeneration, o: DeliverOptions, log: Logger): Promise<Delivery> {
  const up = await uploadGeneration(t, g.dir, g.generation, o).catch((err: unknown) => {
    if (!(err instanceof RoostError) || err.code === 'BUDGET_EXCEEDED') throw err
    throw new RoostError('UPLOAD_FAILED', `${err.message}; ${g.generation} is kept on this host and the next run sends it`, { cause: err, ...(err.hint ? { hint: err.hint } : {}), ...(err.detail ? { detail: err.detail } : {}) })
  })
  const uploadMs = up.archiveMs + up.manifestMs
  log.info({ generation: g.generation, sent: up.sent, literal: up.literal, matched: up.matched, ms: uploadMs }, 'uploaded')
  const start = Date.now()
  const v = await waitForVerdict(t, g.generation, o)
  const verdictMs = Date.now() - start
  log.info({ generation: g.generation, verdict: v.verdict, ms: verdictMs }, 'hub verdict')
  await settle(g, v, o.verdictTimeoutMs)
  return { generation: g.generation, stats: { sent: up.sent, literal: up.literal, matched: up.matched }, uploadMs, verdictMs }
}

export interface Resumed {
  generation: string
  /** 'held' when the hub already had it; 'uploaded' when this run sent it. */
  how: 'held' | 'uploaded'
  sent: number
}

/**
 * Finishes every pending local generation, oldest first. One the hub already holds is
 * marked accepted; one it rejected is marked rejected (and reported, not retried); any other
 * is uploaded again (rsync resumes a cut transfer). Throws when one cannot be delivered.
 */
export async function resumePending(t: SshTarget, pending: readonly LocalGeneration[], o: DeliverOptions, log: Logger): Promise<Resumed[]> {
  if (!pending.length) return []
  const held = new Set(await listHubGenerations(t))
  const status = await fetchStatus(t, o.tmpRoot)
  const done: Resumed[] = []
  for (const g of pending) {
    const known = held.has(g.generation) ? ({ verdict: 'accepted' } as const) : judgeStatus(status, g.generation)
    if (known.verdict === 'accepted') {
      await markGeneration(g.dir, 'accepted', { at: new Date().toISOString(), found: 'on the hub' })
      log.info({ generation: g.generation }, 'earlier generation already on the hub')
      done.push({ generation: g.generation, how: 'held', sent: 0 })
    } else if (known.verdict === 'rejected') {
      await markGeneration(g.dir, 'rejected', { at: new Date().toISOString(), code: known.code, message: known.message })
      log.error({ generation: g.generation, code: known.code, reason: known.message }, 'earlier generation was rejected by the hub; kept locally')
    } else {
      log.info({ generation: g.generation }, 'resuming upload of an earlier generation')
      try {
        const d = await deliver(t, g, o, log)
        done.push({ generation: g.generation, how: 'uploaded', sent: d.stats.sent })
      } catch (err) {
        // a rejected old generation is recorded and reported; it must not block today's backup
        if (!(err instanceof RoostError && err.code === 'ARRIVAL_REJECTED')) throw err
        log.error({ generation: g.generation, err: err.message }, 'earlier generation was rejected by the hub; kept locally')
      }
    }
  }
  return done
}
