/**
 * Column kinds and their builders.
 *
 * A builder (`integer().notNull()`) is an immutable description; `table()` binds each
 * builder to its table and key, producing a `Column`. A bound column has two parts:
 *
 * - its plain part (`_tag`, `table`, `name`, `key`, `kind`): what a query needs, so a
 *   column can sit inside a query value as it is and survive `structuredClone`;
 * - its schema part (constraints, defaults, references, a json codec), kept under a
 *   symbol key, which `structuredClone`, `JSON.stringify` and `postMessage` skip.
 */
import type * as t from 'io-ts'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * How a column's values are stored and read. `any` is for columns whose kind is not
 * known (a CTE column computed by a `sql` template): values pass through as they are.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { boolean, json, table, text, timestamp } from 'fp-lite-orm'
 * import type { ColumnKind } from 'fp-lite-orm'
 * import * as t from 'io-ts'
 *
 * const events = table('events', { name: text(), done: boolean(), at: timestamp(), data: json(t.unknown) })
 * const kinds: ColumnKind[] = [events.name.kind, events.done.kind, events.at.kind, events.data.kind]
 * assert.deepEqual(kinds, ['text', 'boolean', 'timestamp', 'json'])
 * ```
 *
 * @category Schema
 */
export type ColumnKind = 'integer' | 'bigint' | 'real' | 'text' | 'blob' | 'boolean' | 'json' | 'timestamp' | 'any'

/**
 * A value SQLite can store and better-sqlite3 can bind.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { boolean, eq, filter, first, select, table, text, toSQL } from 'fp-lite-orm'
 * import type { SqlValue } from 'fp-lite-orm'
 *
 * const flags = table('flags', { name: text().notNull(), on: boolean().notNull() })
 * // Parameters are SqlValues: the boolean is bound as 1.
 * const params: E.Either<unknown, ReadonlyArray<SqlValue>> = pipe(
 *   toSQL(pipe(select(flags), filter(eq(flags.on, true)), first)),
 *   E.map((q) => q.params)
 * )
 * assert.deepEqual(params, E.right([1]))
 * ```
 *
 * @category Schema
 */
export type SqlValue = number | string | bigint | Uint8Array | null

declare const TypeOf: unique symbol
/**
 * The phantom result type of anything that stands for an SQL value (a column, an
 * expression). It exists only in the types: no such property is ever set.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { countAll, integer, table } from 'fp-lite-orm'
 * import type { Typed } from 'fp-lite-orm'
 *
 * // The value type of anything typed: a column, an expression.
 * type ValueOf<X> = X extends Typed<infer V> ? V : never
 *
 * const t = table('t', { id: integer().primaryKey(), n: integer() })
 * const n: ValueOf<typeof t.n> = null                      // number | null
 * const c: ValueOf<ReturnType<typeof countAll>> = 3          // number
 * assert.deepEqual([n, c], [null, 3])
 * ```
 *
 * @category Schema
 */
export interface Typed<T> {
  readonly [TypeOf]?: T
}

/**
 * The plain part of a column: what a query value holds.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { table, timestamp } from 'fp-lite-orm'
 * import type { ColumnRef } from 'fp-lite-orm'
 *
 * const users = table('users', { createdAt: timestamp('created_at') })
 * const { _tag, table: tableName, name, key, kind }: ColumnRef = users.createdAt
 * assert.deepEqual([_tag, tableName, name, key, kind], ['Column', 'users', 'created_at', 'createdAt', 'timestamp'])
 * assert.deepEqual(JSON.parse(JSON.stringify(users.createdAt)), { _tag, table: tableName, name, key, kind })   // plain data
 * ```
 *
 * @category Schema
 */
export interface ColumnRef {
  readonly _tag: 'Column'
  /** The table's name, or its alias when the column comes from `alias(table, 'x')`. */
  readonly table: string
  /** The SQL column name. */
  readonly name: string
  /** The key in the schema object and in decoded rows. */
  readonly key: string
  readonly kind: ColumnKind
}

/**
 * What a foreign key does when the row it points at is deleted or updated (SQL's `ON DELETE` / `ON UPDATE`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { integer, table } from 'fp-lite-orm'
 * import type { ReferenceAction } from 'fp-lite-orm'
 *
 * const onDelete: ReferenceAction = 'set null'
 * const parents = table('parents', { id: integer().primaryKey() })
 * const children = table('children', { parentId: integer().references(() => parents.id, { onDelete }) })
 * assert.equal(children.parentId.kind, 'integer')
 * ```
 *
 * @category Schema
 */
