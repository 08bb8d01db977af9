/**
 * Selects: the constructor, the pipeable combinators that refine a select, and the
 * terminals that fix what it returns.
 *
 *   pipe(select(users), filter(gte(users.age, 18)), orderBy(desc(users.age)), limit(10), all)
 *
 * Every combinator returns a new value; a select can be branched and reused freely.
 */
import type * as t from 'io-ts'
import type { Option } from 'fp-ts/lib/Option.js'
import type { Refs, RefsOf } from '../schema/column.js'
import { ColumnInfo } from '../schema/column.js'
import type { AnyTable, NameOf, Row, Simplify } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type {
  Expr,
  ExprNode,
  Field,
  Fields,
  Needs,
  InScope,
  JoinKind,
  OrderTerm,
  OuterRefs,
  ParamsOf,
  Projected,
  Query,
  ResultMode,
  SelectQuery,
  SelectStatement,
  Statement
} from './ast.js'
import type { RawQuery } from './raw.js'
import type { DeleteQuery, UpdateQuery, WriteReads } from './write.js'
import { Codecs } from './ast.js'
import { tableCodecs } from '../schema/codec.js'
import { describeValue } from '../errors.js'
import type { Condition, Placeholder } from './expr.js'
import { conditionNode, guard, invalid, operand, toNode, valueNode } from './expr.js'

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Every row of a table (or an alias), decoded as `Row<T>`. Refine with `filter`, `orderBy`, ...
 *
 * @param table - the table, alias, view or CTE to read.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, filter, gte, orderBy, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const adults = pipe(select(users), filter(gte(users.age, 18)), orderBy(users.name), all)   // Query<User[]>
 * assert.deepEqual(s.run(adults), E.right([{ id: 1, name: 'Ann', age: 31 }]))
 * ```
 *
 * @category Queries
 */
export const select = <T extends AnyTable>(table: T): SelectQuery<Row<T>, { [K in NameOf<T>]: Row<T> }, NameOf<T>, never> => {
  const info = tableInfo(table)
  const columns = tableCodecs(info.columns)
  const q: SelectStatement = {
    _tag: 'Select',
    from: info.ref,
    joins: [],
    where: [],
    distinct: false,
    groupBy: [],
    having: [],
    orderBy: [],
    ...(info.problems.length > 0 ? { problems: info.problems } : {})
  }
  return columns === undefined ? q : { ...q, [Codecs]: { columns } }
}

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/**
 * What orderBy, limit and offset apply to: a select, an update or a delete (UPDATE/DELETE ... ORDER BY ... LIMIT).
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { desc, filter, gt, integer, limit, orderBy, set, table, update } from 'fp-lite-orm'
 *
 * const jobs = table('jobs', { id: integer().primaryKey(), state: integer().notNull() })
 * // The three oldest pending jobs are taken: UPDATE ... ORDER BY ... LIMIT.
 * const take = pipe(update(jobs), set({ state: 1 }), filter(gt(jobs.id, 0)), orderBy(desc(jobs.id)), limit(3))
 * void take
 * ```
 *
 * @category Queries
 */
export type Orderable = AnySelect | UpdateQuery<unknown, string> | DeleteQuery<unknown>

type Ordered = { readonly orderBy?: ReadonlyArray<OrderTerm>; readonly limit?: ExprNode; readonly offset?: ExprNode }

/**
 * Applies `f` to a select, or to an update's or a delete's statement. Anything else (an
 * insert forced through a cast) keeps a problem that its run reports, rather than a throw.
 */
const onStatement = <Q extends Orderable>(q: Q, what: string, change: (s: Ordered) => Ordered): Q => {
  if (q._tag === 'Select') return { ...q, ...change(q) }
  const st = (q as { readonly statement?: Ordered & { readonly _tag?: unknown; readonly problems?: ReadonlyArray<string> } }).statement
  if (st?._tag === 'Update' || st?._tag === 'Delete') return { ...q, statement: { ...st, ...change(st) } }
  const problem = `${what}() applies to a select, an update or a delete, not to ${describeValue(q)}`
  return st === undefined ? q : { ...q, statement: { ...st, problems: [...(st.problems ?? []), problem] } }
}

/** The same select with another row type: the row type is a phantom, only the types change. */
const retype = <B, Ts = never, S extends string = string, U extends string = string>(
  q: SelectQuery<unknown, unknown>
): SelectQuery<B, Ts, S, U> => q as SelectQuery<B, Ts, S, U>

/**
 * The tables of `R` that are not in scope `S` (none when either is not known to the types).
 *
 * @example
 * ```ts
 * import type { Outside } from 'fp-lite-orm'
 *
 * const missing: Outside<'users' | 'posts', 'users'> = 'posts'
 * void missing
 * ```
 *
 * @category Queries
 */
export type Outside<R extends string, S extends string> = string extends R ? never : Exclude<R, S>

