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
import { recall, remember } from '../lru.js'
import type { Compiled, RowShape } from '../query/compiled.js'
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
// signatures
// -------------------------------------------------------------------------------------

/**
 * A preload option's values in a signature: a bigint or a blob written so that no other value
 * reads the same; a preload's row shape by its id (its fields are the preload's own).
 */
const plainValues = (key: string, v: unknown): unknown =>
  typeof v === 'bigint'
    ? { bigint: v.toString() }
    : v instanceof Uint8Array
      ? { blob: Buffer.from(v).toString('base64') }
      : key === 'shape' && typeof v === 'object' && v !== null
        ? (v as RowShape).id
        : v

/** Everything of a one-statement Compiled that a worker's run depends on, but its parameters (a preload's options are part of it). */
const signatureOf = (c: Compiled): string =>
  [
    c.mode,
    c.table ?? '',
    c.transactional ? '1' : '0',
    c.statements[0]?.sql ?? '',
    // The rows' layout (fields and groups), interned by the compiler: equal layouts, one id.
    String(c.shape.id),
    c.preloads === undefined ? '' : JSON.stringify(c.preloads, plainValues)
  ].join('\u0000')

// -------------------------------------------------------------------------------------
// the registry
// -------------------------------------------------------------------------------------

/** Shapes by signature: a query built afresh per call finds the shape of its predecessors. */
const bySignature = new Map<string, Shape>()
/** The shape of a Compiled (`false`: it has none), so a query value run again skips the signature (see memo.ts). */
const shapes = memoOnObject<Compiled, Shape | false>('fp-lite-orm/shape')
/** Distinct shapes remembered at once, least recently used evicted first (ids go on, workers re-learn). */
const MAX_SHAPES = 4096
let lastId = 0

/** A shape's compiled form as a worker gets it: the statement without the values of the query it came from. */
const definitionOf = (c: Compiled): ShapeDef => {
  const { sql } = c.statements[0]!
  return { compiled: { ...c, statements: [{ sql, params: [] }] } }
}

const newShape = (c: Compiled): Shape => {
  const signature = signatureOf(c)
  const known = recall(bySignature, signature)
  if (known !== undefined) return known
  return remember(bySignature, signature, { id: ++lastId, def: definitionOf(c) }, MAX_SHAPES)
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
