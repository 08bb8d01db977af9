/**
 * SQL functions: aggregates and scalar helpers, usable in `columns`, `filter`,
 * `orderBy` and `having`. Each records the kind its result decodes as, so
 * `min(users.createdAt)` reads back as a Date.
 */
import type { ColumnKind } from '../schema/column.js'
import type { Expr, ExprNode, FunctionName, OrderTerm } from './ast.js'
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

// -------------------------------------------------------------------------------------
// window functions
// -------------------------------------------------------------------------------------

/** The window of a window function: `PARTITION BY ... ORDER BY ...`. */
export interface WindowSpec {
  readonly partitionBy?: ReadonlyArray<Expr<unknown>>
  readonly orderBy?: ReadonlyArray<OrderTerm | Expr<unknown>>
}

const isOrderTerm = (u: unknown): u is OrderTerm =>
  typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === 'Order'

/** Any aggregate (or ranking function) over a window: `over(sum(sales.amount), { partitionBy: [sales.region] })`. */
export const over = <T>(fn: Expr<T>, spec: WindowSpec = {}): Expr<T> => {
  const node = toNode(fn)
  const kind = kindOf(node)
  return {
    _tag: 'Window',
    fn: node,
    partitionBy: (spec.partitionBy ?? []).map(toNode),
    orderBy: (spec.orderBy ?? []).map((o): OrderTerm => (isOrderTerm(o) ? o : { _tag: 'Order', expr: toNode(o), direction: 'asc' })),
    ...(kind === undefined ? {} : { kind })
  }
}

/** `row_number() OVER (...)`: 1, 2, 3... within each partition. */
export const rowNumber = (spec: WindowSpec = {}): Expr<number> => over(fn('row_number', [], 'integer') as Expr<number>, spec)

/** `rank() OVER (...)`: ties share a rank, and leave gaps after them. */
export const rank = (spec: WindowSpec = {}): Expr<number> => over(fn('rank', [], 'integer') as Expr<number>, spec)

/** `dense_rank() OVER (...)`: ties share a rank, without gaps. */
export const denseRank = (spec: WindowSpec = {}): Expr<number> => over(fn('dense_rank', [], 'integer') as Expr<number>, spec)
