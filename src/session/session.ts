/**
 * Sessions: the interpreter of query values. `session(db).run(q)` compiles the query
 * (memoized), takes the calling thread's handle for the database, prepares (cached),
 * binds, reads and decodes, and returns `Either<DbError, A>`. Nothing throws out of it.
 *
 * Sessions on one thread share that thread's handle for the database, so a session
 * used inside a transaction on the same thread joins it.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import type { ColumnKind, SqlValue } from '../schema/column.js'
import { encodeValue } from '../schema/codec.js'
import type { DbError } from '../errors.js'
import { decodeError, fromSqliteThrow, isDbError, notFound, quoteSql, tooManyRows, unexpectedError, validationError } from '../errors.js'
import type { CodecsPart, Query } from '../query/ast.js'
import { Codecs } from '../query/ast.js'
import type { Compiled, CompiledPreload, CompiledStatement } from '../query/compile.js'
import { compile, jsonArrayOf } from '../query/compile.js'
import type { Db } from '../conn/connect.js'
import type { Cursor, CursorEnd, Handle } from '../conn/registry.js'
import { acquire, release, track } from '../conn/registry.js'
import type { CachedStatement } from '../conn/statements.js'
import type { Params } from './bind.js'
import { bindParams } from './bind.js'
import type { RowReader } from './rows.js'
import { CODEC_THREW, CodecThrew, RowDecodeFailure, callCodec, fieldDecoder, ioTsIssues, rowReader } from './rows.js'
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
 */
export interface Session {
  readonly _tag: 'Session' | 'Tx'
  readonly db: Db
  /** Runs a query value: `Right` with its result, or `Left` with what went wrong. */
  run<A>(q: Query<A>, params?: Params): E.Either<DbError, A>
  /**
   * Reads rows one at a time, in constant memory (better-sqlite3's iterate). Errors
   * found before the first row are a Left; a failure after iteration has begun is
   * thrown as a `DbError` value. The connection is busy until iteration ends: finish
   * (or break out of) the loop before running other queries on the same database.
   */
  stream<A>(q: Query<ReadonlyArray<A>>, params?: Params): E.Either<DbError, Iterable<A>>
  /** Closes this thread's handle for the database; the next query reopens it. */
  close(): void
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/**
 * The decoded-row plumbing of one run. Made afresh per run, and cheap: its reader is
 * cached by field list (below). (Memoizing the plan per compiled form, in a WeakMap or on
 * the object, measured slower for queries built per call than building it: 0.6x against
 * 0.85x raw on a point lookup.)
 */
interface Plan {
  readonly compiled: Compiled
  readonly codecs: CodecsPart | undefined
  readonly reader: RowReader
  /** Decodes the single field of count/exists/value/values. */
  readonly single: ((v: unknown) => unknown) | undefined
}

/** The key of a reader with no json codecs. */
const NO_CODECS = {}

/**
 * Row readers by field list and json codecs, both by identity. The compiler memoizes the
 * field lists of tables and joins, and a table's codecs are memoized too, so a query value
 * built fresh on every call reuses its generated row builder instead of generating it again.
 */
const readers = new WeakMap<ReadonlyArray<unknown>, WeakMap<object, RowReader>>()

const readerOf = (compiled: Compiled, codecs: CodecsPart | undefined): RowReader => {
  const fields = compiled.fields
  if (fields.length === 0) return rowReader(fields, compiled.groups, codecs)
  let byCodecs = readers.get(fields)
  if (byCodecs === undefined) readers.set(fields, (byCodecs = new WeakMap()))
  const key = codecs?.columns ?? NO_CODECS
  let r = byCodecs.get(key)
  if (r === undefined) {
    r = rowReader(fields, compiled.groups, codecs)
    byCodecs.set(key, r)
  }
  return r
}

const planOf = (compiled: Compiled, codecs: CodecsPart | undefined): Plan => {
  const first = compiled.fields[0]
  const reader = readerOf(compiled, codecs)
  const single =
    first !== undefined && (compiled.mode === 'value' || compiled.mode === 'values')
      ? fieldDecoder(first, codecs, reader.safeIntegers)
      : undefined
  return { compiled, codecs, reader, single }
}

/** Runs `f`, reporting the statement to the database's log with its duration. */
export const logged = <A>(db: Db, sql: string, params: ReadonlyArray<SqlValue>, f: () => A): A => {
  const log = db.log
  if (log === undefined) return f()
  const start = performance.now()
  let error: string | undefined
  try {
    return f()
  } catch (e) {
    error = e instanceof Error ? e.message : String(e)
    throw e
  } finally {
    try {
      log({ sql, params, durationMs: performance.now() - start, ...(error === undefined ? {} : { error }) })
    } catch {
      // A failing logger must not change the query's result.
    }
  }
}

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

/** Builds rows in place (array mode -> objects, kinds decoded). */
const buildRows = (rows: unknown[], reader: RowReader, indexed: boolean): void => {
  const build = reader.build
  if (build === undefined) return
  let i = 0
  try {
    for (; i < rows.length; i++) rows[i] = build(rows[i])
  } catch (e) {
    throw e instanceof RowDecodeFailure && indexed ? new RowDecodeFailure(ioIndexed(e, i)) : e
  }
}

/** `decode(codec)`: checks each finished row (after preloads) with the user's codec. */
const applyDecoder = (rows: unknown[], plan: Plan, indexed: boolean): void => {
  const decoder = plan.codecs?.decoder
  if (decoder === undefined) return
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    const r = callCodec(() => decoder.decode(row))
    if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left, indexed ? `[${i}]` : ''))
    rows[i] = r.right
  }
}

