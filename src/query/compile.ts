/**
 * The compiler: a query value -> SQL text and positional parameters. Pure: it knows
 * nothing of connections. One exhaustive switch per node kind.
 *
 * Text and values are written together, into one `SqlBuilder`: every `?` is appended at
 * the moment its value is, so no order of compiling clauses can put a value under
 * another clause's `?` (the bug class of an upsert's SET and WHERE, or a window's
 * function and PARTITION BY). No function here returns SQL text that holds a `?`.
 *
 * Every value is a bound parameter (`?`), so the SQL text depends only on the query's
 * shape: equal shapes give equal text, which is what the statement cache is keyed by.
 * `compile` also memoizes by query value, so running the same value again (the
 * placeholder pattern) skips the compiler entirely.
 *
 * The compiler also checks what SQLite would only find at run time, or not at all:
 * that every column belongs to a table in scope, that a union's members agree on their
 * keys and kinds, that a preload's relation fits the rows it loads onto.
 *
 * This file is the entry (`compile`, its memo, `toSQL`); the compiler's parts live beside it:
 *
 *   compiled.ts          the compiled form's types (what session, pool and rows import)
 *   sqltext.ts           quoting, literals, NOW_SQL, whitelists and limits
 *   compile/builder.ts   SqlBuilder: text and values written together, and the scope
 *   compile/expr.ts      expressions, ORDER BY, LIMIT
 *   compile/fields.ts    output fields and whole-table/join select lists
 *   compile/select.ts    selects, compounds, CTEs, the read modes
 *   compile/write.ts     insert, update, delete, native SQL
 *   compile/ddl.ts       CREATE TABLE/INDEX/VIEW and DDL expressions (what migrate imports)
 *   compile/preload.ts   preload planning
 *   compile/statement.ts one case per statement kind, failures turned into Lefts
 */
import * as E from 'fp-ts/lib/Either.js'
import type { SqlValue } from '../schema/column.js'
import type { DbError } from '../errors.js'
import { validationError } from '../errors.js'
import { memoOnObject } from '../memo.js'
import { shapeCache } from './shape.js'
import type { Query } from './ast.js'
import type { Compiled } from './compiled.js'
import { compileUncached } from './compile/statement.js'

/** Compiled forms by query value (see memo.ts for why not a plain WeakMap). */
const compiledForms = memoOnObject<Query<unknown>, E.Either<DbError, Compiled>>('fp-lite-orm/compiled')

/** Fresh values of a shape met before reuse its compiled form (shape.ts): one walk, no SQL built. */
export const shapes = shapeCache(compileUncached)

/** The compiled form memoized on this very value, if it was compiled before (a value built once, run often). */
export const compiledBefore = (q: Query<unknown>): E.Either<DbError, Compiled> | undefined => compiledForms.get(q)

/** Compiles a query value; the result is memoized by the value itself. */
export const compile = (q: Query<unknown>): E.Either<DbError, Compiled> => {
  if (typeof q !== 'object' || q === null || (q as { _tag?: unknown })._tag !== 'Query') {
    return E.left(
      validationError(
        'Expected a query value with a terminal (all, first, one, count, exists, value, values) or a write (insert, createTable).'
      )
    )
  }
  return compiledForms.get(q) ?? compiledForms.set(q, shapes.compile(q))
}

/**
 * How a query's SQL is shown: `{ sql, params }`, placeholders as `null` in params (bound at run time).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, eq, filter, integer, placeholder, select, table, toSQL } from 'fp-lite-orm'
 * import type { SqlText } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), n: integer() })
 * const shown: E.Either<unknown, SqlText> = toSQL(pipe(select(t), filter(eq(t.n, placeholder('n'))), count))
 * assert.deepEqual(shown, E.right({ sql: 'SELECT count(*) AS "count" FROM "t" WHERE "t"."n" IS ?', params: [null] }))
 * ```
 *
 * @category Queries
 */
export interface SqlText {
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
}

/**
 * The SQL and parameters of any query value, without running it. A query that runs
 * as several statements (a multi-row insert, a table with indexes) shows them joined
 * by `;\n`, with their parameters in order.
 *
 * @param q - a query value ready to run: a select piped through its terminal (`all`, `first`, `one`, `count`, ...), a
 *   write (`insert`, `update`, `deleteFrom`, with their combinators) or DDL (`createTable`). A select without a terminal,
 *   or anything that is not a query value, is a Left `ValidationError`; so is a query whose parts were refused when built
 *   (a bad row, a negative limit): nothing is thrown. An insert of no rows shows as `{ sql: '', params: [] }`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { desc, filter, first, gt, insert, integer, limit, orderBy, select, table, text, toSQL } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * assert.deepEqual(toSQL(pipe(select(users), filter(gt(users.age, 17)), orderBy(desc(users.age)), first)), E.right({
 *   sql: 'SELECT "users"."id", "users"."name", "users"."age" FROM "users" WHERE "users"."age" > ? ORDER BY "users"."age" DESC LIMIT 1',
 *   params: [17]
 * }))
 * assert.deepEqual(toSQL(insert(users, { name: 'Ann' })), E.right({ sql: 'INSERT INTO "users" ("name") VALUES (?)', params: ['Ann'] }))
 *
 * const bad = toSQL(pipe(select(users), limit(-1), first))   // bad input has no SQL
 * assert.ok(E.isLeft(bad) && bad.left._tag === 'ValidationError')
 * ```
 *
 * @category Queries
 */
export const toSQL = (q: Query<unknown>): E.Either<DbError, SqlText> =>
  E.map((c: Compiled) =>
    c.statements.length === 1
      ? { sql: c.statements[0]!.sql, params: c.statements[0]!.params }
      : { sql: c.statements.map((s) => s.sql).join(';\n'), params: c.statements.flatMap((s) => s.params) }
  )(compile(q))
