/**
 * Set operations and common table expressions.
 *
 *   pipe(select(a), columns({ name: a.name }), union(pipe(select(b), columns({ name: b.name }))), all)
 *
 *   const chain = withRecursive('chain',
 *     pipe(select(employees), filter(eq(employees.id, 1)), columns({ id: employees.id, depth: sql<number>`0` })),
 *     (self) => pipe(select(employees), join(self, eq(employees.bossId, self.id)),
 *                    columns({ id: employees.id, depth: sql<number>`${self.depth} + 1` })))
 *   pipe(select(chain), all)
 */
import type * as t from 'io-ts'
import type { AnyColumn, Column, ColumnKind } from '../schema/column.js'
import type { CteDef, Named } from '../schema/table.js'
import { TableInfo, checkIdentifier, jsonCodecOf, makeColumn, tableRef } from '../schema/table.js'
import type { CompoundPart, InScope, SelectQuery, SelectStatement } from './ast.js'
import { Codecs } from './ast.js'
import { kindOf, sourceColumn } from './expr.js'

// -------------------------------------------------------------------------------------
// set operations
// -------------------------------------------------------------------------------------

const plain = (q: SelectQuery<unknown, unknown>): SelectStatement => {
  const { [Codecs]: _, ...statement } = q
  return statement
}

/**
 * A compound reads the tables of all its members: an ORDER BY may name any member's column
 * (it stands for the result column at its place), and each member's own outer tables are
 * left for the enclosing query.
 */
const compound =
  (op: CompoundPart['op']) =>
  <B, S2 extends string, U2 extends string>(other: SelectQuery<B, unknown, S2, U2>) =>
  <A, Ts, S extends string, U extends string>(q: SelectQuery<A, Ts, S, U>): SelectQuery<A | B, never, S | S2, U | Exclude<U2, S2>> =>
    ({ ...q, compound: [...(q.compound ?? []), { op, select: plain(other) }] }) as SelectQuery<A | B, never, S | S2, U | Exclude<U2, S2>>

/**
 * Rows of either select, without duplicates. The selects must have the same columns.
 *
 * @param other - the second select, without a terminal: the same columns, in the same order, as the query it is applied to (SQLite refuses a different count as a Left `SqliteError`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { asc, orderBy, union, columns, connect, createTable, insert, integer, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const customers = table('customers', { id: integer().primaryKey(), email: text().notNull() })
 * const leads = table('leads', { id: integer().primaryKey(), email: text().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(customers)); s.run(createTable(leads))
 * s.run(insert(customers, [{ email: 'ann@x.io' }, { email: 'bob@x.io' }]))
 * s.run(insert(leads, [{ email: 'bob@x.io' }, { email: 'cleo@x.io' }]))
 * const customerEmails = pipe(select(customers), columns({ email: customers.email }))
 * const leadEmails = pipe(select(leads), columns({ email: leads.email }))
 *
 *
 * assert.deepEqual(s.run(pipe(customerEmails, union(leadEmails), orderBy(asc(customers.email)), values(customers.email))), E.right(['ann@x.io', 'bob@x.io', 'cleo@x.io']))
 * ```
 *
 * @category Queries
 */
export const union = compound('UNION')
/**
 * Rows of either select, duplicates kept.
 *
 * @param other - the second select, without a terminal: the same columns, in the same order, as the query it is applied to (SQLite refuses a different count as a Left `SqliteError`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, unionAll, columns, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const customers = table('customers', { id: integer().primaryKey(), email: text().notNull() })
 * const leads = table('leads', { id: integer().primaryKey(), email: text().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(customers)); s.run(createTable(leads))
 * s.run(insert(customers, [{ email: 'ann@x.io' }, { email: 'bob@x.io' }]))
 * s.run(insert(leads, [{ email: 'bob@x.io' }, { email: 'cleo@x.io' }]))
 * const customerEmails = pipe(select(customers), columns({ email: customers.email }))
 * const leadEmails = pipe(select(leads), columns({ email: leads.email }))
 *
 *
 * assert.deepEqual(s.run(pipe(customerEmails, unionAll(leadEmails), count)), E.right(4))   // bob twice
 * ```
 *
 * @category Queries
 */
