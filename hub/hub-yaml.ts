/**
 * Writing hub.yaml back (add-service, add-mirror). The loaded config holds durations in
 * milliseconds and sizes in bytes, while hub.yaml reads a bare number as seconds; so every
 * field the schema builds from `duration` or `size` is written back as text (`1d`, `50G`) by
 * walking the schema, and the result is validated again before it replaces the file.
 * Comments in a hand-edited hub.yaml are not kept.
 */
import type { z } from 'zod'
import { HubConfigSchema, type HubConfig } from '../lib/config/hub.js'
import { duration, size } from '../lib/config/types.js'
import { dumpYaml, validateConfig } from '../lib/config/load.js'
import { writeFileAtomic } from '../lib/fsx/atomic.js'

const DURATION_UNITS: Array<[string, number]> = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]
const SIZE_UNITS: Array<[string, number]> = [['P', 1024 ** 5], ['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]]

/** Milliseconds as the largest exact unit: 86400000 → `1d`, 1500 → `1500ms`. */
export function durationText(ms: number): string {
  for (const [u, n] of DURATION_UNITS) if (ms >= n && ms % n === 0) return `${ms / n}${u}`
  return `${ms}ms`
}

/** Bytes as the largest exact unit: 53687091200 → `50G`; other counts stay numbers. */
export function sizeText(bytes: number): string | number {
  for (const [u, n] of SIZE_UNITS) if (bytes >= n && bytes % n === 0) return `${bytes / n}${u}`
  return bytes
}

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType }

function plain(schema: z.ZodType | undefined, value: unknown): unknown {
  if (value === undefined || schema === undefined) return value
  if (schema === (duration as z.ZodType)) return durationText(value as number)
  if (schema === (size as z.ZodType)) return sizeText(value as number)
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def
  if (['default', 'prefault', 'optional', 'nullable', 'readonly'].includes(def.type)) return plain(def.innerType, value)
  if ((def.type === 'object' || def.type === 'record') && value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const p = plain(def.type === 'object' ? def.shape?.[k] : def.valueType, v)
      if (p !== undefined) out[k] = p
    }
    return out
  }
  if (def.type === 'array' && Array.isArray(value)) return value.map(v => plain(def.element, v))
  return value
}

/** The config as hub.yaml values: reading them back gives the same config. Pure. */
export function hubYamlValues(config: HubConfig): Record<string, unknown> {
  return plain(HubConfigSchema, config) as Record<string, unknown>
}

/** Validates `values` as hub.yaml and replaces `file` atomically (mode 0600). */
export async function writeHubYaml(file: string, values: Record<string, unknown>): Promise<HubConfig> {
  const config = validateConfig(HubConfigSchema, values, file)
  await writeFileAtomic(file, dumpYaml(values), 0o600)
  return config
}
