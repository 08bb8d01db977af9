/**
 * Value mapping between JavaScript and SQLite, one place for every kind:
 *
 * - `encodeValue`: an application value -> the value bound to SQLite (checked);
 * - `decodeStored`: a stored value -> the application value (checked);
 * - `columnCodec`, `rowCodec`, `insertCodec`: the same rules as io-ts codecs, for users.
 *
 * The session's row builders apply the same rules inline (see session/rows.ts); the
 * codecs here are the reference they are tested against.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { AnyColumn, ColumnKind, SqlValue } from './column.js'
import { ColumnInfo } from './column.js'
import type { AnyTable, Insert, Row } from './table.js'
import { tableInfo } from './table.js'

// -------------------------------------------------------------------------------------
// encoding (application -> SQLite)
// -------------------------------------------------------------------------------------

/**
 * How strictly a value is checked. `'compare'` is for values compared with a column (a
 * non-integer number may be compared with an integer column); `'store'` is for values
 * written into it (inserts, `set`).
 *
 * @example
 * ```ts
 * import type { EncodeMode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = EncodeMode
 * ```
 *
 * @category Schema
 */
export type EncodeMode = 'compare' | 'store'

const isValidDate = (u: unknown): u is Date => u instanceof Date && !Number.isNaN(u.getTime())

/** The type a kind expects, as messages name it. */
export const expectedOf = (kind: ColumnKind, codec?: t.Mixed): string => {
  switch (kind) {
    case 'integer':
      return 'an integer'
    case 'bigint':
      return 'a bigint (or a safe integer)'
    case 'real':
      return 'a number'
    case 'text':
      return 'a string'
    case 'blob':
      return 'a Uint8Array or Buffer'
    case 'boolean':
      return 'a boolean'
    case 'json':
      return codec === undefined ? 'a JSON value' : `a value of ${codec.name}`
    case 'timestamp':
      return 'a valid Date'
    case 'any':
      return 'a value'
  }
}

/**
 * Encodes a non-null application value for a column kind. Left carries what was
 * expected, for the caller to turn into a message with a place in it.
 */
export const encodeValue = (kind: ColumnKind, value: unknown, mode: EncodeMode, codec?: t.Mixed): E.Either<string, SqlValue> => {
  switch (kind) {
    case 'integer':
      if (typeof value === 'bigint') return E.right(value)
      if (typeof value === 'number') {
        if (mode === 'store' ? Number.isSafeInteger(value) : !Number.isNaN(value)) return E.right(value)
      }
      return E.left(mode === 'store' ? 'a safe integer' : 'a number (not NaN)')
    case 'bigint':
      if (typeof value === 'bigint') {
        return value >= -9223372036854775808n && value <= 9223372036854775807n ? E.right(value) : E.left('a bigint within 64 bits')
      }
      if (typeof value === 'number' && (mode === 'store' ? Number.isSafeInteger(value) : !Number.isNaN(value))) return E.right(value)
      return E.left('a bigint (or a safe integer)')
    case 'real':
      // NaN would be stored as NULL and Infinity cannot travel as JSON: both are refused.
      return typeof value === 'number' && Number.isFinite(value) ? E.right(value) : E.left('a finite number')
    case 'text':
      return typeof value === 'string' ? E.right(value) : E.left('a string')
    case 'blob':
      return value instanceof Uint8Array ? E.right(value) : E.left('a Uint8Array or Buffer')
    case 'boolean':
      return typeof value === 'boolean' ? E.right(value ? 1 : 0) : E.left('a boolean')
    case 'timestamp':
      return isValidDate(value) ? E.right(value.toISOString()) : E.left('a valid Date')
    case 'any':
      return encodeLoose(value)
    case 'json': {
      if (codec !== undefined && mode === 'store') {
        let encoded: unknown
        try {
          if (!codec.is(value)) return E.left(`a value of ${codec.name}`)
          encoded = codec.encode(value)
        } catch (e) {
          return E.left(`a value of ${codec.name} (its codec threw: ${e instanceof Error ? e.message : String(e)})`)
        }
        return stringifyJson(encoded)
      }
      return stringifyJson(value)
    }
  }
}

/**
 * JSON text of a value. JSON has no NaN or Infinity: JSON.stringify would write them as
 * null, a value the codec may refuse on every later read, so they are refused here.
 */
