/**
 * Result assembly: the rows a driver returned for a compiled query, to the query's result.
 * Pure but for the preload fetches it is handed (a `Fetch`, the driver's side): it builds
 * rows (array rows -> objects, kinds decoded), attaches preloaded relations, applies the
 * query's codecs, and gives the result its mode's shape (all / first / one / count /
 * exists / value / values). The one switch on result modes is `shape`.
 *
 * Sessions assemble in one go (`assemble`). A pool worker cannot hold codecs (functions do
 * not cross threads): it builds and preloads (`collect`), and the calling thread finishes
 * (`finishLate`: the codecs, then the same `shape`).
 *
 * Throws `RowDecodeFailure` and `CodecThrew`; the caller maps them.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import type * as t from 'io-ts'
import type { ColumnKind, SqlValue } from '../schema/column.js'
import { encodeValue } from '../schema/codec.js'
import type { DbError } from '../errors.js'
import { decodeError, notFound, tooManyRows, unexpectedError } from '../errors.js'
import type { CodecsPart } from '../query/ast.js'
import type { Compiled, CompiledPreload, OutputField, RowShape } from '../query/compiled.js'
import { FieldCodec } from '../query/compiled.js'
import { jsonArrayOf } from '../query/sqltext.js'
import type { RowReader } from './rows.js'
import { CODEC_THREW, CodecThrew, RowDecodeFailure, callCodec, fieldDecoder, ioTsIssues, rowReader } from './rows.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The decoded-row plumbing of one run. Made afresh per run, and cheap: its reader is
 * cached by field list (below). (Memoizing the plan per compiled form, in a WeakMap or on
 * the object, measured slower for queries built per call than building it: 0.6x against
 * 0.85x raw on a point lookup.)
 */
export interface Plan {
  readonly compiled: Compiled
  readonly codecs: CodecsPart | undefined
  readonly reader: RowReader
  /** Decodes the single field of count/exists/value/values. */
  readonly single: ((v: unknown) => unknown) | undefined
}

/**
 * How the driver reads a plan's statement: rows as arrays (`raw`), integers as bigints
 * (`safeIntegers`), and only the first row (`one`: first, count, exists, value).
 */
export interface ReadMode {
  readonly raw: boolean
  readonly safeIntegers: boolean
  readonly one: boolean
}

/** Reads the rows of one statement (a preload's) in the reader's row mode: the driver's side. */
export type Fetch = (sql: string, params: ReadonlyArray<SqlValue>, reader: RowReader) => unknown[]

/**
 * How rows and single values are finished, by `assemble` (a session) or `finishLate` (a
 * pool), given a context `C`. The finishers are made once and take the context as an
 * argument, so that the hot path allocates no closures.
 */