/**
 * A select that also reads the tables `R` (a filter, an order, a projection naming their
 * columns). Tables in its scope change nothing (so `q = pipe(q, filter(...))` keeps its
 * type); others are recorded, for its terminal to refuse unless a join brings them in
 * later (or, for a subquery, the enclosing query has them). An update or a delete is
 * unchanged: its combinators check their columns at once (see `WriteReads`).
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { eq, filter, integer, select, table } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * // Filters on the query's own tables keep its type, so it can be built step by step.
 * let q = select(users)
 * q = pipe(q, filter(eq(users.id, 1)))
 * void q
 * ```
 *
 * @category Queries
 */
export type Reading<Q, R extends string> =
  Q extends SelectQuery<infer A, infer Ts, infer S extends string, infer U extends string>
    ? [Outside<R, S>] extends [never]
      ? Q
      : SelectQuery<A, Ts, S, U | Outside<R, S>>
    : WriteReads<Q, R>

/**
 * Any select, whatever its row type.
 *
 * @example
 * ```ts
 * import type { AnySelect } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = AnySelect
 * ```
 *
 * @category Queries
 */
export type AnySelect = SelectQuery<unknown, unknown>

/**
 * Every field of `Ts` made nullable (the rows on the inner side of a RIGHT or FULL join).
 *
 * @example
 * ```ts
 * import type { Nullable } from 'fp-lite-orm'
 *
 * export const row: Nullable<{ id: number }> = { id: null }
 * ```
 *
 * @category Queries
 */
export type Nullable<Ts> = { [K in keyof Ts]: Ts[K] | null }

/**
 * The select after a join: rows nest by query name; a projected select keeps its flat row.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, eq, join, leftJoin, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { Joined, Row } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull(), title: text().notNull() })
 * s.run(createTable(posts))
 * s.run(insert(posts, { userId: 1, title: 'Hello' }))
 *
 * const joined: Joined<Row<typeof users>, { users: Row<typeof users> }, typeof posts, 'left'> = pipe(select(users), leftJoin(posts, eq(posts.userId, users.id)))
 * const rows = s.run(pipe(joined, all))   // Array<{ users: User; posts: Post | null }>
 * assert.ok(E.isRight(rows) && rows.right.length === 3 && rows.right[1]!.posts === null)
 * assert.ok(E.isRight(s.run(pipe(select(users), join(posts, eq(posts.userId, users.id)), all))))
 * ```
 *
 * @category Queries
 */
export type Joined<A, Ts, J, Kind extends JoinKind, S extends string = string, U extends string = string> = [Ts] extends [never]
  ? SelectQuery<A, never, S | NameOf<J>, U>
  : SelectQuery<JoinedTables<Ts, J, Kind>, JoinedTables<Ts, J, Kind>, S | NameOf<J>, U>

/**
 * The row of a join: one field per query name, the outer side's `| null`.
 *
 * @example
 * ```ts
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { JoinedTables } from 'fp-lite-orm'
 *
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer().notNull(), title: text().notNull() })
 * type Users = { users: { id: number; name: string } }
 * export const row: JoinedTables<Users, typeof posts, 'left'> = { users: { id: 1, name: 'Ada' }, posts: null }
 * ```
 *
 * @category Queries
 */
export type JoinedTables<Ts, J, Kind extends JoinKind> = Simplify<
  (Kind extends 'right' | 'full' ? Nullable<Ts> : Ts) & {
    [K in NameOf<J>]: Kind extends 'left' | 'full' ? Row<J> | null : Row<J>
  }
>

/** A select with one more table joined (its codecs and definition problems carried along). */
const addJoin = (
  q: SelectQuery<unknown, unknown>,
  kind: JoinKind,
  table: AnyTable,
  on: ExprNode | undefined
): SelectQuery<unknown, unknown> => {
  const info = tableInfo(table)
  const joined = { ...q, joins: [...q.joins, { _tag: 'Join' as const, kind, table: info.ref, ...(on === undefined ? {} : { on }) }] }
  const codecs = tableCodecs(info.columns)
  const problems = info.problems.length > 0 ? { problems: [...(q.problems ?? []), ...info.problems] } : {}
  const withCodecs =
    codecs === undefined ? joined : { ...joined, [Codecs]: { ...q[Codecs], columns: { ...q[Codecs]?.columns, ...codecs } } }
  return { ...withCodecs, ...problems }
}

const joinWith =
  <Kind extends JoinKind>(kind: Kind) =>
  <J extends AnyTable, C extends Condition>(table: J, on: C) =>
  <A, Ts, S extends string, U extends string>(
    q: SelectQuery<A, Ts, S, U>
  ): Joined<A, Ts, J, Kind, S, U | Outside<RefsOf<C>, S | NameOf<J>>> =>
    addJoin(q, kind, table, conditionNode(kind === 'inner' ? 'join' : `${kind}Join`, on)) as never