export type ReferenceAction = 'cascade' | 'restrict' | 'set null' | 'set default' | 'no action'

/**
 * The actions of a foreign key (`references(() => col, options)`); SQLite's default for both is `no action`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { createTable, integer, table, toSQL } from 'fp-lite-orm'
 * import type { ReferenceOptions } from 'fp-lite-orm'
 *
 * const cascade: ReferenceOptions = { onDelete: 'cascade', onUpdate: 'cascade' }
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { userId: integer('user_id').notNull().references(() => users.id, cascade) })
 * assert.ok(pipe(toSQL(createTable(posts)), E.exists((q) => q.sql.includes('REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE'))))
 * ```
 *
 * @category Schema
 */
export interface ReferenceOptions {
  readonly onDelete?: ReferenceAction | undefined
  readonly onUpdate?: ReferenceAction | undefined
}

/**
 * A column's DEFAULT: a literal, the current time, or a function called at each insert.
 *
 * @example
 * ```ts
 * import type { ColumnDefault } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ColumnDefault
 * ```
 *
 * @category Schema
 */
export type ColumnDefault =
  | { readonly _tag: 'Value'; readonly value: unknown }
  | {
      readonly _tag: 'Thunk'
      /** Called at each insert for the value. */
      readonly thunk: () => unknown
    }
  | { readonly _tag: 'Now' }
  /** `defaultExpr(expr)`: an SQL expression SQLite evaluates per row (kept opaque here: the schema knows no queries). */
  | { readonly _tag: 'Expr'; readonly expr: unknown }

/**
 * A collating sequence for a column or an ordering: SQLite's built-in three, or the name
 * of one an application registers (letters, digits and underscores).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { createTable, integer, table, text, toSQL } from 'fp-lite-orm'
 * import type { Collation } from 'fp-lite-orm'
 *
 * const nocase: Collation = 'NOCASE'
 * const tags = table('tags', { id: integer().primaryKey(), label: text().notNull().collate(nocase) })
 * assert.ok(pipe(toSQL(createTable(tags)), E.exists((q) => q.sql.includes('"label" TEXT NOT NULL COLLATE NOCASE'))))
 * ```
 *
 * @category Schema
 */
export type Collation = 'BINARY' | 'NOCASE' | 'RTRIM' | (string & {})

/**
 * A column's CHECK: the condition is built from the bound column when the DDL is compiled.
 *
 * @example
 * ```ts
 * import { gte, integer, table, tableInfo } from 'fp-lite-orm'
 * import type { ColumnCheck } from 'fp-lite-orm'
 *
 * const t = table('t', { n: integer().check((n) => gte(n, 0), 'n_ok') })
 * const byHand: ColumnCheck = { name: 'n_positive', condition: (self) => gte(self as typeof t.n, 1) }
 * void [tableInfo(t).columns, byHand]
 * ```
 *
 * @category Schema
 */
export interface ColumnCheck {
  readonly name?: string
  /** The condition, built from the column it checks (a typed expression or a `sql` template). */
  readonly condition: (self: AnyColumn) => unknown
}

/**
 * A generated column's definition (`generated(expr, { stored })`): the expression is kept opaque here.
 *
 * @example
 * ```ts
 * import type { GeneratedConfig } from 'fp-lite-orm'
 *
 * const g: GeneratedConfig = { expr: null, stored: true }
 * void g
 * ```
 *
 * @category Schema
 */
export interface GeneratedConfig {
  readonly expr: unknown
  readonly stored: boolean
}

/**
 * Everything a column builder records.
 *
 * @example
 * ```ts
 * import type { ColumnConfig } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ColumnConfig
 * ```
 *
 * @category Schema
 */
