/**
 * The messages between a pool and its workers. Everything here crosses threads by
 * structured clone, so it is plain data: compiled statement shapes and query values without
 * their codecs, bound params, Either results, log events.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import type { Db, LogEvent } from '../conn/connect.js'
import type { Query } from '../query/ast.js'
import type { Compiled } from '../query/compiled.js'
import type { SqlValue } from '../schema/column.js'

export type Role = 'reader' | 'writer'

/** What a worker is started with. */
export interface WorkerSetup {
  /** The database descriptor, without its log function (functions do not clone). */
  readonly db: Omit<Db, 'log'>
  readonly role: Role
  /** Whether to forward every statement's log event to the pool's thread. */
  readonly log: boolean
  /** How many statement shapes the worker keeps; the pool mirrors the same bound (see shapes.ts). */
  readonly shapeCacheSize: number
}

/** A statement shape as a worker learns it: its compiled form, without values (see shapes.ts). */
export interface ShapeDef {
  readonly compiled: Compiled
}

/**
 * What a worker reports of its shape cache (a test hook).
 *
 * @example
 * ```ts
 * import type { ShapeStats } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ShapeStats
 * ```
 *
 * @category Pool
 */
export interface ShapeStats {
  readonly held: number
  readonly capacity: number
}

export type Request =
  /**
   * The hot path: run shape `shape` with its params bound and encoded. `define` comes
   * only the first time this worker is to run the shape (or after it was evicted).
   */
  | {
      readonly _tag: 'Exec'
      readonly id: number
      readonly shape: number
      readonly params: ReadonlyArray<SqlValue>
      readonly define?: ShapeDef
    }
  /** The plain path, for queries that have no shape (several statements): the query value itself. */
  | { readonly _tag: 'Run'; readonly id: number; readonly query: Query<unknown>; readonly params?: Readonly<Record<string, unknown>> }
  | { readonly _tag: 'Batch'; readonly id: number; readonly queries: ReadonlyArray<Query<unknown>> }
  /** `pool.transaction`: BEGIN IMMEDIATE on the writer; its runs follow as Exec/Run; then TxEnd commits or rolls back. */
  | { readonly _tag: 'TxBegin'; readonly id: number }
  | { readonly _tag: 'TxEnd'; readonly id: number; readonly commit: boolean }
  /** Answered with a `Result` holding `ShapeStats`. */
  | { readonly _tag: 'Stats'; readonly id: number }
  | { readonly _tag: 'Close' }

export type Reply =
  /**
   * Posted once, when the worker has loaded and listens. A thread that exits before it is
   * one that could not start: the pool does not restart it in a loop (see pool.ts).
   */
  | { readonly _tag: 'Ready' }
  /** `ms`: how long an `Exec` ran in the worker, for the pool's scheduling by expected cost (pool.ts, `isLong`). */
  | { readonly _tag: 'Result'; readonly id: number; readonly result: Either<DbError, unknown>; readonly ms?: number }
  | { readonly _tag: 'Log'; readonly event: LogEvent }
  /** An `Exec` without `define` for a shape the worker does not hold: the pool sends it again with it. */
  | { readonly _tag: 'Unknown'; readonly id: number }