/**
 * CROSS JOIN: every row of the query with every row of `table` (no condition); rows nest by
 * table name as in other joins.
 *
 * @param table - the table (or alias) to join; a table already in the query needs an `alias`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, connect, createTable, crossJoin, insert, integer, orderBy, select, session, table, text, all } from 'fp-lite-orm'
 *
 * const sizes = table('sizes', { id: integer().primaryKey(), size: text().notNull() })
 * const colors = table('colors', { id: integer().primaryKey(), color: text().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(sizes)); s.run(createTable(colors))
 * s.run(insert(sizes, [{ size: 'S' }, { size: 'M' }]))
 * s.run(insert(colors, [{ color: 'red' }, { color: 'blue' }]))
 * const variants = pipe(select(sizes), crossJoin(colors), columns({ size: sizes.size, color: colors.color }), orderBy(sizes.id, colors.id), all)
 * assert.deepEqual(s.run(variants), E.right([
 *   { size: 'S', color: 'red' }, { size: 'S', color: 'blue' }, { size: 'M', color: 'red' }, { size: 'M', color: 'blue' }
 * ]))
 * ```
 *
 * @category Queries
 */
export const crossJoin =
  <J extends AnyTable>(table: J) =>
  <A, Ts, S extends string, U extends string>(q: SelectQuery<A, Ts, S, U>): Joined<A, Ts, J, 'cross', S, U> =>
    addJoin(q, 'cross', table, undefined) as never

/**
 * INNER JOIN: rows nest by table name (or alias): `{ posts: Post, users: User }`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, eq, join, orderBy, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull(), title: text().notNull() })
 * s.run(createTable(posts))
 * s.run(insert(posts, [{ userId: 1, title: 'Hello' }, { userId: 2, title: 'Hi' }]))
 *
 * const rows = s.run(pipe(select(posts), join(users, eq(posts.userId, users.id)), orderBy(posts.id), all))
 * assert.ok(E.isRight(rows))
 * assert.deepEqual(rows.right.map((r) => `${r.users.name}: ${r.posts.title}`), ['Ann: Hello', 'Bob: Hi'])
 * ```
 *
 * @category Queries
 */
export const join = joinWith('inner')
/**
 * The same as `join`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, eq, innerJoin, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull() })
 * s.run(createTable(posts))
 * s.run(insert(posts, { userId: 1 }))
 * assert.deepEqual(s.run(pipe(select(users), innerJoin(posts, eq(posts.userId, users.id)), count)), E.right(1))
 * ```
 *
 * @category Queries
 */
export const innerJoin = join
/**
 * LEFT JOIN: the joined table's part of a row is `null` where nothing matched.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, eq, leftJoin, orderBy, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull(), title: text().notNull() })
 * s.run(createTable(posts))
 * s.run(insert(posts, { userId: 1, title: 'Hello' }))
 *
 * const rows = s.run(pipe(select(users), leftJoin(posts, eq(posts.userId, users.id)), orderBy(users.id), all))
 * assert.ok(E.isRight(rows))
 * assert.deepEqual(rows.right.map((r) => r.posts?.title ?? null), ['Hello', null, null])
 * ```
 *
 * @category Queries
 */
export const leftJoin = joinWith('left')
/**
 * RIGHT JOIN: the earlier tables' parts are `null` where nothing matched.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, eq, rightJoin, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id'), title: text().notNull() })
 * s.run(createTable(posts))
 * s.run(insert(posts, { userId: 99, title: 'Orphan' }))
 *
 * const rows = s.run(pipe(select(users), rightJoin(posts, eq(posts.userId, users.id)), all))   // Array<{ users: User | null; posts: Post }>
 * assert.ok(E.isRight(rows) && rows.right[0]!.users === null && rows.right[0]!.posts.title === 'Orphan')
 * ```
 *
 * @category Queries
 */
export const rightJoin = joinWith('right')
/**
 * FULL OUTER JOIN: either side may be `null`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, eq, fullJoin, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id') })
 * s.run(createTable(posts))
 * s.run(insert(posts, [{ userId: 1 }, { userId: 99 }]))
 * // 3 users (2 without posts, 1 with) and 1 post without a user.
 * assert.deepEqual(s.run(pipe(select(users), fullJoin(posts, eq(posts.userId, users.id)), count)), E.right(4))
 * ```
 *
 * @category Queries
 */
export const fullJoin = joinWith('full')

/**
 * Ascending order (`nulls` places NULLs first or last; SQLite's default puts them first).
 *
 * @param e - a column or expression.
 * @param options - `{ nulls: 'first' | 'last' }` (NULLS FIRST/LAST); by default SQLite's (first).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { asc, orderBy, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), orderBy(asc(users.age)), values(users.name))), E.right(['Cleo', 'Bob', 'Ann']))              // NULL first
 * assert.deepEqual(s.run(pipe(select(users), orderBy(asc(users.age, { nulls: 'last' })), values(users.name))), E.right(['Bob', 'Ann', 'Cleo']))
 * ```
 *
 * @category Queries
 */
