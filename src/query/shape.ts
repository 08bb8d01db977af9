/**
 * The structural compile cache: a query value built fresh on every call
 * (`pipe(select(users), filter(eq(users.id, id)), first)`) compiles once per SHAPE, not
 * once per value. One walk over the value gives its shape key (everything but the values
 * of its Value nodes) and its values in walk order; the key finds the compiled form of an
 * earlier value of that shape, and the values are put where that form's parameters came
 * from. No SQL text is built and the statement cache meets the very same SQL string.
 *
 * Correct by construction, not by assumption about the compiler:
 * - The key is a faithful serialization of the value without its values: node kinds,
 *   operators, names, flags, list lengths, placeholder names and encodings. Tables and
 *   columns are keyed by identity (the object itself is in the key), not by name: two
 *   tables named alike in different schemas differ (their codecs, their kinds).
 * - Where each `?` comes from is learnt, not derived: on the second meeting of a key the
 *   value is compiled again with every value replaced by a distinct probe, and each
 *   parameter of that compile is either probe i (walk slot i), or a parameter the
 *   compiler wrote itself (equal in both compiles). The SQL text of both compiles must be
 *   equal. Anything else (a parameter made FROM a value, such as the JSON array of a long
 *   `inArray` list; SQL text that depends on a value) marks the shape as one to compile
 *   in full every time, as before the cache.
 * - What the walk cannot key (a non-plain object where plain data belongs, a symbol,
 *   a statement other than select/insert/update/delete, too deep, too many values)
 *   falls back to the full compile.
 *
 * The first meeting of a key only records it: a shape met once (say tables aliased anew
 * on every call, whose columns are new objects) costs no probe compile.
 *
 * Bounded: one LRU of `SHAPE_CAPACITY` key hashes per thread (at most BUCKET_KEYS keys a
 * hash, one short of a 32-bit collision) (src/lru.ts, the statement
 * cache's policy).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { SqlValue } from '../schema/column.js'
import type { DbError } from '../errors.js'
import { recall, remember } from '../lru.js'
import { memoOnObject } from '../memo.js'
import type { Query, ValueNode } from './ast.js'
import type { Compiled, CompiledPreload, CompiledStatement } from './compiled.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** Shapes kept per thread; past it the least recently used is forgotten (and compiled again when met). */
export const SHAPE_CAPACITY = 1000

/** A compiled shape: the compiled form of one value of it, and where each parameter comes from. */
export interface Shape {
  readonly _tag: 'Shape'
  /** The compiled form of the value the shape was learnt from (its params are that value's). */
  readonly compiled: Compiled
  /** Per statement, per parameter: the walk slot it comes from, or -1 for one the compiler wrote. */
  readonly from: ReadonlyArray<Int32Array>
  /** Per statement: its parameters are the walk's values, in walk order, and nothing else. */
  readonly identity: ReadonlyArray<boolean>
  /** One statement, no placeholders: the session runs `compiled` with the bound values as they are. */
  readonly direct: boolean
}

/** A key met once (compiled in full, not learnt yet), or one whose values shape its SQL. */
type Entry = Shape | { readonly _tag: 'Seen' } | { readonly _tag: 'Unkeyable' }

const SEEN: Entry = { _tag: 'Seen' }
const UNKEYABLE_SHAPE: Entry = { _tag: 'Unkeyable' }

/**
 * A query value seen as its shape key and its values, in walk order. The key is a list of
 * atoms (the value's strings, numbers, booleans and schema objects, with markers for its
 * structure) and a hash of them: looking it up never builds or flattens a string (a key
 * built by concatenation had to be flattened and hashed on every lookup: a tenth of a
 * fresh point read). Equal keys are equal atom lists, compared atom by atom (`===`).
 */
interface Walk {
  readonly atoms: unknown[]
  hash: number
  readonly values: SqlValue[]
}

/** The walks met under one hash (almost always one): key atoms and what they map to. */
interface Bucket {
  readonly atoms: ReadonlyArray<unknown>
  entry: Entry
}

export interface Hit {
  readonly compiled: Compiled
  readonly params: ReadonlyArray<SqlValue>
}

export interface ShapeCache {
  /** Compiles through the cache: the compiled form built from the shape's, or the full compile. */
  readonly compile: (q: Query<unknown>) => E.Either<DbError, Compiled>
  /**
   * The session's fast path: for a direct shape already learnt, its compiled form and
   * the value's parameters, with nothing allocated but the parameter array; otherwise
   * undefined (then `compile`, which reuses this walk).
   */
  readonly direct: (q: Query<unknown>) => Hit | undefined
  readonly size: () => number
  readonly clear: () => void
}

// -------------------------------------------------------------------------------------
// the walk
// -------------------------------------------------------------------------------------

