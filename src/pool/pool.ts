/**
 * `workerPool(db, { readers })`: SQLite's one-writer / many-readers concurrency for
 * servers. Reads go to the least busy of N reader threads, writes to the one writer
 * thread, each thread with its own connection. Results come back as `TaskEither`s,
 * decoded in the calling thread (codecs are functions and stay here).
 *
 * A query is compiled and its params bound here (both as a session in this thread would),
 * and a worker is sent its statement shape's id and the bound params; the shape itself only
 * the first time that worker runs it (see shapes.ts). Posting the whole query value and
 * compiling it again in the worker cost several times a point lookup's own work.
 *
 *   const pool = workerPool(db, { readers: 4 })
 *   const user = await pool.run(pipe(select(users), filter(eq(users.id, 1)), first))()
 *   await pool.close()
 */
import { Worker } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { DbError } from '../errors.js'
import { busyError, connectionError, describeValue, unexpectedError, validationError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import { connect } from '../conn/connect.js'
import type { Needs, Query } from '../query/ast.js'
import { Codecs } from '../query/ast.js'
import type { Compiled } from '../query/compiled.js'
import { compile } from '../query/compile.js'
import type { SqlValue } from '../schema/column.js'
import type { Params, ParamsFor } from '../session/bind.js'
import { bindParams } from '../session/bind.js'
import { finishLate } from '../session/assemble.js'
import type { Results } from '../session/transaction.js'
import type { Reply, Request, Role, ShapeStats, WorkerSetup } from './protocol.js'
import type { Shape } from './shapes.js'
import { recall, remember } from '../lru.js'
import { shapeOf } from './shapes.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The options of `workerPool(db, options)`.
 *
 * An option out of range (NaN, Infinity, a fraction, a string) or an unknown key starts no
 * thread: the pool answers every `run` and `batch` with a Left `ValidationError` naming the
 * option, and its `close()` resolves at once (see `checkPoolOptions`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { connect, workerPool } from 'fp-lite-orm'
 * import type { PoolOptions } from 'fp-lite-orm'
 *
 * // Four reader threads; past 1,000 queries in flight, answer Left BusyError at once (a server's 503).
 * const options: PoolOptions = { readers: 4, maxQueue: 1_000 }
 * const startPool = (file: string) => workerPool(connect(file), options)
 * assert.equal(typeof startPool, 'function')
 * ```
 *
 * @category Pool
 */
export interface PoolOptions {
  /**
   * Reader threads: a whole number from 1 to 64 (default 2). Each holds a read-only
   * (query_only) connection. SQLite reads are CPU-bound, so threads past the cores add no
   * throughput, while each costs a V8 isolate and a connection with its own page cache (tens
   * of MB); 64 covers the largest common machines and catches a unit mistake (100000).
   */
  readonly readers?: number | undefined
  /**
   * The most queries in flight at once across the pool: a whole number from 1 to 1,000,000
   * (default 10,000). Past it, a query is not queued: it is a Left `BusyError` at once, for
   * the caller to shed load. (Past a million, a backlog takes minutes to drain: the bound
   * would no longer bound anything a caller can wait for.)
   */
  readonly maxQueue?: number | undefined
}

/** The largest `readers` (see PoolOptions). */
export const MAX_READERS = 64
/** The largest `maxQueue` (see PoolOptions). */
export const MAX_QUEUE = 1_000_000

/** Each option's default and range: the one list `checkPoolOptions` validates against. */
const OPTIONS = {
  readers: { default: 2, max: MAX_READERS },
  maxQueue: { default: 10_000, max: MAX_QUEUE }
} as const

type OptionName = keyof typeof OPTIONS

const isOptionName = (k: string): k is OptionName => Object.prototype.hasOwnProperty.call(OPTIONS, k)

const optionError = (path: string, what: string): DbError =>
  validationError(`workerPool(db, options): ${what}. Nothing was started: every query of this pool is this Left.`, path)

/**
 * The options with their defaults filled in, or a Left `ValidationError` naming the first bad
 * one: each option a whole number from 1 to its maximum, and no other key. Pure: it starts
 * nothing, so a server can check its configuration before it makes a pool.
 */
export const checkPoolOptions = (options: unknown): E.Either<DbError, { readonly [K in OptionName]: number }> => {
  if (options === undefined) return E.right({ readers: OPTIONS.readers.default, maxQueue: OPTIONS.maxQueue.default })
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    return E.left(optionError('options', `options must be an object such as { readers: 4 }, got ${describeValue(options)}`))
  try {
    const given = options as Readonly<Record<string, unknown>>
    for (const key of Object.keys(given)) {
      if (!isOptionName(key))
        return E.left(
          optionError(`options.${key}`, `unknown option ${JSON.stringify(key)}; the options are ${Object.keys(OPTIONS).join(', ')}`)
        )
    }
    const out = { readers: 0, maxQueue: 0 }
    for (const key of Object.keys(OPTIONS) as OptionName[]) {
      const v = given[key]
      const { default: fallback, max } = OPTIONS[key]
      if (v === undefined) out[key] = fallback
      else if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max) out[key] = v
      else return E.left(optionError(`options.${key}`, `${key} must be a whole number from 1 to ${max}, got ${describeValue(v)}`))
    }
    return E.right(out)
  } catch (e) {
    // A getter or a Proxy trap that throws: still a Left, never a throw.
    return E.left(unexpectedError(e, 'workerPool(db, options): reading the options threw'))
  }
}

/**
 * A pool of worker threads running query values: one writer, N readers. `run` and `batch`
 * return `TaskEither`s that never reject (a codec or a params getter that throws, a value
 * that cannot cross threads, a thread that dies or cannot start: each is a Left); `close`
 * drains and ends the threads, and never rejects either.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as TE from 'fp-ts/lib/TaskEither.js'
 * import { count, insert, integer, select, table } from 'fp-lite-orm'
 * import type { DbError, Pool, Query } from 'fp-lite-orm'
 *
 * const hits = table('hits', { id: integer().primaryKey() })
 *
 * // Code that takes a Pool (made by workerPool(db))...
 * const record = (pool: Pool) => pipe(pool.run(insert(hits, {})), TE.chain(() => pool.run(pipe(select(hits), count))))
 *
 * // ...is easy to test with a stand-in: a Pool is four functions.
 * let rows = 0
 * const fake: Pool = {
 *   run: <A>(q: Query<A>, ..._params: ReadonlyArray<unknown>) => TE.right((q.mode === 'count' ? rows : { changes: 1, lastInsertRowid: ++rows }) as A),
 *   batch: () => TE.left<DbError>({ _tag: 'ValidationError', message: 'not used here' }),
 *   transaction: () => TE.left<DbError>({ _tag: 'ValidationError', message: 'not used here' }),
 *   close: async () => undefined
 * }
 * assert.deepEqual(await record(fake)(), E.right(1))
 * ```
 *
 * @category Pool
 */
export interface Pool {
  /**
   * Runs a query on a reader (reads) or the writer (writes). Never rejects.
   *
   * @param q - the query value to run (reads go to a reader, writes to the writer).
   * @param params - the placeholders' values, one object, as for `session.run`.
   */
  run<A, P = unknown>(q: Query<A> & Needs<P>, ...params: ParamsFor<NoInfer<P>>): TE.TaskEither<DbError, A>
  /**
   * Runs the queries in order, all or nothing, in one transaction on the writer.
   *
   * @param queries - the query values, in order (`as const` keeps each result's type); the first Left rolls them all back and
   *   is the result.
   */
  batch<const Qs extends ReadonlyArray<Query<unknown>>>(queries: Qs): TE.TaskEither<DbError, Results<Qs>>
  /**
   * An interactive transaction: BEGIN IMMEDIATE on the writer (or the remote connection), held
   * for `f`; `tx.run` runs there. Right commits, a Left or a rejection rolls back; a callback
   * still running after `timeoutMs` (default 30 s) is rolled back with a Left `BusyError`.
   *
   * @param f - the work: given the held connection `tx`, a TaskEither of its result; it may await anything, within
   *   `timeoutMs`.
   * @param options - `PoolTransactionOptions`: `timeoutMs` (a whole number from 1 to 600,000; default 30,000).
   */
  transaction<E, A>(f: (tx: PoolTx) => TE.TaskEither<E, A>, options?: PoolTransactionOptions): TE.TaskEither<E | DbError, A>
  /** Stops taking queries, lets those in flight finish, and ends the threads. */
  close(): Promise<void>
}

/**
 * The writer (or remote connection) held for `pool.transaction(f)`: `run` runs a query inside
 * the transaction. After the transaction settles (or times out), `run` is a Left.
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as TE from 'fp-ts/lib/TaskEither.js'
 * import { eq, filter, integer, one, select, set, table, update } from 'fp-lite-orm'
 * import type { Pool, PoolTx } from 'fp-lite-orm'
 *
 * const accounts = table('accounts', { id: integer().primaryKey(), balance: integer().notNull() })
 * const debit = (tx: PoolTx, id: number, amount: number) =>
 *   pipe(
 *     tx.run(pipe(select(accounts), filter(eq(accounts.id, id)), one)),
 *     TE.filterOrElseW((a) => a.balance >= amount, () => 'insufficient funds' as const),
 *     TE.chainW((a) => tx.run(pipe(update(accounts), set({ balance: a.balance - amount }), filter(eq(accounts.id, id)))))
 *   )
 * const pay = (pool: Pool) => pool.transaction((tx) => debit(tx, 1, 10), { timeoutMs: 5000 })
 * ```
 *
 * @category Pool
 */
export interface PoolTx {
  /**
   * Runs a query on the connection held for the transaction (its parameters are checked when it runs).
   *
   * @param q - the query value to run inside the transaction.
   * @param params - the placeholders' values, one object; checked when the query runs (a Left `ValidationError` naming a
   *   missing one).
   */
  run<A>(q: Query<A>, params?: Params): TE.TaskEither<DbError, A>
}

/**
 * The options of `pool.transaction(f, options)`.
 *
 * @example
 * ```ts
 * import type { PoolTransactionOptions } from 'fp-lite-orm'
 *
 * const quick: PoolTransactionOptions = { timeoutMs: 2_000 }   // a stuck callback holds the writer 2 s at most
 * ```
 *
 * @category Pool
 */
export interface PoolTransactionOptions {
  /** Past this many milliseconds (a whole number from 1 to 600,000; default 30,000) the transaction is rolled back with a BusyError. */
  readonly timeoutMs?: number
}

/** The default and the largest `timeoutMs` of `pool.transaction`. */
export const TX_TIMEOUT_MS = 30_000
export const MAX_TX_TIMEOUT_MS = 600_000

/** The transaction's timeout, or a Left naming the bad option. */
export const checkTxOptions = (options: unknown): E.Either<DbError, number> => {
  if (options === undefined) return E.right(TX_TIMEOUT_MS)
  try {
    if (typeof options !== 'object' || options === null || Array.isArray(options))
      return E.left(
        validationError(
          `pool.transaction(f, options): options must be an object such as { timeoutMs: 5000 }, got ${describeValue(options)}.`,
          'options'
        )
      )
    for (const key of Object.keys(options))
      if (key !== 'timeoutMs')
        return E.left(
          validationError(`pool.transaction(f, options): unknown option ${JSON.stringify(key)}; the option is timeoutMs.`, `options.${key}`)
        )
    const t = (options as PoolTransactionOptions).timeoutMs
    if (t === undefined) return E.right(TX_TIMEOUT_MS)
    if (typeof t === 'number' && Number.isInteger(t) && t >= 1 && t <= MAX_TX_TIMEOUT_MS) return E.right(t)
    return E.left(
      validationError(
        `pool.transaction(f, options): timeoutMs must be a whole number from 1 to ${MAX_TX_TIMEOUT_MS}, got ${describeValue(t)}.`,
        'options.timeoutMs'
      )
    )
  } catch (e) {
    return E.left(unexpectedError(e, 'pool.transaction(f, options): reading the options threw'))
  }
}

/**
 * Test hooks: the live workers (to terminate one and watch the pool recover), their shape caches.
 *
 * @example
 * ```ts
 * import type { PoolInternals } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = PoolInternals
 * ```
 *
 * @category Pool
 */
export const PoolInternals: unique symbol = Symbol.for('fp-lite-orm/PoolInternals')

/**
 * The pool's test hooks: its live workers and their shape caches (not for applications).
 *
 * @category Pool
 */
export interface PoolInternals {
  /** The reader threads, in order. */
  readonly readers: () => ReadonlyArray<Worker>
  /** The writer thread. */
  readonly writer: () => Worker
  /** What each worker holds in its shape cache: the readers in order, then the writer. */
  readonly shapeStats: () => Promise<ReadonlyArray<E.Either<DbError, ShapeStats>>>
}

/** A worker's answer: a result, or (an Exec of a shape it does not hold) a request to send the shape again. */
type Outcome = E.Either<DbError, unknown> | typeof UNKNOWN_SHAPE

const UNKNOWN_SHAPE = { _tag: 'UnknownShape' } as const

const isUnknownShape = (o: Outcome): o is typeof UNKNOWN_SHAPE => o._tag === 'UnknownShape'

/** A plain request's outcome: never UNKNOWN_SHAPE, which answers only an Exec. */
const resultOf = (o: Outcome): E.Either<DbError, unknown> =>
  isUnknownShape(o) ? E.left(unexpectedError(new Error('an Unknown reply'), 'The worker answered a plain request as a shape run')) : o

interface Slot {
  readonly role: Role
  /**
   * The current worker; undefined when there is none: the last one could not start (it is
   * started again when next given work, never in a loop) or the pool has closed.
   */
  worker: Worker | undefined
  /** Whether the current worker has said it is ready (see protocol.ts, `Ready`). */
  ready: boolean
  /** Why the last worker could not even be created, for the Left of the work that found none. */
  failure: unknown
  /** Resolves when the current worker has exited (a dead worker's is already resolved). */
  exited: Promise<void>
  readonly pending: Map<number, (r: Outcome, ms: number | undefined) => void>
  /** How many of the pending runs are long (see `isLong`): short runs are kept off a reader with one. */
  long: number
  /**
   * The ids of the shapes the current worker holds, least recently used first: a mirror of
   * its cache, updated in the order messages are posted (which is the order the worker
   * reads them in), with the same bound. A replacement worker starts with an empty one.
   */
  shapes: Map<number, true>
}

// -------------------------------------------------------------------------------------
// routing
// -------------------------------------------------------------------------------------

/**
 * A shape whose runs take longer than this in the worker (expected cost, ms) is long: it is
 * kept off one reader, so that short reads always have a reader no report is queued on. A
 * point read takes tens of microseconds, a report tens of milliseconds: any value between
 * works; 5 ms leaves room for a short run slowed by a busy machine.
 */
const LONG_MS = 5
/**
 * How fast a shape's expected cost may rise per run. The expected cost is a decaying minimum of
 * the worker's measured times: wall-clock time in a thread is only ever inflated (by the thread
 * being descheduled on a busy machine), never deflated, so a point read timed at 40 ms once
 * stays short, while a shape that became slow for good is long after a few runs.
 */
const COST_GROWTH = 1.5

/** Native SQL that only reads, going by its first keyword; anything else goes to the writer. */
const READ_SQL = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(SELECT|WITH|VALUES|EXPLAIN)\b/i

/** Which thread a query runs on: a select or native SQL that reads on a reader, anything else on the writer (the remote pool sends the same split as reads and writes). */
export const roleOf = (q: Query<unknown>): Role => {
  const s = q.statement
  switch (s._tag) {
    case 'Select':
      return 'reader'
    case 'Raw':
      return q.mode !== 'run' && READ_SQL.test(s.sql.strings[0] ?? '') ? 'reader' : 'writer'
    default:
      return 'writer'
  }
}

/** Array.isArray without its narrowing (to any[]), for a check of the caller's input. */
const isArray = (u: unknown): boolean => Array.isArray(u)

const isReadOnlyRefusal = (r: E.Either<DbError, unknown>): boolean =>
  E.isLeft(r) && r.left._tag === 'SqliteError' && r.left.code.startsWith('SQLITE_READONLY')

// -------------------------------------------------------------------------------------
// jobs
// -------------------------------------------------------------------------------------

/** The Left of a request that could not be cloned to a worker thread. */
const notSendable = (e: unknown): E.Either<DbError, never> =>
  E.left(
    validationError(
      `The query could not be sent to a worker thread (is every value and param plain data?): ${e instanceof Error ? e.message : String(e)}`
    )
  )

/**
 * Params used to be posted as given, so one that cannot cross threads (a function) was
 * refused as not sendable before it was bound; a bind error caused by such a param still
 * says so (the message docs/errors.md lists). Checked only once binding failed: it is not free.
 */
const cloneFailure = (params: Params | undefined): E.Either<DbError, never> | undefined => {
  try {
    structuredClone(params)
    return undefined
  } catch (e) {
    return notSendable(e)
  }
}

/**
 * How one run travels: as a shape id with its params bound here, or (a query of several
 * statements, which a session runs together in one transaction: it has no shape) as the
 * query value, compiled and bound in the worker.
 */
type Job =
  | { readonly _tag: 'Shape'; readonly shape: Shape; readonly params: ReadonlyArray<SqlValue> }
  | { readonly _tag: 'Query'; readonly query: Query<unknown>; readonly params: Params | undefined }

/**
 * The params as own plain properties, read once here: a getter or a Proxy is read in this
 * thread (where a throw is caught) and not again by the structured clone.
 */
const snapshot = (params: Params | undefined): Params | undefined =>
  typeof params === 'object' && params !== null ? { ...params } : params

const jobOf = (q: Query<unknown>, c: Compiled, params: Params | undefined): E.Either<DbError, Job> => {
  try {
    const shape = shapeOf(c)
    if (shape === undefined) return E.right({ _tag: 'Query', query: q, params: snapshot(params) })
    // Bound with the query's codecs at hand, exactly as a session in this thread binds them;
    // a bad or missing param is thereby a Left before anything is posted.
    const bound = bindParams(c.statements[0]!, params, q[Codecs])
    if (E.isLeft(bound)) return cloneFailure(params) ?? bound
    return E.right({ _tag: 'Shape', shape, params: bound.right })
  } catch (e) {
    return E.left(unexpectedError(e, 'Reading the params threw (a getter or a Proxy in the params object?); nothing was run'))
  }
}

/** The request of a job, given whether the worker holds its shape. */
const requestOf =
  (job: Job, known: boolean) =>
  (id: number): Request => {
    if (job._tag === 'Query')
      return job.params === undefined ? { _tag: 'Run', id, query: job.query } : { _tag: 'Run', id, query: job.query, params: job.params }
    const { shape, params } = job
    return known ? { _tag: 'Exec', id, shape: shape.id, params } : { _tag: 'Exec', id, shape: shape.id, params, define: shape.def }
  }

// -------------------------------------------------------------------------------------
// transactions
// -------------------------------------------------------------------------------------

export const TIMED_OUT: unique symbol = Symbol('timed out')

/**
 * The callback's outcome, or TIMED_OUT once `ms` have passed (the callback may still be
 * running: its later runs are refused). A throw or a rejection is a Left.
 */
export const settleWithin = async <E2, A>(
  f: (tx: PoolTx) => TE.TaskEither<E2, A>,
  tx: PoolTx,
  ms: number
): Promise<E.Either<E2 | DbError, A> | typeof TIMED_OUT> => {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)))
  try {
    const body = (async (): Promise<E.Either<E2 | DbError, A>> => f(tx)())().catch((e: unknown) =>
      E.left(unexpectedError(e, 'The transaction callback threw (or its TaskEither rejected); the transaction was rolled back'))
    )
    return await Promise.race([body, expired])
  } finally {
    clearTimeout(timer)
  }
}

