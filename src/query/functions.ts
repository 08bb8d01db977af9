/**
 * SQL functions: aggregates and scalar helpers, usable in `columns`, `filter`,
 * `orderBy` and `having`. Each records the kind its result decodes as, so
 * `min(users.createdAt)` reads back as a Date.
 */
import type { ColumnKind } from '../schema/column.js'
import type { Expr, ExprNode, FunctionName } from './ast.js'
import { kindOf, operand, toNode, valueNode } from './expr.js'

const fn = (name: FunctionName, args: ReadonlyArray<ExprNode>, kind: ColumnKind | undefined, distinct = false): ExprNode => ({
  _tag: 'Function',
  fn: name,
  args,
  ...(distinct ? { distinct } : {}),
  ...(kind === undefined ? {} : { kind })
})

/** `count(*)`: the number of rows. */
export const countAll = (): Expr<number> => ({ _tag: 'CountAll' })

/** `count(expr)`: the number of non-null values; `{ distinct: true }` counts distinct ones. */
export const countOf = <T>(e: Expr<T>, options: { readonly distinct?: boolean } = {}): Expr<number> =>
  fn('count', [toNode(e)], 'integer', options.distinct === true)

/** `sum(expr)`: null when there is no row. */
export const sum = (e: Expr<number | null>): Expr<number | null> => {
  const n = toNode(e)
  return fn('sum', [n], kindOf(n) === 'integer' ? 'integer' : 'real')
}

/** `avg(expr)`: null when there is no row. */
export const avg = (e: Expr<number | null>): Expr<number | null> => fn('avg', [toNode(e)], 'real')

/** `min(expr)`: decodes like its argument (a timestamp's min is a Date); null when there is no row. */
export const min = <T>(e: Expr<T>): Expr<T | null> => {
  const n = toNode(e)
  return fn('min', [n], kindOf(n))
}

/** `max(expr)`: decodes like its argument; null when there is no row. */
export const max = <T>(e: Expr<T>): Expr<T | null> => {
  const n = toNode(e)
  return fn('max', [n], kindOf(n))
}

/** `date(expr)`: the `YYYY-MM-DD` date of a timestamp (or of any time text SQLite reads). */
export const date = (e: Expr<Date | string | null>): Expr<string | null> => fn('date', [toNode(e)], 'text')

/** `strftime(format, expr)`: the format is bound as a value, never spliced into the SQL. */
export const strftime = (format: string, e: Expr<Date | string | null>): Expr<string | null> =>
  fn('strftime', [valueNode(format), toNode(e)], 'text')

/** The first non-null of the arguments; decodes like the first. */
export const coalesce = <T>(e: Expr<T>, ...fallbacks: ReadonlyArray<Expr<T> | NonNullable<T> | Expr<NonNullable<T>>>): Expr<T> => {
  const first = toNode(e)
  return fn('coalesce', [first, ...fallbacks.map((f) => operand(f, first))], kindOf(first))
}

/** `lower(expr)` (ASCII letters only, as SQLite does). */
export const lower = <T extends string | null>(e: Expr<T>): Expr<T> => fn('lower', [toNode(e)], 'text')

/** `upper(expr)` (ASCII letters only, as SQLite does). */
export const upper = <T extends string | null>(e: Expr<T>): Expr<T> => fn('upper', [toNode(e)], 'text')