interface Finish<P, F> {
  readonly rows: (rows: unknown[], indexed: boolean, plan: P, fetch: F) => unknown[]
  readonly value: (v: unknown, plan: P) => unknown
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** The key of a reader with no json codecs. */
const NO_CODECS = {}

/**
 * Row readers by the compiler's interned row shape and the query's json codecs, both by
 * identity. Equal layouts are one shape (compile/rowshape.ts), and a table's codecs are
 * memoized, so a query value built fresh on every call (a projection too) reuses its
 * generated row builder instead of generating it again. Shapes live as long as the
 * compiler's bound keeps them (and a worker's as long as its shape cache holds the form).
 */
const readers = new WeakMap<RowShape, WeakMap<object, RowReader>>()

const readerOf = (shape: RowShape, codecs: CodecsPart | undefined): RowReader => {
  if (shape.fields.length === 0) return rowReader(shape.fields, shape.groups, codecs)
  let byCodecs = readers.get(shape)
  if (byCodecs === undefined) readers.set(shape, (byCodecs = new WeakMap()))
  const key = codecs?.columns ?? NO_CODECS
  let r = byCodecs.get(key)
  if (r === undefined) {
    r = rowReader(shape.fields, shape.groups, codecs)
    byCodecs.set(key, r)
  }
  return r
}

export const planOf = (compiled: Compiled, codecs: CodecsPart | undefined): Plan => {
  const first = compiled.fields[0]
  const reader = readerOf(compiled.shape, codecs)
  const single =
    first !== undefined && (compiled.mode === 'value' || compiled.mode === 'values')
      ? fieldDecoder(first, codecs, reader.safeIntegers)
      : undefined
  return { compiled, codecs, reader, single }
}

const mode = (raw: boolean, safeIntegers: boolean, one: boolean): ReadMode => ({ raw, safeIntegers, one })

/** Every read mode, made once (the hot path allocates none): [raw][safeIntegers][one]. */
const MODES: ReadonlyArray<ReadonlyArray<ReadonlyArray<ReadMode>>> = [false, true].map((raw) =>
  [false, true].map((big) => [false, true].map((one) => mode(raw, big, one)))
)

const modeOf = (raw: boolean, safeIntegers: boolean, one: boolean): ReadMode => MODES[+raw]![+safeIntegers]![+one]!

/** How the driver must read the plan's statement for `shape` to finish it. */
export const readModeOf = (plan: Plan): ReadMode => {
  const r = plan.reader
  switch (plan.compiled.mode) {
    case 'all':
    case 'one':
      return modeOf(r.raw, r.safeIntegers, false)
    case 'first':
      return modeOf(r.raw, r.safeIntegers, true)
    case 'count':
    case 'exists':
      return modeOf(true, false, true)
    case 'value':
      return modeOf(true, r.safeIntegers, true)
    case 'values':
    case 'run':
    case 'void':
      return modeOf(true, r.safeIntegers, false)
  }
}

// -------------------------------------------------------------------------------------
// rows
// -------------------------------------------------------------------------------------

/** Builds rows in place (array mode -> objects, kinds decoded). */
const buildRows = (rows: unknown[], reader: RowReader, indexed: boolean): void => {
  const build = reader.build
  if (build === undefined) return
  let i = 0
  try {
    for (; i < rows.length; i++) rows[i] = build(rows[i])
  } catch (e) {
    throw e instanceof RowDecodeFailure && indexed ? new RowDecodeFailure(ioIndexed(e, i)) : e
  }
}

/** `decode(codec)`: checks each finished row (after preloads) with the user's codec. */
const applyDecoder = (rows: unknown[], plan: Plan, indexed: boolean): void => {
  const decoder = plan.codecs?.decoder
  if (decoder === undefined) return
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    const r = callCodec(() => decoder.decode(row))
    if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left, indexed ? `[${i}]` : ''))
    rows[i] = r.right
  }
}

/** Builds, preloads and decodes the rows of a row mode (all, first, one). */
export const finishRows = (rows: unknown[], plan: Plan, indexed: boolean, fetch: Fetch): unknown[] => {
  collectRows(rows, plan, indexed, fetch)
  applyDecoder(rows, plan, indexed)
  return rows
}

/** Builds the rows and attaches their preloads, in place: everything but `decode(codec)`. */
const collectRows = (rows: unknown[], plan: Plan, indexed: boolean, fetch: Fetch): void => {
  buildRows(rows, plan.reader, indexed)
  const preloads = plan.compiled.preloads
  if (preloads !== undefined && rows.length > 0) loadPreloads(rows as Array<Record<string, unknown>>, preloads, plan, fetch)
}

/** A key as SQLite compares it (a Date as ISO text, a boolean as 0/1), for matching related rows. */
const keyOf = (kind: ColumnKind, v: unknown): SqlValue | undefined => {
  if (v === null || v === undefined) return undefined
  const r = encodeValue(kind, v, 'compare')
  if (E.isLeft(r)) return undefined
  // One key per integer however it was read (a bigint column, a number column): numbers where exact.
  return typeof r.right === 'bigint' && Number.isSafeInteger(Number(r.right)) ? Number(r.right) : r.right
}

/**
 * Loads each relation onto `rows`: one statement per relation, whatever the number of
 * rows (the keys travel as one JSON array), then nested relations on the related rows.
 */
const loadPreloads = (rows: Array<Record<string, unknown>>, preloads: ReadonlyArray<CompiledPreload>, plan: Plan, fetch: Fetch): void => {
  for (const pl of preloads) {
    const keys = new Set<SqlValue>()
    for (const row of rows) {
      const k = keyOf(pl.sourceKind, row[pl.sourceKey])
      if (k !== undefined) keys.add(k)
    }
    let related: Array<Record<string, unknown>> = []
    if (keys.size > 0) {
      const reader = readerOf(pl.shape, plan.codecs)
      related = fetch(pl.sql, withKeys(pl, jsonArrayOf([...keys])), reader) as Array<Record<string, unknown>>
      buildRows(related, reader, false)
      if (pl.nested.length > 0) loadPreloads(related, pl.nested, plan, fetch)
    }
    const byKey = new Map<SqlValue, Array<Record<string, unknown>>>()
    for (const r of related) {
      const k = keyOf(pl.targetKind, r[pl.targetKey])
      if (k === undefined) continue
      const list = byKey.get(k)
      if (list === undefined) byKey.set(k, [r])
      else list.push(r)
    }
    for (const row of rows) {
      const k = keyOf(pl.sourceKind, row[pl.sourceKey])
      const list = k === undefined ? undefined : byKey.get(k)
      row[pl.name] = pl.many ? (list ?? []) : (list?.[0] ?? null)
    }
    // Keys read only to match (left out by the `columns` option) leave once matched.
    if (pl.strip !== undefined) for (const r of related) for (const k of pl.strip) delete r[k]
  }
}