export interface ColumnConfig {
  readonly kind: ColumnKind
  /** The SQL name when it differs from the key: `timestamp('created_at')`. */
  readonly sqlName?: string
  readonly primaryKey: boolean
  readonly notNull: boolean
  readonly unique: boolean
  readonly default?: ColumnDefault
  readonly references?: {
    /** The referenced column (a thunk: tables may refer to each other). */
    readonly target: () => AnyColumn
    readonly options: ReferenceOptions
  }
  /** json columns: the codec of the decoded value. */
  readonly codec?: t.Mixed
  /** CHECK constraints written on the column. */
  readonly checks?: ReadonlyArray<ColumnCheck>
  /** COLLATE: how the column's text compares and sorts (in its indexes too). */
  readonly collate?: Collation
  /** GENERATED ALWAYS AS (expr): computed by SQLite, never written. */
  readonly generated?: GeneratedConfig
  /** The declared SQL type when it is not the kind's own (`VARCHAR(40)`, `NUMERIC`): for adopted databases. */
  readonly sqlType?: string
}

/**
 * The key under which a bound column keeps its schema.
 *
 * @example
 * ```ts
 * import type { ColumnInfo } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ColumnInfo
 * ```
 *
 * @category Schema
 */
export const ColumnInfo: unique symbol = Symbol.for('fp-lite-orm/ColumnInfo')

/**
 * The schema part of a bound column.
 *
 * @category Schema
 */
export interface ColumnInfo extends ColumnConfig {
  /** The SQL name of the table that owns the column (not an alias). */
  readonly sourceTable: string
  /** The column's plain part alone, which is what query values hold. */
  readonly ref: ColumnRef
}

declare const ColumnTypes: unique symbol
declare const RefsKey: unique symbol

/**
 * The tables (by the name they go by in a query: a table's name, or an alias) whose
 * columns an expression reads. A phantom, never set: the types use it to refuse a column
 * of a table that is not in the query (see `SelectQuery`'s scope), as the compiler does at
 * run time.
 *
 * @example
 * ```ts
 * import { eq, integer, table } from 'fp-lite-orm'
 * import type { Refs, RefsOf } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const byId = eq(users.id, 1)
 * const reads: RefsOf<typeof byId> = 'users'
 * const columnReads: Refs<'users'> = users.id
 * void reads; void columnReads
 * ```
 *
 * @category Schema
 */
export interface Refs<R extends string> {
  // A method, so that its parameter is bivariant: an expression reading `users` still fits a
  // parameter typed `ReturnType<typeof eq>` (which reads no table), while a column of
  // `users` does not fit where a column of `posts` is required (neither name fits the other).
  readonly [RefsKey]?: {
    /** Never called: its parameter carries the table names. */
    tables(r: R): void
  }
}

/**
 * The tables an expression (or a column, an order term) reads: `never` for a plain value or an unchecked `sql` template.
 *
 * @example
 * ```ts
 * import { eq, integer, table } from 'fp-lite-orm'
 * import type { RefsOf } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const byId = eq(users.id, 1)
 * const reads: RefsOf<typeof byId> = 'users'
 * const none: RefsOf<number> = undefined as never   // a plain value reads no table
 * void reads; void none
 * ```
 *
 * @category Schema
 */
export type RefsOf<X> = X extends {
  readonly [RefsKey]?: {
    /** Never called: its parameter carries the table names. */
    tables(r: infer R extends string): void
  }
}
  ? R
  : never

/**
 * A column bound to its table. `T` is its value type without null, `NotNull` whether
 * it can hold null, `Optional` whether an insert may leave it out although it is not
 * null (a default, or an INTEGER PRIMARY KEY that SQLite fills in).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { Column } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), bio: text() })
 * const name: Column<string, true> = users.name    // never null
 * const bio: Column<string, false> = users.bio      // string | null
 * assert.deepEqual([name.key, bio.key], ['name', 'bio'])
 * ```
 *
 * @category Schema
 */
export interface Column<T, NotNull extends boolean = boolean, Optional extends boolean = boolean, TableName extends string = string>
  extends ColumnRef, Typed<NotNull extends true ? T : T | null>, Refs<TableName> {
  readonly [ColumnInfo]: ColumnInfo
  readonly [ColumnTypes]?: { readonly data: T; readonly notNull: NotNull; readonly optional: Optional }
}

declare const GeneratedMark: unique symbol

