/**
 * The local driver contract: what the library needs of a synchronous, in-process SQLite
 * engine. Types only. Two small structural interfaces (a connection and its prepared
 * statements) and the driver that opens one and names its errors.
 *
 * The statement type is structural on purpose: better-sqlite3's own `Statement` satisfies
 * it as is, so the session's statement cache holds the engine's statements and the hot path
 * calls them directly, with nothing in between.
 */
import type { DbError } from '../errors.js'
import type { SqlFunction } from './hooks.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** What a write reports. */
export interface LocalRunResult {
  readonly changes: number
  readonly lastInsertRowid: number | bigint
}

/**
 * A prepared statement. Parameters are positional. Row mode and integer mode are per
 * statement (as in SQLite's C API wrappers): `raw(true)` returns rows as arrays,
 * `safeIntegers(true)` reads integers as bigints.
 */
export interface LocalStatement {
  /** Whether the statement returns rows (only those can switch to array rows). */
  readonly reader: boolean
  /** Whether running it leaves the database unchanged (`sqlite3_stmt_readonly`): the studio's query view refuses the others. */
  readonly readonly: boolean
  /** The names of its result columns (a statement that returns rows). */
  columns(): ReadonlyArray<{ readonly name: string }>
  run(...params: ReadonlyArray<unknown>): LocalRunResult
  /** The first row, or undefined when there is none. */
  get(...params: ReadonlyArray<unknown>): unknown
  all(...params: ReadonlyArray<unknown>): unknown[]
  /** Rows one at a time; the connection runs nothing else until the iterator ends or is returned. */
  iterate(...params: ReadonlyArray<unknown>): IterableIterator<unknown>
  raw(on?: boolean): unknown
  safeIntegers(on?: boolean): unknown
}

/** An open connection to one database file (or `:memory:`). */
export interface LocalConnection {
  readonly open: boolean
  /** Whether it was opened read-only. */
  readonly readonly: boolean
  /** Whether a transaction is open (BEGIN without COMMIT or ROLLBACK yet). */
  readonly inTransaction: boolean
  /** Prepares one statement; throws what the engine throws (a syntax error, a missing table). */
  prepare(sql: string): LocalStatement
  /** Runs SQL text of any number of statements, without parameters and without rows. */
  exec(sql: string): unknown
  close(): unknown
  /**
   * SQLite's online backup into a new file, page by page; `progress` is called after each
   * step and returns how many pages the next step copies.
   */
  backup(
    destination: string,
    options?: { progress?: (info: { totalPages: number; remainingPages: number }) => number }
  ): Promise<{ totalPages: number; remainingPages: number }>
}

export interface LocalOpenOptions {
  /** Open read-only; the file must then exist. */
  readonly readonly: boolean
  /** How long a statement waits for another connection's lock before failing busy. */
  readonly busyTimeoutMs: number
  /** SQLite extensions (file paths) loaded into the connection when it opens, in order. */
  readonly extensions?: ReadonlyArray<string> | undefined
  /** User-defined functions registered on the connection when it opens. */
  readonly functions?: ReadonlyArray<SqlFunction> | undefined
}

/** Where a statement failed, for messages the engine leaves vague. */
export interface ErrorContext {
  /** The statement's target table (foreign key failures name no table). */
  readonly table?: string | undefined
  /** The database path (for failures to open). */
  readonly path?: string | undefined
}

/**
 * A local engine: opens connections, and maps whatever it throws to a `DbError` (by SQLite
 * result code where there is one).
 */
export interface LocalDriver {
  readonly name: string
  /** Opens a connection; throws what the engine throws (map it with `mapError`). */
  readonly open: (file: string, options: LocalOpenOptions) => LocalConnection
  readonly mapError: (thrown: unknown, sql?: string, context?: ErrorContext) => DbError
  /** The SQLite result code name of a thrown error (`SQLITE_BUSY`, ...), when it has one. */
  readonly codeOf: (thrown: unknown) => string | undefined
}