/** Reads, builds, preloads and decodes the rows of a row mode (all, first, one). */
const finishRows = (db: Db, h: Handle, rows: unknown[], plan: Plan, indexed: boolean): unknown[] => {
  buildRows(rows, plan.reader, indexed)
  const preloads = plan.compiled.preloads
  if (preloads !== undefined && rows.length > 0) loadPreloads(db, h, rows as Array<Record<string, unknown>>, preloads, plan)
  applyDecoder(rows, plan, indexed)
  return rows
}

/** A key as SQLite compares it (a Date as ISO text, a boolean as 0/1), for matching related rows. */
const keyOf = (kind: ColumnKind, v: unknown): SqlValue | undefined => {
  if (v === null || v === undefined) return undefined
  const r = encodeValue(kind, v, 'compare')
  if (E.isLeft(r)) return undefined
  // One key per integer however it was read (a bigint column, a number column): numbers where exact.
  return typeof r.right === 'bigint' && Number.isSafeInteger(Number(r.right)) ? Number(r.right) : r.right
}

const preloadReaders = new WeakMap<CompiledPreload, RowReader>()

/**
 * Loads each relation onto `rows`: one statement per relation, whatever the number of
 * rows (the keys travel as one JSON array), then nested relations on the related rows.
 */
const loadPreloads = (
  db: Db,
  h: Handle,
  rows: Array<Record<string, unknown>>,
  preloads: ReadonlyArray<CompiledPreload>,
  plan: Plan
): void => {
  for (const pl of preloads) {
    const keys = new Set<SqlValue>()
    for (const row of rows) {
      const k = keyOf(pl.sourceKind, row[pl.sourceKey])
      if (k !== undefined) keys.add(k)
    }
    let related: Array<Record<string, unknown>> = []
    if (keys.size > 0) {
      let reader = preloadReaders.get(pl)
      if (reader === undefined) {
        reader = rowReader(pl.fields, undefined, plan.codecs)
        preloadReaders.set(pl, reader)
      }
      const params = withKeys(pl, jsonArrayOf([...keys]))
      const r = reader
      related = logged(db, pl.sql, params, () => statementFor(h, pl.sql, r.raw, r.safeIntegers).stmt.all(...params)) as Array<
        Record<string, unknown>
      >
      buildRows(related, reader, false)
      if (pl.nested.length > 0) loadPreloads(db, h, related, pl.nested, plan)
    }
    const byKey = new Map<SqlValue, Array<Record<string, unknown>>>()
    for (const r of related) {
      const k = keyOf(pl.targetKind, r[pl.targetKey])
      if (k === undefined) continue
      const list = byKey.get(k)
      if (list === undefined) byKey.set(k, [r])
      else list.push(r)
    }
    for (const row of rows) {
      const k = keyOf(pl.sourceKind, row[pl.sourceKey])
      const list = k === undefined ? undefined : byKey.get(k)
      row[pl.name] = pl.many ? (list ?? []) : (list?.[0] ?? null)
    }
    // Keys read only to match (left out by the `columns` option) leave once matched.
    if (pl.strip !== undefined) for (const r of related) for (const k of pl.strip) delete r[k]
  }
}

