/**
 * Inserts. `insert(users, row)` or `insert(users, [row, ...])` is a query value whose
 * values are already checked (by the rules of `insertCodec`) and encoded: a bad row
 * makes the whole query a Left `ValidationError` when run, before any SQL, so nothing
 * is written. Defaults are filled in here; `defaultNow()` is taken by SQLite.
 *
 * The conflict combinators live here, beside `insert`: `onConflictDoNothing`,
 * `onConflictDoUpdate` (with `excluded` / `excludedAll`), `orReplace`, `orIgnore`.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AnyColumn, Column, ColumnKind, Typed } from '../schema/column.js'
import { ColumnInfo } from '../schema/column.js'
import { expectedOf, isInsertOptional, tableCodecs } from '../schema/codec.js'
import type { AnyTable, ColumnsOf, Insert, WritableTable } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import { describeValue } from '../errors.js'
import type { ConflictClause, Expr, ExprNode, Field, InScope, InsertStatement, SelectQuery } from './ast.js'
import { Codecs } from './ast.js'
import type { Placeholder } from './expr.js'
import { kindOf, toNode, valueNode } from './expr.js'
import { columnSpec, columnValue } from './values.js'
import type { InsertQuery, SetValues } from './write.js'
import { addProblems, assignments } from './write.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * An insert's row: every value may also be a placeholder, bound when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { placeholder, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { InsertValues } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const row: InsertValues<typeof users> = { email: placeholder('email'), name: placeholder('name') }
 * const add = insert(users, row)   // compiled and prepared once
 * assert.ok(E.isRight(s.run(add, { email: 'cleo@x.io', name: 'Cleo' })))
 * assert.ok(E.isRight(s.run(add, { email: 'dee@x.io', name: 'Dee' })))
 * const bad = s.run(add, { email: 'eve@x.io', name: null })
 * assert.ok(E.isLeft(bad) && bad.left._tag === 'ValidationError')   // name is NOT NULL
 * ```
 *
 * @category Writes
 */
