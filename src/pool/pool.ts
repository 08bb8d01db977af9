/**
 * `workerPool(db, { readers })`: SQLite's one-writer / many-readers concurrency for
 * servers. Query values are plain data, so they are posted to worker threads: reads go
 * to the least busy of N reader threads, writes to the one writer thread, each thread
 * with its own connection. Results come back as `TaskEither`s, decoded in the calling
 * thread (codecs are functions and stay here).
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
import { compile } from '../query/compile.js'
import type { Params } from '../session/bind.js'
import { applyCodecs } from '../session/codecs.js'
import type { Results } from '../session/transaction.js'
import type { Reply, Request, Role, WorkerSetup } from './protocol.js'

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

/** Test hooks: the live workers (to terminate one and watch the pool recover). */
export const PoolInternals: unique symbol = Symbol.for('fp-lite-orm/PoolInternals')

export interface PoolInternals {
  readonly readers: () => ReadonlyArray<Worker>
  readonly writer: () => Worker
}

interface Slot {
  readonly role: Role
  worker: Worker
  /** Resolves when the current worker has exited (a dead worker's is already resolved). */
  exited: Promise<void>
  readonly pending: Map<number, (r: E.Either<DbError, unknown>) => void>
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

  let nextId = 0
  let inFlight = 0
  let closing = false
  let drained: (() => void) | undefined

  const spawn = (role: Role): Slot => {
    const slot: Slot = {
      role,
      worker: startWorker({ db: role === 'writer' ? plain : readerPlain, role, log: log !== undefined }),
      exited: Promise.resolve(),
      pending: new Map()
    }
    attach(slot)
    return slot
  }

  const settle = (slot: Slot, id: number, result: E.Either<DbError, unknown>) => {
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
      } else settle(slot, m.id, m.result)
    })
    w.on('error', (e) => {
      crash = `: ${e instanceof Error ? e.message : String(e)}`
    })
    w.on('exit', (code) => {
      markExited()
      if (slot.worker !== w) return
      // Whatever it held resolves to a Left: a crash is never a hang or a rejection.
      for (const id of [...slot.pending.keys()]) {
        settle(slot, id, E.left(unexpectedError(new Error(`exit code ${code}`), `The ${slot.role} thread stopped (exit code ${code}${crash}) before answering; the query may or may not have run`)))
      }
      if (!closing) {
        slot.worker = startWorker({ db: slot.role === 'writer' ? plain : readerPlain, role: slot.role, log: log !== undefined })
        attach(slot)
      }
    })
  }

  const memory = db.file === ':memory:'
  const writer = memory ? undefined : spawn('writer')
  const readers = memory ? [] : Array.from({ length: readerCount }, () => spawn('reader'))

  const send = (slot: Slot, make: (id: number) => Request): Promise<E.Either<DbError, unknown>> =>
    new Promise((resolve) => {
      const id = ++nextId
      slot.pending.set(id, resolve)
      inFlight++
      if (slot.pending.size === 1) slot.worker.ref()
      try {
        slot.worker.postMessage(make(id))
      } catch (e) {
        settle(slot, id, E.left(validationError(`The query could not be sent to a worker thread (is every value and param plain data?): ${e instanceof Error ? e.message : String(e)}`)))
      }
    })

  const refuse = (): E.Either<DbError, never> | undefined => {
    if (memory) return E.left(connectionError(db.path, 'A worker pool needs a database file: each thread would see its own empty :memory: database.'))
    if (closing) return E.left(validationError('The pool is closed: create a new workerPool to run more queries.'))
    if (inFlight >= maxQueue) return E.left(busyError('SQLITE_BUSY', `The pool has ${inFlight} queries in flight (maxQueue ${maxQueue}); retry later or raise maxQueue.`))
    return undefined
  }

  const leastBusy = (): Slot => readers.reduce((best, r) => (r.pending.size < best.pending.size ? r : best), readers[0]!)

  const run = <A>(q: Query<A>, params?: Params): TE.TaskEither<DbError, A> => async () => {
    const refused = refuse()
    if (refused !== undefined) return refused
    const compiled = compile(q)
    if (E.isLeft(compiled)) return compiled
    const role = roleOf(q)
    const request = (id: number): Request => (params === undefined ? { _tag: 'Run', id, query: q } : { _tag: 'Run', id, query: q, params })
    let result = await send(role === 'writer' ? writer! : leastBusy(), request)
    // Native SQL that looked like a read but writes: the reader refused it, so the writer runs it.
    if (role === 'reader' && q.statement._tag === 'Raw' && isReadOnlyRefusal(result)) result = await send(writer!, request)
    return E.isLeft(result) ? result : applyCodecs(q, result.right)
  }

  const batch = <const Qs extends ReadonlyArray<Query<unknown>>>(queries: Qs): TE.TaskEither<DbError, Results<Qs>> => async () => {
    const refused = refuse()
    if (refused !== undefined) return refused
    for (const q of queries) {
      const c = compile(q)
      if (E.isLeft(c)) return c
    }
    const result = await send(writer!, (id) => ({ _tag: 'Batch', id, queries }))
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
    [PoolInternals]: { readers: () => readers.map((r) => r.worker), writer: () => writer!.worker }
  }
}

