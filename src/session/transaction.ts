/**
 * Transactions, synchronous as the local driver is, and honest about it in the types.
 *
 *   transaction(db, (tx) => pipe(tx.run(ins), E.chain(() => tx.run(upd))))
 *
 * BEGIN (IMMEDIATE by default) on the calling thread's handle; COMMIT on Right;
 * ROLLBACK on Left and on a throw (returned as a Left, never rethrown). Inside a
 * transaction, `transaction(...)` is a SAVEPOINT: an inner Left rolls back to it and the
 * outer transaction goes on. Sessions on the same thread share the handle, so a plain
 * `session(db)` used inside the callback joins the transaction too.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { isDbError, unexpectedError, validationError } from '../errors.js'
import type { Query } from '../query/ast.js'
import type { Db } from '../conn/connect.js'
import type { Handle } from '../conn/registry.js'
import { acquire, finishCursors } from '../conn/registry.js'
import { mapError, pragmaValue } from '../driver/index.js'
import type { Level } from './atomic.js'
import { BEGIN, begin as beginLevel, commit as commitLevel, rollback as rollbackLevel } from './atomic.js'
import type { Frame } from './frames.js'
import { endOf, endedResult, enter, inFrame, innermost, leave, refused, watching } from './frames.js'
import type { Params } from './bind.js'
import type { Session } from './session.js'
import { collectQuery, runQuery, streamQuery } from './session.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A session bound to a running transaction; valid only inside its callback.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, transaction, connect, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 * import type { Tx } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const db = connect(':memory:')
 * const s = session(db)
 * s.run(createTable(accounts))
 * s.run(insert(accounts, [{ balance: 100 }, { balance: 0 }]))
 *
 *
 * const depths: number[] = []
 * const addAccount = (tx: Tx) => {
 *   depths.push(tx.depth)
 *   return tx.run(insert(accounts, { balance: 0 }))
 * }
 * transaction(db, (outer) => pipe(addAccount(outer), E.chain(() => transaction(outer, addAccount))))
 * assert.deepEqual(depths, [1, 2])            // the second call ran in a savepoint
 * assert.deepEqual(s.run(pipe(select(accounts), count)), E.right(4))
 * ```
 *
 * @category Transactions
 */
export interface Tx extends Session {
  readonly _tag: 'Tx'
  /** 1 in the outermost transaction, 2 in a savepoint inside it, and so on. */
  readonly depth: number
  /** True inside `readTransaction`: writes are refused by SQLite (`query_only`). */
  readonly readOnly: boolean
}

/**
 * How the outermost transaction begins: `BEGIN IMMEDIATE` (the default), `BEGIN DEFERRED` or `BEGIN EXCLUSIVE`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, transaction, connect, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 * import type { TransactionMode } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const db = connect(':memory:')
 * const s = session(db)
 * s.run(createTable(accounts))
 * s.run(insert(accounts, [{ balance: 100 }, { balance: 0 }]))
 *
 *
 * const mode: TransactionMode = 'deferred'     // take the write lock at the first write, not at BEGIN
 * assert.deepEqual(transaction(db, (tx) => tx.run(pipe(select(accounts), count)), { mode }), E.right(2))
 * ```
 *
 * @category Transactions
 */
export type TransactionMode = 'immediate' | 'deferred' | 'exclusive'

/**
 * The options of `transaction(target, body, options)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, transaction, connect, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 * import type { TransactionOptions } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const db = connect(':memory:')
 * const s = session(db)
 * s.run(createTable(accounts))
 * s.run(insert(accounts, [{ balance: 100 }, { balance: 0 }]))
 *
 *
 * const options: TransactionOptions = { mode: 'exclusive' }
 * assert.deepEqual(transaction(db, (tx) => tx.run(pipe(select(accounts), count)), options), E.right(2))
 * ```
 *
 * @category Transactions
 */
export interface TransactionOptions {
  /**
   * How the outermost transaction begins: `immediate` (the default) takes the write lock
   * at once, so it cannot fail half-way for want of it; `deferred` takes it at the first
   * write; `exclusive` also keeps readers of rollback-journal databases out.
   */
  readonly mode?: TransactionMode | undefined
}

