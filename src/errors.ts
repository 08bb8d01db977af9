/**
 * The one error type of the library. Every layer returns these as values
 * (`Either<DbError, A>`); nothing throws across the public API.
 *
 * This module imports nothing from the rest of the library so that every layer
 * (schema, query, conn, session, ...) may depend on it.
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Any error SQLite reported that has no more precise variant below.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, count, integer, select, session, table } from 'fp-lite-orm'
 *
 * const ghosts = table('ghosts', { id: integer().primaryKey() })   // never created
 * const r = session(connect(':memory:')).run(pipe(select(ghosts), count))
 * assert.ok(E.isLeft(r) && r.left._tag === 'SqliteError')
 * assert.equal(r.left.code, 'SQLITE_ERROR')
 * assert.match(r.left.message, /no such table: ghosts/)
 * ```
 *
 * @category Errors
 */
export interface SqliteError {
  readonly _tag: 'SqliteError'
  /** SQLite's extended result code, e.g. `SQLITE_ERROR`. */
  readonly code: string
  readonly message: string
  readonly sql?: string
}

/**
 * Which constraint a write broke (`ConstraintError.kind`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import type { ConstraintKind } from 'fp-lite-orm'
 *
 * const advice: Record<ConstraintKind, string> = {
 *   unique: 'choose another value',
 *   primaryKey: 'choose another key',
 *   foreignKey: 'insert the parent row first',
 *   notNull: 'give a value',
 *   check: 'give a value the check accepts'
 * }
 * assert.equal(advice.foreignKey, 'insert the parent row first')
 * ```
 *
 * @category Errors
 */
export type ConstraintKind = 'unique' | 'primaryKey' | 'foreignKey' | 'notNull' | 'check'

/**
 * A write broke a constraint: unique, primary key, foreign key, not null or check.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, { email: 'ann@example.com' }))
 *
 * const again = s.run(insert(users, { email: 'ann@example.com' }))
 * assert.ok(E.isLeft(again) && again.left._tag === 'ConstraintError')
 * assert.deepEqual([again.left.kind, again.left.table, again.left.columns], ['unique', 'users', ['email']])
 * ```
 *
 * @category Errors
 */
export interface ConstraintError {
  readonly _tag: 'ConstraintError'
  readonly kind: ConstraintKind
  readonly code: string
  /** The table, where SQLite names it (or the statement's target table). */
  readonly table?: string
  /** The SQL column names SQLite named (empty for foreign keys, which SQLite does not name). */
  readonly columns: ReadonlyArray<string>
  readonly message: string
  readonly sql?: string
}

/**
 * The database stayed locked by another connection past the busy timeout.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, session, table, transaction } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const db = connect('busy.db')
 * const impatient = connect('busy.db', { busyTimeoutMs: 20 })   // another connection to the same file
 * session(db).run(createTable(t))
 *
 * const r = transaction(db, (tx) =>
 *   pipe(tx.run(insert(t, {})), E.chain(() => session(impatient).run(insert(t, {}))))   // db holds the write lock
 * )
 * assert.ok(E.isLeft(r) && r.left._tag === 'BusyError')
 * ```
 *
 * @category Errors
 */
export interface BusyError {
  readonly _tag: 'BusyError'
  readonly code: string
  readonly message: string
  readonly sql?: string
}

/**
 * The database could not be opened (missing folder, a folder, not a SQLite file, ...).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, count, integer, select, session, table } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const r = session(connect('no-such-folder/app.db')).run(pipe(select(t), count))
 * assert.ok(E.isLeft(r) && r.left._tag === 'ConnectionError')
 * assert.equal(r.left.path, 'no-such-folder/app.db')
 * ```
 *
 * @category Errors
 */
export interface ConnectionError {
  readonly _tag: 'ConnectionError'
  readonly path: string
  readonly message: string
  readonly cause?: unknown
}

/**
 * Bad input caught before any SQL ran: unknown column, invalid identifier, wrong value type.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, eq, filter, first, integer, placeholder, select, session, table } from 'fp-lite-orm'
 * import type { Query } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(t))
 *
 * const byId: Query<unknown> = pipe(select(t), filter(eq(t.id, placeholder('id'))), first)   // its params typed as unknown
 * const missing = s.run(byId)                                                                 // so none given: a Left
 * assert.ok(E.isLeft(missing) && missing.left._tag === 'ValidationError')
 * assert.equal(missing.left.path, 'params.id')
 * ```
 *
 * @category Errors
 */
export interface ValidationError {
  readonly _tag: 'ValidationError'
  readonly message: string
  /** Where the bad input was, e.g. `insert into users › row 2 › age`. */
  readonly path?: string
}

