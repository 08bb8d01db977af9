/**
 * The messages between a pool and its workers. Everything here crosses threads by
 * structured clone, so it is plain data: query values without their codecs, params,
 * Either results, log events.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import type { Db, LogEvent } from '../conn/connect.js'
import type { Query } from '../query/ast.js'

export type Role = 'reader' | 'writer'

/** What a worker is started with. */
export interface WorkerSetup {
  /** The database descriptor, without its log function (functions do not clone). */
  readonly db: Omit<Db, 'log'>
  readonly role: Role
  /** Whether to forward every statement's log event to the pool's thread. */
  readonly log: boolean
}

export type Request =
  | { readonly _tag: 'Run'; readonly id: number; readonly query: Query<unknown>; readonly params?: Readonly<Record<string, unknown>> }
  | { readonly _tag: 'Batch'; readonly id: number; readonly queries: ReadonlyArray<Query<unknown>> }
  | { readonly _tag: 'Close' }

export type Reply =
  | { readonly _tag: 'Result'; readonly id: number; readonly result: Either<DbError, unknown> }
  | { readonly _tag: 'Log'; readonly event: LogEvent }