/**
 * The mark of a generated column's type (a phantom, never set): `Insert` and `set()` leave
 * such columns out, since SQLite computes them and refuses a write to them.
 *
 * @example
 * ```ts
 * import { generated, integer, sql, table } from 'fp-lite-orm'
 * import type { GeneratedMarker } from 'fp-lite-orm'
 *
 * const t = table('t', { a: integer().notNull() }, { generated: (c) => ({ twice: generated(sql<number>`${c.a} * 2`) }) })
 * const marked: GeneratedMarker = t.twice
 * void marked
 * ```
 *
 * @category Schema
 */
export interface GeneratedMarker {
  readonly [GeneratedMark]: true
}

/**
 * A generated column, typed from its expression: `T` without null, NOT NULL when the expression cannot be null.
 *
 * @example
 * ```ts
 * import { generated, integer, sql, table } from 'fp-lite-orm'
 * import type { GeneratedColumn } from 'fp-lite-orm'
 *
 * const boxes = table('boxes', { w: integer().notNull(), h: integer().notNull() }, {
 *   generated: (c) => ({ area: generated(sql<number>`${c.w} * ${c.h}`) })
 * })
 * const area: GeneratedColumn<number, 'boxes'> = boxes.area
 * void area
 * ```
 *
 * @category Schema
 */
export type GeneratedColumn<T, TableName extends string = string> = Column<NonNullable<T>, null extends T ? false : true, true, TableName> &
  GeneratedMarker

/**
 * What `generated(expr, options)` returns, for the `generated` table option: the expression
 * (opaque here), the kind its values decode by, and whether it is STORED or VIRTUAL.
 *
 * @example
 * ```ts
 * import { generated, integer, sql, table } from 'fp-lite-orm'
 * import type { GeneratedDef } from 'fp-lite-orm'
 *
 * const t = table('t', { a: integer().notNull() }, { generated: (c) => ({ twice: generated(sql<number>`${c.a} * 2`, { kind: 'integer' }) }) })
 * const def: GeneratedDef<number> = generated(sql<number>`1`)
 * void [t, def]
 * ```
 *
 * @category Schema
 */
export interface GeneratedDef<T> extends Typed<T> {
  readonly _tag: 'Generated'
  readonly expr: unknown
  readonly kind: ColumnKind
  readonly stored: boolean
  /** The declared SQL type, when not the kind's (see `sqlType`). */
  readonly sqlType?: string
  /** Problems found when the definition was made (a bad kind, ...). */
  readonly problems?: ReadonlyArray<string>
}

/**
 * Any column, whatever its type: for code that handles columns generically.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { integer, table, text, tableInfo } from 'fp-lite-orm'
 * import type { AnyColumn } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text('full_name').notNull() })
 * const sqlNames = (cols: ReadonlyArray<AnyColumn>): string[] => cols.map((c) => c.name)
 * assert.deepEqual(sqlNames(tableInfo(users).columns), ['id', 'full_name'])
 * ```
 *
 * @category Schema
 */
export type AnyColumn = Column<unknown, boolean, boolean>

/**
 * The value type of a column as it reads (null included when nullable).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { ColumnValue } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const age: ColumnValue<typeof users.age> = null       // number | null
 * const name: ColumnValue<typeof users.name> = 'Ann'    // string
 * assert.deepEqual([age, name], [null, 'Ann'])
 * ```
 *
 * @category Schema
 */
export type ColumnValue<C> = C extends Column<infer T, infer N, boolean> ? (N extends true ? T : T | null) : never

// -------------------------------------------------------------------------------------
// builders
// -------------------------------------------------------------------------------------

/** The key of the phantom below (a type only: no such value exists at run time). */
declare const _builderTypes: unique symbol

/**
 * The type parameters of a builder, for `table()` to read (a phantom: never set).
 *
 * @example
 * ```ts
 * import type { BuilderTypes } from 'fp-lite-orm'
 *
 * // A NOT NULL integer column an insert must give.
 * export type IdTypes = BuilderTypes<number, true, false>
 * ```
 *
 * @category Schema
 */
export interface BuilderTypes<T, NotNull extends boolean, Optional extends boolean> {
  readonly [_builderTypes]?: { readonly data: T; readonly notNull: NotNull; readonly optional: Optional }
}

