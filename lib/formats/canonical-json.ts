/**
 * Canonical JSON: object keys sorted by code point, no whitespace, UTF-8. Signatures are
 * made and checked over these bytes, so two writers always agree on them.
 */

/** Renders a JSON value canonically. Throws on values JSON cannot carry (undefined in arrays, non-finite numbers). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number ${value}`)
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(v => canonicalJson(v)).join(',')}]`
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>
    const keys = Object.keys(obj).filter(k => obj[k] !== undefined).sort()
    return `{${keys.map(k => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
  }
  throw new Error(`canonicalJson: cannot encode ${typeof value}`)
}

/** Canonical JSON as bytes. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8')
}