/**
 * One field that did not decode: where it is, what was expected, what was found.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as t from 'io-ts'
 * import { all, connect, decode, raw, session, sql } from 'fp-lite-orm'
 * import type { DecodeIssue } from 'fp-lite-orm'
 *
 * const r = session(connect(':memory:')).run(pipe(raw(sql`SELECT 1 AS n UNION ALL SELECT 'two'`), decode(t.type({ n: t.number })), all))
 * const issues: ReadonlyArray<DecodeIssue> = E.isLeft(r) && r.left._tag === 'DecodeError' ? r.left.issues : []
 * assert.deepEqual(issues.map((i) => [i.path, i.actual]), [['[1].n', 'two']])
 * ```
 *
 * @category Errors
 */
export interface DecodeIssue {
  /** The path to the bad field, e.g. `[3].prefs.theme`. */
  readonly path: string
  readonly expected: string
  readonly actual: unknown
}

/**
 * A row did not decode: a stored value of the wrong shape, or a user codec refused it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as t from 'io-ts'
 * import { columns, connect, createTable, decode, first, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, { name: 'Ann', age: null }))
 *
 * const Adult = t.type({ name: t.string, age: t.number })
 * const r = s.run(pipe(select(users), columns({ name: users.name, age: users.age }), decode(Adult), first))
 * assert.ok(E.isLeft(r) && r.left._tag === 'DecodeError')
 * assert.deepEqual(r.left.issues.map((i) => i.path), ['age'])
 * ```
 *
 * @category Errors
 */
export interface DecodeError {
  readonly _tag: 'DecodeError'
  readonly message: string
  readonly issues: ReadonlyArray<DecodeIssue>
  readonly sql?: string
}

/**
 * `one` found no row.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, eq, filter, integer, one, select, session, table } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(t))
 * const r = s.run(pipe(select(t), filter(eq(t.id, 1)), one))
 * assert.ok(E.isLeft(r) && r.left._tag === 'NotFound')
 * ```
 *
 * @category Errors
 */
export interface NotFound {
  readonly _tag: 'NotFound'
  readonly message: string
  readonly sql?: string
}

/**
 * `one` found more than one row.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, one, select, session, table } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(t))
 * s.run(insert(t, [{}, {}]))
 * const r = s.run(pipe(select(t), one))
 * assert.ok(E.isLeft(r) && r.left._tag === 'TooManyRows')
 * ```
 *
 * @category Errors
 */
export interface TooManyRows {
  readonly _tag: 'TooManyRows'
  readonly message: string
  readonly sql?: string
}

/**
 * A migration could not be read or applied (`migration` names it); nothing was applied.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrate } from 'fp-lite-orm'
 *
 * const r = migrate(connect('app.db'), { dir: './no-migrations-here' })
 * assert.ok(E.isLeft(r) && r.left._tag === 'MigrationError')
 * assert.match(r.left.message, /does not exist/)
 * ```
 *
 * @category Errors
 */
export interface MigrationError {
  readonly _tag: 'MigrationError'
  readonly message: string
  readonly migration?: string
  readonly cause?: unknown
}

/**
 * User code threw (a callback, a codec): the throw is caught and carried here.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, transaction } from 'fp-lite-orm'
 *
 * const r = transaction(connect(':memory:'), (): E.Either<never, number> => {
 *   throw new Error('a bug')
 * })
 * assert.ok(E.isLeft(r) && r.left._tag === 'UnexpectedError')
 * assert.ok(r.left.cause instanceof Error && r.left.cause.message === 'a bug')
 * ```
 *
 * @category Errors
 */
export interface UnexpectedError {
  readonly _tag: 'UnexpectedError'
  readonly message: string
  readonly cause: unknown
}

/**
 * Every failure of the library: a tagged union on `_tag`. Each variant has a `message` that
 * says what happened and what to do.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { DbError } from 'fp-lite-orm'
 *
 * const httpStatus = (e: DbError): number => {
 *   switch (e._tag) {
 *     case 'NotFound':
 *       return 404
 *     case 'ValidationError':
 *     case 'DecodeError':
 *       return 400
 *     case 'ConstraintError':
 *       return 409
 *     case 'BusyError':
 *       return 503
 *     default:
 *       return 500
 *   }
 * }
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique() })
 * const s = session(connect(':memory:'))
 * const r = pipe(
 *   s.run(createTable(users)),
 *   E.chain(() => s.run(insert(users, [{ email: 'a@example.com' }, { email: 'a@example.com' }])))
 * )
 * assert.deepEqual(pipe(r, E.mapLeft(httpStatus)), E.left(409))
 * ```
 *
 * @category Errors
 */
export type DbError =
  | SqliteError
  | ConstraintError
  | BusyError
  | ConnectionError
  | ValidationError
  | DecodeError
  | NotFound
  | TooManyRows
  | MigrationError
  | UnexpectedError

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