/** A preload's parameters with the JSON array of keys in its place. */
const withKeys = (pl: CompiledPreload, keys: string): SqlValue[] => {
  const params = pl.params.slice()
  params[pl.keysAt] = keys
  return params
}

export const toNumber = (n: number | bigint): number => (typeof n === 'bigint' ? Number(n) : n)

export const ioIndexed = (e: RowDecodeFailure, row: number) =>
  e.issues.map((i) => ({ ...i, path: `[${row}]${i.path === '' || i.path.startsWith('[') ? i.path : `.${i.path}`}` }))

// -------------------------------------------------------------------------------------
// late codecs (a pool's results, finished in the calling thread)
// -------------------------------------------------------------------------------------

type Rec = Record<string, unknown>

/** A json field's codec: found by the compiler through its column, or by its key in the query's codecs. */
const codecOf = (f: OutputField, codecs: CodecsPart): t.Mixed | undefined =>
  f[FieldCodec] ?? (f.codecKey === undefined ? undefined : codecs.columns?.[f.codecKey])

const checkFields = (row: Rec, fields: ReadonlyArray<OutputField>, codecs: CodecsPart, path: string): void => {
  for (const f of fields) {
    const codec = codecOf(f, codecs)
    if (codec === undefined) continue
    const holder = f.group === undefined ? row : (row[f.group] as Rec | null)
    if (holder === null || holder === undefined) continue
    const v = holder[f.key]
    if (v === null || v === undefined) continue
    const r = callCodec(() => codec.decode(v))
    if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left, `${path}${f.group === undefined ? '' : `${f.group}.`}${f.key}`))
    holder[f.key] = r.right
  }
}

const checkPreloads = (row: Rec, preloads: ReadonlyArray<CompiledPreload>, codecs: CodecsPart, path: string): void => {
  for (const pl of preloads) {
    const v = row[pl.name]
    const related = Array.isArray(v) ? (v as Rec[]) : v === null || v === undefined ? [] : [v as Rec]
    related.forEach((r, i) => {
      const at = `${path}${pl.name}${Array.isArray(v) ? `[${i}]` : ''}.`
      checkFields(r, pl.fields, codecs, at)
      checkPreloads(r, pl.nested, codecs, at)
    })
  }
}

/** Whether any field (of the rows or of their preloads) has a json codec to apply. */
const hasFieldCodecs = (fields: ReadonlyArray<OutputField>, preloads: ReadonlyArray<CompiledPreload> | undefined): boolean =>
  fields.some((f) => f[FieldCodec] !== undefined || f.codecKey !== undefined) ||
  (preloads ?? []).some((p) => hasFieldCodecs(p.fields, p.nested))

const identity = (v: unknown): unknown => v
const NOTHING_LATE: Finish<undefined, undefined> = { rows: (rows) => rows, value: identity }

/** The codecs a pool's worker could not apply (json columns' and `decode(codec)`), for the calling thread. */
const lateFinish = (compiled: Compiled, codecs: CodecsPart | undefined): Finish<undefined, undefined> => {
  const { fields, preloads } = compiled
  const c: CodecsPart = codecs ?? {}
  const decoder = c.decoder
  if (decoder === undefined && !hasFieldCodecs(fields, preloads)) return NOTHING_LATE
  const first = fields[0]
  const valueCodec = first === undefined ? undefined : codecOf(first, c)
  return {
    rows: (rows, indexed) => {
      for (let i = 0; i < rows.length; i++) {
        const path = indexed ? `[${i}].` : ''
        const row = rows[i]
        if (typeof row === 'object' && row !== null) {
          checkFields(row as Rec, fields, c, path)
          if (preloads !== undefined) checkPreloads(row as Rec, preloads, c, path)
        }
        if (decoder === undefined) continue
        const r = callCodec(() => decoder.decode(row))
        if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left, path.replace(/\.$/, '')))
        rows[i] = r.right
      }
      return rows
    },
    value: (v) => {
      if (valueCodec === undefined || v === null || v === undefined) return v
      const r: t.Validation<unknown> = callCodec(() => valueCodec.decode(v))
      if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left))
      return r.right
    }
  }
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/**
 * The result of a query in its mode, from rows read as `readModeOf(plan)` says and
 * finished by `finish`: the one switch on result modes. A write's result (run, void)
 * passes through. `one` with no row or several is a Left (the caller returns it as is).
 */
