/**
 * `dqlite({ servers, database })`: a RemoteDriver for a dqlite cluster (Canonical's
 * Raft-replicated SQLite), over its wire protocol on node:net. It finds the leader from any
 * server, opens the database there, and runs statements one at a time on that connection.
 *
 * The engine facts it is built around (measured on Debian's dqlite 1.11.1):
 * - only the leader runs statements; a follower answers 10250 (not leader): find it again;
 * - SQLITE_BUSY comes back at once: retried with a bounded backoff;
 * - a write with RETURNING sent as a query in autocommit loses the write (and can crash the
 *   leader): it runs inside BEGIN IMMEDIATE ... COMMIT;
 * - at most 255 params per statement: more is a Left before anything is sent (the compiler
 *   already sends long literal and placeholder IN lists as one JSON array);
 * - after a failure, only what is known not to have committed is retried (a request that
 *   never left, a statement a follower refused, a read); a write whose answer was lost is a
 *   Left that says its outcome is unknown.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../../errors.js'
import { busyError, connectionError, unexpectedError, validationError } from '../../errors.js'
import { remoteError } from '../codes.js'
import type { RemoteDriver, RemoteResult, RemoteStatement, RemoteTx } from '../remote.js'
import type { Connection } from './connection.js'
import { ConnectionLost, openConnection } from './connection.js'
import type { Failure, Message } from './wire.js'
import {
  MAX_PARAMS,
  Request,
  Response,
  clientRequest,
  decodeDb,
  decodeFailure,
  decodeNode,
  decodeResult,
  decodeRows,
  leaderRequest,
  openRequest,
  sqlRequest
} from './wire.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The options of `dqlite(options)`.
 *
 * @example
 * ```ts
 * import type { DqliteOptions } from 'fp-lite-orm'
 *
 * const options: DqliteOptions = { servers: ['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003'], database: 'app', timeoutMs: 5000 }
 * ```
 *
 * @category Pool
 */
export interface DqliteOptions {
  /** Any of the cluster's nodes, as `host:port` (their database address); the leader is found from them. */
  readonly servers: ReadonlyArray<string>
  /** The database's name in the cluster (created on first use). */
  readonly database: string
  /**
   * How long one call may take, finding a leader and retries included (default 10,000 ms;
   * an election after a leader is lost takes about 5 s). Past it the call is a Left.
   */
  readonly timeoutMs?: number
}

/**
 * A dqlite driver: a RemoteDriver, plus the leader it is connected to now (for tests and logs).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { dqlite } from 'fp-lite-orm'
 * import type { DqliteDriver } from 'fp-lite-orm'
 *
 * const d: DqliteDriver = dqlite({ servers: ['127.0.0.1:9001'], database: 'app' })
 * assert.equal(d.leader(), undefined)   // it connects on first use
 * await d.close()
 * ```
 *
 * @category Pool
 */
export interface DqliteDriver extends RemoteDriver {
  /** The address of the leader the driver last talked to (undefined before the first request). */
  readonly leader: () => string | undefined
}

/** dqlite's codes for "this node is not (or no longer) the leader". */
const NOT_LEADER: ReadonlySet<number> = new Set([10250, 8202])
const LEADERSHIP_LOST: ReadonlySet<number> = new Set([10506, 8458])
/** SQLITE_NOTFOUND: the database id is unknown to the node (it changed roles since we opened it). */
const NOT_FOUND = 12
const isBusy = (code: number): boolean => (code & 0xff) === 5 || (code & 0xff) === 6

/** One attempt's outcome: a result, an engine failure, or a reason to reconnect and try again. */
type Attempt =
  | { readonly _tag: 'Done'; readonly result: RemoteResult }
  | { readonly _tag: 'Failed'; readonly failure: Failure }
  /** Not run: the leader moved or the request never left. Safe to retry. */
  | { readonly _tag: 'Moved'; readonly why: string }
  /** Sent, and the answer lost: a write may or may not have committed. */
  | { readonly _tag: 'Lost'; readonly why: string }

/** Whether a statement reads rows through a write that must run inside a transaction on dqlite. */
const RETURNING = /\bRETURNING\b/i