const stringifyJson = (value: unknown): E.Either<string, SqlValue> => {
  let nonFinite: string | undefined
  try {
    const s = JSON.stringify(value, (key: string, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v) && nonFinite === undefined) nonFinite = `${v}${key === '' ? '' : ` at ${key}`}`
      return v
    })
    if (nonFinite !== undefined)
      return E.left(`a JSON value without NaN or Infinity (JSON cannot hold ${nonFinite}; it would be stored as null)`)
    return s === undefined ? E.left('a JSON-serialisable value') : E.right(s)
  } catch {
    return E.left('a JSON-serialisable value (no cycles, no bigint)')
  }
}

/** Encodes a value with no column to go by (inside `sql` templates, function arguments). */
export const encodeLoose = (value: unknown): E.Either<string, SqlValue> => {
  if (value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint') {
    return E.right(value)
  }
  if (typeof value === 'boolean') return E.right(value ? 1 : 0)
  if (value instanceof Uint8Array) return E.right(value)
  if (isValidDate(value)) return E.right(value.toISOString())
  return E.left('a number, string, bigint, boolean, Date, Uint8Array or null')
}

// -------------------------------------------------------------------------------------
// decoding (SQLite -> application)
// -------------------------------------------------------------------------------------

/** What an integer column read as `number` says of a value it would round. */
export const UNSAFE_INTEGER =
  "an integer within Number.MAX_SAFE_INTEGER (this one would be rounded; declare the column integer({ mode: 'bigint' }) to read all 64 bits)"

/** Decodes a non-null stored value of a kind. Left carries what was expected. */
export const decodeStored = (kind: ColumnKind, stored: unknown, codec?: t.Mixed): E.Either<string, unknown> => {
  switch (kind) {
    case 'integer':
      if (typeof stored === 'bigint') return Number.isSafeInteger(Number(stored)) ? E.right(Number(stored)) : E.left(UNSAFE_INTEGER)
      if (typeof stored !== 'number') return E.left('a number')
      return Number.isInteger(stored) && !Number.isSafeInteger(stored) ? E.left(UNSAFE_INTEGER) : E.right(stored)
    case 'bigint':
      return typeof stored === 'bigint'
        ? E.right(stored)
        : typeof stored === 'number' && Number.isSafeInteger(stored)
          ? E.right(BigInt(stored))
          : E.left('an integer')
    case 'real':
      return typeof stored === 'number' || typeof stored === 'bigint' ? E.right(stored) : E.left('a number')
    case 'text':
      return typeof stored === 'string' ? E.right(stored) : E.left('text')
    case 'blob':
      return stored instanceof Uint8Array ? E.right(stored) : E.left('a blob')
    case 'any':
      return E.right(stored)
    case 'boolean':
      return stored === 0 || stored === 1 ? E.right(stored === 1) : E.left('0 or 1 (a boolean)')
    case 'timestamp': {
      if (typeof stored !== 'string' && typeof stored !== 'number') return E.left('ISO-8601 text (a timestamp)')
      const d = new Date(stored)
      return Number.isNaN(d.getTime()) ? E.left('ISO-8601 text (a timestamp)') : E.right(d)
    }
    case 'json': {
      if (typeof stored !== 'string') return E.left('JSON text')
      let parsed: unknown
      try {
        parsed = JSON.parse(stored)
      } catch {
        return E.left('valid JSON text')
      }
      if (codec === undefined) return E.right(parsed)
      const r = codec.decode(parsed)
      return E.isRight(r) ? r : E.left(`JSON of ${codec.name}`)
    }
  }
}

// -------------------------------------------------------------------------------------
// io-ts codecs
// -------------------------------------------------------------------------------------

const typeName = (c: AnyColumn): string => {
  const info = c[ColumnInfo]
  const k = info.kind === 'json' && info.codec !== undefined ? `json(${info.codec.name})` : info.kind
  return info.notNull ? k : `${k} | null`
}

/**
 * The codec of one column: decodes the stored form (0/1, ISO text, JSON text) into
 * the application value and encodes it back.
 *
 * @param c - a column of a table (`users.createdAt`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { boolean, columnCodec, table, timestamp } from 'fp-lite-orm'
 *
 * const t = table('t', { done: boolean().notNull(), at: timestamp() })
 * assert.deepEqual(columnCodec(t.done).decode(1), E.right(true))
 * assert.ok(E.isLeft(columnCodec(t.done).decode(2)))
 * assert.deepEqual(columnCodec(t.at).decode(null), E.right(null))
 * assert.equal(columnCodec(t.at).encode(new Date('2024-05-01T12:00:00Z')), '2024-05-01T12:00:00.000Z')
 * ```
 *
 * @category Schema
 */
