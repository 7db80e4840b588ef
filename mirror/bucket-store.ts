/**
 * A mirror's store in a bucket: what generations it holds, uploading a verified staged
 * generation and checking the upload by hash, removing a generation, and the record of
 * uploads a cut sync verified but did not publish yet.
 *
 * How an upload is checked (chooseUploadCheck): by the hashes the remote itself gives, which
 * cost no download. When the remote gives sha256 (a local or SFTP remote computes it by
 * reading what it stored), each file is compared with the signed index directly. When it
 * gives only md5 or sha1 (S3 and most object stores: the ETag the server computed on receipt,
 * or for a multipart upload the md5 rclone stored beside it after S3 checked every part), the
 * same hash of the staged file, already verified against the index, is computed here and
 * compared. A remote that gives no hash roost knows is read back (`rclone hashsum --download`).
 * `rclone check` is not used: with no hash in common it falls back to sizes alone and still
 * exits 0, and it cannot compare with the index itself.
 */
import { promises as fs, createReadStream } from 'node:fs'
import { createHash } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { RoostError } from '../lib/errors.js'
import type { TreeGeneration } from '../lib/formats/tree.js'
import { isGenerationId, isName } from '../lib/formats/names.js'
import { readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'
import { describeProblems, type FileProblem } from '../lib/stores/check-files.js'
import { deletefileArgs, hashByDownload, listFiles, purgeArgs, remotePath, rmdirArgs, runRclone, uploadArgs, type Rclone } from '../lib/rclone.js'
import type { GenRef } from './plan-sync.js'
import type { UploadRecord } from './bucket-plan.js'

/** A bucket and how to reach it. */
export interface Bucket {
  rclone: Rclone
  /** `REMOTE:path`: the folder holding TREE.json and <svc>/<gen>/. */
  remote: string
}

/** How uploads are checked: a hash the remote gives, or a download. */
export type UploadCheck = 'sha256' | 'md5' | 'sha1' | 'download'

/** The best check a remote offering `hashes` allows (see the file comment). Pure. */
export function chooseUploadCheck(hashes: readonly string[]): UploadCheck {
  for (const h of ['sha256', 'md5', 'sha1'] as const) if (hashes.includes(h)) return h
  return 'download'
}

/** The remote folder of a generation. Pure. */
export function bucketGenPath(b: Bucket, g: GenRef, name?: string): string {
  return name ? remotePath(b.remote, g.service, g.generation, name) : remotePath(b.remote, g.service, g.generation)
}

/** 'svc/gen' for every generation with at least one file in the bucket (one flat listing). */
export async function listBucket(b: Bucket): Promise<Set<string>> {
  const have = new Set<string>()
  for (const f of await listFiles(b.rclone, b.remote, { recursive: true })) {
    const [svc, gen, name, extra] = f.path.split('/')
    if (svc && gen && name && extra === undefined && isName(svc) && isGenerationId(gen)) have.add(`${svc}/${gen}`)
  }
  return have
}

async function hashLocal(path: string, algorithm: 'md5' | 'sha1'): Promise<string> {
  const h = createHash(algorithm)
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), h)
  return h.digest('hex')
}

/**
 * Checks a generation in the bucket against the index, by `check`: sizes from the listing,
 * then the hash (for md5/sha1, of the staged copy in `stagedDir`). Returns the problems.
 * `signal` stops a read-back.
 */
