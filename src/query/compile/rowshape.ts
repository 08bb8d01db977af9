/**
 * Interned row shapes: the compiler hands out one `RowShape` object (with one id) per
 * distinct row layout, so that whatever runs a query can key its per-layout work by it:
 * the session's generated row readers (session/assemble.ts) and the pool's statement
 * shapes (pool/shapes.ts). Before, those caches were keyed by the identity of field
 * arrays the compiler happened to memoize, a contract that lived only in comments.
 *
 * Equal layouts are found two ways. A field array the compiler memoizes (a table's, a
 * join's, a preload's) finds its shape by identity, one WeakMap lookup, which is the hot
 * path's cost. Any other (a projection, built afresh per compile) is looked up by its
 * signature: every field's key, kind, codec (by identity), group, path, and the groups.
 * Signatures are kept in the library's LRU (lru.ts), bounded; an evicted layout simply
 * gets a new shape (and id) the next time, which costs a reader, never a wrong one.
 */
import { recall, remember } from '../../lru.js'
import type { OutputField, OutputGroup, RowShape } from '../compiled.js'
import { FieldCodec } from '../compiled.js'

/** Distinct layouts interned by signature at once (the pool's shape registry has the same bound). */
export const MAX_ROW_SHAPES = 4096

/** Shapes by the identity of a memoized field array. */
const byFields = new WeakMap<ReadonlyArray<OutputField>, RowShape>()
/** Shapes by signature, least recently used evicted first. */
const bySignature = new Map<string, RowShape>()
/** Json codecs by identity, as small numbers: a signature must tell two codecs apart. */
const codecIds = new WeakMap<object, number>()
let lastCodecId = 0
let lastId = 0

const codecId = (f: OutputField): number | null => {
  const codec = f[FieldCodec]
  if (codec === undefined) return null
  let id = codecIds.get(codec)
  if (id === undefined) codecIds.set(codec, (id = ++lastCodecId))
  return id
}

/** Everything of a layout a row reader depends on. */
const signatureOf = (fields: ReadonlyArray<OutputField>, groups: ReadonlyArray<OutputGroup> | undefined): string =>
  JSON.stringify([
    fields.map((f) => [f.key, f.kind ?? null, f.codecKey ?? null, f.group ?? null, f.column === true, f.path ?? null, codecId(f)]),
    groups ?? null
  ])

const interned = (fields: ReadonlyArray<OutputField>, groups: ReadonlyArray<OutputGroup> | undefined): RowShape => {
  const signature = signatureOf(fields, groups)
  const known = recall(bySignature, signature)
  if (known !== undefined) return known
  const shape: RowShape = groups === undefined ? { id: ++lastId, fields } : { id: ++lastId, fields, groups }
  return remember(bySignature, signature, shape, MAX_ROW_SHAPES)
}

/**
 * The interned shape of a row layout. The shape keeps the first field array (and groups) it
 * was made from: equal by signature, so any later one reads the same.
 */
export const rowShape = (fields: ReadonlyArray<OutputField>, groups?: ReadonlyArray<OutputGroup>): RowShape => {
  const known = byFields.get(fields)
  return known !== undefined && known.groups === groups ? known : interned(fields, groups)
}

/**
 * Registers a field array the compiler memoizes (a table's, a join's, a preload's), with
 * its groups, when it is made: its later lookups are one WeakMap get. Only long-lived
 * arrays are registered: a WeakMap entry per short-lived key is what memo.ts measured as
 * costlier than compiling.
 */
export const memoizedFields = <F extends ReadonlyArray<OutputField>>(fields: F, groups?: ReadonlyArray<OutputGroup>): F => {
  byFields.set(fields, interned(fields, groups))
  return fields
}
