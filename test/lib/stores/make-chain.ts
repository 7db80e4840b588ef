/**
 * Test plumbing: builds a chain of generations (full, diff, incr) of a live source folder in a
 * store folder, with GNU tar's snapshots as the spoke keeps them, and a bit-exact copy of the
 * source as it was at each generation (to compare restores with).
 */
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { PrivateKey } from '../../../lib/sign.js'
import type { GenerationRecord } from '../../../lib/formats/tree.js'
import { generationKind } from '../../../lib/formats/names.js'
import { makeGeneration, publishStore } from './make-store.js'

export class ChainMaker {
  readonly records: GenerationRecord[] = []
  /** The source as it was when each generation was made. */
  readonly copies = new Map<string, string>()
  private readonly snaps = new Map<string, string>()
  private lastFull: string | undefined
  private last: string | undefined

  constructor(
    readonly store: string,
    readonly work: string,
    readonly service: string,
    readonly source: string,
    readonly key: PrivateKey,
  ) {}

  /**
   * Makes the next generation; its kind comes from the id. A diff builds on the last full,
   * an incr on the last generation. `o.parent`/`o.base` override what the manifest says.
   */
  async add(generation: string, o: { base?: string | null; parent?: string | null } = {}): Promise<void> {
    const kind = generationKind(generation)
    const from = kind === 'full' ? undefined : kind === 'diff' ? this.lastFull : this.last
    if (kind !== 'full' && !from) throw new Error(`${generation} needs an earlier generation`)
    const snapshot = join(this.work, `${generation}.snar`)
    if (from) await fs.copyFile(this.snaps.get(from)!, snapshot)
    const made = await makeGeneration(this.store, this.work, this.service, generation, this.source, this.key, {
      kind,
      snapshot,
      base: o.base !== undefined ? o.base : kind === 'diff' ? from! : null,
      parent: o.parent !== undefined ? o.parent : kind === 'incr' ? from! : null,
    })
    this.snaps.set(generation, snapshot)
    this.records.push(made.record)
    const copy = join(this.work, `copy-${generation}`)
    execFileSync('cp', ['-a', this.source, copy])
    this.copies.set(generation, copy)
    if (kind === 'full') this.lastFull = generation
    this.last = generation
    // file times come from the kernel's coarse clock, which may lag tar's precise one by a
    // few ms: a change made right after a dump could be dated before it and missed
    await new Promise(r => setTimeout(r, 50))
  }

  /** Signs and writes the store's TREE.json over every generation made so far. */
  async publish(indexKey: PrivateKey, serial = 1): Promise<void> {
    await publishStore(this.store, this.records, { [this.service]: this.key.public.line }, serial, indexKey)
  }
}
