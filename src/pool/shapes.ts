/**
 * Statement shapes: what lets the pool post `{ shape id, params }` per request instead of a
 * whole query value, and lets a worker skip compiling it.
 *
 * A shape is a compiled one-statement query without its values: SQL text, result mode and
 * row layout (fields, nested groups, preloads). Query values of one shape (the same value
 * run again, or one built afresh per call with other literals) differ only in their
 * positional parameters, which the calling thread binds. A worker is sent a shape's
 * compiled form once and runs it with the session's own `runBound`, so its errors, log
 * events and row decoding are exactly a session's.
 */
import type { Compiled, OutputField } from '../query/compiled.js'
import { memoOnObject } from '../memo.js'
import type { ShapeDef } from './protocol.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface Shape {
  /** A small integer, never reused, so a worker's cache entry can never be mistaken for another shape's. */
  readonly id: number
  /** What a worker needs to run the shape: its compiled form, without values. */
  readonly def: ShapeDef
}

// -------------------------------------------------------------------------------------
// bounded caches (shared by the pool and its workers, so both evict alike)
// -------------------------------------------------------------------------------------

/** Looks `key` up and marks it most recently used. */
export const recall = <K, V>(lru: Map<K, V>, key: K): V | undefined => {
  const v = lru.get(key)
  if (v !== undefined) {
    // Re-inserted to move it last: a Map keeps insertion order.
    lru.delete(key)
    lru.set(key, v)
  }
  return v
}

/** Adds `key` as most recently used, dropping the least recently used past `capacity`. */
export const remember = <K, V>(lru: Map<K, V>, key: K, v: V, capacity: number): V => {
  lru.delete(key)
  lru.set(key, v)
  if (lru.size > capacity) {
    const oldest = lru.keys().next()
    if (oldest.done !== true) lru.delete(oldest.value)
  }
  return v
}

// -------------------------------------------------------------------------------------
// signatures
// -------------------------------------------------------------------------------------

const fieldKeys = new WeakMap<ReadonlyArray<OutputField>, string>()

/** A field list's text, memoized: the compiler shares a table's field list between queries. */
const fieldsKey = (fields: ReadonlyArray<OutputField>): string => {
  let k = fieldKeys.get(fields)
  if (k === undefined) {
    k = JSON.stringify(fields)
    fieldKeys.set(fields, k)
  }
  return k
}

/** A preload option's values in a signature: a bigint or a blob written so that no other value reads the same. */
const plainValues = (_key: string, v: unknown): unknown =>
  typeof v === 'bigint' ? { bigint: v.toString() } : v instanceof Uint8Array ? { blob: Buffer.from(v).toString('base64') } : v

/** Everything of a one-statement Compiled that a worker's run depends on, but its parameters (a preload's options are part of it). */
const signatureOf = (c: Compiled): string =>
  [
    c.mode,
    c.table ?? '',
    c.transactional ? '1' : '0',
    c.statements[0]?.sql ?? '',
    fieldsKey(c.fields),
    c.groups === undefined ? '' : JSON.stringify(c.groups),
    c.preloads === undefined ? '' : JSON.stringify(c.preloads, plainValues)
  ].join('\u0000')

// -------------------------------------------------------------------------------------
// the registry
// -------------------------------------------------------------------------------------

/** Shapes by signature: a query built afresh per call finds the shape of its predecessors. */
const bySignature = new Map<string, Shape>()
/** The shape of a Compiled (`false`: it has none), so a query value run again skips the signature (see memo.ts). */
const shapes = memoOnObject<Compiled, Shape | false>('fp-lite-orm/shape')
/** Distinct shapes remembered at once; past it the map starts over (ids go on, workers re-learn). */
const MAX_SHAPES = 4096
let lastId = 0

/** A shape's compiled form as a worker gets it: the statement without the values of the query it came from. */
const definitionOf = (c: Compiled): ShapeDef => {
  const { sql } = c.statements[0]!
  return { compiled: { ...c, statements: [{ sql, params: [] }] } }
}

const newShape = (c: Compiled): Shape => {
  const signature = signatureOf(c)
  const known = bySignature.get(signature)
  if (known !== undefined) return known
  if (bySignature.size >= MAX_SHAPES) bySignature.clear()
  const shape: Shape = { id: ++lastId, def: definitionOf(c) }
  bySignature.set(signature, shape)
  return shape
}

/**
 * The shape of a compiled query, or undefined for those that keep the plain path: queries
 * of several statements (multi-row inserts, a table with its indexes), whose statements a
 * session runs together in one transaction.
 */
export const shapeOf = (c: Compiled): Shape | undefined => {
  let s = shapes.get(c)
  if (s === undefined) s = shapes.set(c, c.statements.length === 1 ? newShape(c) : false)
  return s === false ? undefined : s
}