export const asc = <E extends Expr<unknown>>(e: E, options: { readonly nulls?: 'first' | 'last' } = {}): OrderTerm & Refs<RefsOf<E>> => ({
  _tag: 'Order',
  expr: toNode(e),
  direction: 'asc',
  ...(options.nulls === undefined ? {} : { nulls: options.nulls })
})

/**
 * Descending order (`nulls` places NULLs first or last; SQLite's default puts them last).
 *
 * @param e - a column or expression.
 * @param options - `{ nulls: 'first' | 'last' }` (NULLS FIRST/LAST); by default SQLite's (last).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { desc, orderBy, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), orderBy(desc(users.age)), values(users.name))), E.right(['Ann', 'Bob', 'Cleo']))               // NULL last
 * ```
 *
 * @category Queries
 */
export const desc = <E extends Expr<unknown>>(e: E, options: { readonly nulls?: 'first' | 'last' } = {}): OrderTerm & Refs<RefsOf<E>> => ({
  _tag: 'Order',
  expr: toNode(e),
  direction: 'desc',
  ...(options.nulls === undefined ? {} : { nulls: options.nulls })
})

/** Whether an orderBy argument is already a term (`asc`/`desc`), not a bare expression. */
export const isOrderTerm = (u: unknown): u is OrderTerm => typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === 'Order'

/**
 * Orders by the terms in turn; a bare expression is ascending. Adds to earlier `orderBy`s.
 *
 * @param terms - the ordering, most significant first: `asc(e)`, `desc(e)`, or a bare column or expression (ascending).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { asc, desc, orderBy, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), orderBy(desc(users.age), asc(users.name)), values(users.name))), E.right(['Ann', 'Bob', 'Cleo']))
 * assert.deepEqual(s.run(pipe(select(users), orderBy(users.name), values(users.name))), E.right(['Ann', 'Bob', 'Cleo']))   // ascending
 * ```
 *
 * @category Queries
 */
export const orderBy =
  <Terms extends ReadonlyArray<OrderTerm | Expr<unknown>>>(...terms: Terms) =>
  <Q extends Orderable>(q: Q): Reading<Q, RefsOf<Terms[number]>> => {
    const more = terms.map((x) => (isOrderTerm(x) ? x : asc(x)))
    return onStatement<Q>(q, 'orderBy', (s) => ({ orderBy: [...(s.orderBy ?? []), ...more] })) as Reading<Q, RefsOf<Terms[number]>>
  }

/** A row count, or a value for LIMIT/OFFSET: a whole number >= 0, or a placeholder. */
const countNode = (n: number | Placeholder, what: string): ExprNode => {
  if (typeof n === 'number') {
    return Number.isSafeInteger(n) && n >= 0 ? valueNode(n) : invalid(`${what} takes a whole number >= 0, got ${describeValue(n)}`)
  }
  const node = toNode(n)
  return node._tag === 'Placeholder'
    ? { _tag: 'Placeholder', name: node.name, encoding: { kind: 'integer', mode: 'store', count: true, target: what } }
    : invalid(`${what} takes a whole number >= 0 or a placeholder, got ${describeValue(n)}`)
}

/**
 * At most `n` rows.
 *
 * @param n - the most rows to return: a whole number of at least 0, or a placeholder; anything else is a Left
 *   `ValidationError` when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, limit, orderBy, placeholder, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), orderBy(users.id), limit(2), values(users.id))), E.right([1, 2]))
 * assert.deepEqual(s.run(pipe(select(users), orderBy(users.id), limit(placeholder('n')), values(users.id)), { n: 1 }), E.right([1]))
 * const bad = s.run(pipe(select(users), limit(1.5), all))
 * assert.ok(E.isLeft(bad) && bad.left._tag === 'ValidationError')
 * ```
 *
 * @category Queries
 */
export const limit =
  (n: number | Placeholder) =>
  <Q extends Orderable>(q: Q): Q =>
    onStatement(q, 'limit', () => ({ limit: countNode(n, 'limit') }))

/**
 * Skips the first `n` rows.
 *
 * @param n - how many rows to skip: a whole number of at least 0, or a placeholder; anything else is a Left
 *   `ValidationError` when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { limit, offset, orderBy, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const page = (n: number) => pipe(select(users), orderBy(users.id), limit(2), offset(2 * n), values(users.name))
 * assert.deepEqual([s.run(page(0)), s.run(page(1))], [E.right(['Ann', 'Bob']), E.right(['Cleo'])])
 * ```
 *
 * @category Queries
 */
export const offset =
  (n: number | Placeholder) =>
  <Q extends Orderable>(q: Q): Q =>
    onStatement(q, 'offset', () => ({ offset: countNode(n, 'offset') }))

/**
 * SELECT DISTINCT.
 *
 * @param q - the select.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { distinct, count, columns, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * s.run(insert(users, { name: 'Ann', age: 50 }))
 * assert.deepEqual(s.run(pipe(select(users), columns({ name: users.name }), distinct, count)), E.right(3))
 * ```
 *
 * @category Queries
 */
