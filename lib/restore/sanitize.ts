/**
 * What a restore leaves out unless asked: an archive is the spoke's word, and restore often
 * runs as root. Before the restored tree is moved into place, set-user-ID and set-group-ID
 * bits are cleared on regular files (`--keep-setuid` keeps them) and character and block
 * device nodes are removed (`--keep-devices` keeps them). Folders keep their setgid bit (it
 * only makes new files inherit the group). Symlinks are never followed. Returns what it did,
 * as paths relative to the restored tree.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'

export interface SanitizeOptions {
  keepSetuid?: boolean
  keepDevices?: boolean
}

export interface Sanitized {
  /** Regular files whose setuid/setgid bits were cleared. */
  setuidCleared: string[]
  /** Device nodes left out. */
  devicesLeftOut: string[]
}

export async function sanitizeTree(root: string, o: SanitizeOptions = {}): Promise<Sanitized> {
  const out: Sanitized = { setuidCleared: [], devicesLeftOut: [] }
  if (o.keepSetuid && o.keepDevices) return out
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      const p = join(root, r)
      if (e.isDirectory()) await walk(r)
      else if ((e.isCharacterDevice() || e.isBlockDevice()) && !o.keepDevices) {
        await fs.unlink(p)
        out.devicesLeftOut.push(r)
      } else if (e.isFile() && !o.keepSetuid) {
        const st = await fs.lstat(p)
        if (st.isFile() && st.mode & 0o6000) {
          // utimes are kept: chmod changes only the ctime
          await fs.chmod(p, st.mode & 0o1777)
          out.setuidCleared.push(r)
        }
      }
    }
  }
  await walk('')
  return out
}
