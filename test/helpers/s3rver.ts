/**
 * An S3-protocol server on 127.0.0.1 for the bucket tests: s3rver (from npm) on port 0, its
 * objects in a folder of its own from fs.mkdtemp, one bucket made at start. `stop()` closes
 * the server, then removes the folder. Each object is kept as `<key>._S3rver_object`, so a
 * test can damage one on disk the way bit rot would (s3rver keeps its md5 beside it).
 */
import { promises as fs } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface S3rverServer {
  run(): Promise<{ port: number }>
  close(): Promise<void>
}
type S3rverCtor = new (o: Record<string, unknown>) => S3rverServer

export interface RunningS3 {
  port: number
  dir: string
  bucket: string
  /** An rclone config (`[NAME]` section) that reaches this server. */
  rcloneConfig(name: string): string
  /** The file s3rver keeps an object's bytes in. */
  objectFile(key: string): string
  stop(): Promise<void>
}

export async function startS3rver(bucket = 'roost'): Promise<RunningS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor
  const dir = await fs.mkdtemp(join(tmpdir(), 'roost-s3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] })
  let port: number
  try {
    port = (await server.run()).port
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    port,
    dir,
    bucket,
    rcloneConfig: name =>
      [`[${name}]`, 'type = s3', 'provider = Other', 'access_key_id = S3RVER', 'secret_access_key = S3RVER', `endpoint = http://127.0.0.1:${port}`, 'region = us-east-1', 'force_path_style = true', ''].join('\n'),
    objectFile: key => join(dir, bucket, `${key}._S3rver_object`),
    stop: async () => {
      await server.close().catch(() => {})
      await fs.rm(dir, { recursive: true, force: true })
    },
  }
}