export const columnCodec = (c: AnyColumn): t.Type<unknown, SqlValue, unknown> => {
  const info = c[ColumnInfo]
  const name = typeName(c)
  return new t.Type<unknown, SqlValue, unknown>(
    name,
    (u): u is unknown => (u === null ? !info.notNull : E.isRight(encodeValue(info.kind, u, 'store', info.codec))),
    (u, ctx) => {
      if (u === null || u === undefined) return info.notNull ? t.failure(u, ctx, `${c.key} is not nullable`) : t.success(null)
      const r = decodeStored(info.kind, u, info.codec)
      if (E.isRight(r)) return t.success(r.right)
      // A json column's codec reports its own errors, with the paths inside the value.
      if (info.kind === 'json' && info.codec !== undefined && typeof u === 'string') {
        try {
          const inner = info.codec.validate(JSON.parse(u), ctx)
          if (E.isLeft(inner)) return inner
        } catch {
          // not JSON: fall through to the generic failure
        }
      }
      return t.failure(u, ctx, `expected ${r.left}`)
    },
    (a) => {
      if (a === null || a === undefined) return null
      const r = encodeValue(info.kind, a, 'store', info.codec)
      return E.isRight(r) ? r.right : null
    }
  )
}

/**
 * The stored form of a row: keyed by SQL column names, with 0/1, ISO text and JSON text.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { boolean, integer, rowCodec, table, timestamp } from 'fp-lite-orm'
 * import type { StoredRow } from 'fp-lite-orm'
 *
 * const tasks = table('tasks', { id: integer().primaryKey(), done: boolean().notNull(), dueAt: timestamp('due_at') })
 * const stored: StoredRow = rowCodec(tasks).encode({ id: 1, done: true, dueAt: new Date(0) })
 * assert.deepEqual(stored, { id: 1, done: 1, due_at: '1970-01-01T00:00:00.000Z' })
 * ```
 *
 * @category Schema
 */
export type StoredRow = Readonly<Record<string, SqlValue>>

/**
 * The codec of a table's rows: decodes the stored form (keyed by SQL column names)
 * into `Row<T>` (keyed by schema keys). Use it on rows of native SQL:
 * `pipe(raw(sql\`SELECT * FROM users\`), decode(rowCodec(users)), all)`.
 *
 * @param table - the table whose rows the codec decodes (keyed by SQL column names, as native SQL returns them).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, boolean, connect, createTable, decode, insert, integer, raw, rowCodec, session, sql, table } from 'fp-lite-orm'
 *
 * const tasks = table('tasks', { id: integer().primaryKey(), done: boolean().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(tasks))
 * s.run(insert(tasks, [{ done: true }, { done: false }]))
 *
 * const rows = s.run(pipe(raw(sql`SELECT * FROM tasks ORDER BY id`), decode(rowCodec(tasks)), all))
 * assert.deepEqual(rows, E.right([{ id: 1, done: true }, { id: 2, done: false }]))
 * ```
 *
 * @category Schema
 */
export const rowCodec = <T extends AnyTable>(table: T): t.Type<Row<T>, StoredRow, unknown> => {
  const info = tableInfo(table)
  const cols = info.columns.map((c) => [c, columnCodec(c)] as const)
  const isRow = (u: unknown): u is Row<T> =>
    typeof u === 'object' && u !== null && cols.every(([c, codec]) => codec.is((u as Record<string, unknown>)[c.key]))
  return new t.Type<Row<T>, StoredRow, unknown>(
    `Row<${info.name}>`,
    isRow,
    (u, ctx) => {
      if (typeof u !== 'object' || u === null) return t.failure(u, ctx, 'expected a row object')
      const stored = u as Record<string, unknown>
      const out: Record<string, unknown> = {}
      const errors: t.Errors = []
      for (const [c, codec] of cols) {
        const v = stored[c.name]
        const r = codec.validate(v, t.appendContext(ctx, c.key, codec, v))
        if (E.isLeft(r)) errors.push(...r.left)
        else out[c.key] = r.right
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out as Row<T>)
    },
    (row) => {
      const out: Record<string, SqlValue> = {}
      for (const [c, codec] of cols) out[c.name] = codec.encode((row as Record<string, unknown>)[c.key])
      return out
    }
  )
}

