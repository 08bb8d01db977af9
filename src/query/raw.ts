/**
 * Native SQL as a query value: `raw(sql\`...\`)`. Run as it is, it is a write and gives
 * `{ changes, lastInsertRowid }`; piped through a terminal (`all`, `first`, `one`,
 * `value`, ...) it reads, optionally checked with `decode(codec)`. Values are bound;
 * identifiers come in through `sql.identifier`.
 */
import type { Query, RawStatement, WriteResult } from './ast.js'
import type { Sql } from './sql.js'
import { invalid } from './expr.js'

declare const RowType: unique symbol

/**
 * A native statement; `R` is the row type its reads give (declare it, or use `decode`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, raw, sql, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { RawQuery } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const q: RawQuery<{ email: string }> = raw<{ email: string }>(sql`SELECT email FROM users ORDER BY id`)
 * assert.deepEqual(s.run(pipe(q, all)), E.right([{ email: 'ann@x.io' }, { email: 'bob@x.io' }]))
 * ```
 *
 * @category Queries
 */
export interface RawQuery<R> extends Query<WriteResult> {
  readonly statement: RawStatement
  readonly [RowType]?: R
}

/**
 * Native SQL: one statement written with the `sql` template.
 *
 * @param statement - one statement written with the `sql` template (its interpolated values are bound parameters); two
 *   statements, or an SQL error, is a Left when it runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, decode, first, raw, rowCodec, sql, value, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * // Without a terminal: a write.
 * assert.ok(E.isRight(s.run(raw(sql`UPDATE users SET visits = visits + ${1} WHERE id = ${1}`))))
 * // With a terminal: a read, rows as better-sqlite3 gives them...
 * assert.deepEqual(s.run(pipe(raw(sql`SELECT name, visits FROM users WHERE id = ${1}`), all)), E.right([{ name: 'Ann', visits: 1 }]))
 * // ...or decoded with a codec.
 * const typed = s.run(pipe(raw(sql`SELECT * FROM ${sql.identifier('users')} ORDER BY id`), decode(rowCodec(users)), first))
 * assert.ok(E.isRight(typed) && typed.right._tag === 'Some' && typed.right.value.email === 'ann@x.io')
 * assert.deepEqual(s.run(pipe(raw(sql`SELECT count(*) FROM users`), value<number>())), E.right({ _tag: 'Some', value: 2 }))
 * ```
 *
 * @category Queries
 */
export const raw = <R = Record<string, unknown>>(statement: Sql<unknown>): RawQuery<R> => {
  const ok = typeof statement === 'object' && statement !== null && (statement as { _tag?: unknown })._tag === 'Sql'
  return {
    _tag: 'Query',
    mode: 'run',
    statement: {
      _tag: 'Raw',
      sql: ok ? statement : { _tag: 'Sql', strings: ['', ''], args: [invalid('raw() takes a sql`...` template')] }
    }
  }
}
