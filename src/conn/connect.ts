/**
 * `connect(path, options)`: a small plain descriptor of a database. It opens nothing;
 * the real better-sqlite3 handle is opened lazily, once per thread (see registry.ts).
 * A descriptor is cloneable (it can be posted to a worker) but for its `log` function,
 * which stays with the thread that made it.
 */
import { randomUUID } from 'node:crypto'
import * as path from 'node:path'
import type { SqlValue } from '../schema/column.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** One executed statement, as the `log` option receives it. */
export interface LogEvent {
  readonly sql: string
  /** The positional values bound to the statement. */
  readonly params: ReadonlyArray<SqlValue>
  readonly durationMs: number
  /** Set when the statement failed. */
  readonly error?: string
}

export interface ConnectOptions {
  /** Open read-only: writes fail, and the file must exist. */
  readonly readonly?: boolean
  /** How long a statement waits for another connection's lock before failing with BusyError (default 5000). */
  readonly busyTimeoutMs?: number
  /** Extra PRAGMAs run on every new handle, after the defaults: `{ cache_size: -64000 }`. */
  readonly pragmas?: Readonly<Record<string, string | number>>
  /** Called after every statement with its SQL, parameters and duration: the debug mode. */
  readonly log?: (event: LogEvent) => void
  /** How many prepared statements each handle keeps (least recently used go first; default 256). */
  readonly statementCacheSize?: number
}

/** A database descriptor. Plain data; pass it to `session`, `transaction` or `workerPool`. */
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
 */
export const connect = (file: string, options: ConnectOptions = {}): Db => {
  const memory = file === ':memory:'
  const resolved = memory ? file : path.resolve(String(file))
  const readonly = options.readonly === true
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
  const pragmas = Object.freeze({ ...(options.pragmas ?? {}) })
  const statementCacheSize = options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE
  // Descriptors that would open identical handles share one per thread.
  const key = memory
    ? `:memory:#${randomUUID()}`
    : JSON.stringify([resolved, readonly, busyTimeoutMs, pragmas, statementCacheSize])
  return Object.freeze({
    _tag: 'Db' as const,
    path: String(file),
    file: resolved,
    key,
    readonly,
    busyTimeoutMs,
    pragmas,
    statementCacheSize,
    ...(options.log === undefined ? {} : { log: options.log })
  })
}