/**
 * An unbound column description; methods return new builders and never mutate.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { ColumnBuilder } from 'fp-lite-orm'
 *
 * // Builders are immutable values: share and refine them.
 * const id: ColumnBuilder<number, 'integer', true, true> = integer().primaryKey()
 * const requiredText = text().notNull()
 * const users = table('users', { id, name: requiredText, email: requiredText.unique() })
 * const posts = table('posts', { id, title: requiredText })
 * assert.equal(users.email.key, 'email')
 * assert.equal(posts.title.table, 'posts')
 * ```
 *
 * @category Schema
 */
export interface ColumnBuilder<T, K extends ColumnKind, NotNull extends boolean, Optional extends boolean> extends BuilderTypes<
  T,
  NotNull,
  Optional
> {
  readonly _tag: 'ColumnBuilder'
  readonly config: ColumnConfig
  /** PRIMARY KEY. On an integer column it is SQLite's rowid alias, filled in when an insert leaves it out. */
  primaryKey(): ColumnBuilder<T, K, true, K extends 'integer' | 'bigint' ? true : Optional>
  /**
   * NOT NULL: the column reads as `T`, and an insert must give it (unless it has a default).
   */
  notNull(): ColumnBuilder<T, K, true, Optional>
  /**
   * UNIQUE: a second row with the same value is a `ConstraintError` of kind `unique`.
   */
  unique(): ColumnBuilder<T, K, NotNull, Optional>
  /**
   * A default for inserts that leave the column out. A function is called when the
   * insert value is built (once per row), which suits ids and per-row values.
   */
  default(value: T | (() => T)): ColumnBuilder<T, K, NotNull, true>
  /** A foreign key; the target is a thunk so that tables may refer to each other in any order. */
  references(target: () => AnyColumn, options?: ReferenceOptions): ColumnBuilder<T, K, NotNull, Optional>
  /**
   * A CHECK constraint on the column: `integer().check((age) => gte(age, 0), 'age_not_negative')`.
   * The condition is a typed expression or a `sql` template; its values are written into
   * the DDL as literals. A named check is named in the `ConstraintError` a bad write gets.
   */
  check(condition: (self: Column<T, NotNull, Optional>) => Typed<unknown>, name?: string): ColumnBuilder<T, K, NotNull, Optional>
  /** COLLATE NOCASE | RTRIM | BINARY (or a registered collation): how the column compares, sorts and is indexed. */
  collate(collation: Collation): ColumnBuilder<T, K, NotNull, Optional>
  /**
   * A default SQLite computes for each row, from an expression: `defaultExpr(sql\`(abs(random()) % 100)\`)`.
   * It may not read columns (SQLite's rule for DEFAULT).
   */
  defaultExpr(expr: Typed<unknown>): ColumnBuilder<T, K, NotNull, true>
  /**
   * The SQL type written in the DDL instead of the kind's (`text().sqlType('VARCHAR(40)')`),
   * as `pull` writes for a database it did not design; values still read by the kind.
   */
  sqlType(declared: string): ColumnBuilder<T, K, NotNull, Optional>
}

/**
 * The builder of timestamp columns: a `ColumnBuilder` of `Date` with `defaultNow()` besides.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { table, timestamp } from 'fp-lite-orm'
 * import type { TimestampBuilder } from 'fp-lite-orm'
 *
 * const createdAt: TimestampBuilder<true, true> = timestamp('created_at').notNull().defaultNow()
 * const events = table('events', { createdAt, updatedAt: timestamp('updated_at') })
 * assert.equal(events.createdAt.name, 'created_at')
 * ```
 *
 * @category Schema
 */
export interface TimestampBuilder<NotNull extends boolean, Optional extends boolean> extends ColumnBuilder<
  Date,
  'timestamp',
  NotNull,
  Optional
> {
  primaryKey(): TimestampBuilder<true, Optional>
  /**
   * NOT NULL: the column reads as `Date`, and an insert must give it (unless it has a default).
   */
  notNull(): TimestampBuilder<true, Optional>
  /**
   * UNIQUE.
   */
  unique(): TimestampBuilder<NotNull, Optional>
  default(value: Date | (() => Date)): TimestampBuilder<NotNull, true>
  references(target: () => AnyColumn, options?: ReferenceOptions): TimestampBuilder<NotNull, Optional>
  check(condition: (self: Column<Date, NotNull, Optional>) => Typed<unknown>, name?: string): TimestampBuilder<NotNull, Optional>
  collate(collation: Collation): TimestampBuilder<NotNull, Optional>
  defaultExpr(expr: Typed<unknown>): TimestampBuilder<NotNull, true>
  sqlType(declared: string): TimestampBuilder<NotNull, Optional>
  /** The time of the insert, taken by SQLite as ISO-8601 text with milliseconds (UTC). */
  defaultNow(): TimestampBuilder<NotNull, true>
}

