/**
 * `collate(expr, 'NOCASE')`: an expression compared and sorted under another collating
 * sequence, for ordering (`orderBy(asc(collate(users.name, 'NOCASE')))`), filters and index keys.
 */
import type { Collation, Refs, RefsOf, Typed } from '../schema/column.js'
import type { Expr, SqlNode } from './ast.js'
import { invalid, kindOf, toNode } from './expr.js'

/** SQLite's collation names are identifiers; only plain ones are written into SQL text. */
const COLLATION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The collation's SQL text, or a reason it is refused. */
export const collationSql = (c: unknown): string | { readonly problem: string } =>
  typeof c === 'string' && COLLATION_NAME.test(c) && c.length <= 255
    ? c.toUpperCase()
    : {
        problem: `the collation ${JSON.stringify(c)} is not a collation name (use NOCASE, RTRIM, BINARY, or a registered collation's name)`
      }

/**
 * The expression under a collating sequence: `expr COLLATE NOCASE`. It decodes as the expression does.
 *
 * @param e - a text column or expression.
 * @param collation - `'BINARY'`, `'NOCASE'`, `'RTRIM'`, or the name of a collation registered on the connection; a name that is
 *   not a valid identifier is a Left `ValidationError` when the query runs, an unknown collation a Left
 *   `SqliteError`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { asc, collate, connect, createTable, insert, integer, orderBy, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const words = table('words', { id: integer().primaryKey(), w: text().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(words))
 * s.run(insert(words, [{ w: 'b' }, { w: 'A' }, { w: 'a' }, { w: 'B' }]))
 * assert.deepEqual(s.run(pipe(select(words), orderBy(asc(words.w)), values(words.w))), E.right(['A', 'B', 'a', 'b']))
 * assert.deepEqual(
 *   s.run(pipe(select(words), orderBy(asc(collate(words.w, 'NOCASE')), asc(words.id)), values(words.w))),
 *   E.right(['A', 'a', 'b', 'B'])
 * )
 * ```
 *
 * @category Expressions
 */
export const collate = <E extends Expr<unknown>>(
  e: E,
  collation: Collation
): Expr<E extends Typed<infer V> ? V : unknown> & Refs<RefsOf<E>> => {
  const name = collationSql(collation)
  if (typeof name !== 'string') return invalid(`collate: ${name.problem}`)
  const node = toNode(e)
  const kind = kindOf(node)
  const out: SqlNode = { _tag: 'Sql', strings: ['', ` COLLATE ${name}`], args: [node], ...(kind === undefined ? {} : { kind }) }
  return out
}
