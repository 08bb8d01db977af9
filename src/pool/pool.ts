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
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { DbError } from '../errors.js'
import { busyError, connectionError, unexpectedError, validationError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import { connect } from '../conn/connect.js'
import type { Query } from '../query/ast.js'
import { Codecs } from '../query/ast.js'
import type { Compiled } from '../query/compile.js'
import { compile } from '../query/compile.js'
import type { SqlValue } from '../schema/column.js'
import type { Params } from '../session/bind.js'
import { bindParams } from '../session/bind.js'
import { applyCodecs } from '../session/codecs.js'
import type { Results } from '../session/transaction.js'
import type { Reply, Request, Role, ShapeStats, WorkerSetup } from './protocol.js'
import type { Shape } from './shapes.js'
import { recall, remember, shapeOf } from './shapes.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The options of `workerPool(db, options)`.
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
 */
export interface PoolOptions {
  /** Reader threads (default 2). Each holds a read-only (query_only) connection. */
  readonly readers?: number
  /**
   * The most queries in flight at once across the pool (default 10,000). Past it, a
   * query is not queued: it is a Left `BusyError` at once, for the caller to shed load.
   */
  readonly maxQueue?: number
}

/**
 * A pool of worker threads running query values: one writer, N readers. `run` and `batch`
 * return `TaskEither`s that never reject; `close` drains and ends the threads.
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
 * // ...is easy to test with a stand-in: a Pool is three functions.
 * let rows = 0
 * const fake: Pool = {
 *   run: <A>(q: Query<A>) => TE.right((q.mode === 'count' ? rows : { changes: 1, lastInsertRowid: ++rows }) as A),
 *   batch: () => TE.left<DbError>({ _tag: 'ValidationError', message: 'not used here' }),
 *   close: async () => undefined
 * }
 * assert.deepEqual(await record(fake)(), E.right(1))
 * ```
 */
export interface Pool {
  /** Runs a query on a reader (reads) or the writer (writes). Never rejects. */
  run<A>(q: Query<A>, params?: Params): TE.TaskEither<DbError, A>
  /** Runs the queries in order, all or nothing, in one transaction on the writer. */
  batch<const Qs extends ReadonlyArray<Query<unknown>>>(queries: Qs): TE.TaskEither<DbError, Results<Qs>>
  /** Stops taking queries, lets those in flight finish, and ends the threads. */
  close(): Promise<void>
}

/** Test hooks: the live workers (to terminate one and watch the pool recover), their shape caches. */
export const PoolInternals: unique symbol = Symbol.for('fp-lite-orm/PoolInternals')

export interface PoolInternals {
  readonly readers: () => ReadonlyArray<Worker>
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
  worker: Worker
  /** Resolves when the current worker has exited (a dead worker's is already resolved). */
  exited: Promise<void>
  readonly pending: Map<number, (r: Outcome) => void>
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

/** Native SQL that only reads, going by its first keyword; anything else goes to the writer. */
const READ_SQL = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(SELECT|WITH|VALUES|EXPLAIN)\b/i

const roleOf = (q: Query<unknown>): Role => {
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

const jobOf = (q: Query<unknown>, c: Compiled, params: Params | undefined): E.Either<DbError, Job> => {
  const shape = shapeOf(c)
  if (shape === undefined) return E.right({ _tag: 'Query', query: q, params })
  // Bound with the query's codecs at hand, exactly as a session in this thread binds them;
  // a bad or missing param is thereby a Left before anything is posted.
  const bound = bindParams(c.statements[0]!, params, q[Codecs])
  if (E.isLeft(bound)) return cloneFailure(params) ?? bound
  return E.right({ _tag: 'Shape', shape, params: bound.right })
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
 * A pool of one writer and `readers` reader threads over a database file.
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
 * ```
 */
export const workerPool = (db: Db, options: PoolOptions = {}): Pool & { readonly [PoolInternals]: PoolInternals } => {
  const readerCount = Math.max(1, Math.floor(options.readers ?? 2))
  const maxQueue = Math.max(1, Math.floor(options.maxQueue ?? 10_000))
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
  let inFlight = 0
  let closing = false
  let drained: (() => void) | undefined

  const spawn = (role: Role): Slot => {
    const slot: Slot = { role, worker: startWorker(setupOf(role)), exited: Promise.resolve(), pending: new Map(), shapes: new Map() }
    attach(slot)
    return slot
  }

  const settle = (slot: Slot, id: number, result: Outcome) => {
    const resolve = slot.pending.get(id)
    if (resolve === undefined) return
    slot.pending.delete(id)
    inFlight--
    if (slot.pending.size === 0) slot.worker.unref()
    resolve(result)
    if (inFlight === 0) drained?.()
  }

  const attach = (slot: Slot) => {
    const w = slot.worker
    let crash = ''
    let markExited: () => void = () => undefined
    slot.exited = new Promise<void>((resolve) => (markExited = resolve))
    w.unref()
    w.on('message', (m: Reply) => {
      if (m._tag === 'Log') {
        try {
          log?.(m.event)
        } catch {
          // a failing logger must not break the pool
        }
      } else settle(slot, m.id, m._tag === 'Unknown' ? UNKNOWN_SHAPE : m.result)
    })
    w.on('error', (e) => {
      crash = `: ${e instanceof Error ? e.message : String(e)}`
    })
    w.on('exit', (code) => {
      markExited()
      if (slot.worker !== w) return
      // Whatever it held resolves to a Left: a crash is never a hang or a rejection.
      for (const id of [...slot.pending.keys()]) {
        settle(
          slot,
          id,
          E.left(
            unexpectedError(
              new Error(`exit code ${code}`),
              `The ${slot.role} thread stopped (exit code ${code}${crash}) before answering; the query may or may not have run`
            )
          )
        )
      }
      if (!closing) {
        slot.worker = startWorker(setupOf(slot.role))
        // The new worker holds no shape: each is sent again with its definition.
        slot.shapes = new Map()
        attach(slot)
      }
    })
  }

  const memory = db.file === ':memory:'
  const writer = memory ? undefined : spawn('writer')
  const readers = memory ? [] : Array.from({ length: readerCount }, () => spawn('reader'))

  /** Posts a request; `posted` runs only once it is on its way (a request that failed to clone never reached the worker). */
  const send = (slot: Slot, make: (id: number) => Request, posted?: () => void): Promise<Outcome> =>
    new Promise((resolve) => {
      const id = ++nextId
      slot.pending.set(id, resolve)
      inFlight++
      if (slot.pending.size === 1) slot.worker.ref()
      try {
        slot.worker.postMessage(make(id))
        posted?.()
      } catch (e) {
        settle(slot, id, notSendable(e))
      }
    })

  const refuse = (): E.Either<DbError, never> | undefined => {
    if (memory)
      return E.left(connectionError(db.path, 'A worker pool needs a database file: each thread would see its own empty :memory: database.'))
    if (closing) return E.left(validationError('The pool is closed: create a new workerPool to run more queries.'))
    if (inFlight >= maxQueue)
      return E.left(
        busyError('SQLITE_BUSY', `The pool has ${inFlight} queries in flight (maxQueue ${maxQueue}); retry later or raise maxQueue.`)
      )
    return undefined
  }

  const leastBusy = (): Slot => readers.reduce((best, r) => (r.pending.size < best.pending.size ? r : best), readers[0]!)

  /** Runs a job on a slot's worker, sending the shape's definition when the worker does not hold it. */
  const dispatch = async (slot: Slot, job: Job): Promise<E.Either<DbError, unknown>> => {
    if (job._tag === 'Query') return resultOf(await send(slot, requestOf(job, false)))
    const id = job.shape.id
    const known = slot.shapes.has(id)
    const outcome = await send(slot, requestOf(job, known), () =>
      known ? recall(slot.shapes, id) : remember(slot.shapes, id, true, shapeCacheSize)
    )
    if (!isUnknownShape(outcome)) return outcome
    // The mirror was wrong (it cannot be, short of a bug): forget the shape and send it whole.
    slot.shapes.delete(id)
    return dispatch(slot, job)
  }

  const run =
    <A>(q: Query<A>, params?: Params): TE.TaskEither<DbError, A> =>
    async () => {
      const refused = refuse()
      if (refused !== undefined) return refused
      const compiled = compile(q)
      if (E.isLeft(compiled)) return compiled
      const job = jobOf(q, compiled.right, params)
      if (E.isLeft(job)) return job
      const role = roleOf(q)
      let result = await dispatch(role === 'writer' ? writer! : leastBusy(), job.right)
      // Native SQL that looked like a read but writes: the reader refused it, so the writer runs it.
      if (role === 'reader' && q.statement._tag === 'Raw' && isReadOnlyRefusal(result)) result = await dispatch(writer!, job.right)
      return E.isLeft(result) ? result : applyCodecs(q, result.right)
    }

  const batch =
    <const Qs extends ReadonlyArray<Query<unknown>>>(queries: Qs): TE.TaskEither<DbError, Results<Qs>> =>
    async () => {
      const refused = refuse()
      if (refused !== undefined) return refused
      for (const q of queries) {
        const c = compile(q)
        if (E.isLeft(c)) return c
      }
      // A batch keeps the plain path: its queries run in one transaction in the worker, from
      // their values. (Shapes would save their clone, but batches are not the hot path.)
      const result = resultOf(await send(writer!, (id) => ({ _tag: 'Batch', id, queries })))
      if (E.isLeft(result)) return result
      const values = result.right as unknown[]
      const out: unknown[] = []
      for (let i = 0; i < queries.length; i++) {
        const decoded = applyCodecs(queries[i]!, values[i])
        if (E.isLeft(decoded)) return decoded
        out.push(decoded.right)
      }
      return E.right(out as Results<Qs>)
    }

  let closed: Promise<void> | undefined

  /** Drains, then ends every thread; a second call gets the same promise. */
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve))
      const all = [...readers, ...(writer === undefined ? [] : [writer])]
      await Promise.all(
        all.map(async (slot) => {
          const w = slot.worker
          // A worker that died while draining has exited already: nothing to end.
          const timer = setTimeout(() => void w.terminate(), 5000)
          try {
            w.ref()
            w.postMessage({ _tag: 'Close' } satisfies Request)
          } catch {
            // the port is closed: the worker is gone
          }
          await slot.exited
          clearTimeout(timer)
        })
      )
    })()
    return closed
  }

  return {
    run,
    batch,
    close,
    [PoolInternals]: {
      readers: () => readers.map((r) => r.worker),
      writer: () => writer!.worker,
      shapeStats: () =>
        Promise.all(
          [...readers, ...(writer === undefined ? [] : [writer])].map(
            async (slot) => resultOf(await send(slot, (id) => ({ _tag: 'Stats', id }))) as E.Either<DbError, ShapeStats>
          )
        )
    }
  }
}
