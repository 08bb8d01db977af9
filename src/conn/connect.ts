/**
 * `connect(path, options)`: a small plain descriptor of a database. It opens nothing;
 * the real connection (the local driver's, src/driver) is opened lazily, once per thread (see registry.ts).
 * A descriptor is cloneable (it can be posted to a worker) but for its `log` function,
 * which stays with the thread that made it.
 */
import { randomUUID } from 'node:crypto'
import * as path from 'node:path'
import type { LogEvent, Logger } from './log.js'
import { consoleLog } from './log.js'

// The log's own types live with the log (log.ts imports nothing from here: no cycle).
export type { LogEvent, Logger } from './log.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The options of `connect(path, options)`. `readonly` opens the database read-only (the file must exist).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { all, connect, raw, session, sql } from 'fp-lite-orm'
 * import type { ConnectOptions } from 'fp-lite-orm'
 *
 * const options: ConnectOptions = {
 *   busyTimeoutMs: 10_000,               // wait for another connection's lock this long (default 5000)
 *   pragmas: { cache_size: -64000 },     // run on every new handle, after the defaults
 *   statementCacheSize: 512,             // prepared statements kept per handle (default 256)
 *   log: (e) => { if (e.durationMs > 100) console.warn('slow query', e.sql) }
 * }
 * const s = session(connect('app.db', options))
 * assert.deepEqual(s.run(pipe(raw(sql`PRAGMA cache_size`), all)), E.right([{ cache_size: -64000 }]))
 * s.close()
 * ```
 *
 * @category Sessions
 */
export interface ConnectOptions {
  /** Open read-only: writes fail, and the file must exist. */
  readonly readonly?: boolean | undefined
  /** How long a statement waits for another connection's lock before failing with BusyError (default 5000). */
  readonly busyTimeoutMs?: number | undefined
  /** Extra PRAGMAs run on every new handle, after the defaults: `{ cache_size: -64000 }`. */
  readonly pragmas?: Readonly<Record<string, string | number>> | undefined
  /**
   * Called after every statement with its SQL, parameters and duration, in the order the
   * statements run: the debug mode. `'console'` prints them (`consoleLog`).
   */
  readonly log?: Logger | 'console' | undefined
  /** How many prepared statements each handle keeps (least recently used go first; default 256). */
  readonly statementCacheSize?: number | undefined
}

/**
 * A database descriptor. Plain data; pass it to `session`, `transaction` or `workerPool`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as path from 'node:path'
 * import { connect } from 'fp-lite-orm'
 * import type { Db } from 'fp-lite-orm'
 *
 * const db: Db = connect('data.db', { busyTimeoutMs: 100 })
 * assert.equal(db.path, 'data.db')
 * assert.equal(db.file, path.resolve('data.db'))       // resolved when connect is called
 * assert.equal(db.busyTimeoutMs, 100)
 * assert.deepEqual(structuredClone(db), db)            // plain data (without a log function)
 * ```
 *
 * @category Sessions
 */
export interface Db {
  readonly _tag: 'Db'
  /** The path as given. */
  readonly path: string
  /** The absolute file path, or `:memory:`. */
  readonly file: string
  /** Which handle of the thread-local registry serves this descriptor. */
  readonly key: string
  readonly readonly: boolean
  readonly busyTimeoutMs: number
  readonly pragmas: Readonly<Record<string, string | number>>
  readonly statementCacheSize: number
  /**
   * The `log` option, kept with the thread that made the descriptor (functions do not cross threads).
   */
  readonly log?: (event: LogEvent) => void
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

export const DEFAULT_BUSY_TIMEOUT_MS = 5000
export const DEFAULT_STATEMENT_CACHE_SIZE = 256

/**
 * Describes a database: `'app.db'`, `'./data/app.db'`, an absolute path, or
 * `':memory:'` (each `connect(':memory:')` is its own private database, on the
 * thread that uses it). Nothing is opened until the first query.
 *
 * Handles: each thread opens one handle per database file and set of the options that
 * shape a connection (`readonly`, `busyTimeoutMs`, `pragmas`, `statementCacheSize`; not
 * `log`). Equal descriptors share it, and so share its transactions; descriptors that
 * differ are separate connections to the file, each with its own options. A thread keeps
 * at most 64 file handles open: one more closes the least recently used idle one first
 * (no transaction, no stream being read), which reopens on its next use; when all are in
 * use, one more is a Left `ConnectionError`. `:memory:` handles are outside the bound and
 * live until `session(db).close()`. Make descriptors once and reuse them.
 *
 * @param file - the database file's path (relative to the working directory), or `':memory:'`; a file that cannot be opened
 *   is a Left `ConnectionError` naming it, on the first query.
 * @param options - `ConnectOptions`: `readonly`, `busyTimeoutMs`, `pragmas`, `statementCacheSize`, `log` (`'console'` or a
 *   function); a bad option is a Left on the first query.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, count, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const db = connect('app.db')                      // nothing is opened yet
 * const s = session(db)
 * assert.ok(E.isRight(pipe(s.run(createTable(t)), E.chain(() => s.run(insert(t, {}))))))
 * assert.deepEqual(s.run(pipe(select(t), count)), E.right(1))
 *
 * // Each connect(':memory:') is its own private database.
 * const memory = connect(':memory:')
 * assert.ok(E.isLeft(session(memory).run(pipe(select(t), count))))   // no such table there
 * s.close()
 * ```
 *
 * @category Sessions
 */
export const connect = (file: string, options: ConnectOptions = {}): Db => {
  const memory = file === ':memory:'
  const resolved = memory ? file : path.resolve(String(file))
  const readonly = options.readonly === true
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
  const pragmas = Object.freeze({ ...(options.pragmas ?? {}) })
  // A size that is not a whole number >= 1 falls back to the default (NaN would never evict).
  const wanted = options.statementCacheSize
  const statementCacheSize =
    typeof wanted === 'number' && Number.isSafeInteger(wanted) && wanted >= 1 ? wanted : DEFAULT_STATEMENT_CACHE_SIZE
  // Descriptors that would open identical handles share one per thread.
  const key = memory ? `:memory:#${randomUUID()}` : JSON.stringify([resolved, readonly, busyTimeoutMs, pragmas, statementCacheSize])
  return Object.freeze({
    _tag: 'Db' as const,
    path: String(file),
    file: resolved,
    key,
    readonly,
    busyTimeoutMs,
    pragmas,
    statementCacheSize,
    ...(options.log === undefined ? {} : { log: options.log === 'console' ? consoleLog : options.log })
  })
}
