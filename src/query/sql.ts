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
import { toNode, value } from './expr.js'

/** A `sql` template: an expression of type `T` (declare it: `sql<number>\`...\``). */
export type Sql<T> = SqlNode & Expr<T>

const arg = (v: unknown): ExprNode => {
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
 */
export const sql: {
  <T = unknown>(strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Sql<T>
  readonly identifier: (name: string) => Expr<unknown>
  readonly join: (items: ReadonlyArray<unknown>, separator?: Sql<unknown>) => Sql<unknown>
  readonly as: (kind: ColumnKind) => <T = unknown>(strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>) => Sql<T>
} = Object.assign(template, { identifier, join, as })
