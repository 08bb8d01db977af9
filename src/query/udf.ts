/**
 * A typed call of a user-defined SQL function (one registered through `connect`'s
 * `functions` option, or by an extension): `udf<number>('half', t.x)`. The name is checked
 * and quoted as an identifier; the arguments are columns, expressions or bound values, as
 * in a `sql` template. A function SQLite does not know is its "no such function" Left when
 * the query runs.
 */
import type { ColumnKind } from '../schema/column.js'
import { isFunctionName } from '../schema/function-name.js'
import type { Expr } from './ast.js'
import { invalid } from './expr.js'
import type { Sql } from './sql.js'
import { sql } from './sql.js'

const call = <T>(name: string, args: ReadonlyArray<unknown>, kind: ColumnKind | undefined): Sql<T> | Expr<T> => {
  if (!isFunctionName(name)) {
    return invalid(
      `udf: ${JSON.stringify(String(name).slice(0, 100))} is not a function name; use letters, digits and _ (not starting with a digit)`
    )
  }
  const node = sql<T>`${sql.identifier(name)}(${sql.join(args)})`
  return kind === undefined ? node : { ...node, kind }
}

/**
 * `name(args...)`: a call of a user-defined (or extension) SQL function, typed `T`.
 * `udf.as(kind)` says how its result decodes (`'timestamp'`, `'boolean'`, ...).
 *
 * @param name - the function's SQL name (letters, digits and _); anything else is a Left `ValidationError`.
 * @param args - columns, expressions, or values (bound as parameters).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { integer, select, table, toSQL, udf, values } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), x: integer().notNull() })
 * assert.deepEqual(toSQL(pipe(select(t), values(udf<number>('half', t.x, 3)))), E.right({
 *   sql: 'SELECT "half"("t"."x", ?) AS "value" FROM "t"', params: [3]
 * }))
 * assert.ok(E.isLeft(toSQL(pipe(select(t), values(udf<number>('half); DROP TABLE t; --', t.x))))))
 * ```
 *
 * @category Functions
 */
export const udf: {
  <T = unknown>(name: string, ...args: ReadonlyArray<unknown>): Expr<T>
  /** A call whose result decodes as `kind`: `udf.as('timestamp')<Date>('last_seen', t.id)`. */
  readonly as: (kind: ColumnKind) => <T = unknown>(name: string, ...args: ReadonlyArray<unknown>) => Expr<T>
} = Object.assign(<T = unknown>(name: string, ...args: ReadonlyArray<unknown>): Expr<T> => call<T>(name, args, undefined), {
  as:
    (kind: ColumnKind) =>
    <T = unknown>(name: string, ...args: ReadonlyArray<unknown>): Expr<T> =>
      call<T>(name, args, kind)
})