/** A preload's parameters with the JSON array of keys in its place. */
const withKeys = (pl: CompiledPreload, keys: string): SqlValue[] => {
  const params = pl.params.slice()
  params[pl.keysAt] = keys
  return params
}

const toNumber = (n: number | bigint): number => (typeof n === 'bigint' ? Number(n) : n)

/** Runs one read statement in the plan's mode. Throws (SQLite errors, decode failures); the caller maps. */
const read = (db: Db, h: Handle, plan: Plan, sql: string, params: ReadonlyArray<SqlValue>): unknown => {
  switch (plan.compiled.mode) {
    case 'all':
      return finishRows(db, h, statementFor(h, sql, plan.reader.raw, plan.reader.safeIntegers).stmt.all(...params), plan, true)
    case 'first': {
      const row = statementFor(h, sql, plan.reader.raw, plan.reader.safeIntegers).stmt.get(...params)
      return row === undefined ? O.none : O.some(finishRows(db, h, [row], plan, false)[0])
    }
    case 'one': {
      const rows = statementFor(h, sql, plan.reader.raw, plan.reader.safeIntegers).stmt.all(...params)
      if (rows.length === 0) return E.left(notFound(sql))
      if (rows.length > 1) return E.left(tooManyRows(sql))
      return E.right(finishRows(db, h, rows, plan, false)[0])
    }
    case 'count': {
      const row = statementFor(h, sql, true).stmt.get(...params) as [number | bigint]
      return toNumber(row[0])
    }
    case 'exists': {
      const row = statementFor(h, sql, true).stmt.get(...params) as [number]
      return row[0] === 1
    }
    case 'value': {
      const row = statementFor(h, sql, true, plan.reader.safeIntegers).stmt.get(...params) as [unknown] | undefined
      if (row === undefined) return O.none
      return O.some(plan.single === undefined ? row[0] : plan.single(row[0]))
    }
    case 'values': {
      const rows = statementFor(h, sql, true, plan.reader.safeIntegers).stmt.all(...params) as Array<[unknown]>
      const single = plan.single
      const out: unknown[] = new Array(rows.length)
      for (let i = 0; i < rows.length; i++) out[i] = single === undefined ? rows[i]![0] : single(rows[i]![0])
      return out
    }
    case 'run':
    case 'void':
      throw new Error(`read() called for mode ${plan.compiled.mode}`)
  }
}

/** Runs the statements of a write; several run in one transaction (a savepoint when already in one). */
const write = (
  db: Db,
  h: Handle,
  plan: Plan,
  bound: ReadonlyArray<{ readonly s: CompiledStatement; readonly params: ReadonlyArray<SqlValue> }>
): unknown => {
  const runAll = () => {
    let changes = 0
    let lastInsertRowid = 0
    for (const { s, params } of bound) {
      const r =
        db.log === undefined
          ? statementFor(h, s.sql, false).stmt.run(...params)
          : logged(db, s.sql, params, () => statementFor(h, s.sql, false).stmt.run(...params))
      changes += r.changes
      lastInsertRowid = toNumber(r.lastInsertRowid)
    }
    return { changes, lastInsertRowid }
  }
  const result =
    plan.compiled.transactional && bound.length > 1
      ? // better-sqlite3 turns a nested call into a SAVEPOINT, so this composes with transactions.
        h.db.transaction(runAll).immediate()
      : runAll()
  return plan.compiled.mode === 'void' ? undefined : result
}

