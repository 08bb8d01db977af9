/**
 * The local driver on better-sqlite3: the one module of src/ that imports it. A
 * better-sqlite3 `Database` is a `LocalConnection` and its `Statement` a `LocalStatement`
 * as they are (the contract is structural), so `open` hands the engine's own objects over
 * and the hot path calls them with nothing in between.
 */
import Database from 'better-sqlite3'
import type { DbError } from '../errors.js'
import { fromSqliteCode, isDbError, quoteSql, unexpectedError, validationError } from '../errors.js'
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

const open = (file: string, options: LocalOpenOptions): LocalConnection =>
  new Database(file, { readonly: options.readonly, fileMustExist: options.readonly, timeout: options.busyTimeoutMs })

/** better-sqlite3 as the local driver. */
export const betterSqlite3: LocalDriver = { name: 'better-sqlite3', open, mapError, codeOf }
