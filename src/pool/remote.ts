/**
 * `remotePool(driver)`: the same `Pool` as `workerPool`, over a remote engine (a
 * RemoteDriver, such as `dqlite(...)`). A query is compiled and its params bound on the
 * calling thread by the same code a session uses (compile, bindParams); the driver runs the
 * SQL; the rows are assembled here with the session's row readers and decoders (rowReader,
 * fieldDecoder: the same generated builders, the same DecodeErrors), so code written for
 * workerPool runs unchanged on a cluster, with the same results.
 *
 *   const pool = remotePool(dqlite({ servers: ['10.0.0.1:9001', '10.0.0.2:9001'], database: 'app' }))
 *   const user = await pool.run(pipe(select(users), filter(eq(users.id, 1)), first))()
 *   await pool.close()
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { DbError } from '../errors.js'
import { busyError, decodeError, describeValue, isDbError, notFound, tooManyRows, unexpectedError, validationError } from '../errors.js'
import type { RemoteDriver, RemoteResult, RemoteStatement } from '../driver/remote.js'
import type { CodecsPart, Query } from '../query/ast.js'
import { Codecs } from '../query/ast.js'
import type { Compiled, CompiledPreload } from '../query/compile.js'
import { compile, jsonArrayOf } from '../query/compile.js'
import type { ColumnKind, SqlValue } from '../schema/column.js'
import { encodeValue } from '../schema/codec.js'
import type { Params } from '../session/bind.js'
import { bindParams } from '../session/bind.js'
import type { RowReader } from '../session/rows.js'
import { CODEC_THREW, CodecThrew, RowDecodeFailure, callCodec, fieldDecoder, ioTsIssues, rowReader } from '../session/rows.js'
import type { Results } from '../session/transaction.js'
import type { Pool, PoolTransactionOptions, PoolTx } from './pool.js'
import { MAX_QUEUE, TIMED_OUT, checkTxOptions, settleWithin, txEnded, txTimeout } from './pool.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The options of `remotePool(driver, options)`.
 *
 * @example
 * ```ts
 * import type { RemotePoolOptions } from 'fp-lite-orm'
 *
 * const options: RemotePoolOptions = { maxQueue: 1_000 }   // past 1,000 in flight: Left BusyError at once
 * ```
 */
export interface RemotePoolOptions {
  /** The most queries in flight at once: a whole number from 1 to 1,000,000 (default 10,000). Past it, a Left BusyError at once. */
  readonly maxQueue?: number
}

/** How statements reach the engine: alone (autocommit) and as a list in one transaction, or inside a held transaction. */
interface Exec {
  one(s: RemoteStatement): Promise<E.Either<DbError, RemoteResult>>
  many(list: ReadonlyArray<RemoteStatement>): Promise<E.Either<DbError, ReadonlyArray<RemoteResult>>>
}

/** A query's compiled form, its codecs, and its reader (as a session plans a run). */
interface Plan {
  readonly compiled: Compiled
  readonly codecs: CodecsPart | undefined
  readonly reader: RowReader
  readonly single: ((v: unknown) => unknown) | undefined
  readonly write: boolean
}

type Rec = Record<string, unknown>

// -------------------------------------------------------------------------------------
// assembly: rows from the engine -> the result a session gives
// -------------------------------------------------------------------------------------

const planOf = (q: Query<unknown>, compiled: Compiled): Plan => {
  const codecs = q[Codecs]
  const reader = rowReader(compiled.fields, compiled.groups, codecs)
  const first = compiled.fields[0]
  const single =
    first !== undefined && (compiled.mode === 'value' || compiled.mode === 'values')
      ? fieldDecoder(first, codecs, reader.safeIntegers)
      : undefined
  return { compiled, codecs, reader, single, write: writes(q) }
}

/** Native SQL that only reads, going by its first keyword (as workerPool routes it); anything else may write. */
const READ_SQL = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(SELECT|WITH|VALUES|EXPLAIN)\b/i

const writes = (q: Query<unknown>): boolean => {
  const s = q.statement
  if (s._tag === 'Select') return false
  if (s._tag === 'Raw') return q.mode === 'run' || !READ_SQL.test(s.sql.strings[0] ?? '')
  return true
}

