/**
 * The one home of pino. Logs go to stderr: pretty on a terminal, JSON lines otherwise.
 * Results (and --json) go to stdout and never through here.
 */
import { pino, type Logger } from 'pino'
import pretty from 'pino-pretty'

export type { Logger }

export interface LogOptions {
  level?: string
  /** Force pretty (true) or JSON (false); default: pretty when stderr is a terminal. */
  pretty?: boolean
}

const REDACT = ['key', 'privateKey', 'secret', 'password', 'token', '*.privateKey', '*.secret', '*.password', '*.token']

/** Builds the process logger. Call once, at the composition root, and pass it down. */
export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.ROOST_LOG_LEVEL ?? 'info'
  const usePretty = opts.pretty ?? Boolean(process.stderr.isTTY)
  const base = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined }
  if (usePretty) {
    return pino(base, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname' }))
  }
  return pino(base, pino.destination({ dest: 2, sync: true }))
}

/** A logger that drops everything: for pure code paths in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