/**
 * What a transaction runs on: a database, a session, or a running transaction (a savepoint).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, transaction, connect, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 * import type { TransactionTarget } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const db = connect(':memory:')
 * const s = session(db)
 * s.run(createTable(accounts))
 * s.run(insert(accounts, [{ balance: 100 }, { balance: 0 }]))
 *
 *
 * const countIn = (on: TransactionTarget) => transaction(on, (tx) => tx.run(pipe(select(accounts), count)))
 * assert.deepEqual([countIn(db), countIn(s)], [E.right(2), E.right(2)])
 * transaction(db, (tx) => countIn(tx))                 // inside a transaction: a savepoint
 * ```
 *
 * @category Transactions
 */
export type TransactionTarget = Db | Session | Tx

/**
 * The results of a list of queries run as one transaction, in order.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, transaction, connect, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 * import type { Results } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const db = connect(':memory:')
 * const s = session(db)
 * s.run(createTable(accounts))
 * s.run(insert(accounts, [{ balance: 100 }, { balance: 0 }]))
 *
 *
 * const queries = [insert(accounts, { balance: 5 }), pipe(select(accounts), count)] as const
 * const out: E.Either<unknown, Results<typeof queries>> = transaction(db, queries)   // [WriteResult, number]
 * assert.ok(E.isRight(out) && out.right[1] === 3)
 * ```
 *
 * @category Transactions
 */
export type Results<Qs extends ReadonlyArray<Query<unknown>>> = { -readonly [K in keyof Qs]: Qs[K] extends Query<infer A> ? A : never }

/**
 * The callback's result must be an Either, synchronously. A Promise (or a TaskEither,
 * which is a function) is not one, so an async callback is a type error.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, one, set, transaction, update, connect, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 * import type { DbError, TransactionBody } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const db = connect(':memory:')
 * const s = session(db)
 * s.run(createTable(accounts))
 * s.run(insert(accounts, [{ balance: 100 }, { balance: 0 }]))
 *
 *
 * const withdraw = (amount: number): TransactionBody<DbError | 'insufficient funds', number> => (tx) =>
 *   pipe(
 *     tx.run(pipe(select(accounts), filter(eq(accounts.id, 1)), one)),
 *     E.chainW((a) => (a.balance >= amount ? E.right(a.balance - amount) : E.left('insufficient funds' as const))),
 *     E.chainW((left) => pipe(tx.run(pipe(update(accounts), set({ balance: left }), filter(eq(accounts.id, 1)))), E.map(() => left)))
 *   )
 * assert.deepEqual(transaction(db, withdraw(30)), E.right(70))
 * assert.deepEqual(transaction(db, withdraw(500)), E.left('insufficient funds'))
 * ```
 *
 * @category Transactions
 */
export type TransactionBody<E, A> = (tx: Tx) => E.Either<E, A>

/**
 * What an async callback given to `transaction` is checked against, so that the type error
 * says why: a transaction on a connection holds SQLite's write lock on the calling thread
 * and must end before the thread awaits anything (an `await` inside it would let other
 * work run in the middle of the transaction, or leave it open). Async work goes to
 * `pool.transaction`, whose callback returns a TaskEither.
 *
 * @example
 * ```ts
 * import type { SynchronousCallbackOnly } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = SynchronousCallbackOnly
 * ```
 *
 * @category Transactions
 */
export interface SynchronousCallbackOnly {
  readonly 'the callback must be synchronous; use pool.transaction for async work': never
}

// -------------------------------------------------------------------------------------
// the machinery
// -------------------------------------------------------------------------------------

/** Per handle: how deep the library's own transactions are nested. */
const depths = new WeakMap<Handle, number>()

const dbOf = (on: TransactionTarget): Db => (on._tag === 'Db' ? on : on.db)

const isEither = (u: unknown): u is E.Either<unknown, unknown> =>
  typeof u === 'object' &&
  u !== null &&
  (((u as { _tag?: unknown })._tag === 'Left' && 'left' in u) || ((u as { _tag?: unknown })._tag === 'Right' && 'right' in u))

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  (typeof u === 'object' || typeof u === 'function') && u !== null && typeof (u as { then?: unknown }).then === 'function'

