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
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { DbError } from '../errors.js'
import { busyError, decodeError, describeValue, isDbError, unexpectedError, validationError } from '../errors.js'
import type { RemoteDriver, RemoteResult, RemoteStatement } from '../driver/remote.js'
import type { Query } from '../query/ast.js'
import { Codecs } from '../query/ast.js'
import type { Compiled } from '../query/compiled.js'
import { compile } from '../query/compile.js'
import type { SqlValue } from '../schema/column.js'
import type { Fetch, Plan as SharedPlan } from '../session/assemble.js'
import { assemble, planOf as sharedPlanOf, readModeOf } from '../session/assemble.js'
import type { Params } from '../session/bind.js'
import { bindParams } from '../session/bind.js'
import type { RowReader } from '../session/rows.js'
import { CODEC_THREW, CodecThrew, RowDecodeFailure } from '../session/rows.js'
import type { Results } from '../session/transaction.js'
import type { Pool, PoolTransactionOptions, PoolTx } from './pool.js'
import { MAX_QUEUE, TIMED_OUT, checkTxOptions, roleOf, settleWithin, txEnded, txTimeout } from './pool.js'

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
 *
 * @category Pool
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

/** A query's plan as a session makes it, and whether it writes (which sends it as a write). */
interface Plan {
  readonly shared: SharedPlan
  readonly write: boolean
}

type Rec = Record<string, unknown>

// -------------------------------------------------------------------------------------
// assembly: rows from the engine -> the result a session gives (the session's assembler)
// -------------------------------------------------------------------------------------

const planOf = (q: Query<unknown>, compiled: Compiled): Plan => ({ shared: sharedPlanOf(compiled, q[Codecs]), write: writes(q) })

/** Whether a query is sent as a write: what workerPool runs on its writer. */
const writes = (q: Query<unknown>): boolean => roleOf(q) === 'writer'

const rowsOf = (r: RemoteResult): ReadonlyArray<ReadonlyArray<unknown>> => (r._tag === 'Rows' ? r.rows : [])

/**
 * A result's rows as better-sqlite3 would give them to the assembler: arrays (`raw`) or
 * objects by column name, only the first for a one-row read. Always fresh copies: the
 * assembler builds rows in place, and a replay (below) starts again from the engine's rows.
 */
const asRead = (r: RemoteResult, raw: boolean, one: boolean): unknown[] => {
  const rows = one ? rowsOf(r).slice(0, 1) : rowsOf(r)
  if (raw) return rows.map((row) => row.slice())
  const cols = r._tag === 'Rows' ? r.columns : []
  return rows.map((row) => {
    const o: Rec = {}
    for (let i = 0; i < cols.length; i++) o[cols[i]!] = row[i]
    return o
  })
}

/** A preload's rows the replaying fetch has not got yet: thrown out of the assembler, fetched, then the assembly runs again. */
class NeedRows extends Error {
  constructor(
    readonly key: string,
    readonly sql: string,
    readonly params: ReadonlyArray<SqlValue>,
    readonly reader: RowReader
  ) {
    super('a preload fetch to make (caught by assembleRemote)')
  }
}

const keyOfFetch = (sql: string, params: ReadonlyArray<SqlValue>): string =>
  `${sql}\u0000${JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? { bigint: v.toString() } : v))}`

/**
 * One statement's result in the plan's mode, by the session's own assembler (`assemble`).
 * The assembler fetches preloads synchronously, and a remote engine answers later: so the
 * fetch it is given answers from what has been fetched, and throws `NeedRows` for the rest;
 * each throw is fetched and the assembly replayed, until it completes (one replay per
 * preload statement, the network's cost dwarfing the assembly's).
 */
const assembleRemote = async (exec: Exec, r: RemoteResult, plan: Plan, sql: string): Promise<E.Either<DbError, unknown>> => {
  const p = plan.shared
  // A write's result is the engine's count, as a session gives it (the assembler passes writes through).
  if (p.compiled.mode === 'run' || p.compiled.mode === 'void') {
    return E.right(
      p.compiled.mode === 'void' || r._tag !== 'Changes' ? undefined : { changes: r.changes, lastInsertRowid: r.lastInsertRowid }
    )
  }
  const mode = readModeOf(p)
  const fetched = new Map<string, { readonly result: RemoteResult; readonly raw: boolean }>()
  const fetch: Fetch = (sql, params, reader) => {
    const key = keyOfFetch(sql, params)
    const hit = fetched.get(key)
    if (hit === undefined) throw new NeedRows(key, sql, params, reader)
    return asRead(hit.result, hit.raw, false)
  }
  for (;;) {
    try {
      const out = assemble(p, asRead(r, mode.raw, mode.one), sql, fetch)
      return p.compiled.mode === 'one' ? (out as E.Either<DbError, unknown>) : E.right(out)
    } catch (e) {
      if (!(e instanceof NeedRows)) throw e
      const got = await exec.one({ sql: e.sql, params: e.params, rows: true, write: false, safeIntegers: e.reader.safeIntegers })
      if (E.isLeft(got)) return got
      fetched.set(e.key, { result: got.right, raw: e.reader.raw })
    }
  }
}

/** What a session maps a failure to: decode failures, codec throws (DbErrors from the engine pass as they are). */
const fromThrow = (e: unknown, plan: Plan | undefined): DbError => {
  const sql = plan?.shared.compiled.statements[0]?.sql
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
      const b = bindParams(s, params, plan.shared.codecs)
      if (E.isLeft(b)) return b
      const readsCount = compiled.mode === 'count' || compiled.mode === 'exists'
      bound.push({
        sql: s.sql,
        params: b.right,
        rows,
        write: plan.write,
        ...(compiled.table === undefined ? {} : { table: compiled.table }),
        safeIntegers: !readsCount && plan.shared.reader.safeIntegers
      })
    }
    if (bound.length === 1) {
      const r = await exec.one(bound[0]!)
      if (E.isLeft(r)) return r
      return (await assembleRemote(exec, r.right, plan, bound[0]!.sql)) as E.Either<DbError, A>
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
      const part = await assembleRemote(exec, r, plan, compiled.statements[0]?.sql ?? '')
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
 * @param driver - a `RemoteDriver`, e.g. `dqlite({...})`.
 * @param options - `RemotePoolOptions`: `maxQueue`, the most queries in flight (past it, a Left `BusyError` at once).
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
 *
 * @category Pool
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
