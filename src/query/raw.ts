/**
 * Native SQL as a query value: `raw(sql\`...\`)`. Run as it is, it is a write and gives
 * `{ changes, lastInsertRowid }`; piped through a terminal (`all`, `first`, `one`,
 * `value`, ...) it reads, optionally checked with `decode(codec)`. Values are bound;
 * identifiers come in through `sql.identifier`.
 */
import type { Query, RawStatement } from './ast.js'
import type { WriteResult } from './insert.js'
import type { Sql } from './sql.js'
import { invalid } from './expr.js'

declare const RowType: unique symbol

/** A native statement; `R` is the row type its reads give (declare it, or use `decode`). */
export interface RawQuery<R> extends Query<WriteResult> {
  readonly statement: RawStatement
  readonly [RowType]?: R
}

/** Native SQL: one statement written with the `sql` template. */
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
