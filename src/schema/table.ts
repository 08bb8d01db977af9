/**
 * Tables: plain, deeply frozen schema objects.
 *
 * `table('users', { id: integer().primaryKey(), ... })` returns an object whose own
 * string keys are exactly the columns (so a column may be called `name`, `table` or
 * `columns`); the table's metadata sits under a symbol key, out of their way.
 */
import type * as t from 'io-ts'
import type {
  AnyColumn,
  AnyColumnBuilder,
  BuilderTypes,
  Column,
  ColumnRef,
  GeneratedColumn,
  GeneratedDef,
  GeneratedMarker,
  Typed
} from './column.js'
import { ColumnInfo } from './column.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * An index of a table, by schema keys: made by `index(name, keys)` or `uniqueIndex(name, keys)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { index, integer, table, tableInfo, text, uniqueIndex } from 'fp-lite-orm'
 * import type { IndexDef } from 'fp-lite-orm'
 *
 * const byName: IndexDef<'name'> = index('users_name_idx', ['name'])
 * const users = table('users', { id: integer().primaryKey(), name: text(), email: text() }, { indexes: [byName, uniqueIndex('users_email_uq', ['email'])] })
 * assert.deepEqual(tableInfo(users).indexes.map((ix) => [ix.name, ix.unique]), [['users_name_idx', false], ['users_email_uq', true]])
 * ```
 *
 * @category Schema
 */
export interface IndexDef<K extends string = string> {
  readonly _tag: 'Index'
  readonly name: string
  /** Schema keys of the indexed columns, in order (for an index with expression keys: the plain column keys among them). */
  readonly columns: ReadonlyArray<K>
  readonly unique: boolean
  /**
   * The keys as given when one is more than a plain column (an expression, `desc(col)`, a
   * collated column): schema keys as strings, the others opaque here (the DDL compiler reads them).
   */
  readonly terms?: ReadonlyArray<unknown>
  /** A partial index's WHERE condition (opaque here). */
  readonly where?: unknown
}

/**
 * One key of an index: a schema key, or (in the `indexes: (c) => [...]` form) a column, an
 * expression (`lower(c.name)`, `jsonExtract(c.data, '$.a')`), or an order term (`desc(c.at)`,
 * `asc(collate(c.name, 'NOCASE'))`).
 *
 * @example
 * ```ts
 * import { desc, integer, lower, table, text } from 'fp-lite-orm'
 * import type { IndexKey } from 'fp-lite-orm'
 *
 * const t = table('t', { a: integer(), b: text() })
 * const keys: Array<IndexKey<'a'>> = ['a', lower(t.b), desc(t.a)]
 * void keys
 * ```
 *
 * @category Schema
 */
export type IndexKey<K extends string> = K | Typed<unknown> | { readonly _tag: 'Order' }

/**
 * The options of `index()`: `where` makes a partial index (only rows where the condition holds are indexed).
 *
 * @example
 * ```ts
 * import { index, integer, isNotNull, table } from 'fp-lite-orm'
 * import type { IndexOptions } from 'fp-lite-orm'
 *
 * const t = table('t', { a: integer() }, { indexes: (c) => { const o: IndexOptions = { where: isNotNull(c.a) }; return [index('t_a', ['a'], o)] } })
 * void t
 * ```
 *
 * @category Schema
 */
export interface IndexOptions {
  readonly where?: Typed<unknown>
}

/**
 * A table CHECK constraint, made by `check(name, condition)` in the `checks` table option.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { check, integer, lte, table, tableInfo } from 'fp-lite-orm'
 * import type { CheckDef } from 'fp-lite-orm'
 *
 * const ranges = table('ranges', { low: integer().notNull(), high: integer().notNull() }, {
 *   checks: (c) => [check('low_le_high', lte(c.low, c.high))]
 * })
 * const checks: ReadonlyArray<CheckDef> = tableInfo(ranges).checks ?? []
 * assert.deepEqual(checks.map((x) => x.name), ['low_le_high'])
 * ```
 *
 * @category Schema
 */
export interface CheckDef {
  readonly _tag: 'Check'
  /** CONSTRAINT name: SQLite names it in the error a bad write gets. */
  readonly name?: string
  /** A typed condition or a `sql` template (opaque here). */
  readonly condition: unknown
}

/**
 * The third argument of `table()`: a composite primary key, indexes, STRICT and WITHOUT ROWID. Columns are named by schema keys.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { createTable, index, integer, table, text, toSQL } from 'fp-lite-orm'
 * import type { TableOptions } from 'fp-lite-orm'
 *
 * const options: TableOptions<'orderId' | 'line' | 'sku'> = {
 *   primaryKey: ['orderId', 'line'],
 *   indexes: [index('order_lines_sku_idx', ['sku'])],
 *   strict: true,
 *   withoutRowid: true
 * }
 * const orderLines = table('order_lines', { orderId: integer('order_id').notNull(), line: integer().notNull(), sku: text().notNull() }, options)
 * assert.ok(pipe(toSQL(createTable(orderLines)), E.exists((q) => q.sql.includes('PRIMARY KEY ("order_id", "line")') && q.sql.includes(') STRICT, WITHOUT ROWID'))))
 * ```
 *
 * @category Schema
 */