/**
 * Any column builder, whatever its value type and flags.
 *
 * @example
 * ```ts
 * import type { AnyColumnBuilder } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = AnyColumnBuilder
 * ```
 *
 * @category Schema
 */
export type AnyColumnBuilder = ColumnBuilder<unknown, ColumnKind, boolean, boolean>

const builder = <T, K extends ColumnKind, N extends boolean, O extends boolean>(
  config: ColumnConfig
): ColumnBuilder<T, K, N, O> & TimestampBuilder<N, O> => {
  const next = (patch: Partial<ColumnConfig>) => builder(Object.freeze({ ...config, ...patch }))
  return Object.freeze({
    _tag: 'ColumnBuilder' as const,
    config,
    primaryKey: () => next({ primaryKey: true, notNull: true }),
    notNull: () => next({ notNull: true }),
    unique: () => next({ unique: true }),
    default: (value: unknown) =>
      next({
        default: typeof value === 'function' ? { _tag: 'Thunk', thunk: value as () => unknown } : { _tag: 'Value', value }
      }),
    references: (target: () => AnyColumn, options: ReferenceOptions = {}) =>
      next({ references: Object.freeze({ target, options: Object.freeze({ ...options }) }) }),
    defaultNow: () => next({ default: { _tag: 'Now' } }),
    check: (condition: (self: AnyColumn) => unknown, name?: string) =>
      next({ checks: Object.freeze([...(config.checks ?? []), Object.freeze({ condition, ...(name === undefined ? {} : { name }) })]) }),
    collate: (collation: Collation) => next({ collate: collation }),
    defaultExpr: (expr: unknown) => next({ default: Object.freeze({ _tag: 'Expr' as const, expr }) }),
    sqlType: (declared: string) => next({ sqlType: declared })
  }) as never
}

const base = (kind: ColumnKind, sqlName?: string, codec?: t.Mixed): ColumnConfig =>
  Object.freeze({
    kind,
    primaryKey: false,
    notNull: false,
    unique: false,
    ...(sqlName === undefined ? {} : { sqlName }),
    ...(codec === undefined ? {} : { codec })
  })

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * INTEGER, read as `number`. `integer().primaryKey()` is the rowid alias.
 *
 * @param sqlName - the column's name in SQL when it differs from its schema key (any text: it is quoted); by default the key.
 * @param options - `{ mode: 'number' }` (the default): values read as `number`; integers beyond `Number.MAX_SAFE_INTEGER` are
 *   a Left when read.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, session, table } from 'fp-lite-orm'
 *
 * const counters = table('counters', { id: integer().primaryKey(), hits: integer().notNull().default(0), parentId: integer('parent_id') })
 * const s = session(connect(':memory:'))
 * s.run(createTable(counters))
 * assert.deepEqual(s.run(insert(counters, {})), E.right({ changes: 1, lastInsertRowid: 1 }))   // id chosen by SQLite
 *
 * const fraction = s.run(insert(counters, { hits: 1.5 }))
 * assert.ok(E.isLeft(fraction) && fraction.left._tag === 'ValidationError')
 * ```
 *
 * @category Schema
 */
export function integer(sqlName?: string, options?: IntegerOptions<'number'>): ColumnBuilder<number, 'integer', false, false>
/**
 * The same, options only (the column keeps its schema key as its SQL name).
 *
 * @param options - `{ mode: 'number' }`: values read as `number`.
 */
export function integer(options: IntegerOptions<'number'>): ColumnBuilder<number, 'integer', false, false>
/**
 * `{ mode: 'bigint' }`: a 64-bit column read and written as `bigint`, every value exact.
 *
 * @param sqlName - the column's name in SQL (any text: it is quoted).
 * @param options - `{ mode: 'bigint' }`.
 */
export function integer(sqlName: string, options: IntegerOptions<'bigint'>): ColumnBuilder<bigint, 'bigint', false, false>
/**
 * The same as `bigint` mode, options only.
 *
 * @param options - `{ mode: 'bigint' }`: values read and written as `bigint`.
 */
export function integer(options: IntegerOptions<'bigint'>): ColumnBuilder<bigint, 'bigint', false, false>
export function integer(
  nameOrOptions?: string | IntegerOptions<IntegerMode>,
  options?: IntegerOptions<IntegerMode>
): ColumnBuilder<number, 'integer', false, false> | ColumnBuilder<bigint, 'bigint', false, false> {
  const sqlName = typeof nameOrOptions === 'string' ? nameOrOptions : undefined
  const mode = (typeof nameOrOptions === 'object' && nameOrOptions !== null ? nameOrOptions : options)?.mode
  return mode === 'bigint'
    ? builder<bigint, 'bigint', false, false>(base('bigint', sqlName))
    : builder<number, 'integer', false, false>(base('integer', sqlName))
}

/**
 * How an integer column reads: `number` (the default; a value past 2^53 is a DecodeError) or `bigint` (all 64 bits).
 *
 * @example
 * ```ts
 * import { integer, table } from 'fp-lite-orm'
 * import type { IntegerMode } from 'fp-lite-orm'
 *
 * const mode: IntegerMode = 'bigint'
 * const ledger = table('ledger', { cents: integer({ mode }) })
 * void ledger
 * ```
 *
 * @category Schema
 */
export type IntegerMode = 'number' | 'bigint'

/**
 * The options of `integer()`: `{ mode: 'bigint' }` reads and writes `bigint`, the whole
 * 64-bit range; the default mode reads `number` and refuses a stored value it would round.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, select, session, table, values } from 'fp-lite-orm'
 * import type { IntegerOptions } from 'fp-lite-orm'
 *
 * const wide: IntegerOptions<'bigint'> = { mode: 'bigint' }
 * const ledger = table('ledger', { id: integer().primaryKey(), cents: integer(wide).notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(ledger))
 * s.run(insert(ledger, { cents: 9007199254740993n }))
 * assert.deepEqual(s.run(pipe(select(ledger), values(ledger.cents))), E.right([9007199254740993n]))
 * ```
 *
 * @category Schema
 */