/** Whether an insert may leave a column out: nullable, defaulted, or an INTEGER PRIMARY KEY. */
export const isInsertOptional = (c: AnyColumn): boolean => {
  const info = c[ColumnInfo]
  return !info.notNull || info.default !== undefined || (info.primaryKey && (info.kind === 'integer' || info.kind === 'bigint'))
}

/**
 * The codec that checks an `Insert<T>`: every required column present, every value of
 * its column's type, no unknown key. It decodes to the same object.
 *
 * @param table - the table whose `Insert<T>` objects the codec checks.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { insertCodec, integer, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const check = insertCodec(users)
 *
 * assert.deepEqual(check.decode({ name: 'Ann', age: 31 }), E.right({ name: 'Ann', age: 31 }))
 * const bad = check.decode({ age: 'old', role: 'admin' })     // e.g. an HTTP body
 * assert.ok(E.isLeft(bad))
 * assert.deepEqual(bad.left.map((e) => e.message), [
 *   'unknown column "role" in users (known: id, name, age)',
 *   'missing required column name (text)',
 *   'expected null or an integer'
 * ])
 * ```
 *
 * @category Schema
 */
export const insertCodec = <T extends AnyTable>(table: T): t.Type<Insert<T>, Insert<T>, unknown> => {
  const info = tableInfo(table)
  const cols = info.columns.map((c) => [c, columnCodec(c), isInsertOptional(c)] as const)
  const known = new Set(info.columns.map((c) => c.key))
  const validate = (u: unknown, ctx: t.Context): t.Validation<Insert<T>> => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) {
      return t.failure(u, ctx, `expected an object with the columns of ${info.name}`)
    }
    const row = u as Record<string, unknown>
    const errors: t.Errors = []
    for (const k of Object.keys(row)) {
      if (!known.has(k) && row[k] !== undefined) {
        errors.push({
          value: row[k],
          context: t.appendContext(ctx, k, t.never, row[k]),
          message: `unknown column ${JSON.stringify(k)} in ${info.name} (known: ${[...known].join(', ')})`
        })
      }
    }
    for (const [c, codec, optional] of cols) {
      // Own properties only: a value on Object.prototype is not the row's.
      const v = Object.prototype.hasOwnProperty.call(row, c.key) ? row[c.key] : undefined
      if (v === undefined) {
        if (!optional) {
          errors.push({
            value: v,
            context: t.appendContext(ctx, c.key, codec, v),
            message: `missing required column ${c.key} (${typeName(c)})`
          })
        }
        continue
      }
      if (!codec.is(v)) {
        errors.push({
          value: v,
          context: t.appendContext(ctx, c.key, codec, v),
          message: `expected ${c[ColumnInfo].notNull ? '' : 'null or '}${expectedOf(c.kind, c[ColumnInfo].codec)}`
        })
      }
    }
    return errors.length > 0 ? t.failures(errors) : t.success(u as Insert<T>)
  }
  return new t.Type<Insert<T>, Insert<T>, unknown>(
    `Insert<${info.name}>`,
    (u): u is Insert<T> => E.isRight(validate(u, [])),
    validate,
    t.identity
  )
}

// -------------------------------------------------------------------------------------
// error reporting
// -------------------------------------------------------------------------------------

/** `[{ key: '' }, { key: 'prefs' }, { key: 'theme' }]` -> `prefs.theme`. */
export const contextPath = (ctx: t.Context): string =>
  ctx
    .map((e) => e.key)
    .filter((k) => k !== '')
    .map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i === 0 ? k : `.${k}`))
    .join('')

/** The key of a json column's codec in a query's codecs: table and column name. */
export const codecKey = (table: string, column: string): string => `${table}\u0000${column}`

/** json column codecs of a table, keyed as the row decoder looks them up. */
const codecsByColumns = new WeakMap<ReadonlyArray<AnyColumn>, Record<string, t.Mixed> | null>()

export const tableCodecs = (columns: ReadonlyArray<AnyColumn>): Record<string, t.Mixed> | undefined => {
  const hit = codecsByColumns.get(columns)
  if (hit !== undefined) return hit ?? undefined
  const out = collectCodecs(columns)
  codecsByColumns.set(columns, out ?? null)
  return out
}

const collectCodecs = (columns: ReadonlyArray<AnyColumn>): Record<string, t.Mixed> | undefined => {
  let out: Record<string, t.Mixed> | undefined
  for (const c of columns) {
    const codec = c[ColumnInfo].codec
    if (codec !== undefined) (out ??= {})[codecKey(c.table, c.name)] = codec
  }
  return out
}
