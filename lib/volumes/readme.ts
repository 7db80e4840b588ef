/**
 * README.txt on every disc of a set: what the set is, and how to restore from it with roost
 * or, years later, by hand with xorriso, par2, cat, sha256sum, zstd, tar and age alone.
 * Command lines are indented four spaces and start with `$ `; a test follows them as
 * written (test/e2e/volumes-by-hand.test.ts), so keep them runnable. Pure.
 */
import { DATA_DIR, INDEX_KEY_FILE, PIECES_FILE, SUMS_FILE, VOLUME_FILE } from './layout.js'
import { extractArgs } from '../tar.js'

export interface ReadmeGeneration {
  service: string
  generation: string
  kind: 'full' | 'diff' | 'incr'
  /** The generation it builds on (null for a full). */
  dependsOn: string | null
  /** Whether its archive is age-encrypted (data.tar.zst.age). */
  encrypted: boolean
}

export interface ReadmeInput {
  set: string
  labels: readonly string[]
  created: string
  media: string
  capacity: number
  requires: readonly string[]
  treeSerial: number
  indexKeyFingerprint: string
  signerFingerprint: string
  redundancyPercent: number
  survivesDiscLoss: boolean
  generations: readonly ReadmeGeneration[]
}

/** Bytes a README line per disc takes at most (for planning before the labels are known). */
export const README_PER_DISC = 160

/** The by-hand tar command: the same options roost's restore uses, reading stdin. */
function tarLine(): string {
  return extractArgs('/target', { sameOwner: true }).map(a => (a.includes('*') ? `'${a}'` : a)).join(' ')
}

