/**
 * Statement logging (the `log` option of `connect`): `logged` times one statement and
 * reports it, `consoleLog` is the ready-made logger `{ log: 'console' }` stands for.
 */
import type { SqlValue } from '../schema/column.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * One executed statement, as the `log` option receives it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { connect, count, createTable, integer, select, session, table } from 'fp-lite-orm'
 * import type { LogEvent } from 'fp-lite-orm'
 *
 * const events: LogEvent[] = []
 * const t = table('t', { id: integer().primaryKey() })
 * const s = session(connect(':memory:', { log: (e) => events.push(e) }))
 * s.run(createTable(t))
 * s.run(pipe(select(t), count))
 * const last = events[events.length - 1]!
 * assert.equal(last.sql, 'SELECT count(*) AS "count" FROM "t"')
 * assert.deepEqual(last.params, [])
 * assert.ok(last.durationMs >= 0 && last.error === undefined)
 * ```
 *
 * @category Sessions
 */
export interface LogEvent {
  readonly sql: string
  /** The positional values bound to the statement. */
  readonly params: ReadonlyArray<SqlValue>
  readonly durationMs: number
  /** Set when the statement failed. */
  readonly error?: string
}

/**
 * What the `log` option takes: called once per statement, in the order they run (a
 * preload after the query whose rows gave its keys; the BEGIN and COMMIT a write of
 * several statements runs in).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { connect, createTable, insert, integer, session, table } from 'fp-lite-orm'
 * import type { Logger } from 'fp-lite-orm'
 *
 * const seen: string[] = []
 * const log: Logger = (e) => seen.push(e.sql)
 * const t = table('t', { id: integer().primaryKey() })
 * const s = session(connect(':memory:', { log }))
 * s.run(createTable(t))
 * seen.length = 0
 * s.run(insert(t, [{}, {}]))                     // two rows of defaults: two statements, one transaction
 * assert.deepEqual(seen, ['BEGIN IMMEDIATE', 'INSERT INTO "t" DEFAULT VALUES', 'INSERT INTO "t" DEFAULT VALUES', 'COMMIT'])
 * ```
 *
 * @category Sessions
 */
export type Logger = (event: LogEvent) => void

/** What `logged` needs of a database descriptor (a `Db` is one); structural, so this module needs nothing of connect.ts. */
export interface LogTarget {
  readonly log?: ((event: LogEvent) => void) | undefined
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** A value as the console line shows it: short, and bigints and bytes readable. */
const shown = (v: SqlValue): string => {
  if (typeof v === 'bigint') return `${v}n`
  if (v instanceof Uint8Array) return `<${v.length} bytes>`
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v)
  return String(v)
}

/**
 * A logger that prints each statement on the console: its duration in ms, the SQL and the
 * bound parameters (and the error, for a failed one). `connect(path, { log: 'console' })`
 * uses it.
 *
 * @param event - one statement's `LogEvent`: SQL, parameters, duration in ms, and the error for a failed one.
 *
 * @example
 * ```ts
 * import { connect, consoleLog } from 'fp-lite-orm'
 *
 * const db = connect(':memory:', { log: consoleLog })   // the same as { log: 'console' }
 * ```
 *
 * @category Sessions
 */
export const consoleLog = (event: LogEvent): void => {
  const params = event.params.length === 0 ? '' : ` -- [${event.params.map(shown).join(', ')}]`
  const error = event.error === undefined ? '' : ` -- failed: ${event.error}`
  console.log(`[fp-lite-orm] ${event.durationMs.toFixed(3)} ms  ${event.sql}${params}${error}`)
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** Runs `f` (one statement), reporting it to the database's log with its duration. */
export const logged = <A>(db: LogTarget, sql: string, params: ReadonlyArray<SqlValue>, f: () => A): A => {
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