export const sqliteError = (code: string, message: string, sql?: string): SqliteError =>
  sql === undefined ? { _tag: 'SqliteError', code, message } : { _tag: 'SqliteError', code, message, sql }

export const constraintError = (e: Omit<ConstraintError, '_tag'>): ConstraintError => ({
  _tag: 'ConstraintError',
  ...e
})

export const busyError = (code: string, message: string, sql?: string): BusyError =>
  sql === undefined ? { _tag: 'BusyError', code, message } : { _tag: 'BusyError', code, message, sql }

export const connectionError = (path: string, message: string, cause?: unknown): ConnectionError =>
  cause === undefined ? { _tag: 'ConnectionError', path, message } : { _tag: 'ConnectionError', path, message, cause }

export const validationError = (message: string, path?: string): ValidationError =>
  path === undefined ? { _tag: 'ValidationError', message } : { _tag: 'ValidationError', message, path }

export const decodeError = (issues: ReadonlyArray<DecodeIssue>, sql?: string): DecodeError => {
  const shown = issues.slice(0, 5).map((i) => `at ${i.path || '(row)'}: expected ${i.expected}, got ${describeValue(i.actual)}`)
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''
  const message =
    `A row did not decode: ${shown.join('; ')}${more}. ` + 'Check that the stored data matches the schema (or the codec given to decode()).'
  return sql === undefined ? { _tag: 'DecodeError', message, issues } : { _tag: 'DecodeError', message, issues, sql }
}

export const notFound = (sql?: string): NotFound => ({
  _tag: 'NotFound',
  message: 'The query returned no row where exactly one was expected (one). Use first for an optional row.',
  ...(sql === undefined ? {} : { sql })
})

export const tooManyRows = (sql?: string): TooManyRows => ({
  _tag: 'TooManyRows',
  message: 'The query returned more than one row where exactly one was expected (one). ' + 'Narrow the filter, or use first or all.',
  ...(sql === undefined ? {} : { sql })
})

export const migrationError = (message: string, migration?: string, cause?: unknown): MigrationError => ({
  _tag: 'MigrationError',
  message,
  ...(migration === undefined ? {} : { migration }),
  ...(cause === undefined ? {} : { cause })
})

export const unexpectedError = (cause: unknown, context = 'User code threw'): UnexpectedError => ({
  _tag: 'UnexpectedError',
  message: `${context}: ${cause instanceof Error ? cause.message : String(cause)}`,
  cause
})

// -------------------------------------------------------------------------------------
// refinements
// -------------------------------------------------------------------------------------

const TAGS: ReadonlySet<string> = new Set<DbError['_tag']>([
  'SqliteError',
  'ConstraintError',
  'BusyError',
  'ConnectionError',
  'ValidationError',
  'DecodeError',
  'NotFound',
  'TooManyRows',
  'MigrationError',
  'UnexpectedError'
])

/**
 * True for any `DbError` value (used to tell a thrown DbError from any other throw).
 *
 * @param u - any value, typically what a `catch` caught; never throws.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { isDbError } from 'fp-lite-orm'
 *
 * assert.equal(isDbError({ _tag: 'NotFound', message: 'no row' }), true)
 * assert.equal(isDbError(new Error('boom')), false)
 *
 * // The one place a DbError is thrown: a stream failing after iteration began.
 * const handle = (e: unknown): string => (isDbError(e) ? `${e._tag}: ${e.message}` : 'not from the database')
 * assert.equal(handle({ _tag: 'BusyError', code: 'SQLITE_BUSY', message: 'locked' }), 'BusyError: locked')
 * ```
 *
 * @category Errors
 */
export const isDbError = (u: unknown): u is DbError =>
  typeof u === 'object' && u !== null && TAGS.has((u as { _tag?: unknown })._tag as string)

// -------------------------------------------------------------------------------------
// conversions
// -------------------------------------------------------------------------------------

/**
 * A failure an engine reported with a SQLite result code: what every driver (local or
 * remote) turns its own error shape into before mapping it.
 */
export interface SqliteFailure {
  /** The extended result code's name: `SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, ... */
  readonly code: string
  readonly message: string
  /** What the engine threw, kept on errors that carry a cause. */
  readonly cause?: unknown
}

/** `users.email, users.name` (SQLite's constraint message tail) -> table and columns. */
const parseQualifiedColumns = (tail: string): { table?: string; columns: string[] } => {
  const parts = tail
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
  let table: string | undefined
  const columns: string[] = []
  for (const p of parts) {
    const dot = p.indexOf('.')
    if (dot > 0) {
      table ??= p.slice(0, dot)
      columns.push(p.slice(dot + 1))
    } else columns.push(p)
  }
  return table === undefined ? { columns } : { table, columns }
}

const CONSTRAINT_KINDS: Record<string, ConstraintKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'primaryKey',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreignKey',
  SQLITE_CONSTRAINT_NOTNULL: 'notNull',
  SQLITE_CONSTRAINT_CHECK: 'check'
}