export const distinct = <Q extends AnySelect>(q: Q): Q => ({ ...q, distinct: true })

/**
 * The tables the expressions of a projection read, nested ones included.
 *
 * @example
 * ```ts
 * import { integer, table } from 'fp-lite-orm'
 * import type { FieldsRefs } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { id: integer().primaryKey() })
 * const reads: FieldsRefs<{ u: typeof users.id; nested: { p: typeof posts.id } }> = 'posts'
 * void reads
 * ```
 *
 * @category Queries
 */
export type FieldsRefs<F> = { [K in keyof F]: F[K] extends Expr<unknown> ? RefsOf<F[K]> : FieldsRefs<F[K]> }[keyof F]

/**
 * A flat row of chosen expressions: `columns({ name: users.name, n: countAll() })`.
 * Columns decode by their kind; functions by their result's kind.
 *
 * @param fields - the result's fields: `{ name: users.name, n: countAll() }`, each a column or expression of the query's
 *   tables; the keys name the fields of each row.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, orderBy, sql, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const rows = s.run(pipe(select(users), columns({ who: users.name, nextAge: sql<number>`${users.age} + 1` }), orderBy(users.id), all))
 * assert.deepEqual(rows, E.right([{ who: 'Ann', nextAge: 32 }, { who: 'Bob', nextAge: 18 }, { who: 'Cleo', nextAge: null }]))
 * ```
 *
 * @category Queries
 */
export const columns =
  <F extends Fields>(fields: F) =>
  <A, Ts, S extends string, U extends string>(
    q: SelectQuery<A, Ts, S, U>
  ): SelectQuery<Simplify<Projected<F>>, never, S, U | Outside<FieldsRefs<F>, S>> =>
    retype({ ...q, selection: projectionOf(fields) })

/** A plain object of fields (a nested projection), not an expression, a column or a query. */
const isNested = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u) || ColumnInfo in u || '_tag' in u) return false
  const proto = Object.getPrototypeOf(u) as unknown
  return proto === Object.prototype || proto === null
}

/** The fields of a projection, nested objects flattened with their paths. */
const flatten = (fields: Readonly<Record<string, unknown>>, path: ReadonlyArray<string>): Field[] =>
  Object.entries(fields).flatMap(([key, e]): Field[] => {
    const at = [...path, key]
    if (isNested(e)) return flatten(e, at)
    return at.length === 1 ? [{ key, expr: toNode(e) }] : [{ key: at.join('.'), expr: toNode(e), path: at }]
  })

/** The fields of a projection; an object that throws when read becomes an Invalid field. */
const projectionOf = (fields: Readonly<Record<string, unknown>>): Field[] => {
  try {
    return flatten(fields, [])
  } catch (e) {
    return [
      {
        key: 'columns',
        expr: guard(() => {
          throw e
        })
      }
    ]
  }
}

/**
 * GROUP BY.
 *
 * @param exprs - the grouping columns or expressions, in order.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, countAll, groupBy, orderBy, sql, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const band = sql<string>`CASE WHEN ${users.age} >= 18 THEN 'adult' WHEN ${users.age} < 18 THEN 'minor' ELSE 'unknown' END`
 * const rows = s.run(pipe(select(users), columns({ band, n: countAll() }), groupBy(band), orderBy(band), all))
 * assert.deepEqual(rows, E.right([{ band: 'adult', n: 1 }, { band: 'minor', n: 1 }, { band: 'unknown', n: 1 }]))
 * ```
 *
 * @category Queries
 */
export const groupBy =
  <Es extends ReadonlyArray<Expr<unknown>>>(...exprs: Es) =>
  <Q extends AnySelect>(q: Q): Reading<Q, RefsOf<Es[number]>> =>
    ({ ...q, groupBy: [...q.groupBy, ...exprs.map(toNode)] }) as unknown as Reading<Q, RefsOf<Es[number]>>

/**
 * HAVING: a condition on groups. Several are AND-ed.
 *
 * @param condition - a condition on the groups (aggregates, grouped columns).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, countAll, groupBy, gt, having, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * s.run(insert(users, { name: 'Ann', age: 50 }))
 * const repeated = pipe(select(users), columns({ name: users.name }), groupBy(users.name), having(gt(countAll(), 1)), values(users.name))
 * assert.deepEqual(s.run(repeated), E.right(['Ann']))
 * ```
 *
 * @category Queries
 */
export const having =
  <C extends Condition>(condition: C) =>
  <Q extends AnySelect>(q: Q): Reading<Q, RefsOf<C>> =>
    ({ ...q, having: [...q.having, conditionNode('having', condition)] }) as unknown as Reading<Q, RefsOf<C>>

