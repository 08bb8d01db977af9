/**
 * SQL functions: aggregates and scalar helpers, usable in `columns`, `filter`,
 * `orderBy` and `having`. Each records the kind its result decodes as, so
 * `min(users.createdAt)` reads back as a Date.
 */
import type { ColumnKind, Refs, RefsOf } from '../schema/column.js'
import type { Expr, ExprNode, FunctionName, OrderTerm } from './ast.js'
import { kindOf, operand, toNode, valueNode } from './expr.js'

const fn = (name: FunctionName, args: ReadonlyArray<ExprNode>, kind: ColumnKind | undefined, distinct = false): ExprNode => ({
  _tag: 'Function',
  fn: name,
  args,
  ...(distinct ? { distinct } : {}),
  ...(kind === undefined ? {} : { kind })
})

/**
 * `count(*)`: the number of rows.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, countAll, groupBy, orderBy, values, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), columns({ region: sales.region, n: countAll() }), groupBy(sales.region), orderBy(sales.region), values(countAll()))), E.right([2, 1]))
 * ```
 *
 * @category Functions
 */
export const countAll = (): Expr<number> => ({ _tag: 'CountAll' })

/**
 * `count(expr)`: the number of non-null values; `{ distinct: true }` counts distinct ones.
 *
 * @param e - a column or expression; NULLs are not counted.
 * @param options - `{ distinct: true }` counts distinct values.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { countOf, value, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), value(countOf(sales.amount)))), E.right({ _tag: 'Some', value: 2 }))                       // NULLs not counted
 * assert.deepEqual(s.run(pipe(select(sales), value(countOf(sales.region, { distinct: true })))), E.right({ _tag: 'Some', value: 2 }))
 * ```
 *
 * @category Functions
 */
export const countOf = <E extends Expr<unknown>>(
  e: E,
  options: { readonly distinct?: boolean | undefined } = {}
): Expr<number> & Refs<RefsOf<E>> => fn('count', [toNode(e)], 'integer', options.distinct === true)

/**
 * `sum(expr)`: null when there is no row.
 *
 * @param e - a numeric column or expression.
 * @param options - `{ distinct: true }` sums distinct values only.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, groupBy, orderBy, all, sum, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(
 *   s.run(pipe(select(sales), columns({ region: sales.region, total: sum(sales.amount) }), groupBy(sales.region), orderBy(sales.region), all)),
 *   E.right([{ region: 'north', total: 40 }, { region: 'south', total: null }])
 * )
 * ```
 *
 * @category Functions
 */
export const sum = <E extends Expr<number | null>>(
  e: E,
  options: { readonly distinct?: boolean | undefined } = {}
): Expr<number | null> & Refs<RefsOf<E>> => {
  const n = toNode(e)
  return fn('sum', [n], kindOf(n) === 'integer' ? 'integer' : 'real', options.distinct === true)
}

/**
 * `avg(expr)`: null when there is no row.
 *
 * @param e - a numeric column or expression.
 * @param options - `{ distinct: true }` averages distinct values only.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { avg, value, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), value(avg(sales.amount)))), E.right({ _tag: 'Some', value: 20 }))   // NULLs ignored
 * ```
 *
 * @category Functions
 */
export const avg = <E extends Expr<number | null>>(
  e: E,
  options: { readonly distinct?: boolean | undefined } = {}
): Expr<number | null> & Refs<RefsOf<E>> => fn('avg', [toNode(e)], 'real', options.distinct === true)

/**
 * `count(DISTINCT expr)`: the number of distinct non-null values (the same as
 * `countOf(expr, { distinct: true })`).
 *
 * @param e - a column or expression; NULLs are not counted.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, connect, countDistinct, createTable, first, insert, integer, select, session, sum, table, text } from 'fp-lite-orm'
 * import * as O from 'fp-ts/lib/Option.js'
 *
 * const orders = table('orders', { id: integer().primaryKey(), customer: text().notNull(), total: integer().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(orders))
 * s.run(insert(orders, [{ customer: 'a', total: 5 }, { customer: 'a', total: 5 }, { customer: 'b', total: 7 }]))
 * assert.deepEqual(
 *   s.run(pipe(select(orders), columns({ customers: countDistinct(orders.customer), distinctTotals: sum(orders.total, { distinct: true }) }), first)),
 *   E.right(O.some({ customers: 2, distinctTotals: 12 }))
 * )
 * ```
 *
 * @category Functions
 */
export const countDistinct = <E extends Expr<unknown>>(e: E): Expr<number> & Refs<RefsOf<E>> => fn('count', [toNode(e)], 'integer', true)