/** What the callback gave, as an Either; anything else (a Promise above all) becomes a Left. */
const settle = <E, A>(out: unknown): E.Either<E | DbError, A> => {
  if (isEither(out)) return out as E.Either<E, A>
  if (isThenable(out)) {
    // Keep a later rejection from crashing the process: the transaction is over anyway.
    Promise.resolve(out).then(undefined, () => undefined)
    return E.left(
      validationError(
        'The transaction callback returned a Promise. Transactions are synchronous: the callback must return an Either ' +
          'once its work is done. Nothing was committed: the transaction was rolled back.'
      )
    )
  }
  if (typeof out === 'function') {
    return E.left(
      validationError(
        'The transaction callback returned a function (a TaskEither?). Transactions are synchronous: run the work inside ' +
          'the callback and return its Either. Nothing was committed: the transaction was rolled back.'
      )
    )
  }
  return E.left(validationError('The transaction callback must return an Either (E.right(value) or E.left(error)); it was rolled back.'))
}

const makeTx = (db: Db, depth: number, readOnly: boolean, frame: Frame, isActive: () => boolean): Tx => {
  const ended = () =>
    E.left(validationError('This transaction has ended: a tx may only be used inside its callback. Start a new transaction.'))
  return {
    _tag: 'Tx',
    db,
    depth,
    readOnly,
    run: <A>(q: Query<A>, ...[params]: ReadonlyArray<Params | undefined>) =>
      isActive() ? inFrame(frame, () => guard(() => runQuery(db, q, params))) : ended(),
    stream: (q, params) => (isActive() ? inFrame(frame, () => guard(() => streamQuery(db, q, params))) : ended()),
    // The transaction owns the connection until it ends: closing it here would lose the work.
    close: () => undefined
  }
}

const guard = <A>(f: () => E.Either<DbError, A>): E.Either<DbError, A> => {
  try {
    return f()
  } catch (e) {
    return E.left(unexpectedError(e, 'Running the query threw'))
  }
}

/** BEGIN or SAVEPOINT (atomic.ts), and for a read transaction the snapshot and query_only. Throws what SQLite throws. */
const begin = (db: Db, h: Handle, mode: TransactionMode, readOnly: boolean): Level => {
  const level = beginLevel(db, h, readOnly ? 'deferred' : mode)
  if (readOnly) {
    // Start the read now, so the snapshot is the database as of this moment.
    if (level.savepoint === undefined) h.db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get()
    h.db.exec('PRAGMA query_only = 1')
  }
  return level
}

/**
 * Runs `body` in a transaction (or a savepoint when one is already open on this
 * thread's handle) and commits or rolls back by its result.
 */
const within = <E, A>(db: Db, body: TransactionBody<E, A>, mode: TransactionMode, readOnly: boolean): E.Either<E | DbError, A> => {
  if (!Object.hasOwn(BEGIN, mode))
    return E.left(validationError(`Unknown transaction mode ${JSON.stringify(mode)}: use immediate, deferred or exclusive.`))
  // Inside a callback whose transaction has ended, a nested one would begin afresh (on a
  // reopened handle, or in autocommit mode) and commit on its own.
  const enclosing = watching() ? innermost(db) : undefined
  const enclosingEnd = enclosing === undefined ? undefined : endOf(enclosing)
  if (enclosingEnd !== undefined) return E.left(refused(enclosingEnd))
  const acquired = acquire(db)
  if (E.isLeft(acquired)) return acquired
  const h = acquired.right
  const nested = h.db.inTransaction
  let wasQueryOnly = false
  let level: Level
  try {
    // Inside the try: with a stream open on the handle every statement throws (a TypeError), pragmas too.
    if (readOnly) wasQueryOnly = pragmaValue(h.db, 'query_only') === 1
    level = begin(db, h, mode, readOnly)
  } catch (e) {
    return E.left(mapError(e, nested ? 'SAVEPOINT' : BEGIN[readOnly ? 'deferred' : mode]))
  }
  const savepoint = level.savepoint

  const depth = (depths.get(h) ?? 0) + 1
  depths.set(h, depth)
  const frame = enter(db, h, savepoint)
  h.pins++
  let active = true
  let out: E.Either<E | DbError, A>
  try {
    out = settle<E, A>(body(makeTx(db, depth, readOnly, frame, () => active)))
  } catch (e) {
    out = E.left(isDbError(e) ? e : unexpectedError(e, 'The transaction callback threw; the transaction was rolled back'))
  } finally {
    active = false
    depths.set(h, depth - 1)
    h.pins--
  }
  const end = endOf(frame)
  leave(frame)
  // A stream still reading would make every statement fail (COMMIT, ROLLBACK, the pragma
  // below) and keep the lock; a closed handle finished its streams when it closed.
  if (end !== 'closed') finishCursors(h, 'transaction')
  if (readOnly && !wasQueryOnly && end !== 'closed') {
    try {
      h.db.exec('PRAGMA query_only = 0')
    } catch {
      // the handle is broken: the rollback below reports it
    }
  }
  // Ended early: there is nothing left of this level to commit or roll back.
  if (end !== undefined) return E.isLeft(out) ? out : E.left(endedResult(end))
  return E.isRight(out) ? commit(db, h, level, out) : rollback(db, h, level, out)
}