/**
 * Checks every row with an io-ts codec (after the columns are decoded by kind) and
 * types the rows as the codec's output. A row that fails is a Left `DecodeError`
 * giving the path of the bad field.
 *
 * @param codec - an io-ts decoder of the row, after the columns are decoded by kind (`t.type({ id: t.number, ... })`); a row
 *   it rejects is a Left `DecodeError` with the path of the bad field.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, decode, filter, gte, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * import * as t from 'io-ts'
 *
 * const Adult = t.type({ name: t.string, age: t.number })
 * const adults = s.run(pipe(select(users), columns({ name: users.name, age: users.age }), filter(gte(users.age, 18)), decode(Adult), all))
 * assert.deepEqual(adults, E.right([{ name: 'Ann', age: 31 }]))   // typed { name: string; age: number }[]
 *
 * const everyone = s.run(pipe(select(users), columns({ name: users.name, age: users.age }), decode(Adult), all))
 * assert.ok(E.isLeft(everyone) && everyone.left._tag === 'DecodeError')   // Cleo's age is null
 * ```
 *
 * @category Queries
 */
export const decode =
  <B>(codec: t.Decoder<unknown, B>) =>
  <Q extends SelectQuery<unknown> | RawQuery<unknown>>(
    q: Q
  ): Q extends SelectQuery<unknown, unknown, infer S extends string, infer U extends string>
    ? SelectQuery<B, unknown, S, U>
    : RawQuery<B> =>
    ({ ...q, [Codecs]: { ...q[Codecs], decoder: codec as t.Decoder<unknown, unknown> } }) as never

// -------------------------------------------------------------------------------------
// terminals
// -------------------------------------------------------------------------------------

/**
 * What a terminal reads from: a select, or native SQL.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, raw, sql, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { Readable } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const rowsOf = <A>(q: Readable<A>) => s.run(all(q))
 * assert.ok(E.isRight(rowsOf(select(users))))
 * assert.ok(E.isRight(rowsOf(raw(sql`SELECT name FROM users`))))
 * ```
 *
 * @category Queries
 */
export type Readable<A> = SelectQuery<A, unknown> | RawQuery<A>

/**
 * What a terminal reads: native SQL, or a select whose columns all come from tables it
 * reads (a type error otherwise, naming the tables to join).
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { all, eq, filter, integer, select, table } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { id: integer().primaryKey() })
 * const fine = pipe(select(users), filter(eq(users.id, 1)), all)
 * // @ts-expect-error posts is not in the query: a type error here, a Left at run time
 * const wrong = pipe(select(users), filter(eq(posts.id, 1)), all)
 * void fine; void wrong
 * ```
 *
 * @category Queries
 */
export type Finished<A, S extends string, U extends string> = (SelectQuery<A, unknown, S, U> & InScope<S, U>) | RawQuery<A>

const terminal = <R>(q: Readable<unknown>, mode: ResultMode, selection?: ReadonlyArray<Field>): Query<R> => {
  const codecs = q[Codecs]
  let statement: Statement
  if (q._tag === 'Query') statement = q.statement
  else {
    const { [Codecs]: _, ...plain } = q
    // On a compound, the expression is read from its result: each member keeps its projection.
    statement =
      selection === undefined ? plain : (plain.compound?.length ?? 0) > 0 ? { ...plain, pick: selection[0]! } : { ...plain, selection }
  }
  const out: Query<R> = { _tag: 'Query', statement, mode }
  return codecs === undefined ? out : { ...out, [Codecs]: codecs }
}

/**
 * Every row.
 *
 * @param q - a select (or native SQL) to run.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), all)), E.right([{ id: 1, name: 'Ann', age: 31 }, { id: 2, name: 'Bob', age: 17 }, { id: 3, name: 'Cleo', age: null }]))
 * ```
 *
 * @category Queries
 */
export const all = <A, S extends string = string, U extends string = string>(q: Finished<A, S, U>): Query<A[]> & Needs<ParamsOf<U>> =>
  terminal(q, 'all')

/**
 * The first row, if any (a select gets LIMIT 1 unless it has a limit).
 *
 * @param q - a select (or native SQL) to run.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { eq, filter, first, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.name, 'Bob')), first)), E.right(O.some({ id: 2, name: 'Bob', age: 17 })))
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.name, 'Zed')), first)), E.right(O.none))
 * ```
 *
 * @category Queries
 */
export const first = <A, S extends string = string, U extends string = string>(
  q: Finished<A, S, U>
): Query<Option<A>> & Needs<ParamsOf<U>> => terminal(q, 'first')

/**
 * Exactly one row: Left `NotFound` for none, Left `TooManyRows` for more than one.
 *
 * @param q - a select (or native SQL) to run.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, one, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.id, 1)), one)), E.right({ id: 1, name: 'Ann', age: 31 }))
 * const none = s.run(pipe(select(users), filter(eq(users.id, 9)), one))
 * assert.ok(E.isLeft(none) && none.left._tag === 'NotFound')
 * const many = s.run(pipe(select(users), one))
 * assert.ok(E.isLeft(many) && many.left._tag === 'TooManyRows')
 * ```
 *
 * @category Queries
 */