export async function checkUpload(b: Bucket, g: GenRef, files: TreeGeneration['files'], check: UploadCheck, stagedDir: string, listFile: string, signal?: AbortSignal): Promise<FileProblem[]> {
  const hashType = check === 'download' ? undefined : check
  const listed = new Map((await listFiles(b.rclone, bucketGenPath(b, g), hashType ? { hashType } : {})).map(f => [f.path, f]))
  // an object without the hash (an S3 multipart upload made by another tool has no md5) is read back
  if (hashType && Object.keys(files).some(n => listed.get(n)?.bytes === files[n]!.bytes && !listed.get(n)?.hash)) return checkUpload(b, g, files, 'download', stagedDir, listFile, signal)
  let downloaded: Map<string, string> | undefined
  if (check === 'download') {
    await fs.writeFile(listFile, Object.keys(files).join('\n') + '\n')
    downloaded = await hashByDownload(b.rclone, bucketGenPath(b, g), listFile, `reading back ${bucketGenPath(b, g)}`, signal)
  }
  const problems: FileProblem[] = []
  for (const name of Object.keys(files).sort()) {
    const want = files[name]!
    const path = bucketGenPath(b, g, name)
    const got = listed.get(name)
    if (!got) problems.push({ path, what: 'missing' })
    else if (got.bytes !== want.bytes) problems.push({ path, what: 'size differs', detail: `${got.bytes} bytes, the index says ${want.bytes}` })
    else {
      const remote = downloaded ? downloaded.get(name) : got.hash
      if (!remote) {
        problems.push({ path, what: 'missing', detail: 'listed, but it could not be read back' })
        continue
      }
      const local = check === 'md5' || check === 'sha1' ? await hashLocal(join(stagedDir, name), check) : want.sha256
      if (remote !== local) problems.push({ path, what: 'sha256 differs', detail: `${check} ${remote} in the bucket, ${local} verified here` })
    }
  }
  return problems
}

/** Deletes the named files of a generation from the bucket (those present; missing ones are skipped). */
export async function deleteBucketFiles(b: Bucket, problems: readonly FileProblem[]): Promise<void> {
  for (const p of problems) if (p.what !== 'missing') await runRclone(deletefileArgs(b.rclone, p.path), `deleting ${p.path}`, { okCodes: [3, 4] })
}

/**
 * Uploads a staged, verified generation to `<remote>/<svc>/<gen>/` and checks the upload by
 * hash. A file that does not match is deleted and sent again once; still wrong, the sync
 * stops with HASH_MISMATCH (nothing is published). `signal` stops the upload (the end of the
 * allowed hours); the next sync uploads again what is not there whole.
 */
export async function uploadGeneration(b: Bucket, g: GenRef, files: TreeGeneration['files'], stagedDir: string, check: UploadCheck, listFile: string, log: Logger, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runRclone(uploadArgs(b.rclone, stagedDir, bucketGenPath(b, g)), `uploading ${g.service}/${g.generation} to ${bucketGenPath(b, g)}`, signal ? { signal } : {})
    const problems = await checkUpload(b, g, files, check, stagedDir, listFile, signal)
    if (!problems.length) return
    await deleteBucketFiles(b, problems)
    if (attempt >= 2) {
      throw new RoostError('HASH_MISMATCH', `the upload of ${g.service}/${g.generation} does not match its signed index:\n${describeProblems(problems)}`, {
        hint: 'the bad files were deleted from the bucket and nothing was published; check the object store, then sync again',
      })
    }
    log.warn({ service: g.service, generation: g.generation, files: problems.map(p => p.path) }, 'upload does not match; sending it again')
  }
}

/** Removes a generation from the bucket (and its service folder on remotes that keep empty folders). */
export async function removeBucketGeneration(b: Bucket, g: GenRef): Promise<void> {
  await runRclone(purgeArgs(b.rclone, bucketGenPath(b, g)), `removing ${bucketGenPath(b, g)}`, { okCodes: [3, 4] })
  // only when empty; a bucket has no folders and says so
  await runRclone(rmdirArgs(b.rclone, remotePath(b.remote, g.service)), `removing the empty ${remotePath(b.remote, g.service)}`, { okCodes: [1, 2, 3, 4, 5, 6] })
}

const UPLOADS = 'bucket-uploads.json'

/** Generations uploaded and verified since the last publish (state/bucket-uploads.json). */
export async function readUploads(state: string): Promise<UploadRecord> {
  const text = await readIfExists(join(state, UPLOADS))
  try {
    const v = text ? (JSON.parse(text) as { generations?: unknown }).generations : undefined
    return v && typeof v === 'object' ? (v as UploadRecord) : {}
  } catch {
    return {} // a damaged record only costs fetching those generations again
  }
}

/** Records one more verified upload. */
export async function recordUpload(state: string, g: GenRef, files: TreeGeneration['files']): Promise<void> {
  const all = { ...(await readUploads(state)), [`${g.service}/${g.generation}`]: files }
  await writeFileAtomic(join(state, UPLOADS), JSON.stringify({ generations: all }, null, 2) + '\n', 0o600)
}

export async function clearUploads(state: string): Promise<void> {
  await fs.rm(join(state, UPLOADS), { force: true })
}