export interface IntegerOptions<M extends IntegerMode> {
  readonly mode: M
}

/**
 * REAL, read as `number`.
 *
 * @param sqlName - the column's name in SQL when it differs from its schema key (any text: it is quoted); by default the key.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, real, select, session, table, values } from 'fp-lite-orm'
 *
 * const readings = table('readings', { id: integer().primaryKey(), celsius: real().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(readings))
 * s.run(insert(readings, [{ celsius: 21.5 }, { celsius: -3 }]))
 * assert.deepEqual(s.run(pipe(select(readings), values(readings.celsius))), E.right([21.5, -3]))
 * assert.ok(E.isLeft(s.run(insert(readings, { celsius: Number.NaN }))))   // NaN and Infinity are refused
 * ```
 *
 * @category Schema
 */
export const real = (sqlName?: string): ColumnBuilder<number, 'real', false, false> => builder(base('real', sqlName))

/**
 * TEXT, read as `string`.
 *
 * @param sqlName - the column's name in SQL when it differs from its schema key (any text: it is quoted); by default the key.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const notes = table('notes', { id: integer().primaryKey(), body: text('note_body').notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(notes))
 * s.run(insert(notes, { body: 'hello' }))
 * assert.deepEqual(s.run(pipe(select(notes), values(notes.body))), E.right(['hello']))
 * ```
 *
 * @category Schema
 */
export const text = (sqlName?: string): ColumnBuilder<string, 'text', false, false> => builder(base('text', sqlName))

/**
 * BLOB, read as a `Uint8Array` (a Node `Buffer`).
 *
 * @param sqlName - the column's name in SQL when it differs from its schema key (any text: it is quoted); by default the key.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, blob, select, session, table, values } from 'fp-lite-orm'
 *
 * const files = table('files', { id: integer().primaryKey(), bytes: blob().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(files))
 * s.run(insert(files, { bytes: new Uint8Array([1, 2, 3]) }))
 * const read = s.run(pipe(select(files), values(files.bytes)))
 * assert.ok(E.isRight(read) && Buffer.from(read.right[0]!).equals(Buffer.from([1, 2, 3])))
 * ```
 *
 * @category Schema
 */