const context = (s: RemoteStatement): { readonly table?: string } | undefined => (s.table === undefined ? undefined : { table: s.table })

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A driver for a dqlite cluster; give it to `remotePool`. It connects on first use and never
 * throws: a bad option is a Left on every call.
 *
 * @param options - `DqliteOptions`: `servers` (the nodes' `host:port` addresses), `database`, `timeoutMs`; a bad option is a
 *   Left on every call.
 *
 * @example
 * ```ts
 * import { dqlite, remotePool } from 'fp-lite-orm'
 *
 * const startCluster = () => remotePool(dqlite({ servers: ['127.0.0.1:9001', '127.0.0.1:9002'], database: 'app' }))
 * ```
 *
 * @category Pool
 */
export const dqlite = (options: DqliteOptions): DqliteDriver => {
  const checked = checkOptions(options)
  if (E.isLeft(checked)) return refusingDriver(checked.left)
  const { servers, database, timeoutMs } = checked.right
  const name = `dqlite ${servers.join(',')}/${database}`

  let conn: Connection | undefined
  let dbId = 0
  let leader: string | undefined
  let closed = false
  /** Every call runs alone on the connection: one request in flight, a transaction held whole. */
  let queue: Promise<unknown> = Promise.resolve()

  const exclusive = <A>(f: () => Promise<A>): Promise<A> => {
    const run = queue.then(f, f)
    queue = run.catch(() => undefined)
    return run
  }

  const drop = () => {
    conn?.close()
    conn = undefined
  }

  const closedLeft = (): E.Either<DbError, never> =>
    E.left(validationError(`The ${name} driver is closed: create a new one (and pool) to run more queries.`))

  const timeoutLeft = (why: string): E.Either<DbError, never> =>
    E.left(
      connectionError(
        name,
        `No dqlite leader answered within ${timeoutMs} ms (${why}); nothing was committed. ` +
          'Check that the cluster is up (a majority of its nodes) and that servers lists them.'
      )
    )

  const unknownLeft = (why: string, sql: string): E.Either<DbError, never> =>
    E.left(
      connectionError(
        name,
        `The write was sent but its answer was lost (${why}): it may or may not have committed, so it was not retried. ` +
          `Check whether it took effect before running it again. (in: ${sql.length > 200 ? `${sql.slice(0, 200)}...` : sql})`
      )
    )

  /** Asks `address` who leads; connects there and opens the database. */
  const tryServer = async (address: string, deadline: number, hops = 0): Promise<Connection | string | undefined> => {
    const c = await openConnection(address, Math.max(1, Math.min(2000, deadline - Date.now())))
    try {
      const node = await c.call(leaderRequest(), Math.max(1, deadline - Date.now()))
      if (node.type !== Response.Node) throw new ConnectionLost(`${address}: unexpected answer ${node.type} to LEADER`, false)
      const { address: at } = decodeNode(node.body)
      if (at === '') {
        c.close()
        return undefined
      }
      if (at !== address) {
        c.close()
        return hops < 2 ? tryServer(at, deadline, hops + 1) : at
      }
      const welcome = await c.call(clientRequest(0n), Math.max(1, deadline - Date.now()))
      if (welcome.type !== Response.Welcome) throw new ConnectionLost(`${address}: unexpected answer ${welcome.type} to CLIENT`, false)
      const db = await c.call(openRequest(database), Math.max(1, deadline - Date.now()))
      if (db.type === Response.Failure) {
        const f = decodeFailure(db.body)
        throw new ConnectionLost(`${address}: cannot open ${database}: ${f.message} (${f.code})`, false)
      }
      dbId = decodeDb(db.body)
      return c
    } catch (e) {
      c.close()
      throw e
    }
  }

  /** Connects to the leader, trying the last one first; waits through an election, up to the deadline. */
  const connect = async (deadline: number): Promise<E.Either<string, Connection>> => {
    if (conn !== undefined && !conn.closed) return E.right(conn)
    conn = undefined
    let why = 'no server answered'
    let pause = 50
    while (Date.now() < deadline) {
      const order = leader === undefined ? servers : [leader, ...servers.filter((s) => s !== leader)]
      for (const address of order) {
        if (Date.now() >= deadline) break
        try {
          const c = await tryServer(address, deadline)
          if (c === undefined) why = `${address} knows no leader (an election is under way?)`
          else if (typeof c === 'string') why = `the leader moved to ${c}`
          else {
            conn = c
            leader = c.address
            return E.right(c)
          }
        } catch (e) {
          why = e instanceof Error ? e.message : String(e)
        }
      }
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())))
      pause = Math.min(pause * 2, 500)
    }
    return E.left(why)
  }

  /** Sends one statement on the current connection and reads its whole answer. */
  const attempt = async (c: Connection, s: RemoteStatement, deadline: number): Promise<Attempt> => {
    const wait = () => Math.max(1, deadline - Date.now())
    let m: Message
    try {
      m = await c.call(sqlRequest(s.rows ? Request.QuerySql : Request.ExecSql, dbId, s.sql, s.params), wait())
      if (m.type === Response.Failure) {
        const failure = decodeFailure(m.body)
        if (NOT_LEADER.has(failure.code) || failure.code === NOT_FOUND) return { _tag: 'Moved', why: `${c.address}: ${failure.message}` }
        if (LEADERSHIP_LOST.has(failure.code)) return { _tag: 'Lost', why: `${c.address} lost the leadership: ${failure.message}` }
        return { _tag: 'Failed', failure }
      }
      if (m.type === Response.Result) {
        const r = decodeResult(m.body)
        return { _tag: 'Done', result: { _tag: 'Changes', changes: r.changes, lastInsertRowid: r.lastInsertRowid } }
      }
      if (m.type !== Response.Rows) return { _tag: 'Lost', why: `${c.address}: unexpected answer type ${m.type}` }
      const rows: unknown[][] = []
      let part = decodeRows(m.body, s.safeIntegers === true, rows)
      const columns = part.columns
      while (part.more) {
        m = await c.next(wait())
        part = decodeRows(m.body, s.safeIntegers === true, rows)
      }
      return { _tag: 'Done', result: { _tag: 'Rows', columns, rows } }
    } catch (e) {
      if (e instanceof ConnectionLost) return e.sent ? { _tag: 'Lost', why: e.message } : { _tag: 'Moved', why: e.message }
      // A malformed message: the connection's state is unknown from here on.
      return { _tag: 'Lost', why: e instanceof Error ? e.message : String(e) }
    }
  }

  const tooManyParams = (s: RemoteStatement): E.Either<DbError, never> | undefined =>
    s.params.length > MAX_PARAMS
      ? E.left(
          validationError(
            `dqlite takes at most ${MAX_PARAMS} parameters per statement; this one has ${s.params.length}. ` +
              'Pass a long list as one array placeholder (inArray(column, placeholder(name))), or split the write. ' +
              `(in: ${s.sql.length > 200 ? `${s.sql.slice(0, 200)}...` : s.sql})`
          )
        )
      : undefined

  /**
   * Runs a statement in autocommit with the retries that are safe: reconnecting when the
   * leader moved or the request never left, waiting out BUSY; a read also when its answer was lost.
   */
  const runAlone = async (s: RemoteStatement, deadline: number): Promise<E.Either<DbError, RemoteResult>> => {
    let pause = 5
    let why = 'no attempt'
    /** The last answer when it was BUSY: past the deadline that is the Left (a BusyError), not a timeout. */
    let busy: Failure | undefined
    while (Date.now() < deadline) {
      if (closed) return closedLeft()
      const c = await connect(deadline)
      if (E.isLeft(c)) return timeoutLeft(c.left)
      const a = await attempt(c.right, s, deadline)
      switch (a._tag) {
        case 'Done':
          return E.right(a.result)
        case 'Failed':
          if (!isBusy(a.failure.code)) return E.left(remoteError(a.failure.code, a.failure.message, s.sql, context(s)))
          why = a.failure.message
          busy = a.failure
          await sleep(Math.min(pause, Math.max(0, deadline - Date.now())))
          pause = Math.min(pause * 2, 200)
          continue
        case 'Moved':
          drop()
          why = a.why
          busy = undefined
          continue
        case 'Lost':
          drop()
          if (s.write) return unknownLeft(a.why, s.sql)
          why = a.why
          busy = undefined
          continue
      }
    }
    return busy !== undefined ? E.left(remoteError(busy.code, busy.message, s.sql, context(s))) : timeoutLeft(why)
  }

  /** The outcome of one transaction attempt; `retry` when it failed before COMMIT for a reason that may pass. */
  type TxOutcome<A> = { readonly result: E.Either<DbError, A>; readonly retry: boolean }

  const control = async (c: Connection, sql: string, deadline: number): Promise<Attempt> =>
    attempt(c, { sql, params: [], rows: false, write: true }, deadline)

  /** BEGIN IMMEDIATE, `f`, COMMIT or ROLLBACK, on the connection held for it. */
  const txOnce = async <A>(
    f: (tx: RemoteTx) => Promise<E.Either<DbError, A>>,
    deadline: number,
    limitMs: number
  ): Promise<TxOutcome<A>> => {
    if (closed) return { result: closedLeft(), retry: false }
    const c = await connect(deadline)
    if (E.isLeft(c)) return { result: timeoutLeft(c.left), retry: false }
    const begin = await control(c.right, 'BEGIN IMMEDIATE', deadline)
    if (begin._tag === 'Moved' || begin._tag === 'Lost') {
      drop()
      return { result: timeoutLeft(begin.why), retry: true }
    }
    if (begin._tag === 'Failed') {
      const result = E.left(remoteError(begin.failure.code, begin.failure.message, 'BEGIN IMMEDIATE'))
      return { result, retry: isBusy(begin.failure.code) }
    }
    let open = true
    /** The statement on the wire, if any: ROLLBACK after a timeout waits for it (one request at a time). */
    let current: Promise<unknown> = Promise.resolve()
    /** Why the transaction cannot go on (the connection went): it was rolled back, nothing committed. */
    let broken: string | undefined
    const ended = (): E.Either<DbError, never> =>
      E.left(
        validationError(
          broken === undefined
            ? 'This transaction has ended (committed, rolled back, or past its timeout): run statements inside its callback, before its TaskEither settles.'
            : `This transaction was lost (${broken}) and rolled back: nothing of it committed.`
        )
      )
    const tx: RemoteTx = {
      run: async (s) => {
        if (!open) return ended()
        const p = tooManyParams(s)
        if (p !== undefined) return p
        const pending = attempt(c.right, s, Math.max(deadline, Date.now() + limitMs))
        current = pending
        const a = await pending
        if (!open && broken === undefined) return ended()
        switch (a._tag) {
          case 'Done':
            return E.right(a.result)
          case 'Failed':
            return E.left(remoteError(a.failure.code, a.failure.message, s.sql, context(s)))
          case 'Moved':
          case 'Lost':
            // No COMMIT was sent: the server rolls the transaction back with the connection.
            broken = a.why
            open = false
            drop()
            return E.left(
              connectionError(
                name,
                `The transaction was lost (${a.why}) and rolled back by the server: nothing of it committed; run it again.`
              )
            )
        }
      }
    }
    const rollback = async () => {
      if (broken !== undefined) return
      const r = await control(c.right, 'ROLLBACK', Date.now() + timeoutMs)
      // A rollback that did not answer: dropping the connection rolls back on the server.
      if (r._tag !== 'Done') drop()
    }
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limitMs)))
    let body: E.Either<DbError, A> | 'timeout'
    try {
      body = await Promise.race([f(tx), expired])
    } catch (e) {
      body = E.left(unexpectedError(e, 'The transaction callback threw (or its TaskEither rejected); the transaction was rolled back'))
    } finally {
      clearTimeout(timer)
    }
    const lost = broken
    if (lost !== undefined) {
      const result =
        body !== 'timeout' && E.isLeft(body)
          ? body
          : E.left(
              connectionError(
                name,
                `The transaction was lost (${lost}) and rolled back by the server: nothing of it committed; run it again.`
              )
            )
      return { result, retry: true }
    }
    open = false
    await current
    if (body === 'timeout') {
      await rollback()
      return {
        result: E.left(
          busyError(
            'SQLITE_BUSY',
            `The transaction callback was still running after ${limitMs} ms: it was rolled back so that it cannot hold the connection. Raise timeoutMs, or do less inside the transaction.`
          )
        ),
        retry: false
      }
    }
    if (E.isLeft(body)) {
      await rollback()
      return { result: body, retry: false }
    }
    const commit = await control(c.right, 'COMMIT', Date.now() + timeoutMs)
    switch (commit._tag) {
      case 'Done':
        return { result: body, retry: false }
      case 'Failed':
        await rollback()
        return { result: E.left(remoteError(commit.failure.code, commit.failure.message, 'COMMIT')), retry: false }
      case 'Moved':
        // A follower refused the COMMIT: it never ran.
        drop()
        return {
          result: E.left(connectionError(name, `The transaction was lost before COMMIT (${commit.why}): nothing of it committed.`)),
          retry: true
        }
      case 'Lost':
        drop()
        return { result: unknownLeft(commit.why, 'COMMIT'), retry: false }
    }
  }

  /** Runs a transaction again while it failed before COMMIT for a passing reason (a leader change, BUSY). */
  const txRetrying = async <A>(f: (tx: RemoteTx) => Promise<E.Either<DbError, A>>, replayable: boolean, limitMs: number) => {
    const deadline = Date.now() + timeoutMs
    let pause = 5
    for (;;) {
      const out = await txOnce(f, deadline, limitMs)
      if (!out.retry || !replayable || Date.now() >= deadline) return out.result
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())))
      pause = Math.min(pause * 2, 200)
    }
  }

  const run = (s: RemoteStatement): Promise<E.Either<DbError, RemoteResult>> => {
    const p = tooManyParams(s)
    if (p !== undefined) return Promise.resolve(p)
    if (closed) return Promise.resolve(closedLeft())
    // A write that reads rows: alone in autocommit dqlite 1.11 loses it (see the module comment).
    if (s.rows && (s.write || RETURNING.test(s.sql))) {
      return exclusive(() => txRetrying(async (tx) => tx.run(s), true, timeoutMs))
    }
    return exclusive(() => runAlone(s, Date.now() + timeoutMs))
  }

  const batch = (list: ReadonlyArray<RemoteStatement>): Promise<E.Either<DbError, ReadonlyArray<RemoteResult>>> => {
    for (const s of list) {
      const p = tooManyParams(s)
      if (p !== undefined) return Promise.resolve(p)
    }
    if (closed) return Promise.resolve(closedLeft())
    return exclusive(() =>
      txRetrying(
        async (tx) => {
          const out: RemoteResult[] = []
          for (const s of list) {
            const r = await tx.run(s)
            if (E.isLeft(r)) return r
            out.push(r.right)
          }
          return E.right(out)
        },
        true,
        timeoutMs
      )
    )
  }

  const transaction = <A>(
    f: (tx: RemoteTx) => Promise<E.Either<DbError, A>>,
    limitMs: number,
    replay = false
  ): Promise<E.Either<DbError, A>> => {
    if (closed) return Promise.resolve(closedLeft())
    // A callback is user code with its own effects: it is run twice only when it says it may be.
    return exclusive(() => txRetrying(f, replay, limitMs))
  }

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true
      await queue
      drop()
    })()
    return closing
  }

  return { name, run, batch, transaction, close, leader: () => leader }
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

