/**
 * Statement logging (the `log` option of `connect`): `logged` times one statement and
 * reports it, `consoleLog` is the ready-made logger `{ log: 'console' }` stands for.
 */
import type { SqlValue } from '../schema/column.js'
import type { Db, LogEvent } from './connect.js'

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
