/**
 * The local driver on better-sqlite3: the one module of src/ that imports it. A
 * better-sqlite3 `Database` is a `LocalConnection` and its `Statement` a `LocalStatement`
 * as they are (the contract is structural), so `open` hands the engine's own objects over
 * and the hot path calls them with nothing in between.
 */
import * as fs from 'node:fs'
import Database from 'better-sqlite3'
import type { DbError } from '../errors.js'
import { fromSqliteCode, isDbError, quoteSql, unexpectedError, validationError } from '../errors.js'
import type { SqlFunction } from './hooks.js'
import { UserFunctionError } from './hooks.js'
import type { ErrorContext, LocalConnection, LocalDriver, LocalOpenOptions } from './local.js'

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/** better-sqlite3's `SqliteError` carries the extended result code's name in `code`. */
const codeOf = (thrown: unknown): string | undefined => {
  if (!(thrown instanceof Error)) return undefined
  const code = (thrown as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('SQLITE') ? code : undefined
}

const inSql = (sql: string | undefined): string => (sql === undefined ? '' : ` (in: ${quoteSql(sql)})`)

/**
 * Maps what better-sqlite3 throws to a `DbError`: SQLite's failures by result code (the
 * mapping every driver shares, `fromSqliteCode`), and the driver's own refusals (thrown
 * before SQLite runs anything) as validation errors.
 */
const mapError = (thrown: unknown, sql?: string, context?: ErrorContext): DbError => {
  if (isDbError(thrown)) return thrown
  if (thrown instanceof UserFunctionError) return unexpectedError(thrown.thrown, `The SQL function ${thrown.fn} threw${inSql(sql)}`)
  const code = codeOf(thrown)
  if (code !== undefined) return fromSqliteCode({ code, message: (thrown as Error).message, cause: thrown }, sql, context)
  if (thrown instanceof TypeError && /connection is busy executing a query/.test(thrown.message)) {
    return validationError(
      'This thread is still reading a stream on this database, and the connection cannot run another statement until it ends. ' +
        `Finish (or break out of) the loop over stream(...) first.${inSql(sql)}`
    )
  }
  if (thrown instanceof RangeError || thrown instanceof TypeError) {
    // Values it cannot bind, wrong parameter counts, several statements in one string.
    return validationError(`The statement was refused before it ran: ${thrown.message}.${inSql(sql)}`)
  }
  return unexpectedError(thrown, 'The SQLite driver threw')
}

// -------------------------------------------------------------------------------------
// driver
// -------------------------------------------------------------------------------------

const open = (file: string, options: LocalOpenOptions): LocalConnection => {
  const db = new Database(file, { readonly: options.readonly, fileMustExist: options.readonly, timeout: options.busyTimeoutMs })
  try {
    for (const extension of options.extensions ?? []) loadExtension(db, extension)
    for (const f of options.functions ?? []) register(db, f)
  } catch (e) {
    db.close()
    throw e
  }
  return db
}

/** The file suffixes SQLite tries after a path it cannot open as given. */
const EXTENSION_SUFFIXES = ['', '.so', '.dylib', '.dll']

/**
 * Loads one extension. A path that does not exist is named in the error (SQLite's own
 * message names the path with a suffix it tried, not the one given).
 */
const loadExtension = (db: Database.Database, extension: string): void => {
  if (!EXTENSION_SUFFIXES.some((suffix) => fs.existsSync(extension + suffix))) {
    throw new Error(`the SQLite extension ${extension} does not exist: give the path of a compiled extension (.so, .dylib or .dll)`)
  }
  try {
    db.loadExtension(extension)
  } catch (e) {
    throw new Error(`the SQLite extension ${extension} could not be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
}

/**
 * Wraps a user function so what it throws reaches mapError marked with the function's name.
 * The wrapper keeps the function's `length`: better-sqlite3 reads the SQL arity from it.
 */
const guarded = <A extends ReadonlyArray<unknown>, R>(name: string, f: (...args: A) => R, length = f.length): ((...args: A) => R) => {
  const g = (...args: A): R => {
    try {
      return f(...args)
    } catch (e) {
      throw new UserFunctionError(name, e)
    }
  }
  return Object.defineProperty(g, 'length', { value: length })
}

/** SQLite has no boolean: true and false are 1 and 0, as everywhere else in this library. */
const sqlResult = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v)

const register = (db: Database.Database, f: SqlFunction): void => {
  const options = {
    deterministic: f.options.deterministic === true,
    varargs: f.options.varargs === true,
    directOnly: f.options.directOnly === true,
    ...(f.options.safeIntegers === undefined ? {} : { safeIntegers: f.options.safeIntegers })
  }
  if (f._tag === 'ScalarFunction') {
    const call = f.fn as unknown as (...args: unknown[]) => unknown
    db.function(
      f.name,
      options,
      guarded(f.name, (...args: unknown[]) => sqlResult(call(...args)), call.length)
    )
    return
  }
  const step = f.step as unknown as (acc: unknown, ...args: unknown[]) => unknown
  const inverse = f.inverse as unknown as ((acc: unknown, ...args: unknown[]) => unknown) | undefined
  const result = f.result as unknown as ((acc: unknown) => unknown) | undefined
  db.aggregate(f.name, {
    ...options,
    ...(f.start === undefined ? {} : { start: f.start }),
    step: guarded(f.name, step),
    ...(inverse === undefined ? {} : { inverse: guarded(f.name, inverse) }),
    result: guarded(f.name, (acc: unknown) => sqlResult(result === undefined ? acc : result(acc)))
  })
}

/** better-sqlite3 as the local driver. */
export const betterSqlite3: LocalDriver = { name: 'better-sqlite3', open, mapError, codeOf }
