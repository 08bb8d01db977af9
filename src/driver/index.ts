/**
 * The drivers. `localDriver` is the engine sessions, transactions, migrations and the
 * pool's workers run on (better-sqlite3); everything above src/driver reaches it through
 * the contract in local.ts.
 */
import { betterSqlite3 } from './better-sqlite3.js'
import type { LocalConnection, LocalDriver } from './local.js'

export type { ErrorContext, LocalConnection, LocalDriver, LocalOpenOptions, LocalRunResult, LocalStatement } from './local.js'

export const localDriver: LocalDriver = betterSqlite3

/** Maps what the local engine threw to a `DbError` (by SQLite result code). */
export const mapError = localDriver.mapError

// -------------------------------------------------------------------------------------
// helpers over the contract (not on the hot path: each prepares its statement afresh)
// -------------------------------------------------------------------------------------

/** The first column of every row of `sql`. */
export const firstColumn = (c: LocalConnection, sql: string, ...params: ReadonlyArray<unknown>): unknown[] => {
  const s = c.prepare(sql)
  s.raw(true)
  return (s.all(...params) as unknown[][]).map((row) => row[0])
}

/** The first column of the first row of `sql`, or undefined when there is no row. */
export const firstValue = (c: LocalConnection, sql: string, ...params: ReadonlyArray<unknown>): unknown => {
  const s = c.prepare(sql)
  s.raw(true)
  return (s.get(...params) as unknown[] | undefined)?.[0]
}

/**
 * A PRAGMA's value (`foreign_keys`, `busy_timeout`, ...). The name is SQL text: only
 * names from this library's code, never from input.
 */
export const pragmaValue = (c: LocalConnection, name: string): unknown => firstValue(c, `PRAGMA ${name}`)
