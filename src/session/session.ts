/**
 * Sessions: the interpreter of query values. `session(db).run(q)` compiles the query
 * (memoized), takes the calling thread's handle for the database, prepares (cached),
 * binds, reads and decodes, and returns `Either<DbError, A>`. Nothing throws out of it.
 *
 * Sessions on one thread share that thread's handle for the database, so a session
 * used inside a transaction on the same thread joins it.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { SqlValue } from '../schema/column.js'
import type { DbError } from '../errors.js'
import { decodeError, isDbError, quoteSql, unexpectedError, validationError } from '../errors.js'
import type { CodecsPart, Needs, Query } from '../query/ast.js'
import { Codecs } from '../query/ast.js'
import type { Compiled, CompiledStatement } from '../query/compiled.js'
import { compile, compiledBefore, shapes } from '../query/compile.js'
import type { Db } from '../conn/connect.js'
import { logged } from '../conn/log.js'
import type { Cursor, CursorEnd, Handle } from '../conn/registry.js'
import { acquire, release, track } from '../conn/registry.js'
import type { CachedStatement } from '../conn/statements.js'
import type { LocalStatement } from '../driver/index.js'
import { mapError } from '../driver/index.js'
import type { Fetch, Plan, ReadMode } from './assemble.js'
import { assemble, collect, finishRows, ioIndexed, planOf, readModeOf, toNumber } from './assemble.js'
import { atomically } from './atomic.js'
import type { Params, ParamsFor } from './bind.js'
import { bindParams } from './bind.js'
import { executorOf } from './execute.js'
import { CODEC_THREW, CodecThrew, RowDecodeFailure } from './rows.js'
import { inFrame, innermost, observe, watching } from './frames.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export type { Params } from './bind.js'

/**
 * Runs query values on the calling thread's connection to a database: `run` returns an
 * `Either`, `stream` reads row by row, `close` closes the handle. Made by `session(db)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, connect, count, createTable, insert, integer, orderBy, select, session, table } from 'fp-lite-orm'
 * import type { Session } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const s: Session = session(connect(':memory:'))
 * s.run(createTable(t))
 * s.run(insert(t, [{}, {}, {}]))
 *
 * assert.deepEqual(s.run(pipe(select(t), count)), E.right(3))             // run: an Either
 * const ids: number[] = []
 * const streamed = s.stream(pipe(select(t), orderBy(t.id), all))         // stream: row by row
 * if (E.isRight(streamed)) for (const row of streamed.right) ids.push(row.id)
 * assert.deepEqual(ids, [1, 2, 3])
 * s.close()                                                                // this thread's handle
 * ```
 *
 * @category Sessions
 */