export type InsertValues<T> = { [K in keyof Insert<T>]: Insert<T>[K] | Placeholder | Expr<Insert<T>[K]> }

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Inserts one row, or many in one transaction through one prepared statement.
 * Result: `{ changes, lastInsertRowid }` (for many rows: the total, and the last rowid).
 *
 * @param table - the table written, from `table(...)` (a view is a type error). A table whose schema has problems makes
 *   the insert a Left `ValidationError` when run.
 * @param rows - one row, or an array of rows, each an object by schema key: a value of the column's type, an expression
 *   or a `placeholder`. Columns left out get their default (or NULL when nullable); `undefined` counts as left out; only
 *   own properties are read. A missing required column, an unknown or generated column, a value its column refuses, or a
 *   row that is not an object makes the whole insert a Left `ValidationError` when run, before any SQL: nothing is
 *   written. An empty array writes nothing (`{ changes: 0, lastInsertRowid: 0 }`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * assert.deepEqual(s.run(insert(users, { email: 'cleo@x.io', name: 'Cleo' })), E.right({ changes: 1, lastInsertRowid: 3 }))
 * assert.deepEqual(s.run(insert(users, [{ email: 'dee@x.io', name: 'Dee' }, { email: 'eve@x.io', name: 'Eve', visits: 2 }])), E.right({ changes: 2, lastInsertRowid: 5 }))
 *
 * // Checked before any SQL runs: nothing is written.
 * const bad = s.run(insert(users, [{ email: 'fay@x.io', name: 'Fay' }, { email: 'gus@x.io', name: 'Gus', visits: -0.5 }]))
 * assert.ok(E.isLeft(bad) && bad.left._tag === 'ValidationError')
 * assert.deepEqual(s.run(pipe(select(users), count)), E.right(5))
 * ```
 *
 * @category Writes
 */
export function insert<T extends WritableTable>(table: T, rows: InsertValues<T> | ReadonlyArray<InsertValues<T>>): InsertQuery<T>
/**
 * From a select instead of values: `INSERT INTO table (...) SELECT ...`, the rows made by SQLite in one statement
 * (`pipe(select(users), columns({ name: users.name }))` as the source). Columns the select leaves out get their
 * defaults; a column whose default is a function must be selected (one value would serve every row).
 *
 * @param table - the table written, as above.
 * @param source - a select (before any terminal) whose flat `columns({...})` keys are schema keys of `table`, each of the
 *   column's kind; without `columns`, its table's columns by key. Keys the table lacks or a required column it does not
 *   give are type errors; at run time those, a generated column, a nested object or a value of another kind are a Left
 *   `ValidationError` before any SQL.
 */
export function insert<T extends WritableTable, P, S extends string, U extends string>(
  table: T,
  source: SelectQuery<P, unknown, S, U> & InsertFrom<T, P> & InScope<S, U>
): InsertQuery<T>
export function insert<T extends WritableTable>(table: T, rows: unknown): InsertQuery<T> {
  return isSelect(rows) ? insertFrom(table, rows) : insertValues(table, rows as InsertValues<T>)
}

const isSelect = (u: unknown): u is SelectQuery<unknown> => {
  try {
    return typeof u === 'object' && u !== null && !Array.isArray(u) && (u as { _tag?: unknown })._tag === 'Select'
  } catch {
    return false // a value that throws when read: insertValues reports it
  }
}

/**
 * What `insert(table, select)` requires of the select's rows: they are inserts of the table
 * (its required columns, values of the columns' types), and name no other column.
 *
 * @example
 * ```ts
 * import type { InsertFrom } from 'fp-lite-orm'
 * import { integer, table, text } from 'fp-lite-orm'
 *
 * const archive = table('archive', { id: integer().primaryKey(), name: text().notNull() })
 * const fits: InsertFrom<typeof archive, { name: string }> = {}
 * const extra: InsertFrom<typeof archive, { name: string; age: number }> = { 'the select names columns the table does not have': 'age' }
 * void fits; void extra
 * ```
 *
 * @category Writes
 */
export type InsertFrom<T, P> = [Exclude<keyof P, keyof Insert<T>>] extends [never]
  ? P extends Insert<T>
    ? unknown
    : { readonly "the select's rows are not inserts of the table (a required column, or a value's type)": Insert<T> }
  : { readonly 'the select names columns the table does not have': Exclude<keyof P, keyof Insert<T>> }

/** Kinds whose values one may store in the other's column as they are. */
const storable = (column: ColumnKind, value: ColumnKind | undefined): boolean =>
  value === undefined ||
  value === 'any' ||
  column === 'any' ||
  value === column ||
  ((column === 'integer' || column === 'real' || column === 'bigint') && (value === 'integer' || value === 'real' || value === 'bigint'))

/**
 * INSERT ... SELECT: the select's fields, by key, are the columns written. Columns it leaves
 * out get their defaults as the statement's own expressions (a value, the time); a column
 * whose default is a function would get one value for every row, so it must be selected.
 */
const insertFrom = <T extends AnyTable>(table: T, source: SelectQuery<unknown>): InsertQuery<T> => {
  const info = tableInfo(table)
  const problems: string[] = [...info.problems]
  const { [Codecs]: _, ...select } = source
  const fields: ReadonlyArray<Field> = select.selection ?? select.from.columns.map((c): Field => ({ key: c.key, expr: c }))
  const byKey = new Map(info.columns.map((c) => [c.key, c] as const))
  if (fields.some((f) => f.path !== undefined))
    problems.push('the select of an insert has flat columns: no nested objects in its columns({...})')
  for (const f of fields) {
    const c = byKey.get(f.key)
    if (c?.[ColumnInfo].generated !== undefined) {
      problems.push(`the select gives ${info.name}.${f.key}, a generated column: SQLite computes it, so an insert cannot give it`)
    } else if (c === undefined) {
      problems.push(
        `the select gives ${JSON.stringify(f.key)}, which is not a column (the columns of ${info.name} are ${[...byKey.keys()].join(', ')})`
      )
    } else if (!storable(c.kind, kindOf(f.expr))) {
      problems.push(`the select gives ${f.key} as ${kindOf(f.expr) ?? 'a value'}, but the column is ${c.kind}: project a value of its kind`)
    }
  }
  const given = new Set(fields.map((f) => f.key))
  const defaults: Field[] = []
  for (const c of info.columns) {
    if (given.has(c.key)) continue
    const d = c[ColumnInfo].default
    if (d === undefined) {
      if (!isInsertOptional(c))
        problems.push(`the select does not give the required column ${c.key} (${expectedOf(c.kind, c[ColumnInfo].codec)})`)
    } else if (d._tag === 'Now') defaults.push({ key: c.key, expr: { _tag: 'Now' } })
    else if (d._tag === 'Value') defaults.push({ key: c.key, expr: encodeCell(c, d.value, 0, problems) })
    else if (d._tag === 'Expr') defaults.push({ key: c.key, expr: toNode(d.expr) })
    else problems.push(`${c.key} has a function default, which would give every row the same value: give it in the select`)
  }
  const selection = [...fields, ...defaults]
  const columnNames = selection.map((f) => byKey.get(f.key)?.name ?? f.key)
  const codecs = tableCodecs(info.columns)
  const q: InsertQuery<T> = {
    _tag: 'Query',
    statement: {
      _tag: 'Insert',
      table: info.ref,
      columns: columnNames,
      rows: [],
      select: { ...select, selection },
      ...(problems.length > 0 ? { problems: problems.map((p) => `insert into ${info.name} select: ${p}`) } : {})
    },
    mode: 'run'
  }
  return { ...q, [Codecs]: codecs === undefined ? { target: table } : { columns: codecs, target: table } }
}

const insertValues = <T extends AnyTable>(table: T, rows: InsertValues<T> | ReadonlyArray<InsertValues<T>>): InsertQuery<T> => {
  const info = tableInfo(table)
  const problems: string[] = [...info.problems]
  let cells: ExprNode[][]
  let written: ReadonlyArray<AnyColumn> = []
  try {
    const list: ReadonlyArray<unknown> = Array.isArray(rows) ? rows : [rows]
    written = writtenColumns(info.name, info.columns, list, problems)
    cells = problems.length > 0 ? [] : list.map((row, i) => written.map((c) => cell(c, own(row as object, c.key), i, problems)))
  } catch (e) {
    // A row that throws when read (a Proxy's trap, a getter): refused, never thrown.
    problems.push(`a row threw when read (${e instanceof Error ? e.message : describeValue(e)}); pass plain objects`)
    cells = []
  }
  const codecs = tableCodecs(info.columns)
  const q: InsertQuery<T> = {
    _tag: 'Query',
    statement: {
      _tag: 'Insert',
      table: info.ref,
      columns: written.map((c) => c.name),
      rows: cells,
      ...(problems.length > 0 ? { problems: problems.map((p) => `insert into ${info.name}, ${p}`) } : {})
    },
    mode: 'run'
  }
  return { ...q, [Codecs]: codecs === undefined ? { target: table } : { columns: codecs, target: table } }
}

/**
 * A row's own value for a key. Only own properties count: a value inherited from a
 * prototype (`Object.prototype.isAdmin = true` set anywhere in the app) is not the row's.
 */
const own = (row: object, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(row, key) ? (row as Record<string, unknown>)[key] : undefined

/** The columns written: those any row gives, and those with a default; problems for rows that are not rows. */
const writtenColumns = (
  tableName: string,
  columns: ReadonlyArray<AnyColumn>,
  list: ReadonlyArray<unknown>,
  problems: string[]
): AnyColumn[] => {
  const known = new Map(columns.map((c) => [c.key, c] as const))
  const given = new Set<string>()
  list.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      problems.push(`row ${i}: expected an object with the columns of ${tableName}, got ${describeValue(row)}`)
      return
    }
    // for-in, not Object.entries: no array per row and per key on a 1,000-row insert.
    for (const k in row) {
      if (!Object.prototype.hasOwnProperty.call(row, k) || (row as Record<string, unknown>)[k] === undefined) continue
      const c = known.get(k)
      if (c === undefined)
        problems.push(`row ${i}: unknown column ${JSON.stringify(k)} (the columns of ${tableName} are ${[...known.keys()].join(', ')})`)
      else if (c[ColumnInfo].generated !== undefined)
        problems.push(`row ${i}: ${tableName}.${k} is a generated column: SQLite computes it, so an insert cannot give it`)
      else given.add(k)
    }
    for (const c of columns) {
      if (own(row, c.key) === undefined && !isInsertOptional(c)) {
        problems.push(`row ${i}: missing required column ${c.key} (${expectedOf(c.kind, c[ColumnInfo].codec)})`)
      }
    }
  })
  return columns.filter((c) => given.has(c.key) || c[ColumnInfo].default !== undefined)
}

const cell = (c: AnyColumn, v: unknown, row: number, problems: string[]): ExprNode => {
  const info = c[ColumnInfo]
  if (v === undefined) {
    const d = info.default
    // Required columns were checked for every row already; this one is nullable.
    if (d === undefined) return valueNode(null)
    if (d._tag === 'Now') return { _tag: 'Now' }
    // defaultExpr: the expression itself, so SQLite computes it for this row as DEFAULT would.
    if (d._tag === 'Expr') return toNode(d.expr)
    let dv: unknown
    if (d._tag === 'Thunk') {
      try {
        dv = d.thunk()
      } catch (e) {
        problems.push(`row ${row}: the default of ${c.key} threw: ${e instanceof Error ? e.message : String(e)}`)
        return valueNode(null)
      }
    } else dv = d.value
    return encodeCell(c, dv, row, problems)
  }
  return encodeCell(c, v, row, problems)
}

const encodeCell = (c: AnyColumn, v: unknown, row: number, problems: string[]): ExprNode => {
  const r = columnValue(columnSpec(c), v)
  if (E.isRight(r)) return r.right
  problems.push(`row ${row}: ${r.left}`)
  return valueNode(null)
}

// -------------------------------------------------------------------------------------
// combinators: conflicts (ON CONFLICT, OR REPLACE, OR IGNORE)
// -------------------------------------------------------------------------------------

/**
 * `excluded.col` in `onConflictDoUpdate`'s `set`: the value the insert tried to write.
 * `set: { hits: sql\`${users.hits} + ${excluded(users.hits)}\` }`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { excluded, onConflictDoUpdate, returning, sql, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const visit = (email: string) =>
 *   pipe(
 *     insert(users, { email, name: email, visits: 1 }),
 *     onConflictDoUpdate({ target: users.email, set: { visits: sql<number>`${users.visits} + ${excluded(users.visits)}` } }),
 *     returning({ visits: users.visits })
 *   )
 * assert.deepEqual(s.run(visit('ann@x.io')), E.right([{ visits: 1 }]))
 * assert.deepEqual(s.run(visit('ann@x.io')), E.right([{ visits: 2 }]))
 * ```
 *
 * @param c - a column of the table inserted into: the result reads as `excluded."name"`, the value the conflicting
 *   row tried to write. Only meaningful in `onConflictDoUpdate`'s `set` and `where`: anywhere else it is a Left
 *   `ValidationError` (excluded is not in scope); a column the inserted table lacks is a Left `SqliteError` (no such
 *   column) when the statement is prepared.
 *
 * @category Writes
 */
export const excluded = <T>(c: Column<T, boolean, boolean>): Expr<T> => ({ ...c[ColumnInfo].ref, table: 'excluded' })

/**
 * `set` for an upsert that takes every column from the row that conflicted, except the
 * primary key (and any named in `except`): typed as the table's `set` values.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, excludedAll, filter, onConflictDoUpdate, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const upsert = pipe(insert(users, { email: 'ann@x.io', name: 'Ann Smith', visits: 7 }), onConflictDoUpdate({ target: users.email, set: excludedAll(users, { except: ['visits'] }) }))
 * assert.ok(E.isRight(s.run(upsert)))
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.id, 1)), values(users.name))), E.right(['Ann Smith']))
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.id, 1)), values(users.visits))), E.right([0]))   // kept
 * ```
 *
 * @param table - the table inserted into (the same as `insert`'s): every column but its primary key becomes
 *   `excluded.column`. Its generated columns are left out too (SQLite computes them from the columns set).
 * @param options - `{ except }`: schema keys of columns to leave as they are in the existing row. A key that is not a
 *   column is a type error, and is ignored at run time. By default `{}` (every column but the primary key).
 *
 * @category Writes
 */
export const excludedAll = <T extends AnyTable>(
  table: T,
  options: { readonly except?: ReadonlyArray<keyof ColumnsOf<T>> } = {}
): SetValues<T> => {
  const info = tableInfo(table)
  const skip = new Set<string>([...info.primaryKey, ...((options.except ?? []) as ReadonlyArray<string>)])
  const out: Record<string, unknown> = {}
  // A generated column is SQLite's to compute: setting it is refused, so it is never in the set.
  for (const c of info.columns) if (!skip.has(c.key) && c[ColumnInfo].generated === undefined) out[c.key] = excluded(c)
  return out as SetValues<T>
}

/** The clauses so far: chained onConflict... calls add ON CONFLICT clauses in order (SQLite tries each in turn). */
const conflicts = (s: InsertStatement): ReadonlyArray<ConflictClause> => s.onConflict ?? []

const targetNames = (target: AnyColumn | ReadonlyArray<AnyColumn> | undefined): string[] =>
  target === undefined ? [] : (Array.isArray(target) ? target : [target]).map((c: AnyColumn) => c.name)

/**
 * ON CONFLICT [(target)] DO NOTHING: a row that would break a unique constraint is skipped.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, onConflictDoNothing, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const r = s.run(pipe(insert(users, [{ email: 'ann@x.io', name: 'Ann again' }, { email: 'cleo@x.io', name: 'Cleo' }]), onConflictDoNothing(users.email)))
 * assert.ok(E.isRight(r) && r.right.changes === 1)
 * assert.deepEqual(s.run(pipe(select(users), count)), E.right(3))
 * ```
 *
 * @param target - the column, or columns, of one PRIMARY KEY or UNIQUE constraint of the inserted table: only a conflict on
 *   it is skipped (others still fail). Left out, a conflict on any constraint is skipped. Columns that match no such
 *   constraint are a Left `SqliteError` when the statement is prepared; nothing is written.
 *
 * @category Writes
 */
export const onConflictDoNothing =
  (target?: Typed<unknown> | ReadonlyArray<Typed<unknown>>) =>
  <T>(q: InsertQuery<T>): InsertQuery<T> => ({
    ...q,
    statement: {
      ...q.statement,
      onConflict: [...conflicts(q.statement), { _tag: 'DoNothing', target: targetNames(target as AnyColumn | AnyColumn[] | undefined) }]
    }
  })

/**
 * ON CONFLICT (target) DO UPDATE SET ...: an upsert. `set` values are checked like
 * `set`'s, and may use `excluded(col)` (or be `excludedAll(table)`); `where` limits
 * which conflicting rows are updated.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, excluded, filter, gt, onConflictDoUpdate, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const rename = (email: string, name: string) =>
 *   pipe(insert(users, { email, name }), onConflictDoUpdate({ target: users.email, set: { name: excluded(users.name) }, where: gt(users.visits, -1) }))
 * assert.ok(E.isRight(s.run(rename('ann@x.io', 'Ann B.'))))
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.email, 'ann@x.io')), values(users.name))), E.right(['Ann B.']))
 * ```
 *
 * @param options - `{ target, set, where? }`. `target`: the column, or columns, of a PRIMARY KEY or UNIQUE constraint (none
 *   is a Left `ValidationError`; columns matching no constraint are a Left `SqliteError` when prepared). `set`: as `set`'s
 *   values (by schema key: a value, an expression, `excluded(col)`, a placeholder), checked by the column's rules; an
 *   unknown or generated column, a refused value or a `set` naming no column is a Left `ValidationError` before any SQL.
 *   `where`: a condition on the existing row (and `excluded`); a conflicting row it rejects is left as it is.
 *
 * @category Writes
 */
export const onConflictDoUpdate =
  <T>(options: {
    readonly target: Typed<unknown> | ReadonlyArray<Typed<unknown>>
    readonly set: SetValues<T>
    readonly where?: Expr<boolean | null>
  }) =>
  (q: InsertQuery<T>): InsertQuery<T> => {
    const s = q.statement
    const { set: assigned, problems } = assignments(options.set, q, `insert into ${s.table.name} on conflict do update set`)
    const target = targetNames(options.target as AnyColumn | AnyColumn[])
    if (target.length === 0) problems.push(`insert into ${s.table.name}: onConflictDoUpdate needs a target (the unique column or columns)`)
    if (assigned.length === 0 && problems.length === 0)
      problems.push(`insert into ${s.table.name}: onConflictDoUpdate's set names no column`)
    const where: ExprNode[] = options.where === undefined ? [] : [toNode(options.where)]
    return {
      ...q,
      statement: addProblems({ ...s, onConflict: [...conflicts(s), { _tag: 'DoUpdate', target, set: assigned, where }] }, problems)
    }
  }

/**
 * INSERT OR REPLACE: a row that conflicts replaces the old row (deleting it first, with its cascades).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, orReplace, values, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * assert.ok(E.isRight(s.run(pipe(insert(users, { id: 1, email: 'ann@x.io', name: 'Ann (replaced)' }), orReplace))))
 * assert.deepEqual(s.run(pipe(select(users), filter(eq(users.id, 1)), values(users.name))), E.right(['Ann (replaced)']))
 * ```
 *
 * @param q - the insert (`insert(table, ...)`, possibly refined): it becomes `INSERT OR REPLACE`. Used as
 *   `pipe(insert(...), orReplace)`; its rows are checked as `insert`'s are.
 *
 * @category Writes
 */
export const orReplace = <T>(q: InsertQuery<T>): InsertQuery<T> => ({ ...q, statement: { ...q.statement, or: 'replace' } })

/**
 * INSERT OR IGNORE: a row that breaks a constraint (unique, not null, check) is skipped.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, orIgnore, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const r = s.run(pipe(insert(users, [{ email: 'bob@x.io', name: 'dup' }, { email: 'cleo@x.io', name: 'Cleo' }]), orIgnore))
 * assert.ok(E.isRight(r) && r.right.changes === 1)
 * assert.deepEqual(s.run(pipe(select(users), count)), E.right(3))
 * ```
 *
 * @param q - the insert (`insert(table, ...)`, possibly refined): it becomes `INSERT OR IGNORE`. Used as
 *   `pipe(insert(...), orIgnore)`; its rows are still checked as `insert`'s are (a refused value is a Left, not skipped).
 *
 * @category Writes
 */
export const orIgnore = <T>(q: InsertQuery<T>): InsertQuery<T> => ({ ...q, statement: { ...q.statement, or: 'ignore' } })