export interface TableOptions<K extends string, C = Readonly<Record<string, AnyColumn>>, G = Record<never, never>> {
  /** A composite primary key, by schema keys. */
  readonly primaryKey?: ReadonlyArray<K> | undefined
  /**
   * Indexes by schema keys, or a function of the table's columns (generated ones included)
   * for expression keys, ordered/collated keys and partial indexes (`where`).
   */
  readonly indexes?: ReadonlyArray<IndexDef<K>> | ((c: C & GeneratedColumns<G>) => ReadonlyArray<IndexDef<string>>) | undefined
  /** A STRICT table: SQLite checks every stored value against the declared type. */
  readonly strict?: boolean | undefined
  readonly withoutRowid?: boolean | undefined
  /** Table CHECK constraints, from the columns (generated ones included): `(c) => [check('name', lte(c.low, c.high))]`. */
  readonly checks?: ((c: C & GeneratedColumns<G>) => ReadonlyArray<CheckDef>) | undefined
  /** Generated columns, from the other columns: `(c) => ({ total: generated(sql<number>\`${c.price} * ${c.qty}\`) })`. */
  readonly generated?: ((c: C) => G) | undefined
}

/**
 * The generated columns `generated: (c) => ({ ... })` declares, typed from their expressions.
 *
 * @example
 * ```ts
 * import { generated, integer, sql } from 'fp-lite-orm'
 * import type { GeneratedColumns } from 'fp-lite-orm'
 *
 * const defs = { twice: generated(sql<number>`2`) }
 * type Cols = GeneratedColumns<typeof defs, 't'>
 * const keys: Array<keyof Cols> = ['twice']
 * void [integer, keys]
 * ```
 *
 * @category Schema
 */
export type GeneratedColumns<G, Name extends string = string> = {
  readonly [K in keyof G]: G[K] extends GeneratedDef<infer T> ? GeneratedColumn<T, Name> : never
}

/**
 * A common table expression's definition, as plain data: the query's AST (a select
 * statement) kept opaque here, since the schema layer knows nothing of queries.
 *
 * @example
 * ```ts
 * import type { CteDef } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = CteDef
 * ```
 *
 * @category Schema
 */
export interface CteDef {
  readonly _tag: 'Cte'
  readonly select: unknown
  /** WITH RECURSIVE: the step, joined to the CTE itself, and whether it is UNION ALL. */
  readonly recursive?: { readonly step: unknown; readonly all: boolean }
  /** A derived table (`derived(query, name)`): written in FROM as `(select) AS name`, not in a WITH clause. */
  readonly inline?: true
}

/**
 * The plain reference to a table in a query value: its name, alias and columns.
 *
 * @example
 * ```ts
 * import type { TableRef } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = TableRef
 * ```
 *
 * @category Schema
 */
export interface TableRef {
  readonly _tag: 'Table'
  readonly name: string
  readonly alias?: string
  readonly columns: ReadonlyArray<ColumnRef>
  /** Set when the "table" is a common table expression: compiled into a WITH clause. */
  readonly cte?: CteDef
}

/**
 * The key under which a table keeps its schema (read it with `tableInfo(t)`).
 *
 * @example
 * ```ts
 * import type { TableInfo } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = TableInfo
 * ```
 *
 * @category Schema
 */
export const TableInfo: unique symbol = Symbol.for('fp-lite-orm/TableInfo')

/**
 * A table's schema: its name, columns, indexes and options.
 *
 * @category Schema
 */
export interface TableInfo<Name extends string = string> {
  /** The SQL table name. */
  readonly name: Name
  /** Set on tables made by `alias(table, 'x')`. */
  readonly alias?: string
  readonly columns: ReadonlyArray<AnyColumn>
  /** Schema keys of the primary key columns (one for a column-level key, several for a composite one). */
  readonly primaryKey: ReadonlyArray<string>
  readonly indexes: ReadonlyArray<IndexDef>
  readonly strict: boolean
  readonly withoutRowid: boolean
  /** Set on views (`view(name, query)`): the select statement that defines it (opaque here). */
  readonly view?: { readonly select: unknown }
  /** Table CHECK constraints (column checks stay on their columns); absent on CTEs. */
  readonly checks?: ReadonlyArray<CheckDef>
  /** Definition mistakes found by `table()`; a query on the table returns them as a Left. */
  readonly problems: ReadonlyArray<string>
  /** The plain part, put as it is into query values. */
  readonly ref: TableRef
}

