/**
 * `filter` and `where`: the WHERE clause, shared by selects, updates and deletes.
 */
import type { Expr, SelectQuery } from './ast.js'
import type { Condition } from './expr.js'
import { conditionNode } from './expr.js'
import type { DeleteQuery, UpdateQuery } from './write.js'
import type { RefsOf } from '../schema/column.js'
import type { Reading } from './select.js'

/**
 * Anything with a WHERE clause.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, deleteFrom, eq, filter, set, update, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { Filterable } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const byName = (name: string) => <Q extends Filterable>(q: Q): Q => pipe(q, filter(eq(users.name, name)))
 *
 * assert.deepEqual(s.run(pipe(select(users), byName('Ann'), count)), E.right(1))
 * assert.ok(E.isRight(s.run(pipe(update(users), set({ age: 32 }), byName('Ann')))))
 * assert.ok(E.isRight(s.run(pipe(deleteFrom(users), byName('Bob')))))
 * ```
 *
 * @category Queries
 */
export type Filterable = SelectQuery<unknown> | UpdateQuery<unknown, string> | DeleteQuery<unknown>

/**
 * Keeps the rows where `condition` holds (for an update or delete: the rows it touches). Several filters are AND-ed.
 *
 * @param condition - a condition on the query's tables (a column of another table is a type error, and a Left `ValidationError`
 *   from untyped code).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, deleteFrom, eq, filter, gte, lt, update, set, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), filter(gte(users.age, 18)), filter(lt(users.age, 65)), count)), E.right(1))   // AND-ed
 * assert.ok(E.isRight(s.run(pipe(update(users), set({ age: 18 }), filter(eq(users.name, 'Bob'))))))
 * assert.deepEqual(s.run(pipe(deleteFrom(users), filter(eq(users.age, null)))), E.right({ changes: 1, lastInsertRowid: 3 }))
 * ```
 *
 * @category Queries
 */
export const filter =
  <C extends Condition>(condition: C) =>
  <Q extends Filterable>(q: Q): Reading<Q, RefsOf<C>> => {
    const node = conditionNode('filter', condition)
    if (q._tag === 'Select') return { ...q, where: [...q.where, node] } as unknown as Reading<Q, RefsOf<C>>
    return { ...q, statement: { ...q.statement, where: [...q.statement.where, node] } } as unknown as Reading<Q, RefsOf<C>>
  }

/**
 * A raw condition: `where(sql\`${users.age} % 2 = 0\`)`. AND-ed with the other filters.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, sql, where, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * assert.deepEqual(s.run(pipe(select(users), where(sql`${users.age} % 2 = ${1}`), count)), E.right(2))   // 31 and 17
 * ```
 *
 * @category Queries
 */
// A sql template reads no table the types know of (its columns are not checked, see DESIGN.md).
export const where: (condition: Expr<unknown>) => <Q extends Filterable>(q: Q) => Q = filter as never