/** Thrown inside the walk for what it cannot key; the value is then compiled in full. One instance: no stack per throw. */
const UNKEYABLE = new Error('the query value has a part the shape walk does not key')

/** Deeper values are rare and compile in full (the compiler's own depth check applies). */
const MAX_WALK_DEPTH = 96
/** Past this many values (a large multi-row insert) the key is long and never met again. */
const MAX_VALUES = 512

const STATEMENTS: ReadonlySet<unknown> = new Set(['Select', 'Insert', 'Update', 'Delete'])

/**
 * The markers of the structure. Symbols, so that no string, number or object of the value
 * is ever equal to one: the atom list reads one way only.
 */
const OPEN = Symbol('{')
const CLOSE = Symbol('}')
const OPEN_LIST = Symbol('[')
const CLOSE_LIST = Symbol(']')
const VALUE = Symbol('value')
const UNDEFINED = Symbol('undefined')
const NULL = Symbol('null')
const NEGATIVE_ZERO = Symbol('-0')
const NOT_A_NUMBER = Symbol('NaN')

/** Hash numbers of tables, columns and functions, kept on the objects themselves (memo.ts). */
const ids = memoOnObject<object, number>('fp-lite-orm/shape-id')
let nextId = 0
const idOf = (o: object): number => ids.get(o) ?? ids.set(o, ++nextId)

/**
 * The hash number of a string: memoized for the names and tags every value repeats
 * (bounded, since strings in a query, aliases and sql template text, are made by users
 * without limit); others hash by length and ends. Only the hash is approximate: keys
 * compare by their atoms.
 */
const stringHashes = new Map<string, number>()
const MAX_STRING_HASHES = 4096
let nextStringHash = 0x40000
const hashOfString = (s: string): number => {
  const h = stringHashes.get(s)
  if (h !== undefined) return h
  if (stringHashes.size < MAX_STRING_HASHES) {
    stringHashes.set(s, ++nextStringHash)
    return nextStringHash
  }
  return s.length === 0 ? 7 : Math.imul(s.length, 31) ^ (s.charCodeAt(0) << 8) ^ s.charCodeAt(s.length - 1)
}

const MARK_OPEN = 1
const MARK_CLOSE = 2
const MARK_OPEN_LIST = 3
const MARK_CLOSE_LIST = 4
const MARK_VALUE = 5
const MARK_UNDEFINED = 6
const MARK_NULL = 8
const MARK_TRUE = 9
const MARK_FALSE = 10

/** FNV-1a's step over 32-bit words. */
const mix = (h: number, x: number): number => Math.imul(h ^ x, 16777619)

const atom = (w: Walk, a: unknown, h: number): void => {
  w.atoms.push(a)
  w.hash = mix(w.hash, h)
}

const walkInto = (x: unknown, w: Walk, depth: number): void => {
  switch (typeof x) {
    case 'string':
      atom(w, x, hashOfString(x))
      return
    case 'number':
      if (Object.is(x, -0)) atom(w, NEGATIVE_ZERO, 11)
      else if (Number.isNaN(x)) atom(w, NOT_A_NUMBER, 12)
      else atom(w, x, (x * 1000003) | 0)
      return
    case 'boolean':
      atom(w, x, x ? MARK_TRUE : MARK_FALSE)
      return
    case 'undefined':
      atom(w, UNDEFINED, MARK_UNDEFINED)
      return
    case 'bigint':
      atom(w, x, Number(BigInt.asIntN(32, x)) ^ 13)
      return
    case 'function':
      // By identity (the object itself is the atom): a relation's thunk, a function's definition.
      atom(w, x, idOf(x))
      return
    case 'object':
      break
    default:
      throw UNKEYABLE
  }
  if (x === null) {
    atom(w, NULL, MARK_NULL)
    return
  }
  if (depth > MAX_WALK_DEPTH) throw UNKEYABLE
  if (Array.isArray(x)) {
    atom(w, OPEN_LIST, MARK_OPEN_LIST)
    for (let i = 0; i < x.length; i++) walkInto(x[i], w, depth + 1)
    atom(w, CLOSE_LIST, MARK_CLOSE_LIST)
    return
  }
  const proto: unknown = Object.getPrototypeOf(x)
  // Plain data only: a Uint8Array, a Date or a class instance where structure belongs is not keyed.
  if (proto !== Object.prototype && proto !== null) throw UNKEYABLE
  const tag = (x as { readonly _tag?: unknown })._tag
  if (tag === 'Value') {
    if (w.values.length >= MAX_VALUES) throw UNKEYABLE
    w.values.push((x as ValueNode).value)
    atom(w, VALUE, MARK_VALUE)
    return
  }
  // By identity: what the compiler reads from them (kinds, json codecs) lives on the object.
  if (tag === 'Column' || tag === 'Table') {
    atom(w, x, idOf(x))
    return
  }
  atom(w, OPEN, MARK_OPEN)
  for (const k in x) {
    atom(w, k, hashOfString(k))
    walkInto((x as Record<string, unknown>)[k], w, depth + 1)
  }
  atom(w, CLOSE, MARK_CLOSE)
}