declare const ViewMark: unique symbol

/**
 * The mark of a view's type (a phantom, never set): insert, update and deleteFrom refuse it.
 *
 * @example
 * ```ts
 * import { integer, select, table, view } from 'fp-lite-orm'
 * import type { ViewMarker } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const v: ViewMarker = view('v', select(t))
 * void v
 * ```
 *
 * @category Schema
 */
export interface ViewMarker {
  readonly [ViewMark]: true
}

/**
 * What insert, update and deleteFrom take: a table, not a view (a view has the mark, which
 * this type says it has not).
 *
 * @example
 * ```ts
 * import { integer, table } from 'fp-lite-orm'
 * import type { WritableTable } from 'fp-lite-orm'
 *
 * const t: WritableTable = table('t', { id: integer().primaryKey() })
 * void t
 * ```
 *
 * @category Schema
 */
export type WritableTable = AnyTable & { readonly [ViewMark]?: never }

/**
 * The column builders `table(name, columns)` takes, by column name.
 *
 * @example
 * ```ts
 * import type { ColumnBuilders } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ColumnBuilders
 * ```
 *
 * @category Schema
 */
export type ColumnBuilders = Readonly<Record<string, AnyColumnBuilder>>

/**
 * The bound column for each builder; `Name` is the table's SQL name, which its columns carry in their type.
 *
 * @example
 * ```ts
 * import type { BoundColumns, ColumnBuilder } from 'fp-lite-orm'
 *
 * // What `table('users', { id: integer().primaryKey() })` binds its builders to.
 * export type UserColumns = BoundColumns<{ id: ColumnBuilder<number, 'integer', true, true> }, 'users'>
 * ```
 *
 * @category Schema
 */
export type BoundColumns<B extends ColumnBuilders, Name extends string = string> = {
  readonly [K in keyof B]: B[K] extends BuilderTypes<infer T, infer N, infer O> ? Column<T, N, O, Name> : never
}

declare const QueryName: unique symbol

/**
 * The name a table goes by in a query: its own name, or its alias. A phantom (never
 * set), read by the types of joins, which nest rows under this name.
 *
 * @example
 * ```ts
 * import type { Named } from 'fp-lite-orm'
 *
 * export type UsersName = Named<'users'>
 * ```
 *
 * @category Schema
 */
export interface Named<N extends string> {
  readonly [QueryName]?: N
}

/**
 * The type of a table made by `table(name, columns)`: its columns under their keys, its
 * metadata under a symbol key (read it with `tableInfo`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { Column, Table } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const same: Table<'users', { readonly id: Column<number, true, true>; readonly name: Column<string, true, false> }> = users
 * assert.equal(same.name.table, 'users')
 * ```
 *
 * @category Schema
 */
export type Table<Name extends string, Cols extends Readonly<Record<string, AnyColumn>>> = Cols &
  Named<Name> & {
    readonly [TableInfo]: TableInfo<Name>
  }

/**
 * The name a table goes by in a query (its alias, for an alias).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { alias, integer, table } from 'fp-lite-orm'
 * import type { NameOf } from 'fp-lite-orm'
 *
 * const employees = table('employees', { id: integer().primaryKey(), bossId: integer('boss_id') })
 * const boss = alias(employees, 'boss')
 * const names: [NameOf<typeof employees>, NameOf<typeof boss>] = ['employees', 'boss']
 * assert.deepEqual(names, ['employees', 'boss'])
 * ```
 *
 * @category Schema
 */
export type NameOf<T> = T extends Named<infer N> ? (string extends N ? string : N) : string

/**
 * A table under another name: `alias(employees, 'boss')`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { alias, integer, table, text } from 'fp-lite-orm'
 * import type { Aliased } from 'fp-lite-orm'
 *
 * const employees = table('employees', { id: integer().primaryKey(), name: text().notNull(), bossId: integer('boss_id') })
 * const boss: Aliased<typeof employees, 'boss'> = alias(employees, 'boss')
 * assert.equal(boss.name.table, 'boss')
 * ```
 *
 * @category Schema
 */
export type Aliased<T, N extends string> = {
  readonly [K in keyof ColumnsOf<T>]: ColumnsOf<T>[K] extends Column<infer V, infer NN, infer O, string>
    ? Column<V, NN, O, N>
    : ColumnsOf<T>[K]
} & Named<N> & { readonly [TableInfo]: TableInfo }