export const blob = (sqlName?: string): ColumnBuilder<Uint8Array, 'blob', false, false> => builder(base('blob', sqlName))

/**
 * Stored as INTEGER 0/1, read as `boolean`.
 *
 * @param sqlName - the column's name in SQL when it differs from its schema key (any text: it is quoted); by default the key.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { boolean, connect, createTable, eq, filter, insert, integer, select, session, table, values } from 'fp-lite-orm'
 *
 * const tasks = table('tasks', { id: integer().primaryKey(), done: boolean().notNull().default(false) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(tasks))
 * s.run(insert(tasks, [{}, { done: true }]))
 * assert.deepEqual(s.run(pipe(select(tasks), values(tasks.done))), E.right([false, true]))
 * assert.deepEqual(s.run(pipe(select(tasks), filter(eq(tasks.done, true)), values(tasks.id))), E.right([2]))
 * ```
 *
 * @category Schema
 */
export const boolean = (sqlName?: string): ColumnBuilder<boolean, 'boolean', false, false> => builder(base('boolean', sqlName))

/**
 * Stored as JSON TEXT, read as the codec's type. Values are checked with the codec
 * on insert, and rows are checked with it when read.
 *
 * @param codec - an io-ts codec of the stored value (`t.type({...})`, `t.array(t.string)`, ...): a value it rejects is a
 *   Left `ValidationError` on insert and a Left `DecodeError` on read.
 * @param sqlName - the column's name in SQL when it differs from its schema key (any text: it is quoted); by default the key.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as t from 'io-ts'
 * import { connect, createTable, insert, integer, json, select, session, table, values } from 'fp-lite-orm'
 *
 * const Prefs = t.type({ theme: t.union([t.literal('dark'), t.literal('light')]) })
 * const users = table('users', { id: integer().primaryKey(), prefs: json(Prefs) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, { prefs: { theme: 'dark' } }))
 * assert.deepEqual(s.run(pipe(select(users), values(users.prefs))), E.right([{ theme: 'dark' }]))
 *
 * const wrong = s.run(insert(users, { prefs: { theme: 'blue' } as unknown as t.TypeOf<typeof Prefs> }))
 * assert.ok(E.isLeft(wrong) && wrong.left._tag === 'ValidationError')   // checked with the codec
 * ```
 *
 * @category Schema
 */
export const json = <C extends t.Mixed>(codec: C, sqlName?: string): ColumnBuilder<t.TypeOf<C>, 'json', false, false> =>
  builder(base('json', sqlName, codec))

/**
 * Stored as ISO-8601 TEXT (`2024-05-01T12:00:00.000Z`), read as `Date`.
 *
 * @param sqlName - the column's name in SQL when it differs from its schema key (any text: it is quoted); by default the key.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, gt, filter, insert, integer, select, session, table, timestamp, values } from 'fp-lite-orm'
 *
 * const events = table('events', { id: integer().primaryKey(), at: timestamp().notNull(), seenAt: timestamp('seen_at').defaultNow() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(events))
 * s.run(insert(events, [{ at: new Date('2024-05-01T12:00:00Z') }, { at: new Date('2023-01-01T00:00:00Z') }]))
 *
 * const recent = s.run(pipe(select(events), filter(gt(events.at, new Date('2024-01-01T00:00:00Z'))), values(events.at)))
 * assert.deepEqual(recent, E.right([new Date('2024-05-01T12:00:00.000Z')]))
 * ```
 *
 * @category Schema
 */
export const timestamp = (sqlName?: string): TimestampBuilder<false, false> => builder(base('timestamp', sqlName))

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

export const columnInfo = (c: AnyColumn): ColumnInfo => c[ColumnInfo]

/** The SQL storage class used for a kind in DDL (valid in STRICT tables too). */
export const sqlType = (kind: ColumnKind): 'INTEGER' | 'REAL' | 'TEXT' | 'BLOB' => {
  switch (kind) {
    case 'integer':
    case 'bigint':
    case 'boolean':
      return 'INTEGER'
    case 'real':
      return 'REAL'
    case 'text':
    case 'json':
    case 'timestamp':
      return 'TEXT'
    case 'blob':
    case 'any':
      // BLOB declares no affinity: values are stored as given.
      return 'BLOB'
  }
}