const commit = <E, A>(db: Db, h: Handle, level: Level, out: E.Either<E | DbError, A>): E.Either<E | DbError, A> => {
  try {
    commitLevel(db, h, level)
    return out
  } catch (e) {
    const err = mapError(e, level.savepoint === undefined ? 'COMMIT' : 'RELEASE')
    return rollback(db, h, level, E.left(err))
  }
}

const rollback = <E, A>(db: Db, h: Handle, level: Level, out: E.Either<E | DbError, A>): E.Either<E | DbError, A> => {
  try {
    rollbackLevel(db, h, level)
  } catch {
    // A failed rollback leaves SQLite to roll back when the handle closes; the Left stands.
  }
  return out
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/**
 * Runs `body` in a transaction on the calling thread's connection, or runs a list of
 * query values all-or-nothing (a transaction as data) and returns their results.
 * Inside a running transaction it is a SAVEPOINT.
 *
 * @param on - the database (`connect(...)`), or a session or `tx` to nest in (a SAVEPOINT).
 * @param body - a synchronous callback `(tx) => Either`: a Right commits, a Left rolls back and is returned; a thrown error
 *   rolls back and is a Left. An async callback is a type error (use `pool.transaction` for async work).
 * @param options - `TransactionOptions`: `mode` (`'immediate'` by default, `'deferred'` or `'exclusive'`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, one, set, sql, transaction, update, connect, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const db = connect(':memory:')
 * const s = session(db)
 * s.run(createTable(accounts))
 * s.run(insert(accounts, [{ balance: 100 }, { balance: 0 }]))
 *
 *
 * const move = (from: number, to: number, amount: number) =>
 *   transaction(db, (tx) =>
 *     pipe(
 *       tx.run(pipe(select(accounts), filter(eq(accounts.id, from)), one)),
 *       E.chainW((a) => (a.balance >= amount ? E.right(a) : E.left('insufficient funds' as const))),
 *       E.chainW(() => tx.run(pipe(update(accounts), set({ balance: sql<number>`${accounts.balance} - ${amount}` }), filter(eq(accounts.id, from))))),
 *       E.chainW(() => tx.run(pipe(update(accounts), set({ balance: sql<number>`${accounts.balance} + ${amount}` }), filter(eq(accounts.id, to)))))
 *     )
 *   ) // Either<DbError | 'insufficient funds', WriteResult>: COMMIT on Right, ROLLBACK on Left
 *
 * assert.ok(E.isRight(move(1, 2, 60)))
 * assert.deepEqual(move(1, 2, 60), E.left('insufficient funds'))
 *
 * // A transaction as data: all or nothing, results in order.
 * const both = transaction(db, [insert(accounts, { balance: 1 }), pipe(select(accounts), one)] as const)
 * assert.ok(E.isLeft(both) && both.left._tag === 'TooManyRows')   // the insert was rolled back too
 * ```
 *
 * @category Transactions
 */
export function transaction<E, A>(
  on: TransactionTarget,
  body: TransactionBody<E, A>,
  options?: TransactionOptions
): E.Either<E | DbError, A>
/**
 * A list of query values instead of a callback: run in order, all or nothing; the Right
 * is their results, in order.
 *
 * @param on - the database, or a session or `tx` to nest in.
 * @param queries - the query values (`as const` keeps each result's type); the first Left rolls everything back and is the
 *   result.
 * @param options - `TransactionOptions`: `mode`.
 */
export function transaction<const Qs extends ReadonlyArray<Query<unknown>>>(
  on: TransactionTarget,
  queries: Qs,
  options?: TransactionOptions
): E.Either<DbError, Results<Qs>>
/**
 * Not a way to call it: an async callback, refused with a type error that says why
 * ({@link SynchronousCallbackOnly}).
 *
 * @param on - the database, or a session or `tx`.
 * @param body - an async callback: refused by the type checker, with the reason.
 * @param options - `TransactionOptions`.
 */
export function transaction<R>(
  on: TransactionTarget,
  body: (tx: Tx) => R & (R extends PromiseLike<unknown> ? SynchronousCallbackOnly : E.Either<unknown, unknown>),
  options?: TransactionOptions
): never
export function transaction(
  on: TransactionTarget,
  body: ((tx: Tx) => unknown) | ReadonlyArray<Query<unknown>>,
  options: TransactionOptions = {}
): E.Either<unknown, unknown> {
  const mode = options.mode ?? 'immediate'
  if (Array.isArray(body)) return within(dbOf(on), (tx) => runAll(tx, body), mode, false)
  if (typeof body !== 'function') {
    return E.left(validationError('transaction takes a callback (tx) => Either, or a list of query values.'))
  }
  // (A callback returning a Promise passes the type check only through a cast: `within` reports it.)
  return within(dbOf(on), body as TransactionBody<unknown, unknown>, mode, false)
}

const runAll = (tx: Tx, queries: ReadonlyArray<Query<unknown>>): E.Either<DbError, unknown[]> => {
  const results: unknown[] = []
  for (const q of queries) {
    const r = tx.run(q)
    if (E.isLeft(r)) return r
    results.push(r.right)
  }
  return E.right(results)
}

/**
 * Several reads from one consistent snapshot of the database. In WAL mode it does not
 * block the writer, nor wait for it; writes inside it are refused.
 *
 * @param on - the database (`connect(...)`), or a session or `tx` to nest in.
 * @param body - a synchronous callback `(tx) => Either`: it reads through `tx`; the transaction ends when it returns (a
 *   write through `tx` is a Left `SqliteError`, SQLITE_READONLY).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, readTransaction, connect, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const db = connect(':memory:')
 * const s = session(db)
 * s.run(createTable(accounts))
 * s.run(insert(accounts, [{ balance: 100 }, { balance: 0 }]))
 *
 *
 * const snapshot = readTransaction(db, (tx) =>
 *   pipe(
 *     tx.run(pipe(select(accounts), count)),
 *     E.chain((n) => pipe(tx.run(pipe(select(accounts), count)), E.map((m) => n === m)))   // the same snapshot
 *   )
 * )
 * assert.deepEqual(snapshot, E.right(true))
 * const write = readTransaction(db, (tx) => tx.run(insert(accounts, { balance: 1 })))
 * assert.ok(E.isLeft(write) && write.left._tag === 'SqliteError')   // SQLITE_READONLY
 * ```
 *
 * @category Transactions
 */
export const readTransaction = <E, A>(on: TransactionTarget, body: TransactionBody<E, A>): E.Either<E | DbError, A> =>
  within(dbOf(on), body, 'deferred', true)

/**
 * A pool worker's batch: the queries in one transaction, as `transaction(db, queries)`
 * runs them, but each read's result left collected for the calling thread to finish with
 * the query's codecs (assemble.ts `finishLate`).
 * @internal
 */
export const collectBatch = (db: Db, queries: ReadonlyArray<Query<unknown>>): E.Either<DbError, unknown[]> =>
  within<DbError, unknown[]>(
    db,
    () => {
      const frame = innermost(db)
      const results: unknown[] = []
      for (const q of queries) {
        const r = frame === undefined ? guard(() => collectQuery(db, q)) : inFrame(frame, () => guard(() => collectQuery(db, q)))
        if (E.isLeft(r)) return r
        results.push(r.right)
      }
      return E.right(results)
    },
    'immediate',
    false
  )
