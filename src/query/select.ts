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
import type { AnyColumn, Typed } from '../schema/column.js'
import { ColumnInfo } from '../schema/column.js'
import type { AnyTable, NameOf, Row } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { Expr, ExprNode, Field, JoinKind, OrderTerm, Query, ResultMode, SelectQuery, SelectStatement, Statement } from './ast.js'
import type { RawQuery } from './raw.js'
import { Codecs, codecKey } from './ast.js'
import { describeValue } from '../errors.js'
import type { Condition, Placeholder } from './expr.js'
import { invalid, toNode, valueNode } from './expr.js'

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** json column codecs of a table, keyed as the row decoder looks them up. */
export const tableCodecs = (columns: ReadonlyArray<AnyColumn>): Record<string, t.Mixed> | undefined => {
  let out: Record<string, t.Mixed> | undefined
  for (const c of columns) {
    const codec = c[ColumnInfo].codec
    if (codec !== undefined) (out ??= {})[codecKey(c.table, c.name)] = codec
  }
  return out
}

/** Every row of a table (or an alias), decoded as `Row<T>`. Refine with `filter`, `orderBy`, ... */
export const select = <T extends AnyTable>(table: T): SelectQuery<Row<T>, { [K in NameOf<T>]: Row<T> }> => {
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

/** The same select with another row type: the row type is a phantom, only the types change. */
const retype = <B, Ts = never>(q: SelectQuery<unknown, unknown>): SelectQuery<B, Ts> => q as SelectQuery<B, Ts>

/** Any select, whatever its row type. */
type AnySelect = SelectQuery<unknown, unknown>

type Simplify<A> = { [K in keyof A]: A[K] } & {}
type Nullable<Ts> = { [K in keyof Ts]: Ts[K] | null }

/** The select after a join: rows nest by query name; a projected select keeps its flat row. */
export type Joined<A, Ts, J, Kind extends JoinKind> = [Ts] extends [never]
  ? SelectQuery<A, never>
  : SelectQuery<JoinedTables<Ts, J, Kind>, JoinedTables<Ts, J, Kind>>

type JoinedTables<Ts, J, Kind extends JoinKind> = Simplify<
  (Kind extends 'right' | 'full' ? Nullable<Ts> : Ts) & {
    [K in NameOf<J>]: Kind extends 'left' | 'full' ? Row<J> | null : Row<J>
  }
>

const joinWith =
  <Kind extends JoinKind>(kind: Kind) =>
  <J extends AnyTable>(table: J, on: Condition) =>
  <A, Ts>(q: SelectQuery<A, Ts>): Joined<A, Ts, J, Kind> => {
    const info = tableInfo(table)
    const joined = { ...q, joins: [...q.joins, { _tag: 'Join' as const, kind, table: info.ref, on: toNode(on) }] }
    const codecs = tableCodecs(info.columns)
    const problems = info.problems.length > 0 ? { problems: [...(q.problems ?? []), ...info.problems] } : {}
    const withCodecs = codecs === undefined ? joined : { ...joined, [Codecs]: { ...q[Codecs], columns: { ...q[Codecs]?.columns, ...codecs } } }
    return { ...withCodecs, ...problems } as never
  }

/** INNER JOIN: rows nest by table name (or alias): `{ posts: Post, users: User }`. */
export const join = joinWith('inner')
/** The same as `join`. */
export const innerJoin = join
/** LEFT JOIN: the joined table's part of a row is `null` where nothing matched. */
export const leftJoin = joinWith('left')
/** RIGHT JOIN: the earlier tables' parts are `null` where nothing matched. */
export const rightJoin = joinWith('right')
/** FULL OUTER JOIN: either side may be `null`. */
export const fullJoin = joinWith('full')

/** Ascending order (`nulls` places NULLs first or last; SQLite's default puts them first). */
export const asc = <T>(e: Expr<T>, options: { readonly nulls?: 'first' | 'last' } = {}): OrderTerm => ({
  _tag: 'Order',
  expr: toNode(e),
  direction: 'asc',
  ...(options.nulls === undefined ? {} : { nulls: options.nulls })
})

/** Descending order (`nulls` places NULLs first or last; SQLite's default puts them last). */
export const desc = <T>(e: Expr<T>, options: { readonly nulls?: 'first' | 'last' } = {}): OrderTerm => ({
  _tag: 'Order',
  expr: toNode(e),
  direction: 'desc',
  ...(options.nulls === undefined ? {} : { nulls: options.nulls })
})

const isOrderTerm = (u: unknown): u is OrderTerm =>
  typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === 'Order'

/** Orders by the terms in turn; a bare expression is ascending. Adds to earlier `orderBy`s. */
export const orderBy =
  (...terms: ReadonlyArray<OrderTerm | Expr<unknown>>) =>
  <Q extends AnySelect>(q: Q): Q => ({
    ...q,
    orderBy: [...q.orderBy, ...terms.map((x) => (isOrderTerm(x) ? x : asc(x)))]
  })

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

/** At most `n` rows. */
export const limit =
  (n: number | Placeholder) =>
  <Q extends AnySelect>(q: Q): Q => ({ ...q, limit: countNode(n, 'limit') })

/** Skips the first `n` rows. */
export const offset =
  (n: number | Placeholder) =>
  <Q extends AnySelect>(q: Q): Q => ({ ...q, offset: countNode(n, 'offset') })

/** SELECT DISTINCT. */
export const distinct = <Q extends AnySelect>(q: Q): Q => ({ ...q, distinct: true })

/** The row type of a projection. */
export type Projected<S> = { -readonly [K in keyof S]: S[K] extends Typed<infer V> ? V : never }

/**
 * A flat row of chosen expressions: `columns({ name: users.name, n: countAll() })`.
 * Columns decode by their kind; functions by their result's kind.
 */
export const columns =
  <S extends Readonly<Record<string, Expr<unknown>>>>(fields: S) =>
  <A, Ts>(q: SelectQuery<A, Ts>): SelectQuery<Projected<S>, never> =>
    retype({ ...q, selection: Object.entries(fields).map(([key, e]): Field => ({ key, expr: toNode(e) })) })

/** GROUP BY. */
export const groupBy =
  (...exprs: ReadonlyArray<Expr<unknown>>) =>
  <Q extends AnySelect>(q: Q): Q => ({ ...q, groupBy: [...q.groupBy, ...exprs.map(toNode)] })

/** HAVING: a condition on groups. Several are AND-ed. */
export const having =
  (condition: Condition) =>
  <Q extends AnySelect>(q: Q): Q => ({ ...q, having: [...q.having, toNode(condition)] })

/**
 * Checks every row with an io-ts codec (after the columns are decoded by kind) and
 * types the rows as the codec's output. A row that fails is a Left `DecodeError`
 * giving the path of the bad field.
 */
export const decode =
  <B>(codec: t.Decoder<unknown, B>) =>
  <Q extends SelectQuery<unknown> | RawQuery<unknown>>(q: Q): Q extends SelectQuery<unknown> ? SelectQuery<B> : RawQuery<B> =>
    ({ ...q, [Codecs]: { ...q[Codecs], decoder: codec as t.Decoder<unknown, unknown> } }) as never

// -------------------------------------------------------------------------------------
// terminals
// -------------------------------------------------------------------------------------

/** What a terminal reads from: a select, or native SQL. */
export type Readable<A> = SelectQuery<A, unknown> | RawQuery<A>

const terminal = <R>(q: Readable<unknown>, mode: ResultMode, selection?: ReadonlyArray<Field>): Query<R> => {
  const codecs = q[Codecs]
  let statement: Statement
  if (q._tag === 'Query') statement = q.statement
  else {
    const { [Codecs]: _, ...plain } = q
    statement = selection === undefined ? plain : { ...plain, selection }
  }
  const out: Query<R> = { _tag: 'Query', statement, mode }
  return codecs === undefined ? out : { ...out, [Codecs]: codecs }
}

/** Every row. */
export const all = <A>(q: Readable<A>): Query<A[]> => terminal(q, 'all')

/** The first row, if any (a select gets LIMIT 1 unless it has a limit). */
export const first = <A>(q: Readable<A>): Query<Option<A>> => terminal(q, 'first')

/** Exactly one row: Left `NotFound` for none, Left `TooManyRows` for more than one. */
export const one = <A>(q: Readable<A>): Query<A> => terminal(q, 'one')

/** The number of rows the query returns (`SELECT count(*)`). */
export const count = <A>(q: Readable<A>): Query<number> => terminal(q, 'count')

/** Whether the query returns any row (`SELECT EXISTS (...)`). */
export const exists = <A>(q: Readable<A>): Query<boolean> => terminal(q, 'exists')

/**
 * One expression of the first row, if there is a row. On native SQL, `value()` takes
 * the first column.
 */
export function value<V>(e: Expr<V>): <A, Ts>(q: SelectQuery<A, Ts>) => Query<Option<V>>
export function value<V = unknown>(): <A>(q: RawQuery<A>) => Query<Option<V>>
export function value<V>(e?: Expr<V>) {
  return (q: Readable<unknown>): Query<Option<V>> =>
    terminal(q, 'value', e === undefined ? undefined : [{ key: 'value', expr: toNode(e) }])
}

/** One expression of every row. On native SQL, `values()` takes the first column. */
export function values<V>(e: Expr<V>): <A, Ts>(q: SelectQuery<A, Ts>) => Query<V[]>
export function values<V = unknown>(): <A>(q: RawQuery<A>) => Query<V[]>
export function values<V>(e?: Expr<V>) {
  return (q: Readable<unknown>): Query<V[]> =>
    terminal(q, 'values', e === undefined ? undefined : [{ key: 'value', expr: toNode(e) }])
}
