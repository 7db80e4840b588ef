/**
 * Loads a YAML config, validates it once with a zod schema, and returns it deep-frozen.
 * Every problem becomes one line naming the file and the key, and exit code 2:
 *   hub.yaml: at 'services.wiki.quota': expected a size like 50G
 */
import { promises as fs } from 'node:fs'
import { basename } from 'node:path'
import * as yaml from 'js-yaml'
import type { z } from 'zod'
import { RoostError } from '../errors.js'

/** Renders the first zod issue the way a sysadmin reads it. */
export function renderIssue(file: string, issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? `at '${issue.path.join('.')}'` : 'at the top level'
  let what = issue.message
  if (issue.code === 'unrecognized_keys') what = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(k => `'${k}'`).join(', ')}`
  return `${basename(file)}: ${where}: ${what}`
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o)
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v)
  }
  return o
}

/** Validates parsed YAML; throws CONFIG_INVALID with one line naming file and key. */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, file: string): z.output<S> {
  const r = schema.safeParse(raw ?? {})
  if (!r.success) {
    const first = r.error.issues[0]!
    throw new RoostError('CONFIG_INVALID', renderIssue(file, first), { detail: { issues: r.error.issues.length } })
  }
  return deepFreeze(r.data)
}

/** Reads and parses a YAML config file without validating it (to edit it and write it back). */
export async function loadRawYaml(file: string): Promise<unknown> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new RoostError('CONFIG_MISSING', `${file}: ${code === 'ENOENT' ? 'no such file' : 'cannot be read'}`, {
      cause: err,
      hint: 'pass --config FILE, set ROOST_CONFIG, or run the role\'s init first',
    })
  }
  let raw: unknown
  try {
    raw = yaml.load(text, { filename: file })
  } catch (err) {
    const reason = (err as { reason?: string; mark?: { line: number } }).reason ?? 'not valid YAML'
    const line = (err as { mark?: { line: number } }).mark?.line
    throw new RoostError('CONFIG_INVALID', `${basename(file)}: ${reason}${line === undefined ? '' : ` (line ${line + 1})`}`, { cause: err })
  }
  return raw
}

/** Reads, parses and validates a YAML config file. */
export async function loadConfig<S extends z.ZodType>(schema: S, file: string): Promise<z.output<S>> {
  return validateConfig(schema, await loadRawYaml(file), file)
}

/** Renders a config object as YAML for writing. */
export function dumpYaml(o: unknown): string {
  return yaml.dump(o, { lineWidth: 200, noRefs: true, sortKeys: false })
}