/** The shape key and values of a query value, or undefined for one the walk does not key. */
const walkQuery = (q: Query<unknown>): Walk | undefined => {
  const s = q.statement as { readonly _tag?: unknown; readonly rows?: ReadonlyArray<unknown> } | undefined
  if (!STATEMENTS.has(s?._tag)) return undefined
  // A multi-row insert runs a statement per row whatever its shape: no walk over its values.
  if (s?._tag === 'Insert' && (s.rows?.length ?? 0) > 1) return undefined
  const w: Walk = { atoms: [], hash: 0x811c9dc5 | 0, values: [] }
  try {
    walkInto(q, w, 0)
    return w
  } catch {
    // Unkeyable, or a value that throws when read (a getter, a proxy): the full compile reports it.
    return undefined
  }
}

// -------------------------------------------------------------------------------------
// learning a shape
// -------------------------------------------------------------------------------------

const PROBE = '\u0000fp-lite-orm shape probe '

/** A copy of the value in the walk's order, each value replaced by the probe of its walk slot. */
const probeCopy = (x: unknown, next: { n: number }): unknown => {
  if (typeof x !== 'object' || x === null) return x
  if (Array.isArray(x)) return x.map((y) => probeCopy(y, next))
  const tag = (x as { readonly _tag?: unknown })._tag
  if (tag === 'Value') return { _tag: 'Value', value: `${PROBE}${next.n++}` }
  if (tag === 'Column' || tag === 'Table') return x
  const out: Record<string | symbol, unknown> = Object.create(Object.getPrototypeOf(x) as object | null) as Record<string | symbol, unknown>
  for (const k in x) out[k] = probeCopy((x as Record<string, unknown>)[k], next)
  // Symbol-keyed parts (a query's codecs) ride along as they are; the compiler does not read them.
  for (const s of Object.getOwnPropertySymbols(x)) {
    if (Object.prototype.propertyIsEnumerable.call(x, s)) out[s] = (x as Record<symbol, unknown>)[s]
  }
  return out
}

const probeSlot = (p: SqlValue): number | 'derived' | undefined => {
  if (typeof p !== 'string' || !p.includes(PROBE)) return undefined
  if (!p.startsWith(PROBE)) return 'derived'
  const n = Number(p.slice(PROBE.length))
  return Number.isSafeInteger(n) && n >= 0 ? n : 'derived'
}

/** Preloads are kept as compiled: learnt only when none of their parameters comes from a value. */
const samePreloads = (a: ReadonlyArray<CompiledPreload>, b: ReadonlyArray<CompiledPreload>): boolean =>
  a.length === b.length &&
  a.every((x, i) => {
    const y = b[i]!
    return (
      x.sql === y.sql &&
      x.params.length === y.params.length &&
      x.params.every((p, j) => probeSlot(y.params[j]!) === undefined && Object.is(p, y.params[j])) &&
      samePreloads(x.nested, y.nested)
    )
  })

/** Where each parameter of `real` comes from, checked against the probe's compile; undefined when not a pure function of the walk. */
const parameterSources = (real: CompiledStatement, probe: CompiledStatement, values: ReadonlyArray<SqlValue>): Int32Array | undefined => {
  if (real.sql !== probe.sql || real.params.length !== probe.params.length) return undefined
  if ((real.slots?.length ?? 0) !== (probe.slots?.length ?? 0)) return undefined
  const from = new Int32Array(real.params.length)
  for (let j = 0; j < real.params.length; j++) {
    const slot = probeSlot(probe.params[j]!)
    if (slot === 'derived') return undefined
    if (slot === undefined) {
      // Written by the compiler: the same in both compiles, or the shape is not learnt.
      if (!Object.is(real.params[j], probe.params[j])) return undefined
      from[j] = -1
    } else {
      if (slot >= values.length || !Object.is(real.params[j], values[slot])) return undefined
      from[j] = slot
    }
  }
  return from
}

const learn = (real: Compiled, probe: Compiled, values: ReadonlyArray<SqlValue>): Shape | undefined => {
  if (real.statements.length !== probe.statements.length || real.fields.length !== probe.fields.length) return undefined
  if ((real.preloads === undefined) !== (probe.preloads === undefined)) return undefined
  if (real.preloads !== undefined && !samePreloads(real.preloads, probe.preloads!)) return undefined
  const from: Int32Array[] = []
  const identity: boolean[] = []
  for (let i = 0; i < real.statements.length; i++) {
    const f = parameterSources(real.statements[i]!, probe.statements[i]!, values)
    if (f === undefined) return undefined
    from.push(f)
    identity.push(f.length === values.length && f.every((slot, j) => slot === j))
  }
  const direct = real.statements.length === 1 && real.statements[0]!.slots === undefined
  return { _tag: 'Shape', compiled: real, from, identity, direct }
}

