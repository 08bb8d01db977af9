/**
 * Set operations and common table expressions.
 *
 *   pipe(select(a), columns({ name: a.name }), union(pipe(select(b), columns({ name: b.name }))), all)
 *
 *   const chain = withRecursive('chain',
 *     pipe(select(employees), filter(eq(employees.id, 1)), columns({ id: employees.id, depth: sql<number>`0` })),
 *     (self) => pipe(select(employees), join(self, eq(employees.bossId, self.id)),
 *                    columns({ id: employees.id, depth: sql<number>`${self.depth} + 1` })))
 *   pipe(select(chain), all)
 */
import type { AnyColumn, Column, ColumnKind } from '../schema/column.js'
import type { CteDef, Named } from '../schema/table.js'
import { TableInfo, checkIdentifier, makeColumn, tableRef } from '../schema/table.js'
import type { CompoundPart, SelectQuery, SelectStatement } from './ast.js'
import { Codecs } from './ast.js'
import { kindOf } from './expr.js'

// -------------------------------------------------------------------------------------
// set operations
// -------------------------------------------------------------------------------------

const plain = (q: SelectQuery<unknown, unknown>): SelectStatement => {
  const { [Codecs]: _, ...statement } = q
  return statement
}

const compound =
  (op: CompoundPart['op']) =>
  <B>(other: SelectQuery<B, unknown>) =>
  <A, Ts>(q: SelectQuery<A, Ts>): SelectQuery<A | B, never> =>
    ({ ...q, compound: [...(q.compound ?? []), { op, select: plain(other) }] }) as SelectQuery<A | B, never>

/** Rows of either select, without duplicates. The selects must have the same columns. */
export const union = compound('UNION')
/** Rows of either select, duplicates kept. */
export const unionAll = compound('UNION ALL')
/** Rows in both selects. */
export const intersect = compound('INTERSECT')
/** Rows of the first select that the second does not have. */
export const except = compound('EXCEPT')

// -------------------------------------------------------------------------------------
// common table expressions
// -------------------------------------------------------------------------------------

/** A common table expression, used like a table: `select(cte)`, `join(cte, ...)`, `cte.column`. */
export type Cte<N extends string, A> = { readonly [K in keyof A & string]: Column<A[K], true, false> } & Named<N> & {
  readonly [TableInfo]: TableInfo
}

/** The CTE's columns: the select's projected fields (or its table's columns), with their kinds. */
const cteColumns = (s: SelectStatement): Array<{ key: string; kind: ColumnKind }> =>
  s.selection !== undefined
    ? s.selection.map((f) => ({ key: f.key, kind: kindOf(f.expr) ?? 'any' }))
    : s.from.columns.map((c) => ({ key: c.key, kind: c.kind }))

/**
 * A CTE as a table object. `definition` is what the WITH clause compiles; the
 * recursive step's handle on the CTE has none, so it refers to it by name only.
 */
const makeCte = <N extends string, A>(name: N, s: SelectStatement, definition: CteDef | undefined): Cte<N, A> => {
  const problems = [checkIdentifier(name)].filter((p): p is string => p !== undefined).map((p) => `CTE name ${JSON.stringify(name)}: ${p}`)
  const columns: AnyColumn[] = cteColumns(s).map(({ key, kind }) =>
    makeColumn({ kind, primaryKey: false, notNull: false, unique: false, sourceTable: name }, name, key, key)
  )
  const info: TableInfo = Object.freeze({
    name,
    columns: Object.freeze(columns),
    primaryKey: [],
    indexes: [],
    strict: false,
    withoutRowid: false,
    problems,
    ref: tableRef(name, undefined, columns, definition)
  })
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const c of columns) out[c.key] = c
  return Object.freeze(Object.assign(out, { [TableInfo]: info })) as unknown as Cte<N, A>
}

/** `WITH name AS (select)`: a named select, read like a table. */
export const withQuery = <N extends string, A>(name: N, q: SelectQuery<A, unknown>): Cte<N, A> => {
  const s = plain(q)
  return makeCte(name, s, { _tag: 'Cte', select: s })
}

/**
 * `WITH RECURSIVE name AS (base UNION [ALL] step)`: `step` receives the CTE itself to
 * join to, and walks a tree or graph to any depth (employee -> every report).
 */
export const withRecursive = <N extends string, A>(
  name: N,
  base: SelectQuery<A, unknown>,
  step: (self: Cte<N, A>) => SelectQuery<A, unknown>,
  options: { readonly all?: boolean } = {}
): Cte<N, A> => {
  const b = plain(base)
  const self = makeCte<N, A>(name, b, undefined)
  return makeCte(name, b, { _tag: 'Cte', select: b, recursive: { step: plain(step(self)), all: options.all !== false } })
}
