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
 */
export type ColumnKind = 'integer' | 'real' | 'text' | 'blob' | 'boolean' | 'json' | 'timestamp' | 'any'

/** A value SQLite can store and better-sqlite3 can bind. */
export type SqlValue = number | string | bigint | Uint8Array | null

declare const TypeOf: unique symbol
/**
 * The phantom result type of anything that stands for an SQL value (a column, an
 * expression). It exists only in the types: no such property is ever set.
 */
export interface Typed<T> {
  readonly [TypeOf]?: T
}

/** The plain part of a column: what a query value holds. */
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

export type ReferenceAction = 'cascade' | 'restrict' | 'set null' | 'set default' | 'no action'

export interface ReferenceOptions {
  readonly onDelete?: ReferenceAction
  readonly onUpdate?: ReferenceAction
}

export type ColumnDefault =
  | { readonly _tag: 'Value'; readonly value: unknown }
  | { readonly _tag: 'Thunk'; readonly thunk: () => unknown }
  | { readonly _tag: 'Now' }

/** Everything a column builder records. */
export interface ColumnConfig {
  readonly kind: ColumnKind
  /** The SQL name when it differs from the key: `timestamp('created_at')`. */
  readonly sqlName?: string
  readonly primaryKey: boolean
  readonly notNull: boolean
  readonly unique: boolean
  readonly default?: ColumnDefault
  readonly references?: { readonly target: () => AnyColumn; readonly options: ReferenceOptions }
  /** json columns: the codec of the decoded value. */
  readonly codec?: t.Mixed
}

export const ColumnInfo: unique symbol = Symbol.for('fp-lite-orm/ColumnInfo')

/** The schema part of a bound column. */
export interface ColumnInfo extends ColumnConfig {
  /** The SQL name of the table that owns the column (not an alias). */
  readonly sourceTable: string
  /** The column's plain part alone, which is what query values hold. */
  readonly ref: ColumnRef
}

declare const ColumnTypes: unique symbol

/**
 * A column bound to its table. `T` is its value type without null, `NotNull` whether
 * it can hold null, `Optional` whether an insert may leave it out although it is not
 * null (a default, or an INTEGER PRIMARY KEY that SQLite fills in).
 */
export interface Column<T, NotNull extends boolean = boolean, Optional extends boolean = boolean>
  extends ColumnRef,
    Typed<NotNull extends true ? T : T | null> {
  readonly [ColumnInfo]: ColumnInfo
  readonly [ColumnTypes]?: { readonly data: T; readonly notNull: NotNull; readonly optional: Optional }
}

export type AnyColumn = Column<unknown, boolean, boolean>

/** The value type of a column as it reads (null included when nullable). */
export type ColumnValue<C> = C extends Column<infer T, infer N, boolean> ? (N extends true ? T : T | null) : never

// -------------------------------------------------------------------------------------
// builders
// -------------------------------------------------------------------------------------

declare const BuilderTypes: unique symbol

/** The type parameters of a builder, for `table()` to read (a phantom: never set). */
export interface BuilderTypes<T, NotNull extends boolean, Optional extends boolean> {
  readonly [BuilderTypes]?: { readonly data: T; readonly notNull: NotNull; readonly optional: Optional }
}

/** An unbound column description; methods return new builders and never mutate. */
export interface ColumnBuilder<T, K extends ColumnKind, NotNull extends boolean, Optional extends boolean>
  extends BuilderTypes<T, NotNull, Optional> {
  readonly _tag: 'ColumnBuilder'
  readonly config: ColumnConfig
  /** PRIMARY KEY. On an integer column it is SQLite's rowid alias, filled in when an insert leaves it out. */
  primaryKey(): ColumnBuilder<T, K, true, K extends 'integer' ? true : Optional>
  notNull(): ColumnBuilder<T, K, true, Optional>
  unique(): ColumnBuilder<T, K, NotNull, Optional>
  /**
   * A default for inserts that leave the column out. A function is called when the
   * insert value is built (once per row), which suits ids and per-row values.
   */
  default(value: T | (() => T)): ColumnBuilder<T, K, NotNull, true>
  /** A foreign key; the target is a thunk so that tables may refer to each other in any order. */
  references(target: () => AnyColumn, options?: ReferenceOptions): ColumnBuilder<T, K, NotNull, Optional>
}

export interface TimestampBuilder<NotNull extends boolean, Optional extends boolean>
  extends ColumnBuilder<Date, 'timestamp', NotNull, Optional> {
  primaryKey(): TimestampBuilder<true, Optional>
  notNull(): TimestampBuilder<true, Optional>
  unique(): TimestampBuilder<NotNull, Optional>
  default(value: Date | (() => Date)): TimestampBuilder<NotNull, true>
  references(target: () => AnyColumn, options?: ReferenceOptions): TimestampBuilder<NotNull, Optional>
  /** The time of the insert, taken by SQLite as ISO-8601 text with milliseconds (UTC). */
  defaultNow(): TimestampBuilder<NotNull, true>
}

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
        default:
          typeof value === 'function'
            ? { _tag: 'Thunk', thunk: value as () => unknown }
            : { _tag: 'Value', value }
      }),
    references: (target: () => AnyColumn, options: ReferenceOptions = {}) =>
      next({ references: Object.freeze({ target, options: Object.freeze({ ...options }) }) }),
    defaultNow: () => next({ default: { _tag: 'Now' } })
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

/** INTEGER, read as `number`. `integer().primaryKey()` is the rowid alias. */
export const integer = (sqlName?: string): ColumnBuilder<number, 'integer', false, false> =>
  builder(base('integer', sqlName))

/** REAL, read as `number`. */
export const real = (sqlName?: string): ColumnBuilder<number, 'real', false, false> => builder(base('real', sqlName))

/** TEXT, read as `string`. */
export const text = (sqlName?: string): ColumnBuilder<string, 'text', false, false> => builder(base('text', sqlName))

/** BLOB, read as a `Uint8Array` (a Node `Buffer`). */
export const blob = (sqlName?: string): ColumnBuilder<Uint8Array, 'blob', false, false> =>
  builder(base('blob', sqlName))

/** Stored as INTEGER 0/1, read as `boolean`. */
export const boolean = (sqlName?: string): ColumnBuilder<boolean, 'boolean', false, false> =>
  builder(base('boolean', sqlName))

/**
 * Stored as JSON TEXT, read as the codec's type. Values are checked with the codec
 * on insert, and rows are checked with it when read.
 */
export const json = <C extends t.Mixed>(codec: C, sqlName?: string): ColumnBuilder<t.TypeOf<C>, 'json', false, false> =>
  builder(base('json', sqlName, codec))

/** Stored as ISO-8601 TEXT (`2024-05-01T12:00:00.000Z`), read as `Date`. */
export const timestamp = (sqlName?: string): TimestampBuilder<false, false> => builder(base('timestamp', sqlName))

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

export const columnInfo = (c: AnyColumn): ColumnInfo => c[ColumnInfo]

/** The SQL storage class used for a kind in DDL (valid in STRICT tables too). */
export const sqlType = (kind: ColumnKind): 'INTEGER' | 'REAL' | 'TEXT' | 'BLOB' => {
  switch (kind) {
    case 'integer':
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