// -------------------------------------------------------------------------------------
// using a shape
// -------------------------------------------------------------------------------------

const paramsOf = (s: CompiledStatement, from: Int32Array, identity: boolean, values: SqlValue[]): SqlValue[] => {
  if (identity) return values
  const out: SqlValue[] = []
  for (let j = 0; j < from.length; j++) {
    const slot = from[j]!
    out.push(slot < 0 ? s.params[j]! : values[slot]!)
  }
  return out
}

/** The compiled form of a value of a learnt shape: the shape's, with this value's parameters. */
const instantiate = (shape: Shape, values: SqlValue[]): Compiled => {
  const statements = shape.compiled.statements.map((s, i): CompiledStatement => {
    const params = paramsOf(s, shape.from[i]!, shape.identity[i]!, values)
    return s.slots === undefined ? { sql: s.sql, params } : { sql: s.sql, params, slots: s.slots }
  })
  return { ...shape.compiled, statements }
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** Keys kept under one hash: past it, the oldest of that hash is forgotten. */
export const BUCKET_KEYS = 4

/** Whether two keys are the same: atom by atom (strings by content, schema objects by identity). */
const sameAtoms = (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * A shape cache in front of `full`, the compiler proper (compile.ts). `bucketOf` maps a
 * key's hash to its bucket: the identity, except in the spec that makes every key collide.
 */
export const shapeCache = (
  full: (q: Query<unknown>) => E.Either<DbError, Compiled>,
  capacity = SHAPE_CAPACITY,
  bucketOf: (hash: number) => number = (hash) => hash
): ShapeCache => {
  // By hash; a bucket holds the keys of that hash (one, short of a 32-bit collision).
  const shapes = new Map<number, Bucket[]>()

  const lookup = (w: Walk): Entry | undefined => {
    const bucket = recall(shapes, bucketOf(w.hash), capacity)
    if (bucket !== undefined) for (const b of bucket) if (sameAtoms(b.atoms, w.atoms)) return b.entry
    return undefined
  }

  const store = (w: Walk, entry: Entry): void => {
    const bucket = shapes.get(bucketOf(w.hash))
    if (bucket === undefined) {
      remember(shapes, bucketOf(w.hash), [{ atoms: w.atoms, entry }], capacity)
      return
    }
    const found = bucket.find((b) => sameAtoms(b.atoms, w.atoms))
    if (found !== undefined) found.entry = entry
    else {
      // Colliding keys: a few kept, the oldest dropped (it is compiled in full when met again).
      if (bucket.length >= BUCKET_KEYS) bucket.shift()
      bucket.push({ atoms: w.atoms, entry })
    }
  }

  // The walk `direct` made for a value it did not answer, for `compile` to reuse at once.
  let pendingQuery: Query<unknown> | undefined
  let pendingWalk: Walk | undefined

  const walkOf = (q: Query<unknown>): Walk | undefined => {
    if (pendingQuery === q) {
      const w = pendingWalk
      pendingQuery = undefined
      pendingWalk = undefined
      return w
    }
    return walkQuery(q)
  }

  const compile = (q: Query<unknown>): E.Either<DbError, Compiled> => {
    const w = walkOf(q)
    if (w === undefined) return full(q)
    const entry = lookup(w)
    if (entry !== undefined && entry._tag === 'Shape') return E.right(instantiate(entry, w.values))
    const real = full(q)
    if (entry === UNKEYABLE_SHAPE || E.isLeft(real)) return real
    if (entry === undefined) {
      store(w, SEEN)
      return real
    }
    // Met a second time: learn where its parameters come from.
    const probe = full(probeCopy(q, { n: 0 }) as Query<unknown>)
    const shape = E.isRight(probe) ? learn(real.right, probe.right, w.values) : undefined
    store(w, shape ?? UNKEYABLE_SHAPE)
    return real
  }

  const direct = (q: Query<unknown>): Hit | undefined => {
    const w = walkQuery(q)
    if (w !== undefined) {
      const entry = lookup(w)
      if (entry !== undefined && entry._tag === 'Shape' && entry.direct) {
        const s = entry.compiled.statements[0]!
        return { compiled: entry.compiled, params: paramsOf(s, entry.from[0]!, entry.identity[0]!, w.values) }
      }
    }
    pendingQuery = q
    pendingWalk = w
    return undefined
  }

  return {
    compile,
    direct,
    size: () => {
      let n = 0
      for (const bucket of shapes.values()) n += bucket.length
      return n
    },
    clear: () => {
      shapes.clear()
      pendingQuery = undefined
      pendingWalk = undefined
    }
  }
}