const DEFAULT_TIMEOUT_MS = 10_000

const checkOptions = (
  options: unknown
): E.Either<DbError, { readonly servers: ReadonlyArray<string>; readonly database: string; readonly timeoutMs: number }> => {
  const bad = (what: string, path: string) =>
    E.left(validationError(`dqlite(options): ${what}. Nothing was connected: every call of this driver is this Left.`, path))
  if (typeof options !== 'object' || options === null) return bad('options must be an object { servers, database, timeoutMs? }', 'options')
  const o = options as Partial<Record<keyof DqliteOptions, unknown>>
  if (!Array.isArray(o.servers) || o.servers.length === 0 || !o.servers.every((s) => typeof s === 'string' && /^.+:\d{1,5}$/.test(s)))
    return bad('servers must be a non-empty array of "host:port" strings', 'options.servers')
  if (typeof o.database !== 'string' || o.database.length === 0 || o.database.includes('\0'))
    return bad('database must be a non-empty name', 'options.database')
  const t = o.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 600_000)
    return bad('timeoutMs must be a whole number of milliseconds from 1 to 600000', 'options.timeoutMs')
  return E.right({ servers: o.servers as ReadonlyArray<string>, database: o.database, timeoutMs: t })
}

const refusingDriver = (error: DbError): DqliteDriver => ({
  name: 'dqlite (bad options)',
  run: () => Promise.resolve(E.left(error)),
  batch: () => Promise.resolve(E.left(error)),
  transaction: () => Promise.resolve(E.left(error)),
  close: () => Promise.resolve(),
  leader: () => undefined
})