/**
 * Any table (or alias, or CTE), whatever its columns: for code that handles tables generically.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, integer, session, table, tableInfo, text } from 'fp-lite-orm'
 * import type { AnyTable } from 'fp-lite-orm'
 *
 * const createAll = (s: ReturnType<typeof session>, tables: ReadonlyArray<AnyTable>) =>
 *   pipe(tables, E.traverseArray((t) => s.run(createTable(t))))
 *
 * const users = table('users', { id: integer().primaryKey(), name: text() })
 * const posts = table('posts', { id: integer().primaryKey(), title: text() })
 * assert.ok(E.isRight(createAll(session(connect(':memory:')), [users, posts])))
 * assert.deepEqual([users, posts].map((t: AnyTable) => tableInfo(t).name), ['users', 'posts'])
 * ```
 *
 * @category Schema
 */
export interface AnyTable {
  readonly [TableInfo]: TableInfo
}

/**
 * Flattens an intersection or a mapped type into one plain object type, so an editor's hover
 * and an error message show `{ id: number; name: string }`, not the types that built it.
 *
 * @example
 * ```ts
 * import type { Simplify } from 'fp-lite-orm'
 *
 * // Shown in a hover as { id: number; name: string }, not as the intersection.
 * export const row: Simplify<{ id: number } & { name: string }> = { id: 1, name: 'Ada' }
 * ```
 *
 * @category Schema
 */
export type Simplify<A> = { [K in keyof A]: A[K] } & {}

/**
 * The columns of a table type, without its metadata.
 *
 * @example
 * ```ts
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { ColumnsOf } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * export const keys: ReadonlyArray<keyof ColumnsOf<typeof users>> = ['id', 'name']
 * ```
 *
 * @category Schema
 */
export type ColumnsOf<T> = { readonly [K in keyof T as K extends string ? K : never]: T[K] }

/**
 * The row a table reads as: every column, nullable ones as `T | null`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { boolean, integer, table, text, timestamp } from 'fp-lite-orm'
 * import type { Row } from 'fp-lite-orm'
 *
 * const users = table('users', {
 *   id: integer().primaryKey(),
 *   name: text().notNull(),
 *   age: integer(),
 *   active: boolean().notNull().default(true),
 *   createdAt: timestamp('created_at').notNull().defaultNow()
 * })
 * type User = Row<typeof users>   // { id: number; name: string; age: number | null; active: boolean; createdAt: Date }
 * const ann: User = { id: 1, name: 'Ann', age: null, active: true, createdAt: new Date() }
 * assert.equal(ann.name, 'Ann')
 * ```
 *
 * @category Schema
 */
export type Row<T> = Simplify<{
  -readonly [K in keyof ColumnsOf<T>]: ColumnsOf<T>[K] extends Column<infer V, infer N, boolean> ? (N extends true ? V : V | null) : never
}>

/**
 * The columns an insert must give (no default, not nullable).
 *
 * @example
 * ```ts
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { RequiredKeys } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * export const required: RequiredKeys<typeof users> = 'name'   // id may be left out: SQLite fills it in
 * ```
 *
 * @category Schema
 */
export type RequiredKeys<T> = {
  [K in keyof ColumnsOf<T>]: ColumnsOf<T>[K] extends GeneratedMarker
    ? never
    : ColumnsOf<T>[K] extends Column<unknown, true, false>
      ? K
      : never
}[keyof ColumnsOf<T>]

/**
 * Generated columns: SQLite computes them, so no write names them.
 *
 * @example
 * ```ts
 * import { generated, integer, sql, table } from 'fp-lite-orm'
 * import type { GeneratedKeys } from 'fp-lite-orm'
 *
 * const t = table('t', { a: integer().notNull() }, { generated: (c) => ({ twice: generated(sql<number>`${c.a} * 2`) }) })
 * const k: GeneratedKeys<typeof t> = 'twice'
 * void k
 * ```
 *
 * @category Schema
 */
export type GeneratedKeys<T> = {
  [K in keyof ColumnsOf<T>]: ColumnsOf<T>[K] extends GeneratedMarker ? K : never
}[keyof ColumnsOf<T>]

/**
 * The columns an insert may leave out.
 *
 * @example
 * ```ts
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { OptionalKeys } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * export const optional: OptionalKeys<typeof users> = 'id'
 * ```
 *
 * @category Schema
 */
export type OptionalKeys<T> = Exclude<keyof ColumnsOf<T>, RequiredKeys<T> | GeneratedKeys<T>>

/**
 * What an insert takes: nullable, defaulted and INTEGER PRIMARY KEY columns may be left out.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { boolean, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { Insert } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer(), active: boolean().notNull().default(true) })
 * type NewUser = Insert<typeof users>   // { name: string; id?: number; age?: number | null; active?: boolean }
 *
 * const rows: NewUser[] = [{ name: 'Ann' }, { name: 'Bob', age: 30, active: false }]
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * assert.deepEqual(s.run(insert(users, rows)), E.right({ changes: 2, lastInsertRowid: 2 }))
 * ```
 *
 * @category Schema
 */