export function renderDiscReadme(r: ReadmeInput): string {
  const parity = r.survivesDiscLoss
    ? `par2 recovery data (${r.redundancyPercent.toFixed(1)}% of the data, spread over every disc) can rebuild any ONE lost or damaged disc of this set.`
    : `par2 recovery data (${r.redundancyPercent.toFixed(1)}% of the data) can repair damaged parts of the disc, but not a lost disc.`
  const out = [
    `ROOST DISC SET ${r.set}`,
    `====================`,
    '',
    `This disc is one of ${r.labels.length} of backup set ${r.set}, made ${r.created} on ${r.media} media`,
    `(${r.capacity} bytes each) from the hub's index serial ${r.treeSerial}. Its label is in ${VOLUME_FILE}.`,
    r.requires.length ? `This set holds only what earlier sets did not: restoring everything also needs sets ${r.requires.join(', ')}.` : 'This set needs no other set.',
    parity,
    '',
    'The discs of this set:',
    ...r.labels.map((l, i) => `  disc ${i + 1}: ${l}`),
    '',
    'On every disc:',
    `  CATALOG.json(.sig)  every file and piece of the set: which disc, offset, bytes, sha256 (signed by the mirror key ${r.signerFingerprint})`,
    `  TREE.json(.sig)     the hub's signed index this set was made from`,
    `  ${INDEX_KEY_FILE}       the hub's index key, fingerprint ${r.indexKeyFingerprint}: compare it with the fingerprint you recorded when the hub was set up`,
    `  ${SUMS_FILE}         sha256 of every whole file of the set (sha256sum -c)`,
    `  ${PIECES_FILE}          one line per piece, in order: DISC PATH-ON-DISC FILE OFFSET BYTES SHA256`,
    `  roost*.par2         this disc's share of the parity`,
    `  ${DATA_DIR}/SERVICE/GENERATION/FILE                  a file kept whole`,
    `  ${DATA_DIR}/SERVICE/GENERATION/FILE.part002of005     a piece of a file split across discs`,
    '',
    'RESTORE WITH ROOST',
    '------------------',
    'Put the disc images (or the mounted discs, one folder each) of this set and of the sets it needs',
    'in one folder, copy the hub\'s index key off any disc, check its fingerprint against the one',
    'above and the one you recorded, then restore:',
    '',
    '    $ mkdir -p /restore && xorriso -osirrox on -indev /dev/sr0 -extract /INDEX_KEY.pub /restore/INDEX_KEY.pub',
    '    $ ssh-keygen -lf /restore/INDEX_KEY.pub',
    '    $ roost restore SERVICE --from /media/roost-discs --index-key /restore/INDEX_KEY.pub --to /target',
    '',
    'roost checks the signatures, reassembles split files, repairs a damaged or missing disc with',
    'par2, verifies every byte against the signed index, and replays the chain of generations.',
    'Add GENERATION (or --at TIME) for an older one, --identity FILE for an encrypted service.',
    '',
    'RESTORE BY HAND',
    '---------------',
    'Needs Debian (or any Linux) with: apt-get install xorriso par2 zstd tar age coreutils',
    '',
    '1. Copy every disc into its own folder named by its label (insert each disc in turn; for an',
    '   image file give its path instead of /dev/sr0):',
    '',
    '    $ mkdir -p /restore/discs',
    ...r.labels.map(l => `    $ xorriso -osirrox on -indev /dev/sr0 -extract / /restore/discs/${l}`),
    '',
    '2. Check the data; if a disc is damaged or lost (skip its copy above), repair it. par2 rebuilds',
    '   the missing files; delete the *.1 backups it leaves before going on. (Give par2 absolute',
    '   paths, as here: with relative ones par2cmdline 0.8 ignores the other discs\' recovery files.)',
    '',
    '    $ par2 verify -B/restore/discs "$(ls -d /restore/discs/*/roost.par2 | head -n 1)" /restore/discs/*/roost.vol*.par2',
    '    $ par2 repair -B/restore/discs "$(ls -d /restore/discs/*/roost.par2 | head -n 1)" /restore/discs/*/roost.vol*.par2 && find /restore/discs -name "*.1" -type f -delete',
    '',
    '3. Put the files back together (pieces in order), check every file, and keep the index with',
    '   them: /restore/store is then a store folder roost can also restore from.',
    '',
    '    $ mkdir -p /restore/store && cd /restore/discs',
    `    $ while read -r disc piece file rest; do mkdir -p "/restore/store/\${file%/*}" && cat "$disc/$piece" >> "/restore/store/$file"; done < "$(ls -d */${PIECES_FILE} | head -n 1)"`,
    `    $ cd /restore/store && sha256sum -c "$(ls -d /restore/discs/*/${SUMS_FILE} | head -n 1)"`,
    '    $ cp "$(ls -d /restore/discs/*/TREE.json | head -n 1)" "$(ls -d /restore/discs/*/TREE.json.sig | head -n 1)" /restore/store/',
    '',
    '   (For a set that needs earlier sets, do steps 1–3 for each set into the same /restore/store.)',
    '',
    '4. Unpack: a full first, then each generation that builds on it, oldest first (the chains are',
    '   listed below; a diff needs only its full, an incr every generation before it back to the',
    '   full). For each generation GENERATION of service SERVICE, in that order:',
    '',
    `    $ mkdir -p /target && zstd -dc /restore/store/SERVICE/GENERATION/data.tar.zst | ${tarLine()}`,
    '',
    '   An encrypted service stores data.tar.zst.age; decrypt it with the identity kept offline:',
    '',
    `    $ mkdir -p /target && age -d -i /path/to/identity.txt /restore/store/SERVICE/GENERATION/data.tar.zst.age | zstd -dc | ${tarLine()}`,
    '',
    '   Each generation\'s manifest.json (signed by its service) lists the sha256 of the tar that',
    '   comes out of zstd; `zstd -dc … | sha256sum` checks it.',
    '',
    'WHAT THIS SET HOLDS',
    '-------------------',
    ...renderGenerations(r.generations),
    '',
  ]
  return out.join('\n')
}

function renderGenerations(gens: readonly ReadmeGeneration[]): string[] {
  const out: string[] = []
  let service = ''
  for (const g of gens) {
    if (g.service !== service) {
      service = g.service
      out.push(`${service}:`)
    }
    out.push(`  ${g.generation}  ${g.kind}${g.dependsOn ? `, builds on ${g.dependsOn}` : ''}${g.encrypted ? ', encrypted' : ''}`)
  }
  return out.length ? out : ['(no generations)']
}
