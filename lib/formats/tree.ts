/**
 * TREE.json, format `roost-tree/1`: the signed index of a store. It lists every service
 * (with the public key its manifests are signed with), every generation and every stored
 * file with its size and sha256, under a serial that only grows. TREE.json.sig holds the
 * hub's ed25519 signature over the exact bytes of TREE.json. Mirrors publish it last. Pure.
 */
import { z } from 'zod'
import { FILE_NAME_RE, GENERATION_RE, KINDS, NAME_RE } from './names.js'
import type { PrivateKey, PublicKey } from '../sign.js'
import { checkSignature, parseJsonWith, signCanonical, type SignedJson } from './signed-json.js'

export const TREE_FORMAT = 'roost-tree/1'
export const TREE_FILE = 'TREE.json'
export const TREE_SIG_FILE = 'TREE.json.sig'
export const TREE_MAX_BYTES = 256 * 1024 * 1024

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

export const StoredFileSchema = z.strictObject({ bytes: count, sha256 })

export const TreeGenerationSchema = z.strictObject({
  kind: z.enum(KINDS),
  /** When the hub accepted it, on the hub's clock. */
  accepted: z.iso.datetime(),
  files: z.record(z.string().regex(FILE_NAME_RE), StoredFileSchema),
})

export const TreeServiceSchema = z.strictObject({
  key: z.string().max(256),
  generations: z.record(z.string().regex(GENERATION_RE), TreeGenerationSchema),
})

export const TreeSchema = z.strictObject({
  format: z.literal(TREE_FORMAT),
  serial: count,
  published: z.iso.datetime(),
  services: z.record(z.string().regex(NAME_RE), TreeServiceSchema),
})

export type Tree = z.infer<typeof TreeSchema>
export type TreeService = z.infer<typeof TreeServiceSchema>
export type TreeGeneration = z.infer<typeof TreeGenerationSchema>
export type StoredFile = z.infer<typeof StoredFileSchema>

/** TREE.json's exact bytes and the text of TREE.json.sig. */
export type SignedTree = SignedJson

/** Renders a tree canonically and signs it. */
export function signTree(tree: Tree, key: PrivateKey): SignedTree {
  return signCanonical(TreeSchema.parse(tree), key)
}

/**
 * Checks TREE.json's signature with the pinned index key, then parses it.
 * Throws INDEX_BAD_SIGNATURE or INDEX_INVALID naming `where`.
 */
export function openTree(signed: SignedTree, key: PublicKey, where = TREE_FILE): Tree {
  checkSignature(signed, key, { where, code: 'INDEX_BAD_SIGNATURE', what: 'the pinned index key', hint: 'the index was altered or signed by another key; do not trust this copy' })
  return parseTree(signed.bytes.toString('utf8'), where)
}

/** Parses TREE.json text (no signature check: use openTree for anything trusted). */
export function parseTree(text: string, where = TREE_FILE): Tree {
  return parseJsonWith(TreeSchema, text, where, 'INDEX_INVALID')
}

/** One stored generation, as the hub's books record it. */
export interface GenerationRecord {
  service: string
  generation: string
  kind: (typeof KINDS)[number]
  accepted: string
  files: Record<string, StoredFile>
}

/**
 * Builds the next tree from the hub's records. The serial is one more than the last
 * published; generations are listed whatever order the records come in.
 */
export function buildTree(records: readonly GenerationRecord[], keys: Readonly<Record<string, string>>, lastSerial: number, now: Date): Tree {
  const services: Record<string, TreeService> = {}
  for (const [name, key] of Object.entries(keys)) services[name] = { key, generations: {} }
  for (const r of records) {
    const svc = services[r.service]
    if (!svc) continue // a service removed from the config keeps its files but leaves the index
    svc.generations[r.generation] = { kind: r.kind, accepted: r.accepted, files: r.files }
  }
  return { format: TREE_FORMAT, serial: lastSerial + 1, published: now.toISOString(), services }
}

/** Every (service, generation) in a tree, sorted. */
export function treeGenerations(tree: Tree): Array<{ service: string; generation: string; entry: TreeGeneration }> {
  const out: Array<{ service: string; generation: string; entry: TreeGeneration }> = []
  for (const service of Object.keys(tree.services).sort()) {
    const gens = tree.services[service]!.generations
    for (const generation of Object.keys(gens).sort()) out.push({ service, generation, entry: gens[generation]! })
  }
  return out
}