export interface Session {
  readonly _tag: 'Session' | 'Tx'
  readonly db: Db
  /**
   * Runs a query value: `Right` with its result, or `Left` with what went wrong. A query
   * with placeholders takes their values, typed by where each stands (`ParamsFor`).
   *
   * @param q - the query value to run: a select with its terminal, a write, native SQL, or DDL.
   * @param params - the placeholders' values, one object (`{ id: 1 }`), when the query has placeholders; a missing or
   *   mistyped value is a type error, and a Left `ValidationError` naming it from untyped code.
   */
  run<A, P = unknown>(q: Query<A> & Needs<P>, ...params: ParamsFor<NoInfer<P>>): E.Either<DbError, A>
  /**
   * Reads rows one at a time, in constant memory (the driver's iterate). Errors
   * found before the first row are a Left; a failure after iteration has begun is
   * thrown as a `DbError` value. The connection is busy until iteration ends: finish
   * (or break out of) the loop before running other queries on the same database.
   *
   * @param q - a select that returns rows (with `all`), or native SQL.
   * @param params - the placeholders' values, as for `run`.
   */
  stream<A>(q: Query<ReadonlyArray<A>>, params?: Params): E.Either<DbError, Iterable<A>>
  /** Closes this thread's handle for the database; the next query reopens it. */
  close(): void
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

export { logged } from '../conn/log.js'

const statementFor = (h: Handle, sql: string, raw: boolean, safeIntegers = false): CachedStatement => {
  const entry = h.statements.get(sql)
  if (entry.reader && entry.raw !== raw) {
    entry.stmt.raw(raw)
    entry.raw = raw
  }
  // Integers as bigints only for statements that read a bigint column (they cost a conversion per cell).
  if (entry.safeIntegers !== safeIntegers) {
    entry.stmt.safeIntegers(safeIntegers)
    entry.safeIntegers = safeIntegers
  }
  return entry
}

/** Reads the rows of one statement as `mode` says (the driver's part of a read). Throws what the driver throws. */
const fetchRows = (h: Handle, sql: string, mode: ReadMode, params: ReadonlyArray<SqlValue>): unknown[] => {
  const stmt = statementFor(h, sql, mode.raw, mode.safeIntegers).stmt
  if (!mode.one) return stmt.all(...params)
  const row = stmt.get(...params)
  return row === undefined ? [] : [row]
}

/** A query without preloads fetches nothing more. */
const NO_PRELOADS: Fetch = () => []

/** How the assembler reads a preload's rows on this handle: logged when it runs, after the query that gave its keys. */
const preloadFetch =
  (db: Db, h: Handle): Fetch =>
  (sql, params, reader) =>
    logged(db, sql, params, () => statementFor(h, sql, reader.raw, reader.safeIntegers).stmt.all(...params))

/** Runs the statements of a write; several run in one transaction (a savepoint when already in one). */
const write = (
  db: Db,
  h: Handle,
  plan: Plan,
  bound: ReadonlyArray<{ readonly s: CompiledStatement; readonly params: ReadonlyArray<SqlValue> }>
): unknown => {
  const runAll = () => {
    let changes = 0
    let rowid: number | bigint = 0
    if (db.log === undefined) {
      // Rows of one shape share one SQL text (the compiler builds it once): one statement
      // looked up for the run of them, not one per row.
      let sql: string | undefined
      let stmt: LocalStatement | undefined
      for (const { s, params } of bound) {
        if (s.sql !== sql || stmt === undefined) {
          sql = s.sql
          stmt = statementFor(h, sql, false).stmt
        }
        const r = stmt.run(...params)
        changes += r.changes
        rowid = r.lastInsertRowid
      }
    } else {
      for (const { s, params } of bound) {
        const r = logged(db, s.sql, params, () => statementFor(h, s.sql, false).stmt.run(...params))
        changes += r.changes
        rowid = r.lastInsertRowid
      }
    }
    return { changes, lastInsertRowid: toNumber(rowid) }
  }
  const result = plan.compiled.transactional && bound.length > 1 ? atomically(db, h, runAll) : runAll()
  return plan.compiled.mode === 'void' ? undefined : result
}

const fromThrow = (e: unknown, sql: string | undefined, compiled: Compiled | undefined): DbError => {
  if (e instanceof RowDecodeFailure) return decodeError(e.issues, sql)
  if (e instanceof CodecThrew) return unexpectedError(e.cause, CODEC_THREW)
  if (isDbError(e)) return e
  return mapError(e, sql, compiled?.table === undefined ? undefined : { table: compiled.table })
}

/** The interpreter: one query value against this thread's handle. */
export const runQuery = <A>(db: Db, q: Query<A>, params?: Params): E.Either<DbError, A> => {
  if (typeof q === 'object' && q !== null) {
    const before = compiledBefore(q)
    if (before === undefined) {
      // A fresh value of a shape met before: its shape's compiled form, this value's parameters (shape.ts).
      const hit = shapes.direct(q)
      if (hit !== undefined) return runFast(db, hit.compiled, q[Codecs], hit.params) as E.Either<DbError, A>
    } else if (E.isRight(before) && before.right.statements.length === 1) {
      // A value run again (a placeholder query): its compiled form lives on, so it has an executor.
      const s = before.right.statements[0]!
      if (s.slots === undefined) return runFast(db, before.right, q[Codecs], s.params) as E.Either<DbError, A>
      const b = bindParams(s, params, q[Codecs])
      return (E.isLeft(b) ? b : runFast(db, before.right, q[Codecs], b.right)) as E.Either<DbError, A>
    }
  }
  const c = compile(q)
  return E.isLeft(c) ? c : runCompiled(db, c.right, q[Codecs], params, false)
}

/**
 * What a pool worker runs for a query value: `runQuery`, but a read's result is left
 * collected (rows built, relations preloaded), for the calling thread to finish with the
 * query's codecs (`finishLate` in assemble.ts).
 */
export const collectQuery = (db: Db, q: Query<unknown>, params?: Params): E.Either<DbError, unknown> => {
  const c = compile(q)
  return E.isLeft(c) ? c : runCompiled(db, c.right, q[Codecs], params, true)
}

/**
 * Runs a query of one statement whose parameters are bound already: the hot path of
 * `runCompiled`. No closures, no intermediate arrays.
 */
export const runBound = <A>(
  db: Db,
  compiled: Compiled,
  codecs: CodecsPart | undefined,
  bound: ReadonlyArray<SqlValue>
): E.Either<DbError, A> => runOne(db, compiled, codecs, bound, false) as E.Either<DbError, A>

/** `runBound` for a pool worker: a statement shape the calling thread compiled and bound, its result left collected. */
export const collectBound = (db: Db, compiled: Compiled, bound: ReadonlyArray<SqlValue>): E.Either<DbError, unknown> =>
  runOne(db, compiled, undefined, bound, true)

const runOne = (
  db: Db,
  compiled: Compiled,
  codecs: CodecsPart | undefined,
  bound: ReadonlyArray<SqlValue>,
  late: boolean
): E.Either<DbError, unknown> => {
  const sql = compiled.statements[0]!.sql
  const h = acquire(db)
  if (E.isLeft(h)) return h
  const handle = h.right
  try {
    if (compiled.mode === 'run' || compiled.mode === 'void') {
      const run = () => statementFor(handle, sql, false).stmt.run(...bound)
      const r = db.log === undefined ? run() : logged(db, sql, bound, run)
      // Inside a transaction callback: a raw COMMIT, RELEASE or SAVEPOINT changes which levels are open.
      if (watching()) observe(handle, sql)
      return E.right(compiled.mode === 'void' ? undefined : { changes: r.changes, lastInsertRowid: toNumber(r.lastInsertRowid) })
    }
    const plan = planOf(compiled, codecs)
    const mode = readModeOf(plan)
    // Logged as soon as it has run: before the preloads its rows lead to.
    const rows =
      db.log === undefined ? fetchRows(handle, sql, mode, bound) : logged(db, sql, bound, () => fetchRows(handle, sql, mode, bound))
    const fetch = compiled.preloads === undefined ? NO_PRELOADS : preloadFetch(db, handle)
    if (late) return collect(plan, rows, sql, fetch)
    const out = assemble(plan, rows, sql, fetch)
    return compiled.mode === 'one' ? (out as E.Either<DbError, unknown>) : E.right(out)
  } catch (e) {
    // SQLite rolls a whole transaction back after some errors (SQLITE_FULL, ...).
    if (watching()) observe(handle, undefined)
    return E.left(fromThrow(e, sql, compiled))
  }
}

/**
 * `runOne` for a compiled form that lives on (a shape's, or one memoized on a value run
 * again): a common read goes through its executor (execute.ts), chosen once.
 */
const runFast = (
  db: Db,
  compiled: Compiled,
  codecs: CodecsPart | undefined,
  bound: ReadonlyArray<SqlValue>
): E.Either<DbError, unknown> => {
  const x = db.log === undefined ? executorOf(compiled, codecs) : undefined
  if (x === undefined) return runOne(db, compiled, codecs, bound, false)
  const sql = compiled.statements[0]!.sql
  const h = acquire(db)
  if (E.isLeft(h)) return h
  try {
    return x.run(statementFor(h.right, sql, x.raw, x.safeIntegers).stmt, bound)
  } catch (e) {
    if (watching()) observe(h.right, undefined)
    return E.left(fromThrow(e, sql, compiled))
  }
}

/** Binds `params` and runs a compiled query: `runQuery` after the compiler. */
const runCompiled = (
  db: Db,
  compiled: Compiled,
  codecs: CodecsPart | undefined,
  params: Params | undefined,
  late: boolean
): E.Either<DbError, never> => {
  const statements = compiled.statements
  if (statements.length === 1) {
    const s = statements[0]!
    // No Either for parameters that need no binding (the common case).
    if (s.slots === undefined) return runOne(db, compiled, codecs, s.params, late) as E.Either<DbError, never>
    const b = bindParams(s, params, codecs)
    return (E.isLeft(b) ? b : runOne(db, compiled, codecs, b.right, late)) as E.Either<DbError, never>
  }
  const plan = planOf(compiled, codecs)
  const bound: Array<{ s: CompiledStatement; params: ReadonlyArray<SqlValue> }> = []
  for (const s of statements) {
    if (s.slots === undefined) {
      bound.push({ s, params: s.params })
      continue
    }
    const b = bindParams(s, params, plan.codecs)
    if (E.isLeft(b)) return b
    bound.push({ s, params: b.right })
  }
  const h = acquire(db)
  if (E.isLeft(h)) return h
  try {
    if (compiled.mode === 'run' || compiled.mode === 'void') return E.right(write(db, h.right, plan, bound) as never)
    // RETURNING from several statements (a multi-row insert): one transaction, rows in order.
    if (compiled.mode !== 'all') return E.left(validationError(`A query of ${bound.length} statements can only be read with all.`))
    if (bound.length === 0) return E.right([] as never)
    const handle = h.right
    const mode = readModeOf(plan)
    const fetch = compiled.preloads === undefined ? NO_PRELOADS : preloadFetch(db, handle)
    const readAll = (): unknown[] => {
      const out: unknown[] = []
      for (const { s, params } of bound) {
        const rows = logged(db, s.sql, params, () => fetchRows(handle, s.sql, mode, params))
        const part = late ? collect(plan, rows, s.sql, fetch) : E.right(assemble(plan, rows, s.sql, fetch) as unknown[])
        if (E.isLeft(part)) throw part.left
        for (const row of part.right) out.push(row)
      }
      return out
    }
    return E.right(atomically(db, handle, readAll) as never)
  } catch (e) {
    if (watching()) observe(h.right, undefined)
    return E.left(fromThrow(e, compiled.statements[0]?.sql, compiled))
  }
}

/** Streams the rows of an `all` query; see `Session.stream`. */
export const streamQuery = <A>(db: Db, q: Query<ReadonlyArray<A>>, params?: Params): E.Either<DbError, Iterable<A>> => {
  const c = compile(q)
  if (E.isLeft(c)) return c
  const compiled = c.right
  if (compiled.mode !== 'all' || compiled.statements.length !== 1) {
    return E.left(validationError('stream takes a query ending in all: pipe(select(t), ..., all).'))
  }
  if (compiled.preloads !== undefined) {
    return E.left(
      validationError(
        'stream does not preload relations (that would hold every row in memory): use run(q) for preloads, or stream the rows and load relations per batch.'
      )
    )
  }
  const plan = planOf(compiled, q[Codecs])
  const s = compiled.statements[0]!
  const b = bindParams(s, params, plan.codecs)
  if (E.isLeft(b)) return b
  const bound = b.right
  const h = acquire(db)
  if (E.isLeft(h)) return h
  const handle = h.right
  let entry: CachedStatement
  try {
    // Prepared now, so that a bad query (a missing table) is a Left, not a throw later.
    entry = statementFor(handle, s.sql, plan.reader.raw, plan.reader.safeIntegers)
  } catch (e) {
    return E.left(fromThrow(e, s.sql, compiled))
  }
  const iterable: Iterable<A> = {
    *[Symbol.iterator]() {
      // Another query may have switched the shared statement's row mode since.
      if (entry.raw !== plan.reader.raw) {
        entry.stmt.raw(plan.reader.raw)
        entry.raw = plan.reader.raw
      }
      if (entry.safeIntegers !== plan.reader.safeIntegers) {
        entry.stmt.safeIntegers(plan.reader.safeIntegers)
        entry.safeIntegers = plan.reader.safeIntegers
      }
      const start = performance.now()
      let n = 0
      let error: string | undefined
      const rows = entry.stmt.iterate(...bound)
      // The handle finishes this read when its transaction ends or it closes (a stream left
      // half-read would otherwise keep the lock, or the handle, open): reading on then throws.
      let ended: CursorEnd | undefined
      const cursor: Cursor = {
        finish: (why) => {
          ended ??= why
          rows.return?.()
        }
      }
      const forget = track(handle, cursor)
      try {
        for (let next = rows.next(); ; next = rows.next()) {
          if (ended !== undefined) throw streamEnded(ended, s.sql)
          if (next.done === true) break
          const out = finishRows([next.value], plan, false, NO_PRELOADS)[0] as A
          n++
          yield out
        }
      } catch (e) {
        const err = e instanceof RowDecodeFailure ? decodeError(ioIndexed(e, n), s.sql) : fromThrow(e, s.sql, compiled)
        error = err.message
        throw err
      } finally {
        forget()
        // A loop left early (break, a throw) releases the statement at once.
        if (ended === undefined) rows.return?.()
        try {
          db.log?.({ sql: s.sql, params: bound, durationMs: performance.now() - start, ...(error === undefined ? {} : { error }) })
        } catch {
          // A failing logger must not change the stream.
        }
      }
    }
  }
  return E.right(iterable)
}

/** What a stream read on after its transaction ended or its session closed throws (the documented exception). */
const streamEnded = (why: CursorEnd, sql: string): DbError =>
  validationError(
    why === 'transaction'
      ? 'This stream was still being read when its transaction ended, which finished it: the rows after that point were not ' +
          `read. Read a stream to its end (or break out of the loop) inside the transaction that opened it. (in: ${quoteSql(sql)})`
      : "This stream was still being read when its session was closed (session.close() closes this thread's connection), " +
          `which finished it: the rows after that point were not read. Run stream(q) again to read from the start. (in: ${quoteSql(sql)})`
  )

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A session on the database, for the calling thread.
 *
 * @param db - a database from `connect(...)`; anything else makes every run a Left `ValidationError`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, count, createTable, insert, integer, select, session, table } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const db = connect(':memory:')
 * const a = session(db)
 * const b = session(db)        // the same thread: the same connection, the same database
 * a.run(createTable(t))
 * a.run(insert(t, {}))
 * assert.deepEqual(b.run(pipe(select(t), count)), E.right(1))
 * ```
 *
 * @category Sessions
 */
export const session = (db: Db): Session => ({
  _tag: 'Session',
  db,
  run: <A>(q: Query<A>, ...[params]: ReadonlyArray<Params | undefined>) => {
    // Inside a transaction callback on this thread the session joins the transaction, so it
    // is refused once that transaction has ended, like the tx's own statements (frames.ts).
    const frame = watching() ? innermost(db) : undefined
    return frame === undefined ? safeRun(db, q, params) : inFrame(frame, () => safeRun(db, q, params))
  },
  stream: (q, params) => {
    const frame = watching() ? innermost(db) : undefined
    return frame === undefined ? safeStream(db, q, params) : inFrame(frame, () => safeStream(db, q, params))
  },
  // Inside a transaction callback this ends the transaction (rolled back with the handle).
  close: () => release(db)
})

const safeRun = <A>(db: Db, q: Query<A>, params: Params | undefined): E.Either<DbError, A> => {
  try {
    return runQuery(db, q, params)
  } catch (e) {
    // Defence in depth: nothing may throw across the public API.
    return E.left(unexpectedError(e, 'Running the query threw'))
  }
}

const safeStream = <A>(db: Db, q: Query<ReadonlyArray<A>>, params: Params | undefined): E.Either<DbError, Iterable<A>> => {
  try {
    return streamQuery(db, q, params)
  } catch (e) {
    return E.left(unexpectedError(e, 'Starting the stream threw'))
  }
}
