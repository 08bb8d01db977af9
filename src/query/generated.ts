/**
 * `generated(expr, { stored })`: a generated column's definition, for the `generated`
 * table option. It lives with the queries because its expression is one.
 */
import type { ColumnKind, GeneratedDef, Typed } from '../schema/column.js'
import { kindOf, toNode } from './expr.js'

/**
 * The options of `generated()`: `stored` writes the value into the row when it is
 * written (STORED; the default, VIRTUAL, computes it when read); `kind` says how its
 * values decode when the expression does not (a `sql` template without `sql.as`).
 *
 * @example
 * ```ts
 * import { generated, sql } from 'fp-lite-orm'
 * import type { GeneratedOptions } from 'fp-lite-orm'
 *
 * const o: GeneratedOptions = { stored: true, kind: 'integer' }
 * void generated(sql<number>`1`, o)
 * ```
 *
 * @category Schema
 */
export interface GeneratedOptions {
  readonly stored?: boolean
  readonly kind?: ColumnKind
  /** The declared SQL type, when not the kind's (as `pull` writes for an adopted database). */
  readonly sqlType?: string
}

const KINDS: ReadonlySet<string> = new Set<ColumnKind>(['integer', 'bigint', 'real', 'text', 'blob', 'boolean', 'json', 'timestamp', 'any'])

/**
 * A generated column (GENERATED ALWAYS AS (expr) VIRTUAL or STORED), typed from its
 * expression. It is read like any column, and left out of `Insert` and `set()`.
 *
 * @param expr - the column's value as a typed expression of the table's other columns; the column decodes by its type.
 * @param options - `{ stored: true }` for a STORED column (computed on write, indexable); by default VIRTUAL (computed on
 *   read).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, generated, insert, integer, lower, real, select, session, sql, table, text, values } from 'fp-lite-orm'
 *
 * const items = table('items', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), qty: integer().notNull() }, {
 *   generated: (c) => ({
 *     total: generated(sql<number>`${c.price} * ${c.qty}`, { stored: true, kind: 'real' }),
 *     key: generated(lower(c.name))
 *   })
 * })
 * const s = session(connect(':memory:'))
 * s.run(createTable(items))
 * s.run(insert(items, { name: 'Pen', price: 1.5, qty: 4 }))
 * assert.deepEqual(s.run(pipe(select(items), values(items.total))), E.right([6]))
 * assert.deepEqual(s.run(pipe(select(items), values(items.key))), E.right(['pen']))
 * ```
 *
 * @category Schema
 */
export const generated = <T>(expr: Typed<T>, options: GeneratedOptions = {}): GeneratedDef<T> => {
  const node = toNode(expr)
  const problems = options.kind !== undefined && !KINDS.has(options.kind) ? [`unknown kind ${JSON.stringify(options.kind)}`] : []
  return Object.freeze({
    _tag: 'Generated' as const,
    expr: node,
    kind: problems.length === 0 ? (options.kind ?? kindOf(node) ?? 'any') : 'any',
    stored: options.stored === true,
    ...(options.sqlType === undefined ? {} : { sqlType: options.sqlType }),
    ...(problems.length === 0 ? {} : { problems })
  })
}