export const txTimeout = (ms: number): DbError =>
  busyError(
    'SQLITE_BUSY',
    `The transaction callback was still running after ${ms} ms: it was rolled back so that it cannot hold the writer. Raise timeoutMs, or do less inside the transaction.`
  )

export const txEnded = (): DbError =>
  validationError(
    'This transaction has ended (committed, rolled back, or past its timeout): tx.run works only inside the callback, before its TaskEither settles.'
  )

// -------------------------------------------------------------------------------------
// workers
// -------------------------------------------------------------------------------------

/** From source (.ts) a worker needs tsx registered first; from built JavaScript it starts directly. */
const startWorker = (setup: WorkerSetup): Worker => {
  const fromSource = import.meta.url.endsWith('.ts')
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url)
  return fromSource
    ? new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), { workerData: { ...setup, entry: entry.href } })
    : new Worker(entry, { workerData: setup })
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * What `workerPool` returns: a `Pool`, with its test hooks under a symbol key.
 *
 * @example
 * ```ts
 * import type { PoolWithInternals } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = PoolWithInternals
 * ```
 *
 * @category Pool
 */
export type PoolWithInternals = Pool & { readonly [PoolInternals]: PoolInternals }

/**
 * A pool that starts nothing and answers every query with `error` (bad options, a `:memory:`
 * database): `close()` resolves at once, and no thread can be left running.
 */