const shape = <P, F>(mode: Compiled['mode'], rows: unknown, sql: string, finish: Finish<P, F>, plan: P, fetch: F): unknown => {
  switch (mode) {
    case 'all':
      return finish.rows(rows as unknown[], true, plan, fetch)
    case 'first': {
      const rs = rows as unknown[]
      return rs.length === 0 ? O.none : O.some(finish.rows(rs, false, plan, fetch)[0])
    }
    case 'one': {
      const rs = rows as unknown[]
      if (rs.length === 0) return E.left(notFound(sql))
      if (rs.length > 1) return E.left(tooManyRows(sql))
      return E.right(finish.rows(rs, false, plan, fetch)[0])
    }
    case 'count':
      return toNumber((rows as Array<[number | bigint]>)[0]![0])
    case 'exists':
      return (rows as Array<[number]>)[0]![0] === 1
    case 'value': {
      const rs = rows as Array<[unknown]>
      return rs.length === 0 ? O.none : O.some(finish.value(rs[0]![0], plan))
    }
    case 'values': {
      const rs = rows as Array<[unknown]>
      const out: unknown[] = new Array(rs.length)
      for (let i = 0; i < rs.length; i++) out[i] = finish.value(rs[i]![0], plan)
      return out
    }
    case 'run':
    case 'void':
      return rows
  }
}

/**
 * The result of a query from the rows of its statement (as `readModeOf(plan)` read them):
 * rows built, relations preloaded through `fetch`, codecs applied, in the mode's shape.
 */
export const assemble = (plan: Plan, rows: unknown[], sql: string, fetch: Fetch): unknown =>
  shape(plan.compiled.mode, rows, sql, IN_SESSION, plan, fetch)

const IN_SESSION: Finish<Plan, Fetch> = {
  rows: (rows, indexed, plan, fetch) => finishRows(rows, plan, indexed, fetch),
  value: (v, plan) => (plan.single === undefined ? v : plan.single(v))
}

/**
 * What a pool worker sends back for a read: the rows built and their relations preloaded,
 * or for a single-value mode the values decoded by kind, not yet shaped (the calling
 * thread applies the codecs and shapes them: `finishLate`).
 */
export const collect = (plan: Plan, rows: unknown[], sql: string, fetch: Fetch): E.Either<DbError, unknown[]> => {
  switch (plan.compiled.mode) {
    case 'one':
      // Found here, so that a batch the worker runs rolls back for it, as a session's would.
      if (rows.length === 0) return E.left(notFound(sql))
      if (rows.length > 1) return E.left(tooManyRows(sql))
      collectRows(rows, plan, false, fetch)
      return E.right(rows)
    case 'all':
    case 'first':
      collectRows(rows, plan, plan.compiled.mode === 'all', fetch)
      return E.right(rows)
    case 'value':
    case 'values': {
      const single = plan.single
      if (single !== undefined) for (const row of rows as Array<[unknown]>) row[0] = single(row[0])
      return E.right(rows)
    }
    default:
      return E.right(rows)
  }
}

/**
 * Finishes in the calling thread what a pool worker collected (`collect`), or a write's
 * result: the query's codecs, then the mode's shape. A codec's failure is a Left
 * `DecodeError`, a codec that throws a Left `UnexpectedError`, as in a session.
 */
export const finishLate = <A>(compiled: Compiled, codecs: CodecsPart | undefined, collected: unknown): E.Either<DbError, A> => {
  try {
    const out = shape(compiled.mode, collected, compiled.statements[0]?.sql ?? '', lateFinish(compiled, codecs), undefined, undefined)
    return compiled.mode === 'one' ? (out as E.Either<DbError, A>) : E.right(out as A)
  } catch (e) {
    if (e instanceof RowDecodeFailure) return E.left(decodeError(e.issues))
    return E.left(unexpectedError(e instanceof CodecThrew ? e.cause : e, CODEC_THREW))
  }
}
