/**
 * `filter` and `where`: the WHERE clause, shared by selects, updates and deletes.
 */
import type { Expr, SelectQuery } from './ast.js'
import type { Condition } from './expr.js'
import { toNode } from './expr.js'
import type { DeleteQuery, UpdateQuery } from './write.js'

/** Anything with a WHERE clause. */
export type Filterable = SelectQuery<unknown> | UpdateQuery<unknown> | DeleteQuery<unknown>

/** Keeps the rows where `condition` holds (for an update or delete: the rows it touches). Several filters are AND-ed. */
export const filter =
  (condition: Condition) =>
  <Q extends Filterable>(q: Q): Q => {
    const node = toNode(condition)
    if (q._tag === 'Select') return { ...q, where: [...q.where, node] }
    return { ...q, statement: { ...q.statement, where: [...q.statement.where, node] } }
  }

/** A raw condition: `where(sql\`${users.age} % 2 = 0\`)`. AND-ed with the other filters. */
export const where: (condition: Expr<unknown>) => <Q extends Filterable>(q: Q) => Q = filter as never