export const unionAll = compound('UNION ALL')
/**
 * Rows in both selects.
 *
 * @param other - the second select, without a terminal: the same columns, in the same order, as the query it is applied to (SQLite refuses a different count as a Left `SqliteError`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { intersect, columns, connect, createTable, insert, integer, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const customers = table('customers', { id: integer().primaryKey(), email: text().notNull() })
 * const leads = table('leads', { id: integer().primaryKey(), email: text().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(customers)); s.run(createTable(leads))
 * s.run(insert(customers, [{ email: 'ann@x.io' }, { email: 'bob@x.io' }]))
 * s.run(insert(leads, [{ email: 'bob@x.io' }, { email: 'cleo@x.io' }]))
 * const customerEmails = pipe(select(customers), columns({ email: customers.email }))
 * const leadEmails = pipe(select(leads), columns({ email: leads.email }))
 *
 *
 * assert.deepEqual(s.run(pipe(customerEmails, intersect(leadEmails), values(customers.email))), E.right(['bob@x.io']))
 * ```
 *
 * @category Queries
 */
export const intersect = compound('INTERSECT')
/**
 * Rows of the first select that the second does not have.
 *
 * @param other - the second select, without a terminal: the same columns, in the same order, as the query it is applied to (SQLite refuses a different count as a Left `SqliteError`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { except, columns, connect, createTable, insert, integer, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const customers = table('customers', { id: integer().primaryKey(), email: text().notNull() })
 * const leads = table('leads', { id: integer().primaryKey(), email: text().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(customers)); s.run(createTable(leads))
 * s.run(insert(customers, [{ email: 'ann@x.io' }, { email: 'bob@x.io' }]))
 * s.run(insert(leads, [{ email: 'bob@x.io' }, { email: 'cleo@x.io' }]))
 * const customerEmails = pipe(select(customers), columns({ email: customers.email }))
 * const leadEmails = pipe(select(leads), columns({ email: leads.email }))
 *
 *
 * assert.deepEqual(s.run(pipe(leadEmails, except(customerEmails), values(leads.email))), E.right(['cleo@x.io']))
 * ```
 *
 * @category Queries
 */
export const except = compound('EXCEPT')

// -------------------------------------------------------------------------------------
// common table expressions
// -------------------------------------------------------------------------------------

/**
 * A common table expression, used like a table: `select(cte)`, `join(cte, ...)`, `cte.column`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, connect, createTable, filter, gt, insert, integer, select, session, table, values, withQuery } from 'fp-lite-orm'
 * import type { Cte } from 'fp-lite-orm'
 *
 * const orders = table('orders', { id: integer().primaryKey(), total: integer().notNull() })
 * const big: Cte<'big', { id: number; total: number }> = withQuery('big', pipe(select(orders), filter(gt(orders.total, 100)), columns({ id: orders.id, total: orders.total })))
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(orders))
 * s.run(insert(orders, [{ total: 50 }, { total: 500 }]))
 * assert.deepEqual(s.run(pipe(select(big), values(big.total))), E.right([500]))
 * ```
 *
 * @category Queries
 */
export type Cte<N extends string, A> = { readonly [K in keyof A & string]: Column<A[K], true, false, N> } & Named<N> & {
    readonly [TableInfo]: TableInfo
  }

/**
 * The CTE's columns: the select's projected fields (or its table's columns), with their
 * kinds, and a json column's codec carried over, so that the CTE's rows decode as the
 * rows they come from.
 */
const cteColumns = (s: SelectStatement): Array<{ key: string; kind: ColumnKind; codec?: t.Mixed }> =>
  (s.selection ?? s.from.columns.map((c) => ({ key: c.key, expr: c }))).map((f) => {
    const kind = kindOf(f.expr) ?? 'any'
    const source = kind === 'json' ? sourceColumn(f.expr) : undefined
    const codec = source === undefined ? undefined : jsonCodecOf(source)
    return codec === undefined ? { key: f.key, kind } : { key: f.key, kind, codec }
  })

