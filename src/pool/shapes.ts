/**
 * Statement shapes: what lets the pool post `{ shape id, params }` per request instead of a
 * whole query value, and lets a worker skip compiling it again.
 *
 * A shape is a compiled single-statement query with its values taken out: SQL text,
 * result mode and row layout (fields, nested groups, preloads). Query values of one shape
 * (the same value run again, or one built afresh per call with other literals) differ only
 * in their positional parameters, which the calling thread binds.
 *
 * A worker still runs every query through the session (`runQuery`), which interprets query
 * values, not compiled statements. So a worker is told a shape once by its *template*: the
 * query with every value and placeholder replaced by a fresh placeholder. The template
 * compiles, with the same compiler, to the same text with a placeholder at every `?`, so
 * binding the positional parameters to it by name runs exactly the original statement. A
 * template is checked against the original here (same text, every position a placeholder,
 * same layout); a query that does not check out keeps the plain path. The first run of a
 * shape on a worker thereby costs what every run cost before (a clone and a compile), and
 * every later one a cache lookup. (Were there a session entry point for an already compiled
 * statement, the definition could be the SQL text and layout instead of a template.)
 */
import * as E from 'fp-ts/lib/Either.js'
import type { PlaceholderNode, Query } from '../query/ast.js'
import type { Compiled, OutputField } from '../query/compile.js'
import { compile } from '../query/compile.js'
import type { ShapeDef } from './protocol.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface Shape {
  /** A small integer, never reused, so a worker's cache entry can never be mistaken for another shape's. */
  readonly id: number
  /** What a worker needs to run the shape: the template and the placeholder name of each position. */
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
// templates
// -------------------------------------------------------------------------------------

const isNode = (u: object, tag: 'Value' | 'Placeholder'): boolean => (u as { readonly _tag?: unknown })._tag === tag

/** Arrays and plain objects are what an AST is made of; anything else is kept as it is. */
const isPlain = (u: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(u)
  return Array.isArray(u) || proto === Object.prototype || proto === null
}

/**
 * The query with every Value and Placeholder node (the only nodes the compiler prints as
 * `?`) replaced by a placeholder `$0`, `$1`, ... with no encoding: the values arrive
 * already bound and encoded, and a placeholder without encoding takes them as they are.
 * Codecs (symbol keys) are left out: a template is posted to another thread.
 */
export const templateOf = (q: Query<unknown>): Query<unknown> => {
  let n = 0
  // Shared subtrees (a table's column list) stay shared, and are rewritten once.
  const done = new Map<object, unknown>()
  const go = (u: unknown): unknown => {
    if (typeof u !== 'object' || u === null || !isPlain(u)) return u
    if (isNode(u, 'Value') || isNode(u, 'Placeholder')) return { _tag: 'Placeholder', name: `$${n++}` } satisfies PlaceholderNode
    const hit = done.get(u)
    if (hit !== undefined) return hit
    const out = Array.isArray(u) ? u.map(go) : Object.fromEntries(Object.entries(u).map(([k, v]) => [k, go(v)]))
    done.set(u, out)
    return out
  }
  return go(q) as Query<unknown>
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

/** Everything of a one-statement Compiled that a worker's run depends on, but its parameters. */
const signatureOf = (c: Compiled): string =>
  [
    c.mode,
    c.table ?? '',
    c.transactional ? '1' : '0',
    c.statements[0]?.sql ?? '',
    fieldsKey(c.fields),
    c.groups === undefined ? '' : JSON.stringify(c.groups),
    c.preloads === undefined ? '' : JSON.stringify(c.preloads)
  ].join('\u0000')

// -------------------------------------------------------------------------------------
// the registry
// -------------------------------------------------------------------------------------

/** Shapes by signature: a query built afresh per call finds the shape of its predecessors. */
const bySignature = new Map<string, Shape>()
/** The shape of a Compiled (`false`: it does not fit), so a query value run again skips the signature. */
const byCompiled = new WeakMap<Compiled, Shape | false>()
/** Distinct shapes remembered at once; past it the map starts over (ids go on, workers re-learn). */
const MAX_SHAPES = 4096
let lastId = 0

/** A template that compiles to the original statement with a placeholder at every position, or undefined. */
const checkedDef = (q: Query<unknown>, c: Compiled, signature: string): ShapeDef | undefined => {
  const template = templateOf(q)
  const tc = compile(template)
  if (E.isLeft(tc) || tc.right.statements.length !== 1 || signatureOf(tc.right) !== signature) return undefined
  const positions = c.statements[0]!.params.length
  const slots = tc.right.statements[0]!.slots ?? []
  if (slots.length !== positions) return undefined
  const names = new Array<string>(positions)
  for (const s of slots) names[s.index] = s.placeholder.name
  return { query: template, names }
}

const newShape = (q: Query<unknown>, c: Compiled): Shape | false => {
  const signature = signatureOf(c)
  const known = bySignature.get(signature)
  if (known !== undefined) return known
  const def = checkedDef(q, c, signature)
  if (def === undefined) return false
  if (bySignature.size >= MAX_SHAPES) bySignature.clear()
  const shape: Shape = { id: ++lastId, def }
  bySignature.set(signature, shape)
  return shape
}

/**
 * The shape of a compiled query, or undefined for those that keep the plain path: queries
 * of several statements (multi-row inserts, a table with its indexes), whose statements a
 * session runs together in one transaction; and anything whose template does not check out.
 */
export const shapeOf = (q: Query<unknown>, c: Compiled): Shape | undefined => {
  let s = byCompiled.get(c)
  if (s === undefined) {
    s = c.statements.length === 1 ? newShape(q, c) : false
    byCompiled.set(c, s)
  }
  return s === false ? undefined : s
}
