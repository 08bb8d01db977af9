/**
 * The `sql` template: native SQL that stays safe. Inside it a column becomes its quoted,
 * qualified name, an expression its SQL, a select (without a terminal) its SQL in
 * parentheses, `sql.identifier(name)` a validated quoted identifier, and every other
 * value a bound parameter. There is no way to splice a string into the SQL text.
 */
import type { ColumnKind } from '../schema/column.js'
import { ColumnInfo } from '../schema/column.js'
import { isTable, tableInfo } from '../schema/table.js'
import type { Expr, ExprNode, IdentifierNode, SqlNode } from './ast.js'
import { isExprNode } from './ast.js'
import { guard, toNode, value } from './expr.js'

/**
 * A `sql` template: an expression of type `T` (declare it: `sql<number>\`...\``).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, orderBy, select, session, sql, table, values } from 'fp-lite-orm'
 * import type { Sql } from 'fp-lite-orm'
 *
 * const items = table('items', { id: integer().primaryKey(), price: integer().notNull(), qty: integer().notNull() })
 * const lineTotal: Sql<number> = sql<number>`${items.price} * ${items.qty}`
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(items))
 * s.run(insert(items, [{ price: 3, qty: 2 }, { price: 10, qty: 1 }]))
 * assert.deepEqual(s.run(pipe(select(items), orderBy(items.id), values(lineTotal))), E.right([6, 10]))
 * ```
 *
 * @category Queries
 */
export type Sql<T> = SqlNode & Expr<T>

const arg = (v: unknown): ExprNode => guard(() => argOf(v))

const argOf = (v: unknown): ExprNode => {
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    if (isTable(v)) return identifier(tableInfo(v).name)
    if (ColumnInfo in v || isExprNode(v) || (v as { _tag?: unknown })._tag === 'Select') return toNode(v)
  }
  return value(v)
}

const template = <T = unknown>(strings: TemplateStringsArray | ReadonlyArray<string>, ...values: ReadonlyArray<unknown>): Sql<T> => ({
  _tag: 'Sql',
  strings: [...strings],
  args: values.map(arg)
})

/** A quoted identifier from a name known only at run time; it is validated when compiled. */
const identifier = (name: string): IdentifierNode => ({ _tag: 'Identifier', name })

/** The items joined by a separator (a `sql` fragment, default `, `): `sql.join([1, 2, 3])`. */
const join = (items: ReadonlyArray<unknown>, separator: Sql<unknown> = template`, `): Sql<unknown> => {
  if (items.length === 0) return template``
  const strings: string[] = ['']
  const args: ExprNode[] = []
  items.forEach((item, i) => {
    if (i > 0) {
      // Splice the separator's own parts in, so nothing but template text becomes SQL.
      strings[strings.length - 1] += separator.strings[0] ?? ''
      separator.args.forEach((a, j) => {
        args.push(a)
        strings.push(separator.strings[j + 1] ?? '')
      })
    }
    args.push(arg(item))
    strings.push('')
  })
  return { _tag: 'Sql', strings, args }
}

/** Declares how the template's result decodes: `sql.as('timestamp')\`max(...)\``. */
const as =
  (kind: ColumnKind) =>
  <T = unknown>(strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Sql<T> => ({
    ...template<T>(strings, ...values),
    kind
  })

/**
 * Native SQL with bound values:
 * `sql\`${users.age} + ${1}\`` is `"users"."age" + ?` with `[1]`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, connect, createTable, desc, filter, insert, integer, orderBy, select, session, sql, table, text, toSQL, where } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }, { name: 'Cleo' }]))
 *
 * // Columns become quoted names, values bound parameters.
 * assert.deepEqual(toSQL(pipe(select(users), where(sql`length(${users.name}) > ${3}`), columns({ id: users.id }), all)), E.right({
 *   sql: 'SELECT "users"."id" AS "id" FROM "users" WHERE length("users"."name") > ?',
 *   params: [3]
 * }))
 *
 * const rows = s.run(pipe(
 *   select(users),
 *   columns({ name: users.name, long: sql.as('boolean')<boolean>`length(${users.name}) > 3` }),
 *   filter(sql<boolean>`${users.id} IN (${sql.join([1, 3])})`),
 *   orderBy(desc(sql`${sql.identifier('name')}`)),
 *   all
 * ))
 * assert.deepEqual(rows, E.right([{ name: 'Cleo', long: true }, { name: 'Ann', long: false }]))
 * ```
 *
 * @category Queries
 */
export const sql: {
  <T = unknown>(strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Sql<T>
  /**
   * A quoted identifier from a name known only at run time, validated when the query compiles.
   */
  readonly identifier: (name: string) => Expr<unknown>
  /**
   * The items joined by a separator fragment (default `, `), each bound or spliced as in a template.
   */
  readonly join: (items: ReadonlyArray<unknown>, separator?: Sql<unknown>) => Sql<unknown>
  /**
   * A template whose result decodes as `kind`: ``sql.as('timestamp')<Date>`max(...)` ``.
   */
  readonly as: (kind: ColumnKind) => <T = unknown>(strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>) => Sql<T>
} = Object.assign(template, { identifier, join, as })