/** A CTE's rows are flat: a join's rows nest by table, so a join needs columns({...}) to be one. */
const cteProblems = (s: SelectStatement): string[] =>
  s.selection?.some((f) => f.path !== undefined) === true
    ? ['a CTE or a derived table has flat columns: give each field of its columns({...}) a flat key (no nested objects)']
    : s.selection === undefined && s.joins.length > 0
      ? [
          `withQuery over a join needs columns({...}): the CTE's rows are flat, and a join's rows nest by table. ` +
            'Project the columns you need under unique keys.'
        ]
      : []

/**
 * A select whose rows can be a CTE's: projected (columns), or of one table. A join's nested
 * rows are a type error (and a ValidationError when the types cannot see it).
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { columns, eq, integer, join, select, table, withQuery } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id') })
 * const fine = withQuery('p', pipe(select(posts), join(users, eq(users.id, posts.userId)), columns({ post: posts.id, user: users.id })))
 * // @ts-expect-error a join's rows nest by table: project them with columns({...})
 * const nested = withQuery('q', pipe(select(posts), join(users, eq(users.id, posts.userId))))
 * void fine; void nested
 * ```
 *
 * @category Queries
 */
export type FlatSelect<A, Ts, S extends string = string, U extends string = string> = SelectQuery<A, Ts, S, U> &
  InScope<S, U> &
  ([Ts] extends [never] ? unknown : unknown extends Ts ? unknown : IsUnion<keyof Ts> extends true ? JoinNeedsColumns : unknown)

/**
 * What the types say of a join given to withQuery without columns({...}).
 *
 * @example
 * ```ts
 * import type { JoinNeedsColumns } from 'fp-lite-orm'
 *
 * // Only ever seen in an error message: a join given to withQuery without columns({...}).
 * const shown: keyof JoinNeedsColumns = 'withQuery over a join needs columns({...}): its rows nest by table'
 * void shown
 * ```
 *
 * @category Queries
 */
export interface JoinNeedsColumns {
  readonly 'withQuery over a join needs columns({...}): its rows nest by table': never
}

/**
 * `true` when `T` is a union of several types.
 *
 * @example
 * ```ts
 * import type { IsUnion } from 'fp-lite-orm'
 *
 * export const yes: IsUnion<'a' | 'b'> = true
 * export const no: IsUnion<'a'> = false
 * ```
 *
 * @category Queries
 */
export type IsUnion<T, U = T> = [T] extends [never] ? false : T extends unknown ? ([U] extends [T] ? false : true) : never

/**
 * A CTE as a table object. `definition` is what the WITH clause compiles; the
 * recursive step's handle on the CTE has none, so it refers to it by name only.
 */
const makeCte = <N extends string, A>(name: N, s: SelectStatement, definition: CteDef | undefined): Cte<N, A> => {
  const problems = [
    ...[checkIdentifier(name)].filter((p): p is string => p !== undefined).map((p) => `CTE name ${JSON.stringify(name)}: ${p}`),
    ...cteProblems(s)
  ]
  const columns: AnyColumn[] = cteColumns(s).map(({ key, kind, codec }) =>
    makeColumn(
      { kind, primaryKey: false, notNull: false, unique: false, sourceTable: name, ...(codec === undefined ? {} : { codec }) },
      name,
      key,
      key
    )
  )
  const info: TableInfo = Object.freeze({
    name,
    columns: Object.freeze(columns),
    primaryKey: [],
    indexes: [],
    strict: false,
    withoutRowid: false,
    problems,
    ref: tableRef(name, undefined, columns, definition)
  })
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const c of columns) out[c.key] = c
  return Object.freeze(Object.assign(out, { [TableInfo]: info })) as unknown as Cte<N, A>
}

/**
 * `WITH name AS (select)`: a named select, read like a table.
 *
 * @param name - the CTE's name (`WITH "name" AS ...`), read like a table name; any text (it is quoted).
 * @param q - a select without a terminal.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, connect, countAll, createTable, eq, groupBy, insert, integer, join, select, session, table, text, withQuery } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(posts))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1 }, { userId: 1 }, { userId: 2 }]))
 *
 * const perUser = withQuery('per_user', pipe(select(posts), columns({ userId: posts.userId, n: countAll() }), groupBy(posts.userId)))
 * const rows = s.run(pipe(select(users), join(perUser, eq(perUser.userId, users.id)), columns({ name: users.name, posts: perUser.n }), all))
 * assert.deepEqual(rows, E.right([{ name: 'Ann', posts: 2 }, { name: 'Bob', posts: 1 }]))
 * ```
 *
 * @category Queries
 */