export type Insert<T> = Simplify<
  { -readonly [K in RequiredKeys<T>]: ColumnsOf<T>[K] extends Column<infer V, boolean, boolean> ? V : never } & {
    -readonly [K in OptionalKeys<T>]?: ColumnsOf<T>[K] extends Column<infer V, infer N, boolean> ? (N extends true ? V : V | null) : never
  }
>

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * An index on columns given by schema keys.
 *
 * @param name - the index's name in SQL (any text: it is quoted; two indexes of one name are a Left `ValidationError` on
 *   every query of the table).
 * @param keys - the schema keys of the indexed columns, in order; a key that is not a column is a Left `ValidationError` on
 *   every query of the table.
 * @param options - `IndexOptions`: `where` for a partial index (a condition on the table).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { createTable, index, integer, table, text, toSQL } from 'fp-lite-orm'
 *
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id'), title: text() }, {
 *   indexes: [index('posts_user_title_idx', ['userId', 'title'])]
 * })
 * assert.ok(pipe(toSQL(createTable(posts)), E.exists((q) => q.sql.endsWith('CREATE INDEX IF NOT EXISTS "posts_user_title_idx" ON "posts" ("user_id", "title")'))))
 * ```
 *
 * @category Schema
 */
export const index = <const K extends string>(name: string, keys: ReadonlyArray<IndexKey<K>>, options: IndexOptions = {}): IndexDef<K> =>
  indexDef(name, keys, options, false)

/**
 * A UNIQUE index on columns given by schema keys.
 *
 * @param name - the index's name in SQL (any text: it is quoted).
 * @param keys - the schema keys of the columns that are unique together, in order; an unknown key is a Left
 *   `ValidationError` on every query of the table.
 * @param options - `IndexOptions`: `where` for a partial unique index.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, session, table, text, uniqueIndex } from 'fp-lite-orm'
 *
 * const slugs = table('slugs', { id: integer().primaryKey(), site: text().notNull(), slug: text().notNull() }, {
 *   indexes: [uniqueIndex('slugs_site_slug_uq', ['site', 'slug'])]
 * })
 * const s = session(connect(':memory:'))
 * s.run(createTable(slugs))
 * s.run(insert(slugs, { site: 'a', slug: 'home' }))
 * const again = s.run(insert(slugs, { site: 'a', slug: 'home' }))
 * assert.ok(E.isLeft(again) && again.left._tag === 'ConstraintError' && again.left.kind === 'unique')
 * ```
 *
 * @category Schema
 */
export const uniqueIndex = <const K extends string>(
  name: string,
  keys: ReadonlyArray<IndexKey<K>>,
  options: IndexOptions = {}
): IndexDef<K> => indexDef(name, keys, options, true)

const indexDef = <K extends string>(
  name: string,
  keys: ReadonlyArray<IndexKey<K>>,
  options: IndexOptions,
  unique: boolean
): IndexDef<K> => {
  const plain = keys.every((k) => typeof k === 'string')
  return Object.freeze({
    _tag: 'Index' as const,
    name,
    columns: Object.freeze(keys.filter((k): k is K => typeof k === 'string')),
    unique,
    // Plain column keys keep the shape indexes always had; anything more is kept as given.
    ...(plain ? {} : { terms: Object.freeze([...keys]) }),
    ...(options.where === undefined ? {} : { where: options.where })
  })
}

/**
 * A named table CHECK constraint, for the `checks` table option: the condition is a typed
 * expression or a `sql` template; its values are written into the DDL as literals.
 *
 * @param name - the constraint's name (`CONSTRAINT "name" CHECK (...)`), or `undefined` for an unnamed one; a name is what
 *   migrations compare.
 * @param condition - a typed condition on the table's columns, or a `sql` template; its values are written into the DDL as
 *   literals.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { check, connect, createTable, insert, integer, lte, session, table } from 'fp-lite-orm'
 *
 * const ranges = table('ranges', { id: integer().primaryKey(), low: integer().notNull(), high: integer().notNull() }, {
 *   checks: (c) => [check('low_le_high', lte(c.low, c.high))]
 * })
 * const s = session(connect(':memory:'))
 * s.run(createTable(ranges))
 * const bad = s.run(insert(ranges, { low: 5, high: 1 }))
 * assert.ok(E.isLeft(bad) && bad.left._tag === 'ConstraintError' && bad.left.kind === 'check')
 * assert.match(bad.left.message, /low_le_high/)
 * ```
 *
 * @category Schema
 */
export const check = (name: string | undefined, condition: Typed<unknown>): CheckDef =>
  Object.freeze({ _tag: 'Check' as const, ...(name === undefined ? {} : { name }), condition })