/**
 * `min(expr)`: decodes like its argument (a timestamp's min is a Date); null when there is no row.
 *
 * @param e - a column or expression; the result decodes like it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { min, value, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * const firstSale = s.run(pipe(select(sales), value(min(sales.at))))
 * assert.deepEqual(firstSale, E.right({ _tag: 'Some', value: new Date('2024-01-05T10:00:00.000Z') }))   // a Date, like its argument
 * ```
 *
 * @category Functions
 */
export const min = <T, E extends Expr<T> = Expr<T>>(e: E & Expr<T>): Expr<T | null> & Refs<RefsOf<E>> => {
  const n = toNode(e)
  return fn('min', [n], kindOf(n))
}

/**
 * `max(expr)`: decodes like its argument; null when there is no row.
 *
 * @param e - a column or expression; the result decodes like it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { max, value, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), value(max(sales.amount)))), E.right({ _tag: 'Some', value: 30 }))
 * ```
 *
 * @category Functions
 */
export const max = <T, E extends Expr<T> = Expr<T>>(e: E & Expr<T>): Expr<T | null> & Refs<RefsOf<E>> => {
  const n = toNode(e)
  return fn('max', [n], kindOf(n))
}

/**
 * `date(expr)`: the `YYYY-MM-DD` date of a timestamp (or of any time text SQLite reads).
 *
 * @param e - a timestamp column, or text SQLite reads as a time (`'2024-05-01 12:00'`); anything else gives NULL.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { date, orderBy, values, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), orderBy(sales.id), values(date(sales.at)))), E.right(['2024-01-05', '2024-02-07', '2024-02-09']))
 * ```
 *
 * @category Functions
 */
export const date = <E extends Expr<Date | string | null>>(e: E): Expr<string | null> & Refs<RefsOf<E>> => fn('date', [toNode(e)], 'text')

/**
 * `strftime(format, expr)`: the format is bound as a value, never spliced into the SQL.
 *
 * @param format - an SQLite strftime format (`'%Y-%m'`), bound as a parameter.
 * @param e - a timestamp column, or text SQLite reads as a time; anything else gives NULL.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, countAll, groupBy, orderBy, strftime, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * const month = strftime('%Y-%m', sales.at)
 * assert.deepEqual(
 *   s.run(pipe(select(sales), columns({ month, n: countAll() }), groupBy(month), orderBy(month), all)),
 *   E.right([{ month: '2024-01', n: 1 }, { month: '2024-02', n: 2 }])
 * )
 * ```
 *
 * @category Functions
 */
export const strftime = <E extends Expr<Date | string | null>>(format: string, e: E): Expr<string | null> & Refs<RefsOf<E>> =>
  fn('strftime', [valueNode(format), toNode(e)], 'text')

/**
 * The first non-null of the arguments; decodes like the first.
 *
 * @param e - the first candidate; the result decodes like it.
 * @param fallbacks - the next candidates, in order: expressions or values of the same type (bound as parameters).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { coalesce, orderBy, values, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), orderBy(sales.id), values(coalesce(sales.amount, 0)))), E.right([10, 30, 0]))
 * ```
 *
 * @category Functions
 */
export const coalesce = <T, E extends Expr<T> = Expr<T>, F extends ReadonlyArray<Expr<T> | NonNullable<T> | Expr<NonNullable<T>>> = []>(
  e: E & Expr<T>,
  ...fallbacks: F
): Expr<T> & Refs<RefsOf<E> | RefsOf<F[number]>> => {
  const first = toNode(e)
  return fn('coalesce', [first, ...fallbacks.map((f) => operand(f, first))], kindOf(first))
}

/**
 * `lower(expr)` (ASCII letters only, as SQLite does).
 *
 * @param e - a text column or expression.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, lower, count, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), filter(eq(lower(sales.region), 'north')), count)), E.right(2))
 * ```
 *
 * @category Functions
 */
export const lower = <T extends string | null, E extends Expr<T> = Expr<T>>(e: E & Expr<T>): Expr<T> & Refs<RefsOf<E>> =>
  fn('lower', [toNode(e)], 'text')

/**
 * `upper(expr)` (ASCII letters only, as SQLite does).
 *
 * @param e - a text column or expression.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { distinct, orderBy, upper, values, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), orderBy(sales.region), distinct, values(upper(sales.region)))), E.right(['NORTH', 'SOUTH']))
 * ```
 *
 * @category Functions
 */
export const upper = <T extends string | null, E extends Expr<T> = Expr<T>>(e: E & Expr<T>): Expr<T> & Refs<RefsOf<E>> =>
  fn('upper', [toNode(e)], 'text')

// -------------------------------------------------------------------------------------
// window functions
// -------------------------------------------------------------------------------------

/**
 * The tables a window's PARTITION BY and ORDER BY read.
 *
 * @example
 * ```ts
 * import type { WindowRefs, WindowSpec } from 'fp-lite-orm'
 *
 * export type Read = WindowRefs<WindowSpec>
 * ```
 *
 * @category Functions
 */