export const withQuery = <N extends string, A, Ts, S extends string, U extends string>(name: N, q: FlatSelect<A, Ts, S, U>): Cte<N, A> => {
  const s = plain(q)
  return makeCte(name, s, { _tag: 'Cte', select: s })
}

/**
 * `WITH RECURSIVE name AS (base UNION [ALL] step)`: `step` receives the CTE itself to
 * join to, and walks a tree or graph to any depth (employee -> every report).
 *
 * @param name - the CTE's name; any text (it is quoted).
 * @param base - the starting rows: a select without a terminal.
 * @param step - a function from the CTE itself to the select of the next rows (joined to it); it must keep the base's
 *   columns.
 * @param options - `{ all: true }` for UNION ALL (keeps duplicates, faster; a graph with cycles then never ends: bound it with
 *   a depth column).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, connect, createTable, eq, filter, insert, integer, join, orderBy, select, session, sql, table, text, values, withRecursive } from 'fp-lite-orm'
 *
 * const employees = table('employees', { id: integer().primaryKey(), name: text().notNull(), bossId: integer('boss_id') })
 * const s = session(connect(':memory:'))
 * s.run(createTable(employees))
 * s.run(insert(employees, [{ name: 'Ada' }, { name: 'Bob', bossId: 1 }, { name: 'Cy', bossId: 2 }, { name: 'Di' }]))
 *
 * // Ada and everyone under her, at any depth.
 * const team = withRecursive(
 *   'team',
 *   pipe(select(employees), filter(eq(employees.id, 1)), columns({ id: employees.id, name: employees.name, depth: sql<number>`0` })),
 *   (self) => pipe(select(employees), join(self, eq(employees.bossId, self.id)), columns({ id: employees.id, name: employees.name, depth: sql<number>`${self.depth} + 1` }))
 * )
 * assert.deepEqual(s.run(pipe(select(team), orderBy(team.depth), values(team.name))), E.right(['Ada', 'Bob', 'Cy']))
 * ```
 *
 * @category Queries
 */
export const withRecursive = <N extends string, A>(
  name: N,
  base: SelectQuery<A, unknown>,
  step: (self: Cte<N, A>) => SelectQuery<A, unknown>,
  options: { readonly all?: boolean } = {}
): Cte<N, A> => {
  const b = plain(base)
  const self = makeCte<N, A>(name, b, undefined)
  return makeCte(name, b, { _tag: 'Cte', select: b, recursive: { step: plain(step(self)), all: options.all !== false } })
}

/**
 * A derived table: a select used as a table in FROM or a join, under `name`
 * (`FROM (SELECT ...) AS name`). Its columns are the projection's keys (or the table's
 * columns), typed and decoded like the rows they come from. Unlike a CTE it may take the
 * name of a table it reads.
 *
 * @param q - a select without a terminal (it may have its own order, limit, joins and grouping).
 * @param name - the name it is read under (`AS "name"`), also the key its rows nest under in joins; any text (it is
 *   quoted).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, connect, countAll, createTable, derived, eq, groupBy, gt, filter, insert, integer, join, orderBy, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(posts))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1 }, { userId: 1 }, { userId: 2 }]))
 *
 * const counts = derived(pipe(select(posts), columns({ userId: posts.userId, n: countAll() }), groupBy(posts.userId)), 'counts')
 * const busy = pipe(select(users), join(counts, eq(counts.userId, users.id)), filter(gt(counts.n, 1)), columns({ name: users.name, n: counts.n }), all)
 * assert.deepEqual(s.run(busy), E.right([{ name: 'Ann', n: 2 }]))
 * ```
 *
 * @category Queries
 */
export const derived = <A, Ts, S extends string, U extends string, N extends string>(q: FlatSelect<A, Ts, S, U>, name: N): Cte<N, A> => {
  const s = plain(q)
  return makeCte(name, s, { _tag: 'Cte', select: s, inline: true })
}
