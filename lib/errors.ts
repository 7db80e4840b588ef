/**
 * Every error a user can reach is a RoostError with a registered code. The code decides
 * the exit status in exactly one place (`exitCodeFor`). Bugs stay plain `Error` (exit 1).
 */

/** Exit statuses: 0 done, 1 failed, 2 bad usage or configuration, 3 verification failed. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, VERIFY: 3 } as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** The registry of error codes and the exit status each one maps to. */
export const ERROR_CODES = {
  USAGE: EXIT.USAGE,
  CONFIG_INVALID: EXIT.USAGE,
  CONFIG_MISSING: EXIT.USAGE,
  CONFIG_EXISTS: EXIT.USAGE,
  KEY_INVALID: EXIT.USAGE,
  KEY_LOOSE_PERMISSIONS: EXIT.USAGE,
  SERVICE_UNKNOWN: EXIT.USAGE,
  SERVICE_EXISTS: EXIT.USAGE,
  NAME_INVALID: EXIT.USAGE,
  PATH_OUTSIDE_ROOT: EXIT.USAGE,
  TARGET_NOT_EMPTY: EXIT.USAGE,
  TOOL_FAILED: EXIT.FAILED,
  TOOL_MISSING: EXIT.FAILED,
  TAR_FAILED: EXIT.FAILED,
  ZSTD_FAILED: EXIT.FAILED,
  RSYNC_FAILED: EXIT.FAILED,
  RCLONE_FAILED: EXIT.FAILED,
  SSH_FAILED: EXIT.FAILED,
  HOOK_FAILED: EXIT.FAILED,
  LOCKED: EXIT.FAILED,
  UPLOAD_FAILED: EXIT.FAILED,
  HUB_UNREACHABLE: EXIT.FAILED,
  GENERATION_NOT_FOUND: EXIT.FAILED,
  STORE_GENERATION_EXISTS: EXIT.FAILED,
  ARRIVAL_REJECTED: EXIT.FAILED,
  INDEX_BAD_SIGNATURE: EXIT.VERIFY,
  INDEX_ROLLBACK: EXIT.VERIFY,
  INDEX_INVALID: EXIT.VERIFY,
  CATALOG_BAD_SIGNATURE: EXIT.VERIFY,
  CATALOG_INVALID: EXIT.VERIFY,
  MANIFEST_INVALID: EXIT.VERIFY,
  MANIFEST_BAD_SIGNATURE: EXIT.VERIFY,
  HASH_MISMATCH: EXIT.VERIFY,
  VERIFY_FAILED: EXIT.VERIFY,
  INDEX_MISSING: EXIT.FAILED,
  LISTEN_FAILED: EXIT.FAILED,
  CHAIN_BROKEN: EXIT.FAILED,
  PATH_NOT_FOUND: EXIT.FAILED,
  BUDGET_EXCEEDED: EXIT.FAILED,
  AGE_FAILED: EXIT.FAILED,
  DECRYPT_FAILED: EXIT.FAILED,
  IDENTITY_REQUIRED: EXIT.USAGE,
  IMPORT_REJECTED: EXIT.FAILED,
  EXPORT_INVALID: EXIT.VERIFY,
  VOLUMES_MISSING: EXIT.FAILED,
  TRACE_INVALID: EXIT.FAILED,
  DISK_CAP: EXIT.FAILED,
} as const satisfies Record<string, ExitCode>

export type ErrorCode = keyof typeof ERROR_CODES

export interface RoostErrorOptions {
  hint?: string
  cause?: unknown
  detail?: Record<string, unknown>
}

/** An error a user can reach: a registered code, a message naming what failed, a hint. */
export class RoostError extends Error {
  readonly code: ErrorCode
  readonly exitCode: ExitCode
  readonly hint?: string
  readonly detail?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, opts: RoostErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'RoostError'
    this.code = code
    this.exitCode = ERROR_CODES[code]
    if (opts.hint !== undefined) this.hint = opts.hint
    if (opts.detail !== undefined) this.detail = opts.detail
  }
}

/** The one map from an error to an exit status. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof RoostError) return err.exitCode
  return EXIT.FAILED
}

export function isRoostError(err: unknown, code?: ErrorCode): err is RoostError {
  return err instanceof RoostError && (code === undefined || err.code === code)
}

/** Text appended to every --help: the exit-code table. */
export const EXIT_HELP = `
Exit codes:
  0  done
  1  failed
  2  bad usage or configuration
  3  verification failed (something is corrupt or forged)`