const fromThrow = (e: unknown, sql: string | undefined, compiled: Compiled | undefined): DbError => {
  if (e instanceof RowDecodeFailure) return decodeError(e.issues, sql)
  if (e instanceof CodecThrew) return unexpectedError(e.cause, CODEC_THREW)
  if (isDbError(e)) return e
  return fromSqliteThrow(e, sql, compiled?.table === undefined ? undefined : { table: compiled.table })
}

/** The interpreter: one query value against this thread's handle. */
export const runQuery = <A>(db: Db, q: Query<A>, params?: Params): E.Either<DbError, A> => {
  const c = compile(q)
  return E.isLeft(c) ? c : runCompiled(db, c.right, q[Codecs], params)
}

/**
 * Runs a query of one statement whose parameters are bound already: the hot path of
 * `runCompiled`, and what a pool worker runs for a statement shape the calling thread
 * compiled and bound (src/pool). No closures, no intermediate arrays.
 */
export const runBound = <A>(
  db: Db,
  compiled: Compiled,
  codecs: CodecsPart | undefined,
  bound: ReadonlyArray<SqlValue>
): E.Either<DbError, A> => {
  const sql = compiled.statements[0]!.sql
  const h = acquire(db)
  if (E.isLeft(h)) return h
  try {
    if (compiled.mode === 'run' || compiled.mode === 'void') {
      const run = () => statementFor(h.right, sql, false).stmt.run(...bound)
      const r = db.log === undefined ? run() : logged(db, sql, bound, run)
      // Inside a transaction callback: a raw COMMIT, RELEASE or SAVEPOINT changes which levels are open.
      if (watching()) observe(h.right, sql)
      return E.right((compiled.mode === 'void' ? undefined : { changes: r.changes, lastInsertRowid: toNumber(r.lastInsertRowid) }) as A)
    }
    const plan = planOf(compiled, codecs)
    const out =
      db.log === undefined ? read(db, h.right, plan, sql, bound) : logged(db, sql, bound, () => read(db, h.right, plan, sql, bound))
    return compiled.mode === 'one' ? (out as E.Either<DbError, A>) : E.right(out as A)
  } catch (e) {
    // SQLite rolls a whole transaction back after some errors (SQLITE_FULL, ...).
    if (watching()) observe(h.right, undefined)
    return E.left(fromThrow(e, sql, compiled))
  }
}

/** Binds `params` and runs a compiled query: `runQuery` after the compiler. */
const runCompiled = <A>(db: Db, compiled: Compiled, codecs: CodecsPart | undefined, params: Params | undefined): E.Either<DbError, A> => {
  const statements = compiled.statements
  if (statements.length === 1) {
    const s = statements[0]!
    // No Either for parameters that need no binding (the common case).
    if (s.slots === undefined) return runBound(db, compiled, codecs, s.params)
    const b = bindParams(s, params, codecs)
    return E.isLeft(b) ? b : runBound(db, compiled, codecs, b.right)
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
    if (compiled.mode === 'run' || compiled.mode === 'void') return E.right(write(db, h.right, plan, bound) as A)
    // RETURNING from several statements (a multi-row insert): one transaction, rows in order.
    if (compiled.mode !== 'all') return E.left(validationError(`A query of ${bound.length} statements can only be read with all.`))
    const handle = h.right
    const readAll = () =>
      bound.flatMap(({ s, params }) => logged(db, s.sql, params, () => read(db, handle, plan, s.sql, params) as unknown[]))
    return E.right((bound.length > 0 ? handle.db.transaction(readAll).immediate() : []) as A)
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
          const out = finishRows(db, handle, [next.value], plan, false)[0] as A
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

const ioIndexed = (e: RowDecodeFailure, row: number) =>
  e.issues.map((i) => ({ ...i, path: `[${row}]${i.path === '' || i.path.startsWith('[') ? i.path : `.${i.path}`}` }))

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A session on the database, for the calling thread.
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
 */
export const session = (db: Db): Session => ({
  _tag: 'Session',
  db,
  run: (q, params) => {
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