/**
 * A table. Mistakes that the types cannot catch (a name with a NUL character, two
 * primary keys, an index on an unknown column) do not throw here: they are kept and
 * every query on the table returns them as a Left `ValidationError`.
 *
 * @param name - the table's name in SQL: any text (it is quoted), but not empty, without a NUL character, and not starting
 *   with `sqlite_` (else every query on it is a Left `ValidationError`).
 * @param columns - the columns, by schema key: `{ id: integer().primaryKey(), name: text().notNull() }`; the key is the field
 *   name of `Row<T>`.
 * @param options - `TableOptions`: `indexes`, `checks`, `primaryKey` (a composite key), `generated` columns, `strict`,
 *   `withoutRowid`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, connect, createTable, index, insert, integer, select, session, table, text, timestamp } from 'fp-lite-orm'
 *
 * const users = table(
 *   'users',
 *   {
 *     id: integer().primaryKey(),
 *     name: text().notNull(),          // a column may be called name, table or columns
 *     createdAt: timestamp('created_at').notNull().defaultNow()
 *   },
 *   { indexes: [index('users_name_idx', ['name'])] }
 * )
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, { name: 'Ann' }))
 * const rows = s.run(pipe(select(users), all))
 * assert.ok(E.isRight(rows) && rows.right[0]!.name === 'Ann' && rows.right[0]!.createdAt instanceof Date)
 *
 * const broken = table('broken', { a: integer().primaryKey(), b: integer().primaryKey() })   // does not throw
 * assert.ok(E.isLeft(s.run(createTable(broken))))                                           // every query says why
 * ```
 *
 * @category Schema
 */
export const table = <Name extends string, B extends ColumnBuilders, G extends GeneratedDefs = Record<never, never>>(
  name: Name,
  columns: B,
  options: TableOptions<keyof B & string, BoundColumns<B, Name>, G> = {}
): Table<Name, WithGenerated<BoundColumns<B, Name>, G, Name>> => {
  const problems: string[] = []
  const identifierProblem = (what: string, id: string) => {
    const p = checkIdentifier(id) ?? (/^sqlite_/i.test(id) ? 'names beginning with sqlite_ are reserved by SQLite' : undefined)
    if (p !== undefined) problems.push(`${what}: ${p}`)
  }
  identifierProblem(`table name ${JSON.stringify(name)}`, name)

  // No prototype: a column keyed `__proto__` stays a column.
  const bound: Record<string, AnyColumn> = Object.create(null) as Record<string, AnyColumn>
  const seenSqlNames = new Set<string>()
  for (const [key, b] of Object.entries(columns)) {
    if (b === null || typeof b !== 'object' || (b as { _tag?: unknown })._tag !== 'ColumnBuilder') {
      problems.push(`column ${JSON.stringify(key)} is not a column (use integer(), text(), ...)`)
      continue
    }
    const sqlName = b.config.sqlName ?? key
    identifierProblem(`column ${name}.${key}`, sqlName)
    if (seenSqlNames.has(sqlName)) problems.push(`two columns of ${name} share the SQL name ${JSON.stringify(sqlName)}`)
    seenSqlNames.add(sqlName)
    bound[key] = bindColumn(b, name, name, key, sqlName)
  }

  const baseColumns = Object.freeze(Object.assign(Object.create(null) as object, bound))
  for (const [key, g] of Object.entries(
    resolve(problems, `the generated columns of ${name}`, () => options.generated?.(baseColumns as never)) ?? {}
  )) {
    if (!isGeneratedDef(g)) {
      problems.push(`generated column ${name}.${key} is not a generated(expr) definition`)
      continue
    }
    identifierProblem(`column ${name}.${key}`, key)
    if (seenSqlNames.has(key)) problems.push(`two columns of ${name} share the SQL name ${JSON.stringify(key)}`)
    seenSqlNames.add(key)
    for (const p of g.problems ?? []) problems.push(`generated column ${name}.${key}: ${p}`)
    bound[key] = makeColumn(
      {
        kind: g.kind,
        primaryKey: false,
        notNull: false,
        unique: false,
        generated: { expr: g.expr, stored: g.stored },
        ...(g.sqlType === undefined ? {} : { sqlType: g.sqlType }),
        sourceTable: name
      },
      name,
      key,
      key
    )
  }
  const allColumns = Object.freeze(Object.assign(Object.create(null) as object, bound))
  const checks = resolve(problems, `the checks of ${name}`, () => options.checks?.(allColumns as never)) ?? []
  for (const c of checks) {
    if (typeof c !== 'object' || c === null || (c as { _tag?: unknown })._tag !== 'Check')
      problems.push(`a check of ${name} is not a check(name, condition)`)
    else if (c.name !== undefined) identifierProblem(`check name ${JSON.stringify(c.name)}`, c.name)
  }

  const keys = Object.keys(bound)
  const columnPk = keys.filter((k) => bound[k]![ColumnInfo].primaryKey)
  const tablePk = options.primaryKey ?? []
  if (columnPk.length > 1)
    problems.push(`${name} marks ${columnPk.join(', ')} as primaryKey(); use the table option primaryKey: [...] for a composite key`)
  if (columnPk.length > 0 && tablePk.length > 0)
    problems.push(`${name} has both a column primaryKey() and a primaryKey table option; keep one`)
  for (const k of tablePk) if (!(k in bound)) problems.push(`primaryKey of ${name} names unknown column ${JSON.stringify(k)}`)
  const indexes: ReadonlyArray<IndexDef> =
    (typeof options.indexes === 'function'
      ? resolve(problems, `the indexes of ${name}`, () => (options.indexes as (c: unknown) => ReadonlyArray<IndexDef>)(allColumns))
      : options.indexes) ?? []
  for (const ix of indexes) {
    identifierProblem(`index name ${JSON.stringify(ix.name)}`, ix.name)
    if (ix.columns.length === 0 && (ix.terms?.length ?? 0) === 0) problems.push(`index ${ix.name} of ${name} has no columns`)
    for (const k of ix.columns) if (!(k in bound)) problems.push(`index ${ix.name} of ${name} names unknown column ${JSON.stringify(k)}`)
  }
  // Composite key columns are NOT NULL (SQLite would otherwise allow NULL in them).
  for (const k of tablePk) {
    const c = bound[k]
    if (c !== undefined && !c[ColumnInfo].notNull) bound[k] = withInfo(c, { notNull: true })
  }

  const cols = Object.freeze(keys.map((k) => bound[k]!))
  const info: TableInfo<Name> = Object.freeze({
    name,
    columns: cols,
    primaryKey: Object.freeze(tablePk.length > 0 ? [...tablePk] : columnPk),
    indexes: Object.freeze([...indexes]),
    strict: options.strict === true,
    withoutRowid: options.withoutRowid === true,
    checks: Object.freeze([...checks]),
    problems: Object.freeze(problems),
    ref: tableRef(name, undefined, cols)
  })
  return Object.freeze(Object.assign(Object.create(null) as object, bound, { [TableInfo]: info })) as unknown as Table<
    Name,
    WithGenerated<BoundColumns<B, Name>, G, Name>
  >
}