const constraintAdvice: Record<ConstraintKind, string> = {
  unique: 'a row with the same value already exists; use another value, or handle duplicates with an ON CONFLICT clause',
  primaryKey: 'a row with the same primary key already exists; use another key, or handle duplicates with an ON CONFLICT clause',
  foreignKey:
    'the row refers to a parent row that does not exist, or other rows still refer to this one; insert the parent first, or delete or re-point the children',
  notNull: 'the column requires a value; give one, or declare the column nullable',
  check: 'the value breaks the CHECK constraint; give a value it accepts'
}

/**
 * Maps a failure the engine reported with a SQLite result code to a `DbError`, by the
 * extended result code (the same for every driver: see src/driver). `context.table` names
 * the statement's target table, for messages SQLite leaves vague (foreign key failures
 * name no table).
 */
export const fromSqliteCode = (
  e: SqliteFailure,
  sql?: string,
  context?: { readonly table?: string | undefined; readonly path?: string | undefined }
): DbError => {
  const code = e.code
  // ON DELETE/UPDATE RESTRICT is enforced by a trigger-like action: SQLite reports it as
  // SQLITE_CONSTRAINT_TRIGGER, with the foreign key message.
  const kind = CONSTRAINT_KINDS[code] ?? (code === 'SQLITE_CONSTRAINT_TRIGGER' && /FOREIGN KEY/.test(e.message) ? 'foreignKey' : undefined)
  if (kind !== undefined) {
    const colon = e.message.indexOf(':')
    const parsed = colon >= 0 && kind !== 'check' ? parseQualifiedColumns(e.message.slice(colon + 1)) : { columns: [] }
    const table = parsed.table ?? context?.table
    const where =
      parsed.columns.length > 0
        ? ` on ${parsed.columns.map((c) => (table ? `${table}.${c}` : c)).join(', ')}`
        : table
          ? ` on table ${table}`
          : ''
    const constraintName = kind === 'check' && colon >= 0 ? ` (${e.message.slice(colon + 1).trim()})` : ''
    return constraintError({
      kind,
      code,
      ...(table === undefined ? {} : { table }),
      columns: parsed.columns,
      message: `${kindLabel[kind]} constraint failed${where}${constraintName}: ${constraintAdvice[kind]}.`,
      ...(sql === undefined ? {} : { sql })
    })
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return busyError(code, `The database is locked by another connection (${e.message}); retry later, or raise busyTimeoutMs.`, sql)
  }
  if (context?.path !== undefined && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CANTOPEN'))) {
    return connectionError(context.path, `Cannot open ${context.path}: ${e.message}`, e.cause ?? e)
  }
  return sqliteError(code, sql === undefined ? e.message : `${e.message} (in: ${quoteSql(sql)})`, sql)
}

const kindLabel: Record<ConstraintKind, string> = {
  unique: 'UNIQUE',
  primaryKey: 'PRIMARY KEY',
  foreignKey: 'FOREIGN KEY',
  notNull: 'NOT NULL',
  check: 'CHECK'
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** SQL quoted in an error message: at most about a thousand characters (the whole text stays on the error's `sql`). */
export const quoteSql = (sql: string): string =>
  sql.length <= 1000
    ? sql
    : `${sql.slice(0, 1000)}... (${sql.length - 1000} more characters; the whole statement is on the error's sql field)`

/** A short, safe rendering of a value for messages (never the whole of a large value). */
export const describeValue = (u: unknown): string => {
  try {
    return describe(u)
  } catch {
    // A Proxy whose traps throw, a getter that throws: nothing of it can be shown.
    return 'a value that throws when read'
  }
}

const describe = (u: unknown): string => {
  if (u === undefined) return 'undefined'
  if (u === null) return 'null'
  if (u instanceof Date) return Number.isNaN(u.getTime()) ? 'Invalid Date' : `Date(${u.toISOString()})`
  if (u instanceof Uint8Array) return `bytes(${u.length})`
  if (typeof u === 'bigint') return `${u}n`
  if (typeof u === 'function') return 'a function'
  if (typeof u === 'string') return JSON.stringify(u.length > 60 ? `${u.slice(0, 57)}...` : u) + ' (string)'
  if (typeof u === 'object') {
    let s: string
    try {
      s = JSON.stringify(u) ?? Object.prototype.toString.call(u)
    } catch {
      s = Object.prototype.toString.call(u)
    }
    return s.length > 60 ? `${s.slice(0, 57)}...` : s
  }
  // What is left: a number, a boolean or a symbol.
  const shown = typeof u === 'number' || typeof u === 'boolean' ? `${u}` : typeof u === 'symbol' ? u.toString() : typeof u
  return `${shown} (${typeof u})`
}
