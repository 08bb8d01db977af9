/**
 * Views: `view(name, query)` is a schema object read like a table (selectable, joinable,
 * typed by the query's projection), created by `createView` and by migrations. Writing to
 * one is a type error: insert, update and deleteFrom take a `WritableTable`.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AnyColumn } from '../schema/column.js'
import type { TableInfo as TableInfoT, ViewMarker } from '../schema/table.js'
import { TableInfo, checkIdentifier, jsonCodecOf, makeColumn, tableInfo, tableRef } from '../schema/table.js'
import type { AnyTable } from '../schema/table.js'
import type { Query, SelectStatement, SqlNode } from './ast.js'
import { Codecs } from './ast.js'
import type { Cte, FlatSelect } from './compound.js'
import { createViewSql } from './compile/ddl.js'
import { quoteIdentifier } from './sqltext.js'
import { invalid, kindOf, sourceColumn } from './expr.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A view: its columns are the query's projected keys, typed; it has no `Insert`.
 *
 * @example
 * ```ts
 * import { columns, integer, select, table, text, view } from 'fp-lite-orm'
 * import type { Row, View } from 'fp-lite-orm'
 * import { pipe } from 'fp-ts/lib/function.js'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const names: View<'user_names', { id: number; name: string }> = view('user_names', pipe(select(users), columns({ id: users.id, name: users.name })))
 * const row: Row<typeof names> = { id: 1, name: 'Ann' }
 * void row
 * ```
 *
 * @category Schema
 */
export type View<N extends string, A> = Cte<N, A> & ViewMarker

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const plainSelect = (q: unknown): SelectStatement => {
  const { [Codecs]: _, ...statement } = q as SelectStatement & { [Codecs]?: unknown }
  return statement
}

/**
 * A view over a query (a select, with `columns({...})` or of one table, and no terminal).
 *
 * @param name - the view's name in SQL (any text: it is quoted).
 * @param q - a select without a terminal, with `columns({...})` or of one table; its values are written into the view's
 *   SQL as literals.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, connect, countAll, createTable, createView, eq, groupBy, insert, integer, join, orderBy, select, session, table, text, view } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull() })
 * const postCounts = view('post_counts', pipe(select(posts), columns({ userId: posts.userId, n: countAll() }), groupBy(posts.userId)))
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(posts)); s.run(createView(postCounts))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1 }, { userId: 1 }, { userId: 2 }]))
 * const rows = s.run(pipe(select(users), join(postCounts, eq(postCounts.userId, users.id)), columns({ name: users.name, n: postCounts.n }), orderBy(users.id), all))
 * assert.deepEqual(rows, E.right([{ name: 'Ann', n: 2 }, { name: 'Bob', n: 1 }]))
 * ```
 *
 * @category Schema
 */
export const view = <A, Ts, S extends string, U extends string, N extends string>(name: N, q: FlatSelect<A, Ts, S, U>): View<N, A> => {
  const s = plainSelect(q)
  const problems: string[] = []
  const p = checkIdentifier(name) ?? (/^sqlite_/i.test(name) ? 'names beginning with sqlite_ are reserved by SQLite' : undefined)
  if (p !== undefined) problems.push(`view name ${JSON.stringify(name)}: ${p}`)
  if (s.selection?.some((f) => f.path !== undefined) === true)
    problems.push(`view ${name}: its columns({...}) must be flat (no nested objects)`)
  if (s.selection === undefined && s.joins.length > 0)
    problems.push(`view ${name} over a join needs columns({...}): a view's rows are flat`)
  const fields = s.selection ?? s.from.columns.map((c) => ({ key: c.key, expr: c }))
  const columns: AnyColumn[] = fields.map((f) => {
    const kind = kindOf(f.expr) ?? 'any'
    const source = kind === 'json' ? sourceColumn(f.expr) : undefined
    const codec = source === undefined ? undefined : jsonCodecOf(source)
    return makeColumn(
      { kind, primaryKey: false, notNull: false, unique: false, sourceTable: name, ...(codec === undefined ? {} : { codec }) },
      name,
      f.key,
      f.key
    )
  })
  const info: TableInfoT = Object.freeze({
    name,
    columns: Object.freeze(columns),
    primaryKey: [],
    indexes: [],
    strict: false,
    withoutRowid: false,
    problems,
    view: Object.freeze({ select: s }),
    // A plain table reference: a view is read by its name, like a table.
    ref: tableRef(name, undefined, columns)
  })
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const c of columns) out[c.key] = c
  return Object.freeze(Object.assign(out, { [TableInfo]: info })) as unknown as View<N, A>
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/** True for view objects. */
export const isView = (u: unknown): boolean => {
  try {
    return typeof u === 'object' && u !== null && TableInfo in u && tableInfo(u as AnyTable).view !== undefined
  } catch {
    return false
  }
}

/**
 * The CREATE VIEW text of a view (for migrations), or why it has none.
 * @internal
 */
export const viewSql = (v: AnyTable, ifNotExists: boolean): E.Either<string, string> => {
  const info = tableInfo(v)
  if (info.view === undefined) return E.left(`${info.name} is not a view`)
  if (info.problems.length > 0) return E.left(info.problems.join('; '))
  return E.mapLeft((e: { readonly message: string }) => e.message)(
    createViewSql(
      info.name,
      info.columns.map((c) => c.key),
      info.view.select as SelectStatement,
      ifNotExists
    )
  )
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

const ddlQuery = (text: E.Either<string, string>): Query<void> => {
  const sqlNode: SqlNode = E.isRight(text)
    ? { _tag: 'Sql', strings: [text.right], args: [] }
    : { _tag: 'Sql', strings: ['', ''], args: [invalid(text.left)] }
  return { _tag: 'Query', mode: 'void', statement: { _tag: 'Raw', sql: sqlNode } }
}

/**
 * CREATE VIEW IF NOT EXISTS, as a query value (the view's values are written as literals).
 *
 * @param v - a view from `view(name, query)`; a problem found in its query is a Left `ValidationError` when this runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, createView, filter, gt, integer, select, table, toSQL, view } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), age: integer() })
 * const adults = view('adults', pipe(select(users), filter(gt(users.age, 17)), columns({ id: users.id })))
 * assert.deepEqual(pipe(toSQL(createView(adults)), E.map((q) => q.sql)), E.right(
 *   'CREATE VIEW IF NOT EXISTS "adults" ("id") AS SELECT "users"."id" AS "id" FROM "users" WHERE "users"."age" > 17'
 * ))
 * ```
 *
 * @category Schema
 */
export const createView = (v: AnyTable & ViewMarker): Query<void> => ddlQuery(viewSql(v, true))

/**
 * DROP VIEW IF EXISTS, as a query value.
 *
 * @param v - the view to drop (only its name is used; a view that does not exist is no error).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { dropView, integer, select, table, toSQL, view } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * assert.deepEqual(pipe(toSQL(dropView(view('everyone', select(users)))), E.map((q) => q.sql)), E.right('DROP VIEW IF EXISTS "everyone"'))
 * ```
 *
 * @category Schema
 */
export const dropView = (v: AnyTable & ViewMarker): Query<void> =>
  ddlQuery(
    E.tryCatch(
      () => `DROP VIEW IF EXISTS ${quoteIdentifier(tableInfo(v).name)}`,
      (e) => (e as { message?: string }).message ?? String(e)
    )
  )
