/** zod building blocks shared by the role schemas: sizes, durations, names, key lines. */
import { z } from 'zod'
import { parseDuration, parseSize } from './units.js'
import { NAME_RE } from '../formats/names.js'

/** A size like `50G` (or a byte count), parsed to bytes. */
export const size = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseSize(v)
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a size like 50G, got '${v}'` })
    return z.NEVER
  }
  return n
})

/** A duration like `36h` or `7d`, parsed to milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseDuration(v)
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 36h or 7d, got '${v}'` })
    return z.NEVER
  }
  return n
})

export const name = z.string().regex(NAME_RE, 'expected a name of lower-case letters, digits and dashes, starting with a letter')
export const keyLine = z.string().regex(/^ssh-ed25519 [A-Za-z0-9+/=]+( .*)?$/, "expected an 'ssh-ed25519 AAAA…' public key line")
export const port = z.number().int().min(0).max(65535)
export const host = z.string().min(1).max(255).regex(/^[A-Za-z0-9.:_-]+$/, 'expected a host name or address')

/** Where a role connects to: host, port and the pinned host key. */
export const endpoint = z.strictObject({
  host,
  port: port.default(2222),
  /** The upstream's SSH host key, pinned at init. */
  hostKey: keyLine,
  /**
   * How often ssh asks the other end whether it is still there; after 4 unanswered asks the
   * connection counts as cut and the transfer fails (default 15s: a cut link is noticed
   * within a minute instead of hanging until rsync's own timeout).
   */
  keepalive: duration.pipe(z.number().min(1000, 'expected a keepalive of at least 1s')).optional(),
})
export type Endpoint = z.infer<typeof endpoint>

/** What an SSH front door (the hub's, or a mirror's that serves) allows before it drops a client. */
export const FrontDoorLimitsSchema = z.strictObject({
  maxAuthTries: z.number().int().min(1).max(100).default(6),
  loginGraceTime: duration.default(30_000),
  maxUnauthenticated: z.number().int().min(1).max(10_000).default(32),
  maxConnections: z.number().int().min(1).max(100_000).default(256),
  keepaliveInterval: duration.default(15_000),
  keepaliveCountMax: z.number().int().min(1).max(100).default(4),
})