const refusingPool = (error: DbError): PoolWithInternals => {
  const refuse =
    <A>(): TE.TaskEither<DbError, A> =>
    () =>
      Promise.resolve(E.left(error))
  return {
    run: refuse,
    batch: refuse,
    transaction: refuse,
    close: () => Promise.resolve(),
    [PoolInternals]: {
      readers: () => [],
      writer: () => {
        throw new Error(`This pool started no thread: ${error.message}`)
      },
      shapeStats: () => Promise.resolve([])
    }
  }
}

/** A `Db` as `connect` makes it; anything else is a Left naming what was given. */
const checkDb = (db: unknown): E.Either<DbError, Db> =>
  typeof db === 'object' && db !== null && (db as Partial<Db>)._tag === 'Db' && typeof (db as Partial<Db>).file === 'string'
    ? E.right(db as Db)
    : E.left(validationError(`workerPool(db, options) takes a database descriptor from connect(path), got ${describeValue(db)}.`, 'db'))

const memoryRefusal = (db: Db): DbError =>
  connectionError(db.path, 'A worker pool needs a database file: each thread would see its own empty :memory: database.')

/** The pool itself, over checked arguments. */
const startPool = (db: Db, readerCount: number, maxQueue: number): PoolWithInternals => {
  const { log, ...plain } = db
  const readerDb = connect(db.file, {
    readonly: db.readonly,
    busyTimeoutMs: db.busyTimeoutMs,
    statementCacheSize: db.statementCacheSize,
    // Readers open read-write (WAL needs its shared-memory file) but refuse every write.
    pragmas: { ...db.pragmas, query_only: 1 }
  })
  const { log: _, ...readerPlain } = readerDb

  // One shape per prepared statement: a worker keeps as many shapes as its handle keeps statements.
  const shapeCacheSize = Math.max(1, db.statementCacheSize)
  const setupOf = (role: Role): WorkerSetup => ({
    db: role === 'writer' ? plain : readerPlain,
    role,
    log: log !== undefined,
    shapeCacheSize
  })

  let nextId = 0
  /** Runs and batches begun and not yet answered (not messages: a run may post twice). */
  let inFlight = 0
  let closing = false
  let drained: (() => void) | undefined

  /** Starts the slot's worker; one that cannot even be created leaves the slot without one. */
  const start = (slot: Slot): void => {
    // A new worker holds no shape: each is sent again with its definition.
    slot.shapes = new Map()
    slot.ready = false
    try {
      slot.worker = startWorker(setupOf(slot.role))
    } catch (e) {
      slot.worker = undefined
      slot.exited = Promise.resolve()
      slot.failure = e
      return
    }
    attach(slot, slot.worker)
  }

  const spawn = (role: Role): Slot => {
    const slot: Slot = {
      role,
      worker: undefined,
      ready: false,
      failure: undefined,
      exited: Promise.resolve(),
      pending: new Map(),
      long: 0,
      shapes: new Map()
    }
    start(slot)
    return slot
  }

  const settle = (slot: Slot, id: number, result: Outcome, ms?: number) => {
    const resolve = slot.pending.get(id)
    if (resolve === undefined) return
    slot.pending.delete(id)
    if (slot.pending.size === 0) slot.worker?.unref()
    resolve(result, ms)
  }

  const attach = (slot: Slot, w: Worker) => {
    let crash: unknown
    let markExited: () => void = () => undefined
    slot.exited = new Promise<void>((resolve) => (markExited = resolve))
    w.unref()
    w.on('message', (m: Reply) => {
      switch (m._tag) {
        case 'Ready':
          if (slot.worker === w) slot.ready = true
          return
        case 'Log':
          try {
            log?.(m.event)
          } catch {
            // a failing logger must not break the pool
          }
          return
        case 'Unknown':
          return settle(slot, m.id, UNKNOWN_SHAPE)
        case 'Result':
          return settle(slot, m.id, m.result, m.ms)
      }
    })
    w.on('error', (e) => {
      crash = e
    })
    w.on('exit', (code) => {
      markExited()
      if (slot.worker !== w) return
      // Node delivers a worker's messages before its 'exit': no Ready by now means it never listened.
      const started = slot.ready
      const why = started
        ? `The ${slot.role} thread stopped (exit code ${code}) before answering; the query may or may not have run`
        : `The ${slot.role} thread could not start (exit code ${code}); the query did not run, and the next one starts a new thread`
      const cause = crash ?? new Error(`exit code ${code}`)
      slot.worker = undefined
      // Whatever it held resolves to a Left: a crash is never a hang or a rejection.
      for (const id of [...slot.pending.keys()]) settle(slot, id, E.left(unexpectedError(cause, why)))
      // A crash is replaced at once. A thread that could not start is started again only
      // when next given work (see send): restarting it here would spin for as long as it fails.
      if (started && !closing) start(slot)
    })
  }

  const writer = spawn('writer')
  const readers = Array.from({ length: readerCount }, () => spawn('reader'))
  const slots = [...readers, writer]

  /**
   * Posts a request; `posted` runs only once it is on its way (a request that failed to clone
   * never reached the worker); `timed` gets the run's time in the worker, when it reports one.
   */
  const send = (slot: Slot, make: (id: number) => Request, posted?: () => void, timed?: (ms: number) => void): Promise<Outcome> =>
    new Promise((resolve) => {
      if (slot.worker === undefined && !closing) start(slot)
      const w = slot.worker
      if (w === undefined) {
        resolve(
          E.left(
            closing
              ? closedError()
              : unexpectedError(
                  slot.failure,
                  `The ${slot.role} thread could not start; the query did not run, and the next one tries again`
                )
          )
        )
        return
      }
      const id = ++nextId
      slot.pending.set(
        id,
        timed === undefined
          ? resolve
          : (r, ms) => {
              if (ms !== undefined) timed(ms)
              resolve(r)
            }
      )
      if (slot.pending.size === 1) w.ref()
      try {
        w.postMessage(make(id))
        posted?.()
      } catch (e) {
        settle(slot, id, notSendable(e))
      }
    })

  const closedError = () => validationError('The pool is closed: create a new workerPool to run more queries.')

  const refuse = (): E.Either<DbError, never> | undefined => {
    if (closing) return E.left(closedError())
    if (inFlight >= maxQueue)
      return E.left(
        busyError('SQLITE_BUSY', `The pool has ${inFlight} queries in flight (maxQueue ${maxQueue}); retry later or raise maxQueue.`)
      )
    return undefined
  }

  /**
   * The reader for a run (see docs/pool.md, "Scheduling"). Messages queue in a worker in the
   * order they were posted, so a short read posted behind a long report waits for all of it.
   * Hence: long runs may hold at most `readers - 1` readers at once (past that they queue
   * behind each other), and a short run goes to the least busy reader holding no long run.
   * Readers with a worker are preferred (one without is started again when given work).
   */
  const longLanes = Math.max(1, readerCount - 1)

  /** How many readers hold a long run now. */
  const holdingLong = (): number => {
    let n = 0
    for (const r of readers) if (r.long > 0) n++
    return n
  }

  const longLaneFree = (): boolean => holdingLong() < longLanes

  const pick = (long: boolean): Slot => {
    let anyLive = false
    for (const r of readers) if (r.worker !== undefined) anyLive = true
    // A long run queues behind another long one once the lanes for long runs are taken.
    const wantLong = long && !longLaneFree()
    let best: Slot | undefined
    let fallback: Slot | undefined
    for (const r of readers) {
      if (anyLive && r.worker === undefined) continue
      if (fallback === undefined || r.pending.size < fallback.pending.size) fallback = r
      if (wantLong ? r.long === 0 : r.long > 0) continue
      if (best === undefined || (wantLong ? r.long < best.long : r.pending.size < best.pending.size)) best = r
    }
    return best ?? fallback ?? readers[0]!
  }

  /** Expected time per shape in the workers (ms, see COST_GROWTH), least recently used first; bounded. */
  const costs = new Map<number, number>()
  const COSTS_HELD = 4096

  /**
   * A run is long when its shape's expected cost is past LONG_MS. A shape not yet measured is
   * treated as long while a lane for long runs is free (a first report then stays out of the
   * short lane), and as short otherwise: unknown work never queues behind known long work. A
   * query of several statements (no shape) counts as short: those are preloads, a few keyed reads.
   */
  const isLong = (job: Job): boolean => {
    if (job._tag === 'Query') return false
    const c = costs.get(job.shape.id)
    return c === undefined ? longLaneFree() : c > LONG_MS
  }

  const timedFor =
    (id: number) =>
    (ms: number): void => {
      const c = costs.get(id)
      remember(costs, id, c === undefined ? ms : Math.min(ms, c * COST_GROWTH), COSTS_HELD)
    }

  /** Runs a job on a slot's worker, sending the shape's definition when the worker does not hold it. */
  const dispatch = async (slot: Slot, job: Job): Promise<E.Either<DbError, unknown>> => {
    if (job._tag === 'Query') return resultOf(await send(slot, requestOf(job, false)))
    const id = job.shape.id
    const known = slot.shapes.has(id)
    const outcome = await send(
      slot,
      requestOf(job, known),
      () => (known ? recall(slot.shapes, id) : remember(slot.shapes, id, true, shapeCacheSize)),
      timedFor(id)
    )
    if (!isUnknownShape(outcome)) return outcome
    // The mirror was wrong (it cannot be, short of a bug): forget the shape and send it whole.
    slot.shapes.delete(id)
    return dispatch(slot, job)
  }

  /**
   * The one way into the pool: refused when closed or full; counted in flight until it is
   * answered (so close drains it whole, a second dispatch included); a throw is a Left.
   */
  const admit =
    <A, L = never>(what: string, body: () => Promise<E.Either<L | DbError, A>>): TE.TaskEither<L | DbError, A> =>
    async () => {
      const refused = refuse()
      if (refused !== undefined) return refused
      inFlight++
      try {
        return await body()
      } catch (e) {
        // Defence in depth: the known throws (codecs, params) are caught nearer, with their own message.
        return E.left(unexpectedError(e, `pool.${what} threw`))
      } finally {
        inFlight--
        if (inFlight === 0) drained?.()
      }
    }

  /**
   * Set while `pool.transaction` holds the writer: resolves when it lets go. Writes from
   * outside wait for it (they would otherwise join the open transaction); reads do not.
   */
  let held: Promise<void> | undefined

  const writerFree = async (): Promise<void> => {
    while (held !== undefined) await held
  }

  /** Compiles, binds, runs and decodes one query; `inTx` runs it on the writer inside the held transaction. */
  const runOne = async <A>(q: Query<A>, params: Params | undefined, inTx: boolean): Promise<E.Either<DbError, A>> => {
    const compiled = compile(q)
    if (E.isLeft(compiled)) return compiled
    const job = jobOf(q, compiled.right, params)
    if (E.isLeft(job)) return job
    const role = inTx ? 'writer' : roleOf(q)
    if (role === 'writer' && !inTx && held !== undefined) await writerFree()
    let result: E.Either<DbError, unknown>
    if (role === 'writer') result = await dispatch(writer, job.right)
    else {
      const long = isLong(job.right)
      const reader = pick(long)
      if (long) reader.long++
      try {
        result = await dispatch(reader, job.right)
      } finally {
        if (long) reader.long--
      }
    }
    // Native SQL that looked like a read but writes: the reader refused it, so the writer runs it.
    if (role === 'reader' && q.statement._tag === 'Raw' && isReadOnlyRefusal(result)) {
      if (held !== undefined) await writerFree()
      result = await dispatch(writer, job.right)
    }
    return E.isLeft(result) ? result : finishLate<A>(compiled.right, q[Codecs], result.right)
  }

  const run = <A>(q: Query<A>, params?: Params): TE.TaskEither<DbError, A> => admit('run', () => runOne(q, params, false))

  const transaction = <E2, A>(f: (tx: PoolTx) => TE.TaskEither<E2, A>, options?: PoolTransactionOptions): TE.TaskEither<E2 | DbError, A> =>
    admit('transaction', async (): Promise<E.Either<E2 | DbError, A>> => {
      const limit = checkTxOptions(options)
      if (E.isLeft(limit)) return limit
      if (typeof f !== 'function')
        return E.left(validationError(`pool.transaction takes a function (tx) => TaskEither, got ${describeValue(f)}.`, 'f'))
      await writerFree()
      let release: () => void = () => undefined
      held = new Promise<void>((resolve) => (release = resolve))
      try {
        const begun = resultOf(await send(writer, (id) => ({ _tag: 'TxBegin', id })))
        if (E.isLeft(begun)) return begun
        let open = true
        const tx: PoolTx = {
          run:
            <B>(q: Query<B>, params?: Params): TE.TaskEither<DbError, B> =>
            async () => {
              if (!open) return E.left(txEnded())
              try {
                return await runOne(q, params, true)
              } catch (e) {
                return E.left(unexpectedError(e, 'tx.run threw'))
              }
            }
        }
        const body = await settleWithin(f, tx, limit.right)
        open = false
        if (body === TIMED_OUT) {
          await send(writer, (id) => ({ _tag: 'TxEnd', id, commit: false }))
          return E.left(txTimeout(limit.right))
        }
        if (E.isLeft(body)) {
          await send(writer, (id) => ({ _tag: 'TxEnd', id, commit: false }))
          return body
        }
        const committed = resultOf(await send(writer, (id) => ({ _tag: 'TxEnd', id, commit: true })))
        return E.isLeft(committed) ? committed : body
      } finally {
        held = undefined
        release()
      }
    })

  const batch = <const Qs extends ReadonlyArray<Query<unknown>>>(queries: Qs): TE.TaskEither<DbError, Results<Qs>> =>
    admit('batch', async () => {
      if (!isArray(queries))
        return E.left(validationError(`pool.batch takes an array of query values, got ${describeValue(queries)}.`, 'queries'))
      const compiled: Compiled[] = []
      for (const q of queries) {
        const c = compile(q)
        if (E.isLeft(c)) return c
        compiled.push(c.right)
      }
      // A batch keeps the plain path: its queries run in one transaction in the worker, from
      // their values. (Shapes would save their clone, but batches are not the hot path.)
      if (held !== undefined) await writerFree()
      const result = resultOf(await send(writer, (id) => ({ _tag: 'Batch', id, queries })))
      if (E.isLeft(result)) return result
      const values = result.right as unknown[]
      const out: unknown[] = []
      for (let i = 0; i < queries.length; i++) {
        const decoded = finishLate(compiled[i]!, queries[i]![Codecs], values[i])
        if (E.isLeft(decoded)) return decoded
        out.push(decoded.right)
      }
      return E.right(out as Results<Qs>)
    })

  let closed: Promise<void> | undefined

  /** Ends one slot's worker: asked to close, terminated if it has not within 5 s. Never rejects. */
  const end = async (slot: Slot): Promise<void> => {
    const w = slot.worker
    // A worker that died (while draining, or could not start) has exited already: nothing to end.
    if (w === undefined) return
    const timer = setTimeout(() => void w.terminate().catch(() => undefined), 5000)
    try {
      w.ref()
      w.postMessage({ _tag: 'Close' } satisfies Request)
    } catch {
      // the port is closed: the worker is gone
    }
    await slot.exited
    clearTimeout(timer)
  }

  /** Drains, then ends every thread; a second call gets the same promise. */
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve))
      await Promise.all(slots.map(end))
    })()
    return closed
  }

  return {
    run,
    batch,
    transaction,
    close,
    [PoolInternals]: {
      readers: () => readers.flatMap((r) => (r.worker === undefined ? [] : [r.worker])),
      writer: () => {
        if (writer.worker === undefined) throw new Error('The pool has no writer thread now')
        return writer.worker
      },
      shapeStats: () =>
        Promise.all(slots.map(async (slot) => resultOf(await send(slot, (id) => ({ _tag: 'Stats', id }))) as E.Either<DbError, ShapeStats>))
    }
  }
}