const rowsOf = (r: RemoteResult): ReadonlyArray<ReadonlyArray<unknown>> => (r._tag === 'Rows' ? r.rows : [])

/** Rows of native SQL without known fields: objects by column name, as better-sqlite3 builds them. */
const asObjects = (r: RemoteResult): Rec[] => {
  if (r._tag !== 'Rows') return []
  const cols = r.columns
  return r.rows.map((row) => {
    const o: Rec = {}
    for (let i = 0; i < cols.length; i++) o[cols[i]!] = row[i]
    return o
  })
}

const indexed = (e: RowDecodeFailure, row: number) =>
  e.issues.map((i) => ({ ...i, path: `[${row}]${i.path === '' || i.path.startsWith('[') ? i.path : `.${i.path}`}` }))

/** Builds rows (arrays -> objects, kinds decoded), as the session's reader does. */
const buildRows = (r: RemoteResult, reader: RowReader, isIndexed: boolean): unknown[] => {
  const build = reader.build
  if (build === undefined) return asObjects(r)
  const rows = rowsOf(r)
  const out: unknown[] = new Array(rows.length)
  let i = 0
  try {
    for (; i < rows.length; i++) out[i] = build(rows[i])
  } catch (e) {
    throw e instanceof RowDecodeFailure && isIndexed ? new RowDecodeFailure(indexed(e, i)) : e
  }
  return out
}

const applyDecoder = (rows: unknown[], plan: Plan, isIndexed: boolean): void => {
  const decoder = plan.codecs?.decoder
  if (decoder === undefined) return
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    const r = callCodec(() => decoder.decode(row))
    if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left, isIndexed ? `[${i}]` : ''))
    rows[i] = r.right
  }
}

/** A key as SQLite compares it (a Date as ISO text, a boolean as 0/1), for matching related rows (as the session does). */
const keyOf = (kind: ColumnKind, v: unknown): SqlValue | undefined => {
  if (v === null || v === undefined) return undefined
  const r = encodeValue(kind, v, 'compare')
  if (E.isLeft(r)) return undefined
  return typeof r.right === 'bigint' && Number.isSafeInteger(Number(r.right)) ? Number(r.right) : r.right
}

const preloadReaders = new WeakMap<CompiledPreload, RowReader>()