/**
 * What the `generated` option may return: generated(expr) definitions by key.
 *
 * @example
 * ```ts
 * import { generated, sql } from 'fp-lite-orm'
 * import type { GeneratedDefs } from 'fp-lite-orm'
 *
 * const defs: GeneratedDefs = { one: generated(sql<number>`1`) }
 * void defs
 * ```
 *
 * @category Schema
 */
export type GeneratedDefs = Readonly<Record<string, GeneratedDef<unknown>>>

/**
 * The table's columns with its generated ones (the plain columns alone when there are none, for readable types).
 *
 * @example
 * ```ts
 * import type { WithGenerated } from 'fp-lite-orm'
 *
 * type Plain = WithGenerated<{ a: number }, Record<never, never>, 't'>
 * const p: Plain = { a: 1 }
 * void p
 * ```
 *
 * @category Schema
 */
export type WithGenerated<C, G, Name extends string> = [keyof G] extends [never] ? C : C & GeneratedColumns<G, Name>

const isGeneratedDef = (u: unknown): u is GeneratedDef<unknown> =>
  typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === 'Generated'

/** A schema callback's result; a throw becomes a problem (every query on the table reports it), never a throw from table(). */
const resolve = <A>(problems: string[], what: string, f: () => A): A | undefined => {
  try {
    return f()
  } catch (e) {
    problems.push(`${what} could not be built: ${e instanceof Error ? e.message : String(e)}`)
    return undefined
  }
}

/**
 * A second handle on a table, for self-joins: `const boss = alias(employees, 'boss')`.
 * Its columns are used like the table's (`boss.id`) and refer to the alias in SQL.
 *
 * @param t - the table (or view) to alias.
 * @param aliasName - the alias in SQL (`AS "boss"`), also the key its rows nest under in joins; any text (it is quoted).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { alias, all, connect, createTable, eq, insert, integer, leftJoin, orderBy, select, session, table, text } from 'fp-lite-orm'
 *
 * const employees = table('employees', { id: integer().primaryKey(), name: text().notNull(), bossId: integer('boss_id') })
 * const boss = alias(employees, 'boss')
 * const s = session(connect(':memory:'))
 * s.run(createTable(employees))
 * s.run(insert(employees, [{ name: 'Ada' }, { name: 'Bob', bossId: 1 }]))
 *
 * const rows = s.run(pipe(select(employees), leftJoin(boss, eq(boss.id, employees.bossId)), orderBy(employees.id), all))
 * assert.ok(E.isRight(rows))
 * assert.deepEqual(rows.right.map((r) => [r.employees.name, r.boss?.name ?? null]), [['Ada', null], ['Bob', 'Ada']])
 * ```
 *
 * @category Schema
 */
