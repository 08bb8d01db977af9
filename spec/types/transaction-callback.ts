/**
 * `transaction(db, callback)` takes a synchronous callback: an async one is a type error
 * (each `@ts-expect-error` below fails the type check if the line compiles), and the error
 * names the cause, through the one property of SynchronousCallbackOnly (pinned below; the
 * full diagnostic text is checked against TypeScript 5, 6 and 7 by spec/pack.test.ts).
 * Synchronous callbacks, lists of queries and options keep compiling.
 */
import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { connect, count, insert, integer, select, table, transaction } from 'fp-lite-orm'
import type { DbError, SynchronousCallbackOnly } from 'fp-lite-orm'

const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
const db = connect(':memory:')

// -------------------------------------------------------------------------------------
// refused
// -------------------------------------------------------------------------------------

// @ts-expect-error an async callback
// eslint-disable-next-line @typescript-eslint/require-await -- the point: an async callback
export const awaited = transaction(db, async (tx) => tx.run(pipe(select(accounts), count)))
// @ts-expect-error a callback returning a Promise
export const promised = transaction(db, (tx) => Promise.resolve(tx.run(pipe(select(accounts), count))))
// @ts-expect-error a callback returning a TaskEither's Promise
export const task = transaction(db, (tx) => TE.fromEither(tx.run(pipe(select(accounts), count)))())
// @ts-expect-error an async callback, with options
// eslint-disable-next-line @typescript-eslint/require-await -- the point: an async callback
export const withOptions = transaction(db, async () => E.right(1), { mode: 'deferred' })
// @ts-expect-error a callback returning neither an Either nor a Promise
export const plain = transaction(db, () => 1)

/** The text the error shows (a property name of the type the async callback is checked against). */
export const reason: keyof SynchronousCallbackOnly = 'the callback must be synchronous; use pool.transaction for async work'

// -------------------------------------------------------------------------------------
// accepted, with their types
// -------------------------------------------------------------------------------------

export const counted: E.Either<DbError, number> = transaction(db, (tx) => tx.run(pipe(select(accounts), count)))
export const refused: E.Either<DbError | 'no', number> = transaction(db, () => E.left<'no', number>('no'), { mode: 'immediate' })
export const batch: E.Either<DbError, readonly [unknown, number]> = transaction(db, [
  insert(accounts, { balance: 1 }),
  pipe(select(accounts), count)
] as const)
export const nested: E.Either<DbError, number> = transaction(db, (tx) =>
  transaction(tx, (inner) => inner.run(pipe(select(accounts), count)))
)