/** Loads each relation onto `rows`: one statement per relation, the keys as one JSON array (as the session does). */
const loadPreloads = async (
  exec: Exec,
  rows: Rec[],
  preloads: ReadonlyArray<CompiledPreload>,
  plan: Plan
): Promise<DbError | undefined> => {
  for (const pl of preloads) {
    const keys = new Set<SqlValue>()
    for (const row of rows) {
      const k = keyOf(pl.sourceKind, row[pl.sourceKey])
      if (k !== undefined) keys.add(k)
    }
    let related: Rec[] = []
    if (keys.size > 0) {
      let reader = preloadReaders.get(pl)
      if (reader === undefined) {
        reader = rowReader(pl.fields, undefined, plan.codecs)
        preloadReaders.set(pl, reader)
      }
      const params = pl.params.slice()
      params[pl.keysAt] = jsonArrayOf([...keys])
      const fetched = await exec.one({
        sql: pl.sql,
        params,
        rows: true,
        write: false,
        safeIntegers: reader.safeIntegers
      })
      if (E.isLeft(fetched)) return fetched.left
      related = buildRows(fetched.right, reader, false) as Rec[]
      if (pl.nested.length > 0) {
        const failed = await loadPreloads(exec, related, pl.nested, plan)
        if (failed !== undefined) return failed
      }
    }
    const byKey = new Map<SqlValue, Rec[]>()
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
  return undefined
}

/** Builds, preloads and decodes the rows of a row mode (all, first, one). Throws decode failures; a fetch failure is returned. */
const finishRows = async (exec: Exec, r: RemoteResult, plan: Plan, isIndexed: boolean, limit?: number): Promise<unknown[] | DbError> => {
  const built = buildRows(limit === undefined ? r : ({ ...r, rows: rowsOf(r).slice(0, limit) } as RemoteResult), plan.reader, isIndexed)
  const preloads = plan.compiled.preloads
  if (preloads !== undefined && built.length > 0) {
    const failed = await loadPreloads(exec, built as Rec[], preloads, plan)
    if (failed !== undefined) return failed
  }
  applyDecoder(built, plan, isIndexed)
  return built
}

const firstCell = (r: RemoteResult): unknown => rowsOf(r)[0]?.[0]

const toNumber = (n: unknown): number => (typeof n === 'bigint' ? Number(n) : (n as number))

/** One statement's result in the plan's mode: the same value a session's run gives. */
const assemble = async (exec: Exec, r: RemoteResult, plan: Plan): Promise<E.Either<DbError, unknown>> => {
  const sql = plan.compiled.statements[0]?.sql
  const done = (x: unknown[] | DbError, f: (rows: unknown[]) => E.Either<DbError, unknown>) => (isDbError(x) ? E.left(x) : f(x))
  switch (plan.compiled.mode) {
    case 'all':
      return done(await finishRows(exec, r, plan, true), E.right)
    case 'first':
      return done(await finishRows(exec, r, plan, false, 1), (rows) => E.right(rows.length === 0 ? O.none : O.some(rows[0])))
    case 'one': {
      const n = rowsOf(r).length
      if (n === 0) return E.left(notFound(sql))
      if (n > 1) return E.left(tooManyRows(sql))
      return done(await finishRows(exec, r, plan, false), (rows) => E.right(rows[0]))
    }
    case 'count':
      return E.right(toNumber(firstCell(r)))
    case 'exists':
      return E.right(toNumber(firstCell(r)) === 1)
    case 'value': {
      if (rowsOf(r).length === 0) return E.right(O.none)
      const v = firstCell(r)
      return E.right(O.some(plan.single === undefined ? v : plan.single(v)))
    }
    case 'values': {
      const single = plan.single
      return E.right(rowsOf(r).map((row) => (single === undefined ? row[0] : single(row[0]))))
    }
    case 'run':
    case 'void':
      return E.right(
        plan.compiled.mode === 'void' || r._tag !== 'Changes' ? undefined : { changes: r.changes, lastInsertRowid: r.lastInsertRowid }
      )
  }
}

/** What a session maps a failure to: decode failures, codec throws (DbErrors from the engine pass as they are). */
const fromThrow = (e: unknown, plan: Plan | undefined): DbError => {
  const sql = plan?.compiled.statements[0]?.sql
  if (e instanceof RowDecodeFailure) return decodeError(e.issues, sql)
  if (e instanceof CodecThrew) return unexpectedError(e.cause, CODEC_THREW)
  if (isDbError(e)) return e
  return unexpectedError(e, 'Assembling the rows threw')
}

/** Runs one query value through `exec`: compile, bind, send, assemble. Never throws. */
const runQueryOn = async <A>(exec: Exec, q: Query<A>, params: Params | undefined): Promise<E.Either<DbError, A>> => {
  let plan: Plan | undefined
  try {
    const c = compile(q)
    if (E.isLeft(c)) return c
    const compiled = c.right
    plan = planOf(q, compiled)
    const rows = compiled.mode !== 'run' && compiled.mode !== 'void'
    const bound: RemoteStatement[] = []
    for (const s of compiled.statements) {
      const b = bindParams(s, params, plan.codecs)
      if (E.isLeft(b)) return b
      const readsCount = compiled.mode === 'count' || compiled.mode === 'exists'
      bound.push({
        sql: s.sql,
        params: b.right,
        rows,
        write: plan.write,
        ...(compiled.table === undefined ? {} : { table: compiled.table }),
        safeIntegers: !readsCount && plan.reader.safeIntegers
      })
    }
    if (bound.length === 1) {
      const r = await exec.one(bound[0]!)
      if (E.isLeft(r)) return r
      return (await assemble(exec, r.right, plan)) as E.Either<DbError, A>
    }
    if (rows && compiled.mode !== 'all') return E.left(validationError(`A query of ${bound.length} statements can only be read with all.`))
    const rs = bound.length === 0 ? E.right([]) : await exec.many(bound)
    if (E.isLeft(rs)) return rs
    if (!rows) {
      let changes = 0
      let lastInsertRowid = 0
      for (const r of rs.right) {
        if (r._tag !== 'Changes') continue
        changes += r.changes
        lastInsertRowid = r.lastInsertRowid
      }
      return E.right((compiled.mode === 'void' ? undefined : { changes, lastInsertRowid }) as A)
    }
    // RETURNING from several statements (a multi-row insert): rows in order, each statement's read as the session reads it.
    const out: unknown[] = []
    for (const r of rs.right) {
      const part = await assemble(exec, r, plan)
      if (E.isLeft(part)) return part
      out.push(...(part.right as unknown[]))
    }
    return E.right(out as A)
  } catch (e) {
    return E.left(fromThrow(e, plan))
  }
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const DEFAULT_MAX_QUEUE = 10_000

const checkOptions = (options: unknown): E.Either<DbError, number> => {
  if (options === undefined) return E.right(DEFAULT_MAX_QUEUE)
  const bad = (what: string, path: string) =>
    E.left(validationError(`remotePool(driver, options): ${what}. Every query of this pool is this Left.`, path))
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    return bad(`options must be an object such as { maxQueue: 1000 }, got ${describeValue(options)}`, 'options')
  for (const key of Object.keys(options))
    if (key !== 'maxQueue') return bad(`unknown option ${JSON.stringify(key)}; the option is maxQueue`, `options.${key}`)
  const m = (options as RemotePoolOptions).maxQueue
  if (m === undefined) return E.right(DEFAULT_MAX_QUEUE)
  if (typeof m === 'number' && Number.isInteger(m) && m >= 1 && m <= MAX_QUEUE) return E.right(m)
  return bad(`maxQueue must be a whole number from 1 to ${MAX_QUEUE}, got ${describeValue(m)}`, 'options.maxQueue')
}

const isDriver = (u: unknown): u is RemoteDriver =>
  typeof u === 'object' &&
  u !== null &&
  ['run', 'batch', 'transaction', 'close'].every((k) => typeof (u as Record<string, unknown>)[k] === 'function')

/**
 * A `Pool` over a remote driver: `run`, `batch`, `transaction` and `close`, with the same
 * results as `workerPool` (and a local session) for the same query values. It never throws;
 * its TaskEithers never reject.
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as TE from 'fp-ts/lib/TaskEither.js'
 * import { count, dqlite, insert, integer, remotePool, select, table } from 'fp-lite-orm'
 * import type { Pool } from 'fp-lite-orm'
 *
 * const hits = table('hits', { id: integer().primaryKey() })
 * const record = (pool: Pool) => pipe(pool.run(insert(hits, {})), TE.chain(() => pool.run(pipe(select(hits), count))))
 *
 * // The same function, on a 3-node dqlite cluster instead of a worker pool:
 * const onCluster = () => record(remotePool(dqlite({ servers: ['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003'], database: 'app' })))
 * ```
 */
export const remotePool = (driver: RemoteDriver, options?: RemotePoolOptions): Pool => {
  const checked = checkOptions(options)
  const bad: DbError | undefined = E.isLeft(checked)
    ? checked.left
    : isDriver(driver)
      ? undefined
      : validationError(
          `remotePool(driver, options) takes a remote driver such as dqlite({ servers, database }), got ${describeValue(driver)}.`,
          'driver'
        )
  const maxQueue = E.isRight(checked) ? checked.right : 0

  let inFlight = 0
  let closing = false
  let drained: (() => void) | undefined

  const direct: Exec = {
    one: (s) => driver.run(s),
    many: (list) => driver.batch(list)
  }

  const admit =
    <A, L = never>(what: string, body: () => Promise<E.Either<L | DbError, A>>): TE.TaskEither<L | DbError, A> =>
    async () => {
      if (bad !== undefined) return E.left(bad)
      if (closing) return E.left(validationError('The pool is closed: create a new remotePool to run more queries.'))
      if (inFlight >= maxQueue)
        return E.left(
          busyError('SQLITE_BUSY', `The pool has ${inFlight} queries in flight (maxQueue ${maxQueue}); retry later or raise maxQueue.`)
        )
      inFlight++
      try {
        return await body()
      } catch (e) {
        return E.left(unexpectedError(e, `pool.${what} threw`))
      } finally {
        inFlight--
        if (inFlight === 0) drained?.()
      }
    }

  const run = <A>(q: Query<A>, params?: Params): TE.TaskEither<DbError, A> => admit('run', () => runQueryOn(direct, q, params))

  const batch = <const Qs extends ReadonlyArray<Query<unknown>>>(queries: Qs): TE.TaskEither<DbError, Results<Qs>> =>
    admit('batch', async () => {
      if (!Array.isArray(queries))
        return E.left(validationError(`pool.batch takes an array of query values, got ${describeValue(queries)}.`, 'queries'))
      // One transaction held for the whole list (a query's own statements run inside it, in order).
      const r = await driver.transaction(
        async (tx) => {
          const inTx = txExec(tx)
          const out: unknown[] = []
          for (const q of queries as ReadonlyArray<Query<unknown>>) {
            const one = await runQueryOn(inTx, q, undefined)
            if (E.isLeft(one)) return one
            out.push(one.right)
          }
          return E.right(out)
        },
        TX_LIMIT_MS,
        true
      )
      return r as E.Either<DbError, Results<Qs>>
    })

  const transaction = <E2, A>(f: (tx: PoolTx) => TE.TaskEither<E2, A>, options?: PoolTransactionOptions): TE.TaskEither<E2 | DbError, A> =>
    admit('transaction', async (): Promise<E.Either<E2 | DbError, A>> => {
      const limit = checkTxOptions(options)
      if (E.isLeft(limit)) return limit
      if (typeof f !== 'function')
        return E.left(validationError(`pool.transaction takes a function (tx) => TaskEither, got ${describeValue(f)}.`, 'f'))
      let userLeft: E.Either<E2, never> | undefined
      const r = await driver.transaction(async (remoteTx) => {
        const inTx = txExec(remoteTx)
        let open = true
        const tx: PoolTx = {
          run: (q, params) => async () => (open ? runQueryOn(inTx, q, params) : E.left(txEnded()))
        }
        // The driver holds its own timeout too; this one answers first, with the pool's message.
        const body = await settleWithin(f, tx, limit.right)
        open = false
        if (body === TIMED_OUT) return E.left(txTimeout(limit.right))
        if (E.isLeft(body)) {
          // The driver rolls back on any Left; a Left of the callback's own type comes back as it is.
          if (isDbError(body.left)) return E.left(body.left)
          userLeft = E.left(body.left)
          return E.left(USER_LEFT)
        }
        return E.right(body.right)
      }, limit.right + TX_GRACE_MS)
      if (E.isLeft(r) && r.left === USER_LEFT && userLeft !== undefined) return userLeft
      return r
    })

  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve))
      if (bad === undefined) await driver.close()
    })()
    return closed
  }

  return { run, batch, transaction, close }
}

/** The statements of a held transaction: one at a time on its connection. */
const txExec = (tx: { run(s: RemoteStatement): Promise<E.Either<DbError, RemoteResult>> }): Exec => ({
  one: (s) => tx.run(s),
  many: async (list) => {
    const out: RemoteResult[] = []
    for (const s of list) {
      const r = await tx.run(s)
      if (E.isLeft(r)) return r
      out.push(r.right)
    }
    return E.right(out)
  }
})

/** A batch is a fixed list: the driver's own request timeout bounds each statement; this bounds the whole. */
const TX_LIMIT_MS = 60_000
/** The driver's timeout of an interactive transaction is the pool's plus this, so the pool's BusyError answers first. */
const TX_GRACE_MS = 1_000

/** Marks a Left of the user's own type while it passes through the driver (which rolls back on any Left). */
const USER_LEFT: DbError = Object.freeze(validationError('(the transaction callback returned a Left)'))