export const alias = <T extends AnyTable, N extends string>(t: T, aliasName: N): Aliased<T, N> => {
  const info = t[TableInfo]
  const problems = [...info.problems]
  const p = checkIdentifier(aliasName)
  if (p !== undefined) problems.push(`alias ${JSON.stringify(aliasName)}: ${p}`)
  // No prototype: a column keyed `__proto__` stays a column.
  const bound: Record<string, AnyColumn> = Object.create(null) as Record<string, AnyColumn>
  for (const c of info.columns) {
    bound[c.key] = makeColumn(c[ColumnInfo], aliasName, c.key, c.name)
  }
  const cols = Object.freeze(info.columns.map((c) => bound[c.key]!))
  const aliased: TableInfo = Object.freeze({
    ...info,
    alias: aliasName,
    columns: cols,
    problems: Object.freeze(problems),
    ref: tableRef(info.name, aliasName, cols, info.ref.cte)
  })
  return Object.freeze(Object.assign(Object.create(null) as object, bound, { [TableInfo]: aliased })) as unknown as Aliased<T, N>
}

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * A table's metadata: its SQL name, columns, primary key (schema keys), indexes, options, and
 * any definition problems found by `table()`.
 *
 * @param t - a table, alias or view.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { integer, table, tableInfo, text } from 'fp-lite-orm'
 *
 * const tags = table('tags', { postId: integer('post_id').notNull(), tag: text().notNull() }, { primaryKey: ['postId', 'tag'], strict: true })
 * const info = tableInfo(tags)
 * assert.equal(info.name, 'tags')
 * assert.deepEqual(info.primaryKey, ['postId', 'tag'])
 * assert.deepEqual(info.columns.map((c) => c.name), ['post_id', 'tag'])
 * assert.equal(info.strict, true)
 * assert.deepEqual(info.problems, [])
 * ```
 *
 * @category Schema
 */
export const tableInfo = <Name extends string>(t: { readonly [TableInfo]: TableInfo<Name> }): TableInfo<Name> => t[TableInfo]

/** True for table objects (also aliases). */
export const isTable = (u: unknown): u is AnyTable => typeof u === 'object' && u !== null && TableInfo in u

/**
 * Identifiers are always quoted, so any text is safe in them; what remains to refuse
 * is what SQLite cannot name or reserves.
 */
export const checkIdentifier = (id: unknown): string | undefined => {
  if (typeof id !== 'string' || id.length === 0) return 'an identifier must be a non-empty string'
  if (id.includes('\u0000')) return 'an identifier cannot contain a NUL character'
  if (id.length > 255) return 'an identifier must be at most 255 characters'
  return undefined
}

const bindColumn = (b: AnyColumnBuilder, sourceTable: string, tableName: string, key: string, name: string): AnyColumn =>
  makeColumn({ ...b.config, sourceTable }, tableName, key, name)

/**
 * The codec of each json column's plain part. A query value holds only plain parts (so it
 * can be cloned and posted); the compiler finds a json result's codec through the column
 * the result comes from, wherever it stands (a projection, a subquery, a window, a CTE).
 */
const jsonCodecs = new WeakMap<ColumnRef, t.Mixed>()

/** The codec of a json column, by its plain part (undefined for other kinds, and for a clone of the part). */
export const jsonCodecOf = (ref: ColumnRef): t.Mixed | undefined => jsonCodecs.get(ref)

/** A column object: its plain part, plus the same plain part kept as `ref` for query values. */
export const makeColumn = (config: Omit<ColumnInfo, 'ref'>, tableName: string, key: string, name: string): AnyColumn => {
  const ref: ColumnRef = Object.freeze({ _tag: 'Column' as const, table: tableName, name, key, kind: config.kind })
  if (config.codec !== undefined) jsonCodecs.set(ref, config.codec)
  return Object.freeze({ ...ref, [ColumnInfo]: Object.freeze({ ...config, ref }) })
}

const withInfo = (c: AnyColumn, patch: Partial<ColumnInfo>): AnyColumn => makeColumn({ ...c[ColumnInfo], ...patch }, c.table, c.key, c.name)

export const tableRef = (name: string, aliasName: string | undefined, cols: ReadonlyArray<AnyColumn>, cte?: CteDef): TableRef =>
  Object.freeze({
    _tag: 'Table' as const,
    name,
    ...(aliasName === undefined ? {} : { alias: aliasName }),
    ...(cte === undefined ? {} : { cte }),
    // Only the plain part of each column: a TableRef must survive structuredClone.
    columns: Object.freeze(cols.map((c) => c[ColumnInfo].ref))
  })
