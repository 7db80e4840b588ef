/** Sizes (`700M`, `4.7G`, `1024`) and durations (`36h`, `7d`, `30s`). Pure. */

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 }
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Bytes for a size like `700M`, `4.7G`, `1T`, `512`; undefined when it is not one. */
export function parseSize(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isSafeInteger(s) && s >= 0 ? s : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)(?:i?B)?\s*$/i.exec(s)
  if (!m) return undefined
  const v = Math.round(parseFloat(m[1]!) * SIZE_UNITS[m[2]!.toUpperCase()]!)
  return Number.isSafeInteger(v) ? v : undefined
}

/** Milliseconds for a duration like `36h`, `7d`, `30s`, `500ms`; undefined when it is not one. */
export function parseDuration(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isSafeInteger(s) && s >= 0 ? s * 1000 : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(s)
  if (!m) return undefined
  return Math.round(parseFloat(m[1]!) * DURATION_UNITS[m[2]!]!)
}

/** `1.5 GiB`-style text for people. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`
}

/** `3d 4h`-style text for people. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`
}
