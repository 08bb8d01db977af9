/**
 * The query view's runner: one SQL statement on the studio's read-only handle. Three
 * fences keep it from writing: the handle is opened `readonly` (SQLite refuses any write),
 * it runs with `PRAGMA query_only`, and a statement SQLite does not call read-only (a
 * write, BEGIN, ATTACH, a PRAGMA that sets) is refused before it runs, so it cannot leave
 * a transaction open on the handle the other views read with.
 * Results are read row by row and cut at a page: a huge result is never loaded whole.
 */
import type { LocalConnection, LocalStatement } from '../driver/index.js'
import { mapError } from '../driver/index.js'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { validationError } from '../errors.js'
import { toCell } from './cells.js'
import type { Cell, PlanNode, QueryView } from './model.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface QueryRequest {
  readonly sql: string
  readonly offset?: number
  readonly size?: number
}

export const DEFAULT_QUERY_ROWS = 200
export const MAX_QUERY_ROWS = 1000
/** The longest statement accepted (the request body is capped too). */
export const MAX_SQL_LENGTH = 100_000

interface PlanRow {
  readonly id: number
  readonly parent: number
  readonly detail: string
}

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/** EXPLAIN QUERY PLAN's rows (id, parent, detail) as a tree. */
export const planTree = (rows: ReadonlyArray<PlanRow>): PlanNode[] => {
  const children = new Map<number, PlanRow[]>()
  for (const r of rows) children.set(r.parent, [...(children.get(r.parent) ?? []), r])
  const build = (r: PlanRow, depth: number): PlanNode => ({
    id: r.id,
    detail: r.detail,
    // SQLite's plans are shallow; the bound only guards against a malformed parent chain.
    children: depth > 64 ? [] : (children.get(r.id) ?? []).map((c) => build(c, depth + 1))
  })
  const ids = new Set(rows.map((r) => r.id))
  return rows.filter((r) => !ids.has(r.parent) || r.parent === r.id).map((r) => build(r, 0))
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** Runs one read-only statement; Left with SQLite's or the studio's reason otherwise. */
export const runReadOnly = (h: LocalConnection, r: QueryRequest): E.Either<DbError, QueryView> => {
  if (typeof r.sql !== 'string' || r.sql.trim() === '') return E.left(validationError('sql must be a non-empty SQL statement', 'sql'))
  if (r.sql.length > MAX_SQL_LENGTH) return E.left(validationError(`sql is longer than ${MAX_SQL_LENGTH} characters`, 'sql'))
  const skip = r.offset ?? 0
  const size = r.size ?? DEFAULT_QUERY_ROWS
  if (!Number.isSafeInteger(skip) || skip < 0) return E.left(validationError('offset must be a whole number >= 0', 'offset'))
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_QUERY_ROWS)
    return E.left(validationError(`size must be a whole number from 1 to ${MAX_QUERY_ROWS}`, 'size'))
  let statement: LocalStatement
  try {
    statement = h.prepare(r.sql)
  } catch (e) {
    return E.left(mapError(e, r.sql))
  }
  if (!statement.readonly) {
    return E.left(
      validationError(
        'The query view is read-only: this statement would write (or change the connection). Run writes with the --write row editor or your own code.',
        'sql'
      )
    )
  }
  if (!statement.reader) {
    return E.left(
      validationError(
        'The statement returns no rows: the query view runs statements that read (SELECT, WITH, PRAGMA reads, EXPLAIN).',
        'sql'
      )
    )
  }
  let plan: PlanNode[] = []
  try {
    plan = planTree(h.prepare(`EXPLAIN QUERY PLAN ${r.sql}`).all() as PlanRow[])
  } catch {
    // Some readers (a PRAGMA, EXPLAIN itself) have no plan.
  }
  const started = performance.now()
  const rows: Cell[][] = []
  let more = false
  try {
    statement.safeIntegers(true)
    statement.raw(true)
    const it = statement.iterate() as IterableIterator<unknown[]>
    let i = 0
    for (const row of it) {
      if (i++ < skip) continue
      if (rows.length === size) {
        more = true
        break // leaving the loop resets the statement
      }
      rows.push(row.map(toCell))
    }
  } catch (e) {
    return E.left(mapError(e, r.sql))
  }
  const durationMs = performance.now() - started
  return E.right({ columns: statement.columns().map((c) => c.name), rows, offset: skip, more, durationMs, plan })
}
