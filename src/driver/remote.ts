/**
 * The remote driver contract: an engine reached over the network runs compiled statements
 * (SQL text and positional params, bound by the calling thread) and lists of them as one
 * transaction, asynchronously, and reports failures as DbErrors built from SQLite result
 * codes (codes.ts). `remotePool(driver)` (src/pool/remote.ts) turns any such driver into a
 * `Pool`. The contract knows no query value and no wire protocol: dqlite/ is one
 * implementation; another engine (a Hrana server) would be another.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import type { SqlValue } from '../schema/column.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * One compiled statement to run remotely: SQL text and its positional params, bound already.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import type { RemoteStatement } from 'fp-lite-orm'
 *
 * const s: RemoteStatement = { sql: 'SELECT name FROM users WHERE id = ?', params: [1], rows: true, write: false }
 * assert.equal(s.params.length, 1)
 * ```
 *
 * @category Pool
 */
export interface RemoteStatement {
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
  /** Read rows back (a SELECT, a write with RETURNING), or only the changes of a write. */
  readonly rows: boolean
  /**
   * Whether it may write. A write is retried only when it is known not to have run; a read
   * is retried after any connection failure. A write that reads rows (RETURNING) runs in a
   * transaction where the engine needs it (dqlite: see dqlite/driver.ts).
   */
  readonly write: boolean
  /** Integers as bigints (a bigint column is read): otherwise as numbers, as better-sqlite3 reads them. */
  readonly safeIntegers?: boolean
  /** The table written to, to name it in a constraint error SQLite leaves vague (as the session does). */
  readonly table?: string
}

/**
 * Rows as arrays, with the column names (as better-sqlite3's raw mode and `columns()` give them).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import type { RemoteRows } from 'fp-lite-orm'
 *
 * const r: RemoteRows = { _tag: 'Rows', columns: ['id', 'name'], rows: [[1, 'Ann']] }
 * assert.equal(r.rows[0]?.[1], 'Ann')
 * ```
 *
 * @category Pool
 */
export interface RemoteRows {
  readonly _tag: 'Rows'
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<unknown>>
}

/**
 * What a write without rows did.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import type { RemoteChanges } from 'fp-lite-orm'
 *
 * const c: RemoteChanges = { _tag: 'Changes', changes: 1, lastInsertRowid: 7 }
 * assert.equal(c.lastInsertRowid, 7)
 * ```
 *
 * @category Pool
 */
export interface RemoteChanges {
  readonly _tag: 'Changes'
  readonly changes: number
  readonly lastInsertRowid: number
}

/**
 * What a remote statement gave: rows, or the changes of a write.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import type { RemoteResult } from 'fp-lite-orm'
 *
 * const count = (r: RemoteResult): number => (r._tag === 'Rows' ? r.rows.length : r.changes)
 * assert.equal(count({ _tag: 'Changes', changes: 2, lastInsertRowid: 0 }), 2)
 * ```
 *
 * @category Pool
 */
export type RemoteResult = RemoteRows | RemoteChanges

/**
 * Runs statements inside a transaction the driver holds open (see `RemoteDriver.transaction`).
 *
 * @example
 * ```ts
 * import * as E from 'fp-ts/lib/Either.js'
 * import type { DbError, RemoteResult, RemoteTx } from 'fp-lite-orm'
 *
 * // Two statements in one transaction: the second runs only when the first was Right.
 * const moveOne = async (tx: RemoteTx): Promise<E.Either<DbError, RemoteResult>> => {
 *   const a = await tx.run({ sql: 'UPDATE stock SET n = n - 1 WHERE id = ?', params: [1], rows: false, write: true })
 *   return E.isLeft(a) ? a : tx.run({ sql: 'UPDATE stock SET n = n + 1 WHERE id = ?', params: [2], rows: false, write: true })
 * }
 * ```
 *
 * @category Pool
 */
export interface RemoteTx {
  /** Runs one statement inside the held transaction. */
  run(s: RemoteStatement): Promise<Either<DbError, RemoteResult>>
}

/**
 * An engine reached over the network. Every method resolves, never rejects: a failure is a
 * Left DbError. A Left whose outcome is unknown (a write sent, then the connection or the
 * leadership lost) says so in its message; it is never retried silently.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, integer, remotePool, select, table } from 'fp-lite-orm'
 * import type { RemoteDriver } from 'fp-lite-orm'
 *
 * // A stand-in engine that holds three rows: enough to test code written against a Pool.
 * const sent: string[] = []
 * const stub: RemoteDriver = {
 *   name: 'stub',
 *   run: async (s) => {
 *     sent.push(s.sql)
 *     return E.right({ _tag: 'Rows', columns: ['n'], rows: [[3]] })
 *   },
 *   batch: async () => E.right([]),
 *   transaction: async (f) => f({ run: async () => E.right({ _tag: 'Changes', changes: 0, lastInsertRowid: 0 }) }),
 *   close: async () => undefined
 * }
 * const t = table('t', { id: integer().primaryKey() })
 * const pool = remotePool(stub)
 * assert.deepEqual(await pool.run(pipe(select(t), count))(), E.right(3))
 * assert.match(sent[0] ?? '', /count/i)   // compiled here, sent as SQL with bound params
 * await pool.close()
 * ```
 *
 * @category Pool
 */
export interface RemoteDriver {
  /** The engine and where it is, for messages: `dqlite 127.0.0.1:9001,...`. */
  readonly name: string
  /** Runs one statement in autocommit. */
  run(s: RemoteStatement): Promise<Either<DbError, RemoteResult>>
  /** Runs the statements in order in one transaction: all committed, or none. */
  batch(list: ReadonlyArray<RemoteStatement>): Promise<Either<DbError, ReadonlyArray<RemoteResult>>>
  /**
   * An interactive transaction: BEGIN IMMEDIATE, then `f` runs statements on the connection
   * held for it (nothing else runs there meanwhile); Right commits, Left rolls back. Past
   * `timeoutMs` the transaction is rolled back and the result is a Left BusyError, whatever
   * `f` does after. With `replay`, `f` has no effect but its statements (a fixed list), and is
   * run again when the transaction was lost before COMMIT (a leader change).
   */
  transaction<A>(f: (tx: RemoteTx) => Promise<Either<DbError, A>>, timeoutMs: number, replay?: boolean): Promise<Either<DbError, A>>
  /** Ends the connections; runs after it are Lefts. Resolves, never rejects. */
  close(): Promise<void>
}
