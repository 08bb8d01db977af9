/**
 * JSON path access on json (or text) columns: `jsonExtract(col, '$.a.b')`, `jsonGet` (`->`,
 * JSON text) and `jsonValue` (`->>`, an SQL value). Usable wherever an expression is:
 * filters, ordering, projections, generated columns and index keys. Paths are checked
 * against SQLite's path syntax, then bound as parameters (in DDL, where SQLite takes none,
 * written as the checked literal).
 */
import type { ColumnKind, Refs, RefsOf, Typed } from '../schema/column.js'
import type { Expr, ExprNode, SqlNode } from './ast.js'
import { invalid, toNode, valueNode } from './expr.js'

/** `$`, then `.key`, `."quoted key"`, `[n]`, `[#]` or `[#-n]` steps. */
const PATH = /^\$(?:\.[A-Za-z_$][A-Za-z0-9_$]*|\."(?:[^"\\]|\\.)*"|\[(?:\d+|#(?:-\d+)?)\])*$/

/** Why a path is refused, or undefined. */
export const jsonPathProblem = (path: unknown): string | undefined =>
  typeof path !== 'string'
    ? `a JSON path must be a string, got ${typeof path}`
    : path.length > 1000 || !PATH.test(path)
      ? `${JSON.stringify(path.slice(0, 100))} is not a JSON path: write $ then .key, ."a key", [0], [#] or [#-1] steps (e.g. '$.address.city')`
      : undefined

const access = (
  what: string,
  strings: readonly [string, string, string],
  e: Typed<unknown>,
  path: string,
  kind: ColumnKind | undefined
): ExprNode => {
  const problem = jsonPathProblem(path)
  if (problem !== undefined) return invalid(`${what}: ${problem}`)
  const node: SqlNode = { _tag: 'Sql', strings: [...strings], args: [toNode(e), valueNode(path)], ...(kind === undefined ? {} : { kind }) }
  return node
}

/**
 * `json_extract(expr, path)`: the value at the path, as an SQL value (objects and arrays as
 * JSON text). `kind` says how it decodes (`'text'`, `'integer'`, ...; by default as it comes).
 *
 * @param e - a JSON column or a text expression holding JSON.
 * @param path - a JSON path (`'$.address.city'`, `'$[0]'`), bound as a parameter; SQLite reports a malformed path as a Left
 *   `SqliteError`.
 * @param kind - how to decode the value (`'text'`, `'integer'`, `'real'`, `'boolean'`, ...); by default as SQLite returns
 *   it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as t from 'io-ts'
 * import { asc, connect, createTable, eq, filter, insert, integer, json, jsonExtract, orderBy, select, session, table, values } from 'fp-lite-orm'
 *
 * const people = table('people', { id: integer().primaryKey(), data: json(t.type({ city: t.string, age: t.number })).notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(people))
 * s.run(insert(people, [{ data: { city: 'Oslo', age: 40 } }, { data: { city: 'Rome', age: 30 } }]))
 * const city = jsonExtract<string>(people.data, '$.city', 'text')
 * assert.deepEqual(s.run(pipe(select(people), filter(eq(city, 'Rome')), values(people.id))), E.right([2]))
 * assert.deepEqual(s.run(pipe(select(people), orderBy(asc(jsonExtract(people.data, '$.age'))), values(city))), E.right(['Rome', 'Oslo']))
 * ```
 *
 * @category Functions
 */
export const jsonExtract = <T = unknown, X extends Typed<unknown> = Typed<unknown>>(
  e: X,
  path: string,
  kind?: ColumnKind
): Expr<T | null> & Refs<RefsOf<X>> => access('jsonExtract', ['json_extract(', ', ', ')'], e, path, kind)

/**
 * `expr -> path`: the JSON text of the value at the path (`'"Oslo"'`, `'{"a":1}'`).
 *
 * @param e - a JSON column or a text expression holding JSON.
 * @param path - a JSON path (`'$.address'`) or a key, bound as a parameter; SQLite reports a malformed path as a Left
 *   `SqliteError`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { integer, jsonGet, select, table, text, toSQL, values } from 'fp-lite-orm'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * assert.deepEqual(toSQL(pipe(select(docs), values(jsonGet(docs.body, '$.tags[0]')))), E.right({
 *   sql: 'SELECT "docs"."body" -> ? AS "value" FROM "docs"', params: ['$.tags[0]']
 * }))
 * ```
 *
 * @category Functions
 */
export const jsonGet = <X extends Typed<unknown>>(e: X, path: string): Expr<string | null> & Refs<RefsOf<X>> =>
  access('jsonGet', ['', ' -> ', ''], e, path, 'text')

/**
 * `expr ->> path`: the value at the path as an SQL value (text, number or NULL).
 *
 * @param e - a JSON column or a text expression holding JSON.
 * @param path - a JSON path (`'$.address.city'`) or a key, bound as a parameter; SQLite reports a malformed path as a Left
 *   `SqliteError`.
 * @param kind - how to decode the value (`'text'`, `'integer'`, `'real'`, `'boolean'`, ...); by default as SQLite returns
 *   it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { filter, integer, jsonValue, eq, select, table, text, toSQL, count } from 'fp-lite-orm'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * const bad = toSQL(pipe(select(docs), filter(eq(jsonValue<string>(docs.body, 'city'), 'Oslo')), count))
 * assert.ok(E.isLeft(bad) && /not a JSON path/.test(bad.left.message))   // a path starts with $
 * ```
 *
 * @category Functions
 */
export const jsonValue = <T = unknown, X extends Typed<unknown> = Typed<unknown>>(
  e: X,
  path: string,
  kind?: ColumnKind
): Expr<T | null> & Refs<RefsOf<X>> => access('jsonValue', ['', ' ->> ', ''], e, path, kind)
