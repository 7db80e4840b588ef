/**
 * The effective state of a chain: what a folder holds after replaying its archives oldest
 * first, worked out from their headers alone, the way GNU tar replays them in incremental
 * mode. Each folder member carries a dumpdir naming everything the folder held when the
 * archive was made: folder renames (R/T, with X for a temporary name) are applied first, then
 * whatever the folder holds that the dumpdir does not name is dropped, then the member itself
 * is set. So a path present at the newest link is listed with the version of the newest
 * link that holds it, and deleted or renamed-away paths are absent. Pure (no I/O).
 */
import type { DumpdirEntry, TarMember } from './tar-headers.js'

/** One path in the effective state. A hardlink's size is its target's. */
export interface StateEntry extends TarMember {
  /** The generation whose archive holds this version. */
  generation: string
}

interface Node {
  entry?: StateEntry
  children?: Map<string, Node>
}

function parts(path: string): string[] {
  return path.split('/').filter(p => p && p !== '.')
}

/** The state of one chain, fed member by member (`apply`) in archive order, oldest link first. */
export class ChainState {
  private readonly root: Node = { children: new Map() }
  private temp: Node | undefined

  private node(path: string): Node | undefined {
    let n: Node | undefined = this.root
    for (const p of parts(path)) n = n?.children?.get(p)
    return n
  }

  /** The node's parent (made, as tar makes missing parent folders) and its name there. */
  private slot(path: string): { parent: Node; name: string } | undefined {
    const ps = parts(path)
    const name = ps.pop()
    if (name === undefined) return undefined
    let n = this.root
    for (const p of ps) {
      n.children ??= new Map()
      let next = n.children.get(p)
      if (!next) n.children.set(p, (next = { children: new Map() }))
      n = next
    }
    n.children ??= new Map()
    return { parent: n, name }
  }

  private detach(path: string): Node | undefined {
    const s = this.slot(path)
    const n = s?.parent.children!.get(s.name)
    if (s && n) s.parent.children!.delete(s.name)
    return n
  }

  private attach(path: string, n: Node | undefined): void {
    const s = this.slot(path)
    if (s && n) s.parent.children!.set(s.name, n)
  }

  private renames(entries: readonly DumpdirEntry[]): void {
    let from: string | undefined
    for (const e of entries) {
      if (e.code === 'X') this.temp = undefined
      else if (e.code === 'R') from = e.name
      else if (e.code === 'T' && from !== undefined) {
        const n = from === '' ? this.temp : this.detach(from)
        if (e.name === '') this.temp = n
        else this.attach(e.name, n)
        from = undefined
      }
    }
  }

  /** Drops what a folder holds that its dumpdir does not name (or names as another type). */
  private purge(path: string, entries: readonly DumpdirEntry[]): void {
    const kids = this.node(path)?.children
    if (!kids) return
    const named = new Map<string, string>()
    for (const e of entries) if (e.code === 'Y' || e.code === 'N' || e.code === 'D') named.set(e.name, e.code)
    for (const [name, n] of kids) {
      const code = named.get(name)
      const isDir = n.children !== undefined
      if (code === undefined || (code === 'D' && !isDir) || (code === 'Y' && isDir)) kids.delete(name)
    }
  }

  /** Applies one member of the archive of `generation`. */
  apply(m: TarMember, generation: string): void {
    if (m.dumpdir) {
      this.renames(m.dumpdir)
      this.purge(m.path, m.dumpdir)
    }
    const s = this.slot(m.path)
    if (!s) return
    const old = s.parent.children!.get(s.name)
    const entry: StateEntry = { ...m, generation }
    if (m.type === 'hardlink' && m.linkname !== undefined) {
      const target = this.node(m.linkname)?.entry
      if (target) entry.size = target.size
    }
    const children = m.type === 'dir' ? (old?.children ?? new Map<string, Node>()) : undefined
    s.parent.children!.set(s.name, children ? { entry, children } : { entry })
  }

  /** The entry at `path` (archive form, no leading slash), if the state holds one. */
  get(path: string): StateEntry | undefined {
    const e = this.node(path)?.entry
    return e && { ...e, path: parts(path).join('/') }
  }

  /** True when `path` is in the state, as a member or as a folder tar makes for one. */
  has(path: string): boolean {
    return parts(path).length === 0 || this.node(path) !== undefined
  }

  /**
   * Every entry at or below `path` (default: all), folders before what they hold, names
   * sorted. Paths are where the entries are now (after renames), not where they were archived.
   */
  *entries(path = ''): Generator<StateEntry> {
    const start = this.node(path)
    if (!start) return
    const stack: Array<[Node, string]> = [[start, parts(path).join('/')]]
    while (stack.length) {
      const [n, at] = stack.pop()!
      if (n.entry) yield { ...n.entry, path: at }
      if (n.children) for (const k of [...n.children.keys()].sort().reverse()) stack.push([n.children.get(k)!, at ? `${at}/${k}` : k])
    }
  }

  /** Paths of folders tar makes only as parents of members (`srv` for `srv/wiki`), at or below `path`. */
  *implicitFolders(path = ''): Generator<string> {
    const walk = function* (n: Node, at: string): Generator<string> {
      if (!n.entry && at) yield at
      for (const [k, c] of n.children ?? []) yield* walk(c, at ? `${at}/${k}` : k)
    }
    const start = this.node(path)
    if (start) yield* walk(start, parts(path).join('/'))
  }
}