export const one = <A, S extends string = string, U extends string = string>(q: Finished<A, S, U>): Query<A> & Needs<ParamsOf<U>> =>
  terminal(q, 'one')

/**
 * The number of rows the query returns (`SELECT count(*)`).
 *
 * @param q - a select (or native SQL); its own order and columns do not matter.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, filter, isNull, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), count)), E.right(3))
 * assert.deepEqual(s.run(pipe(select(users), filter(isNull(users.age)), count)), E.right(1))
 * ```
 *
 * @category Queries
 */
export const count = <A, S extends string = string, U extends string = string>(q: Finished<A, S, U>): Query<number> & Needs<ParamsOf<U>> =>
  terminal(q, 'count')

/**
 * Whether the query returns any row (`SELECT EXISTS (...)`).
 *
 * @param q - a select (or native SQL).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, exists, filter, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.name, 'Ann')), exists)), E.right(true))
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.name, 'Zed')), exists)), E.right(false))
 * ```
 *
 * @category Queries
 */
export const exists = <Q extends Readable<unknown>>(q: Q): Query<boolean> & Refs<OuterRefs<Q>> => terminal(q, 'exists')

/**
 * One expression of the first row, if there is a row. On native SQL, `value()` takes
 * the first column.
 *
 * @param e - a column or expression of the query's tables.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as O from 'fp-ts/lib/Option.js'
 * import { eq, filter, max, raw, sql, value, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), value(max(users.age)))), E.right(O.some(31)))
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.id, 9)), value(users.name))), E.right(O.none))
 * assert.deepEqual(s.run(pipe(raw(sql`SELECT count(*) FROM users`), value<number>())), E.right(O.some(3)))
 * ```
 *
 * @category Queries
 */
export function value<V, E extends Expr<V> = Expr<V>>(
  e: E & Expr<V>
): <A, Ts, S extends string, U extends string>(
  q: SelectQuery<A, Ts, S, U> & InScope<S, U | RefsOf<E>>
) => Query<Option<V>> & Needs<ParamsOf<U | RefsOf<E>>>
/** Without an expression, on native SQL (`raw`): the first column of the first row, if there is a row, typed as `V` as SQLite returns it (`decode` checks it). */
export function value<V = unknown>(): <A>(q: RawQuery<A>) => Query<Option<V>>
export function value<V>(e?: Expr<V>) {
  return (q: Readable<unknown>): Query<Option<V>> => terminal(q, 'value', e === undefined ? undefined : [{ key: 'value', expr: toNode(e) }])
}

/**
 * One expression of every row. On native SQL, `values()` takes the first column.
 *
 * @param e - a column or expression of the query's tables.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { orderBy, raw, sql, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), orderBy(users.id), values(users.name))), E.right(['Ann', 'Bob', 'Cleo']))
 * assert.deepEqual(s.run(pipe(raw(sql`SELECT id FROM users ORDER BY id DESC`), values<number>())), E.right([3, 2, 1]))
 * ```
 *
 * @category Queries
 */
export function values<V, E extends Expr<V> = Expr<V>>(
  e: E & Expr<V>
): <A, Ts, S extends string, U extends string>(
  q: SelectQuery<A, Ts, S, U> & InScope<S, U | RefsOf<E>>
) => Query<V[]> & Needs<ParamsOf<U | RefsOf<E>>>
/** Without an expression, on native SQL (`raw`): the first column of every row, typed as `V` as SQLite returns it (`decode` checks it). */
export function values<V = unknown>(): <A>(q: RawQuery<A>) => Query<V[]>
export function values<V>(e?: Expr<V>) {
  return (q: Readable<unknown>): Query<V[]> => terminal(q, 'values', e === undefined ? undefined : [{ key: 'value', expr: toNode(e) }])
}

// -------------------------------------------------------------------------------------
// keyset pagination
// -------------------------------------------------------------------------------------

/**
 * A page of a query by a unique ordering, after a cursor (the ordering's values in the last
 * row of the previous page): `ORDER BY` the terms, `LIMIT size`, and "after the cursor" as a
 * condition the index on the ordering answers directly. Unlike `offset(n)`, whose cost grows
 * with n (SQLite reads and drops n rows), every page costs the same. The ordering must be
 * unique (end it with the primary key) and its values non-null.
 *
 * @param options - `orderBy`: the ordering terms, unique together (end with the primary key); `size`: the page size, a whole
 *   number or a placeholder (a bad size is a Left `ValidationError` when the query runs); `after`: the cursor
 *   (`cursorOf(lastRow, orderBy)`), absent for the first page.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, asc, connect, createTable, cursorOf, desc, insert, integer, keyset, select, session, table } from 'fp-lite-orm'
 *
 * const events = table('events', { id: integer().primaryKey(), score: integer().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(events))
 * s.run(insert(events, [{ score: 5 }, { score: 9 }, { score: 5 }, { score: 7 }]))
 *
 * const by = [desc(events.score), asc(events.id)] as const
 * const page1 = s.run(pipe(select(events), keyset({ orderBy: by, size: 2 }), all))
 * assert.deepEqual(page1, E.right([{ id: 2, score: 9 }, { id: 4, score: 7 }]))
 * const after = E.isRight(page1) ? cursorOf(page1.right.at(-1)!, by) : []
 * assert.deepEqual(after, [7, 4])
 * assert.deepEqual(s.run(pipe(select(events), keyset({ orderBy: by, size: 2, after }), all)), E.right([{ id: 1, score: 5 }, { id: 3, score: 5 }]))
 * ```
 *
 * @category Queries
 */