/**
 * A pool of one writer and `readers` reader threads over a database file.
 *
 * It never throws. Bad options (see `PoolOptions`), a `db` that is not from `connect`, or a
 * `:memory:` database start no thread: the pool answers every query with that Left and its
 * `close()` resolves at once. A thread that crashes is replaced at once; one that exits
 * before it is ready (it could not start) is started again only when next given work, so a
 * pool whose threads cannot start answers each query with a Left and never spins.
 *
 * @param db - a database from `connect(...)` on a file (`:memory:` cannot be shared between threads); anything else makes
 *   every call a Left `ValidationError`.
 * @param options - `PoolOptions`: `readers` (1 to 64, default 2), `maxQueue`; a bad option makes every call a Left
 *   `ValidationError`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { connect, createTable, eq, filter, first, insert, integer, placeholder, select, table, text, workerPool } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const byId = pipe(select(users), filter(eq(users.id, placeholder('id'))), first)
 *
 * const pool = workerPool(connect('app.db'), { readers: 2 })   // a file: threads cannot share :memory:
 * assert.ok(E.isRight(await pool.run(createTable(users))()))
 * assert.ok(E.isRight(await pool.run(insert(users, { name: 'Ann' }))()))   // on the writer thread
 * const ann = await pool.run(byId, { id: 1 })()                            // on a reader thread
 * assert.deepEqual(ann, E.right(O.some({ id: 1, name: 'Ann' })))
 * await pool.close()                                                       // drains, then ends the threads
 *
 * // Options out of range start nothing; every query says which option is wrong.
 * const bad = workerPool(connect('app.db'), { readers: Number.NaN })
 * const refused = await bad.run(byId, { id: 1 })()
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'ValidationError' && refused.left.message.includes('readers'))
 * await bad.close()                                                        // resolves at once
 * ```
 *
 * @category Pool
 */
export const workerPool = (db: Db, options?: PoolOptions): PoolWithInternals => {
  try {
    const checked = pipe(
      checkDb(db),
      E.chain((d) => (d.file === ':memory:' ? E.left(memoryRefusal(d)) : E.right(d))),
      E.chain((d) =>
        pipe(
          checkPoolOptions(options),
          E.map((o) => ({ db: d, ...o }))
        )
      )
    )
    return E.isLeft(checked) ? refusingPool(checked.left) : startPool(checked.right.db, checked.right.readers, checked.right.maxQueue)
  } catch (e) {
    // Defence in depth: nothing may throw across the public API.
    return refusingPool(unexpectedError(e, 'workerPool(db, options) threw'))
  }
}
