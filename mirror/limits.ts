/**
 * What a volunteer's mirror may take: allowed hours and a disk cap (the bandwidth cap is
 * rsync's --bwlimit). Pure.
 */
import { RoostError } from '../lib/errors.js'
import { formatBytes } from '../lib/config/units.js'

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * Whether `now` (local time) falls in `hours` (`HH:MM-HH:MM`, may cross midnight; equal ends
 * mean all day), and how long until the window closes or next opens.
 */
export function hoursWindow(hours: string, now: Date): { inside: boolean; ms: number } {
  const [from, to] = hours.split('-') as [string, string]
  const start = minutes(from)
  const end = minutes(to)
  const nowMin = now.getHours() * 60 + now.getMinutes() + now.getSeconds() / 60 + now.getMilliseconds() / 60_000
  if (start === end) return { inside: true, ms: Infinity }
  const inside = start < end ? nowMin >= start && nowMin < end : nowMin >= start || nowMin < end
  const target = inside ? end : start
  const delta = (target - nowMin + 1440) % 1440
  return { inside, ms: Math.round(delta * 60_000) }
}

export interface DiskFacts {
  /** Bytes the store (and attic) holds now. */
  held: number
  /** Bytes the sync would fetch. */
  incoming: number
  /** Free bytes on the store's file system. */
  free: number
  /** limits.disk, if set. */
  cap?: number
}

/** Throws DISK_CAP when a sync would go beyond the cap or the free space (a margin of 1 % kept). */
export function checkDisk(f: DiskFacts): void {
  if (f.cap !== undefined && f.held + f.incoming > f.cap) {
    throw new RoostError('DISK_CAP', `this sync would fetch ${formatBytes(f.incoming)}, taking the store to ${formatBytes(f.held + f.incoming)}, beyond limits.disk (${formatBytes(f.cap)}); nothing was fetched`, {
      hint: 'raise limits.disk in mirror.yaml, free space, or lower `keep` so pruned generations leave sooner',
    })
  }
  const margin = Math.ceil(f.incoming / 100)
  if (f.incoming + margin > f.free) {
    throw new RoostError('DISK_CAP', `this sync would fetch ${formatBytes(f.incoming)} but the store's disk has ${formatBytes(f.free)} free; nothing was fetched`, { hint: 'free space on the mirror, or set limits.disk to what it can hold' })
  }
}