export const keyset =
  <Terms extends ReadonlyArray<OrderTerm | Expr<unknown>>>(options: {
    readonly orderBy: Terms
    readonly size: number | Placeholder
    /** The ordering's values in the last row of the previous page (`cursorOf`); absent for the first page. */
    readonly after?: ReadonlyArray<unknown> | undefined
  }) =>
  <Q extends AnySelect>(q: Q): Reading<Q, RefsOf<Terms[number]>> => {
    const terms = options.orderBy.map((x) => (isOrderTerm(x) ? x : asc(x)))
    const paged = { ...q, orderBy: [...q.orderBy, ...terms], limit: countNode(options.size, 'keyset size') }
    if (options.after === undefined) return paged as unknown as Reading<Q, RefsOf<Terms[number]>>
    return { ...paged, where: [...q.where, afterCursor(terms, options.after)] } as unknown as Reading<Q, RefsOf<Terms[number]>>
  }

/**
 * "After the cursor" for an ordering: one row-value comparison when every term goes the same
 * way (`(a, b) > (?, ?)`), else the expanded form (`a > ? OR (a = ? AND b < ?) ...`).
 */
const afterCursor = (terms: ReadonlyArray<OrderTerm>, after: ReadonlyArray<unknown>): ExprNode =>
  guard((): ExprNode => {
    if (terms.length === 0) return invalid('keyset needs at least one orderBy term (end it with the primary key)')
    if (!Array.isArray(after) || after.length !== terms.length) {
      return invalid(
        `keyset's after has ${describeValue(after)}: give one value per orderBy term (${terms.length}), e.g. cursorOf(lastRow, orderBy)`
      )
    }
    if (after.some((v) => v === null || v === undefined)) {
      return invalid(
        'keyset needs non-null ordering values: a cursor holding null cannot say which rows come after it (order by non-null columns)'
      )
    }
    if (terms.some((t) => t.nulls !== undefined)) return invalid('keyset orders by non-null values: drop nulls: first/last from its terms')
    const direction = terms[0]!.direction
    if (terms.every((t) => t.direction === direction)) {
      const left: ExprNode = terms.length === 1 ? terms[0]!.expr : { _tag: 'RowValue', items: terms.map((t) => t.expr) }
      const right = terms.length === 1 ? operand(after[0], left) : operand(after, left)
      return { _tag: 'Compare', op: direction === 'asc' ? '>' : '<', left, right }
    }
    // a > va OR (a = va AND (b > vb OR (b = vb AND ...)))
    const step = (i: number): ExprNode => {
      const t = terms[i]!
      const beyond: ExprNode = { _tag: 'Compare', op: t.direction === 'asc' ? '>' : '<', left: t.expr, right: operand(after[i], t.expr) }
      if (i === terms.length - 1) return beyond
      const same: ExprNode = { _tag: 'Compare', op: '=', left: t.expr, right: operand(after[i], t.expr) }
      return { _tag: 'Or', items: [beyond, { _tag: 'And', items: [same, step(i + 1)] }] }
    }
    return step(0)
  })

/**
 * The cursor of a row for `keyset`: the values of the ordering's columns in it (by their
 * keys; in joined rows, under their table's name).
 *
 * @param row - a row of the previous page, as the query returned it.
 * @param orderBy - the same ordering terms given to `keyset`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { asc, cursorOf, desc, integer, table, timestamp } from 'fp-lite-orm'
 *
 * const events = table('events', { id: integer().primaryKey(), at: timestamp().notNull() })
 * const row = { id: 7, at: new Date('2024-01-01T00:00:00Z') }
 * assert.deepEqual(cursorOf(row, [desc(events.at), asc(events.id)]), [row.at, 7])
 * ```
 *
 * @category Queries
 */
export const cursorOf = (row: object, orderBy: ReadonlyArray<OrderTerm | Expr<unknown>>): unknown[] =>
  orderBy.map((x) => {
    const e = isOrderTerm(x) ? x.expr : toNode(x)
    if (e._tag !== 'Column') return undefined
    const r = row as Record<string, unknown>
    const own = r[e.key]
    if (own !== undefined) return own
    const nested = r[e.table]
    return typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>)[e.key] : undefined
  })