export type WindowRefs<W> = W extends WindowSpec
  ? RefsOf<NonNullable<W['partitionBy']>[number]> | RefsOf<NonNullable<W['orderBy']>[number]>
  : never

/**
 * The window of a window function: `PARTITION BY ... ORDER BY ...`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, desc, orderBy, rowNumber, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 * import type { WindowSpec } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 *
 * const latestFirst: WindowSpec = { partitionBy: [sales.region], orderBy: [desc(sales.at)] }
 * assert.deepEqual(
 *   s.run(pipe(select(sales), columns({ id: sales.id, n: rowNumber(latestFirst) }), orderBy(sales.id), all)),
 *   E.right([{ id: 1, n: 2 }, { id: 2, n: 1 }, { id: 3, n: 1 }])
 * )
 * ```
 *
 * @category Functions
 */
export interface WindowSpec {
  readonly partitionBy?: ReadonlyArray<Expr<unknown>> | undefined
  readonly orderBy?: ReadonlyArray<OrderTerm | Expr<unknown>> | undefined
}

const isOrderTerm = (u: unknown): u is OrderTerm => typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === 'Order'

/**
 * Any aggregate (or ranking function) over a window: `over(sum(sales.amount), { partitionBy: [sales.region] })`.
 *
 * @param fn - an aggregate (`sum(...)`, `countAll()`, ...) or a ranking function.
 * @param spec - `WindowSpec`: `partitionBy` and `orderBy` (expressions or order terms), and an optional frame; empty: the
 *   whole result.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, orderBy, over, sum, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(
 *   s.run(pipe(select(sales), columns({ id: sales.id, regionTotal: over(sum(sales.amount), { partitionBy: [sales.region] }), running: over(sum(sales.amount), { orderBy: [sales.id] }) }), orderBy(sales.id), all)),
 *   E.right([{ id: 1, regionTotal: 40, running: 10 }, { id: 2, regionTotal: 40, running: 40 }, { id: 3, regionTotal: null, running: 40 }])
 * )
 * ```
 *
 * @category Functions
 */
export const over = <T, E extends Expr<T> = Expr<T>, W extends WindowSpec = WindowSpec>(
  fn: E & Expr<T>,
  spec: W = {} as W
): Expr<T> & Refs<RefsOf<E> | WindowRefs<W>> => {
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

/**
 * `row_number() OVER (...)`: 1, 2, 3... within each partition.
 *
 * @param spec - `WindowSpec`: `partitionBy` and `orderBy` (without one the numbering follows no defined order).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { desc, orderBy, rowNumber, values, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), orderBy(sales.id), values(rowNumber({ orderBy: [desc(sales.id)] })))), E.right([3, 2, 1]))
 * ```
 *
 * @category Functions
 */
export const rowNumber = <W extends WindowSpec = WindowSpec>(spec: W = {} as W): Expr<number> & Refs<WindowRefs<W>> =>
  over(fn('row_number', [], 'integer') as Expr<number>, spec)

/**
 * `rank() OVER (...)`: ties share a rank, and leave gaps after them.
 *
 * @param spec - `WindowSpec`: `partitionBy`, and the `orderBy` that ranks (without one every row ranks 1).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { orderBy, rank, values, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), orderBy(sales.id), values(rank({ orderBy: [sales.region] })))), E.right([1, 1, 3]))   // a gap after the tie
 * ```
 *
 * @category Functions
 */
export const rank = <W extends WindowSpec = WindowSpec>(spec: W = {} as W): Expr<number> & Refs<WindowRefs<W>> =>
  over(fn('rank', [], 'integer') as Expr<number>, spec)

/**
 * `dense_rank() OVER (...)`: ties share a rank, without gaps.
 *
 * @param spec - `WindowSpec`: `partitionBy`, and the `orderBy` that ranks (without one every row ranks 1).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { denseRank, orderBy, values, connect, createTable, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const sales = table('sales', { id: integer().primaryKey(), region: text().notNull(), amount: integer(), at: timestamp().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sales))
 * s.run(insert(sales, [
 *   { region: 'north', amount: 10, at: new Date('2024-01-05T10:00:00Z') },
 *   { region: 'north', amount: 30, at: new Date('2024-02-07T10:00:00Z') },
 *   { region: 'south', amount: null, at: new Date('2024-02-09T10:00:00Z') }
 * ]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(sales), orderBy(sales.id), values(denseRank({ orderBy: [sales.region] })))), E.right([1, 1, 2]))   // no gap
 * ```
 *
 * @category Functions
 */
export const denseRank = <W extends WindowSpec = WindowSpec>(spec: W = {} as W): Expr<number> & Refs<WindowRefs<W>> =>
  over(fn('dense_rank', [], 'integer') as Expr<number>, spec)
