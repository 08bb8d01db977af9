/**
 * The query AST: plain, immutable data, discriminated on `_tag`.
 *
 * Tables and columns appear by name (`TableRef`, `ColumnRef`), values as already
 * encoded SQLite values, so a query value can be printed, compared, cached by shape,
 * `structuredClone`d or posted to a worker. Codecs are functions and cannot be plain
 * data: they ride beside the AST under the `Codecs` symbol key, which cloning skips.
 */
import type * as t from 'io-ts'
import type { ColumnKind, ColumnRef, SqlValue, Typed } from '../schema/column.js'
import type { AnyTable, Simplify, TableRef } from '../schema/table.js'
import type { RelationNode } from '../schema/relations.js'
import type { EncodeMode } from '../schema/codec.js'

// -------------------------------------------------------------------------------------
// expressions
// -------------------------------------------------------------------------------------

/**
 * A bound parameter holding an already encoded value.
 *
 * @example
 * ```ts
 * import type { ValueNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ValueNode
 * ```
 *
 * @category Queries
 */
export interface ValueNode {
  readonly _tag: 'Value'
  readonly value: SqlValue
}

/**
 * How a placeholder's value is encoded and checked when it is bound.
 *
 * @example
 * ```ts
 * import type { Encoding } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = Encoding
 * ```
 *
 * @category Queries
 */
export interface Encoding {
  readonly kind: ColumnKind
  readonly mode: EncodeMode
  /** Refuse null (a NOT NULL column being written). */
  readonly notNull?: boolean
  /** Where the value goes, for messages: `users.age`. */
  readonly target?: string
  /** The key of a json column's codec in the query's codecs. */
  readonly codecKey?: string
  /** LIKE helpers: the bound text is escaped and wrapped with `%`. */
  readonly like?: 'contains' | 'startsWith' | 'endsWith'
  /** `limit`/`offset`: a whole number >= 0. */
  readonly count?: boolean
  /** `inArray(col, placeholder)`: an array, bound as one JSON array. */
  readonly list?: boolean
  /** No column to go by: encoded like a value in a `sql` template. */
  readonly loose?: boolean
}

/**
 * A named parameter, bound when the query runs: `s.run(q, { id: 1 })`.
 *
 * @example
 * ```ts
 * import type { PlaceholderNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = PlaceholderNode
 * ```
 *
 * @category Queries
 */
export interface PlaceholderNode {
  readonly _tag: 'Placeholder'
  readonly name: string
  readonly encoding?: Encoding
}

/**
 * `IS` / `IS NOT` are `=` / `<>` that treat NULL as a value (used for placeholders that may be bound to null).
 *
 * @example
 * ```ts
 * import type { CompareOp } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = CompareOp
 * ```
 *
 * @category Queries
 */
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'IS' | 'IS NOT'

/**
 * A binary comparison: `=`, `<>`, `<`, `<=`, `>`, `>=`.
 *
 * @example
 * ```ts
 * import type { CompareNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = CompareNode
 * ```
 *
 * @category Queries
 */
export interface CompareNode {
  readonly _tag: 'Compare'
  readonly op: CompareOp
  readonly left: ExprNode
  readonly right: ExprNode
}

/**
 * `x IS NULL` / `x IS NOT NULL`.
 *
 * @example
 * ```ts
 * import type { IsNullNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = IsNullNode
 * ```
 *
 * @category Queries
 */
export interface IsNullNode {
  readonly _tag: 'IsNull'
  readonly expr: ExprNode
  readonly negated: boolean
}

/**
 * `x BETWEEN low AND high` (or NOT BETWEEN).
 *
 * @example
 * ```ts
 * import type { BetweenNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = BetweenNode
 * ```
 *
 * @category Queries
 */
export interface BetweenNode {
  readonly _tag: 'Between'
  readonly expr: ExprNode
  readonly low: ExprNode
  readonly high: ExprNode
}

/**
 * `x IN (...)` over a list of values or a subquery (or NOT IN).
 *
 * @example
 * ```ts
 * import type { InNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = InNode
 * ```
 *
 * @category Queries
 */
export interface InNode {
  readonly _tag: 'In'
  readonly expr: ExprNode
  /** A list of values, or one placeholder bound to an array. */
  readonly list: ReadonlyArray<ExprNode> | PlaceholderNode
  readonly negated: boolean
}

/**
 * `x LIKE pattern` (or NOT LIKE), with an ESCAPE character.
 *
 * @example
 * ```ts
 * import type { LikeNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = LikeNode
 * ```
 *
 * @category Queries
 */
export interface LikeNode {
  readonly _tag: 'Like'
  readonly expr: ExprNode
  readonly pattern: ExprNode
  /** The pattern escapes `%`, `_` and `\` with a backslash. */
  readonly escaped: boolean
  /**
   * Set by the LIKE helpers for a needle LIKE cannot take (a NUL, or past SQLite's 50,000-byte
   * pattern limit): `pattern` is then the needle itself, matched exactly (instr and byte
   * comparison, ASCII-case-insensitive as LIKE is), not a LIKE pattern.
   */
  readonly exact?: 'contains' | 'startsWith' | 'endsWith'
}

/**
 * `AND` / `OR` over several conditions.
 *
 * @example
 * ```ts
 * import type { LogicalNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = LogicalNode
 * ```
 *
 * @category Queries
 */
export interface LogicalNode {
  readonly _tag: 'And' | 'Or'
  readonly items: ReadonlyArray<ExprNode>
}

/**
 * `NOT x`.
 *
 * @example
 * ```ts
 * import type { NotNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = NotNode
 * ```
 *
 * @category Queries
 */
export interface NotNode {
  readonly _tag: 'Not'
  readonly expr: ExprNode
}

/**
 * The SQL functions the DSL knows; any other function goes through `sql`.
 *
 * @example
 * ```ts
 * import type { FunctionName } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = FunctionName
 * ```
 *
 * @category Queries
 */
export type FunctionName =
  'count' | 'sum' | 'avg' | 'min' | 'max' | 'date' | 'strftime' | 'coalesce' | 'lower' | 'upper' | 'row_number' | 'rank' | 'dense_rank'

/**
 * A call of an SQL function (the names are a closed list).
 *
 * @example
 * ```ts
 * import type { FunctionNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = FunctionNode
 * ```
 *
 * @category Queries
 */
export interface FunctionNode {
  readonly _tag: 'Function'
  readonly fn: FunctionName
  readonly args: ReadonlyArray<ExprNode>
  readonly distinct?: boolean
  /** How a result of this function decodes (e.g. `min` of a timestamp column is a Date). */
  readonly kind?: ColumnKind
}

/**
 * `count(*)`.
 *
 * @example
 * ```ts
 * import type { CountAllNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = CountAllNode
 * ```
 *
 * @category Queries
 */
export interface CountAllNode {
  readonly _tag: 'CountAll'
}

/**
 * A `sql` template: text between the interpolations, and the interpolations as nodes.
 *
 * @example
 * ```ts
 * import type { SqlNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = SqlNode
 * ```
 *
 * @category Queries
 */
export interface SqlNode {
  readonly _tag: 'Sql'
  readonly strings: ReadonlyArray<string>
  readonly args: ReadonlyArray<ExprNode>
  readonly kind?: ColumnKind
}

/**
 * `sql.identifier(name)`: validated and quoted when compiled.
 *
 * @example
 * ```ts
 * import type { IdentifierNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = IdentifierNode
 * ```
 *
 * @category Queries
 */
export interface IdentifierNode {
  readonly _tag: 'Identifier'
  readonly name: string
}

/**
 * A select used as a value (in a `sql` template, `inArray`, `scalar`): compiled in parentheses.
 *
 * @example
 * ```ts
 * import type { SubqueryNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = SubqueryNode
 * ```
 *
 * @category Queries
 */
export interface SubqueryNode {
  readonly _tag: 'Subquery'
  readonly select: SelectStatement
  /** How its single column decodes, when known. */
  readonly kind?: ColumnKind
}

/**
 * `EXISTS (select)` / `NOT EXISTS (select)`.
 *
 * @example
 * ```ts
 * import type { ExistsNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ExistsNode
 * ```
 *
 * @category Queries
 */
export interface ExistsNode {
  readonly _tag: 'Exists'
  readonly select: SelectStatement
  readonly negated: boolean
}

/**
 * A window function: `fn OVER (PARTITION BY ... ORDER BY ...)`.
 *
 * @example
 * ```ts
 * import type { WindowNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = WindowNode
 * ```
 *
 * @category Queries
 */
export interface WindowNode {
  readonly _tag: 'Window'
  readonly fn: ExprNode
  readonly partitionBy: ReadonlyArray<ExprNode>
  readonly orderBy: ReadonlyArray<OrderTerm>
  readonly kind?: ColumnKind
}

/**
 * `CASE WHEN c1 THEN v1 ... ELSE otherwise END` (no ELSE: NULL when no branch holds).
 *
 * @example
 * ```ts
 * import type { CaseNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = CaseNode
 * ```
 *
 * @category Queries
 */
export interface CaseNode {
  readonly _tag: 'Case'
  readonly branches: ReadonlyArray<{ readonly when: ExprNode; readonly then: ExprNode }>
  readonly otherwise?: ExprNode
  readonly kind?: ColumnKind
}

/**
 * A row value `(a, b, ...)`: compared, or looked up `IN` a list of rows, item by item.
 *
 * @example
 * ```ts
 * import type { RowValueNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = RowValueNode
 * ```
 *
 * @category Queries
 */
export interface RowValueNode {
  readonly _tag: 'RowValue'
  readonly items: ReadonlyArray<ExprNode>
}

/**
 * The time of the statement, as a timestamp column stores it (`defaultNow()`).
 *
 * @example
 * ```ts
 * import type { NowNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = NowNode
 * ```
 *
 * @category Queries
 */
export interface NowNode {
  readonly _tag: 'Now'
}

/**
 * Input that could not be turned into SQL (a value of the wrong type, an invalid
 * identifier). Constructors never throw: they leave this node, and the query
 * returns it as a Left `ValidationError` when it is compiled.
 *
 * @example
 * ```ts
 * import type { InvalidNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = InvalidNode
 * ```
 *
 * @category Queries
 */
export interface InvalidNode {
  readonly _tag: 'Invalid'
  readonly message: string
  readonly path?: string
}

/**
 * An expression of a query value, as plain data: a column, a bound value, a placeholder, an
 * operator, a function call, a `sql` template, a subquery... The constructors (`eq`, `sum`,
 * `sql`, ...) build these; you rarely need to look inside.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { eq, integer, table } from 'fp-lite-orm'
 * import type { ExprNode } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const node: ExprNode = eq(users.id, 1)
 * assert.deepEqual(node, {
 *   _tag: 'Compare',
 *   op: '=',
 *   left: { _tag: 'Column', table: 'users', name: 'id', key: 'id', kind: 'integer' },
 *   right: { _tag: 'Value', value: 1 }
 * })
 * ```
 *
 * @category Queries
 */
export type ExprNode =
  | ColumnRef
  | ValueNode
  | PlaceholderNode
  | CompareNode
  | IsNullNode
  | BetweenNode
  | InNode
  | LikeNode
  | LogicalNode
  | NotNode
  | FunctionNode
  | CountAllNode
  | SqlNode
  | IdentifierNode
  | SubqueryNode
  | ExistsNode
  | WindowNode
  | CaseNode
  | RowValueNode
  | NowNode
  | InvalidNode

/**
 * An expression whose SQL value has the TypeScript type `T`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, lower, select, session, sql, table, text, values } from 'fp-lite-orm'
 * import type { Expr } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * // Any expression of a string can be passed where an Expr<string> is expected.
 * const shout = (e: Expr<string>): Expr<string> => sql<string>`upper(${e}) || '!'`
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, { name: 'Ann' }))
 * assert.deepEqual(s.run(pipe(select(users), values(shout(lower(users.name))))), E.right(['ANN!']))
 * ```
 *
 * @category Queries
 */
export type Expr<T> = ExprNode & Typed<T>

const EXPR_TAGS: ReadonlySet<string> = new Set<ExprNode['_tag']>([
  'Column',
  'Value',
  'Placeholder',
  'Compare',
  'IsNull',
  'Between',
  'In',
  'Like',
  'And',
  'Or',
  'Not',
  'Function',
  'CountAll',
  'Sql',
  'Identifier',
  'Subquery',
  'Exists',
  'Window',
  'Case',
  'RowValue',
  'Now',
  'Invalid'
])

export const isExprNode = (u: unknown): u is ExprNode =>
  typeof u === 'object' &&
  u !== null &&
  !(u instanceof Uint8Array) &&
  !(u instanceof Date) &&
  EXPR_TAGS.has((u as { _tag?: unknown })._tag as string)

// -------------------------------------------------------------------------------------
// statements
// -------------------------------------------------------------------------------------

/**
 * One term of an ORDER BY: an expression, a direction, and where NULLs go. `asc(expr)` and `desc(expr)` make them.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { desc, integer, table } from 'fp-lite-orm'
 * import type { OrderTerm } from 'fp-lite-orm'
 *
 * const t = table('t', { n: integer() })
 * const newestFirst: OrderTerm = desc(t.n, { nulls: 'last' })
 * assert.deepEqual([newestFirst.direction, newestFirst.nulls], ['desc', 'last'])
 * ```
 *
 * @category Queries
 */
export interface OrderTerm {
  readonly _tag: 'Order'
  readonly expr: ExprNode
  readonly direction: 'asc' | 'desc'
  readonly nulls?: 'first' | 'last'
}

/**
 * One output field of a projection: `key` is its name in the row.
 *
 * @example
 * ```ts
 * import type { Field } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = Field
 * ```
 *
 * @category Queries
 */
export interface Field {
  readonly key: string
  readonly expr: ExprNode
  /**
   * A nested projection's field (`columns({ user: { id: users.id } })`): the keys from the
   * row down to the value (`['user', 'id']`); `key` is then their join (`user.id`).
   */
  readonly path?: ReadonlyArray<string>
}

/**
 * The kinds of join.
 *
 * @example
 * ```ts
 * import type { JoinKind } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = JoinKind
 * ```
 *
 * @category Queries
 */
export type JoinKind = 'inner' | 'left' | 'right' | 'full' | 'cross'

/**
 * One join of a select: its kind, table and ON condition.
 *
 * @example
 * ```ts
 * import type { JoinClause } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = JoinClause
 * ```
 *
 * @category Queries
 */
export interface JoinClause {
  readonly _tag: 'Join'
  readonly kind: JoinKind
  readonly table: TableRef
  /** Absent for a cross join. */
  readonly on?: ExprNode
}

/**
 * One UNION / INTERSECT / EXCEPT arm of a compound select.
 *
 * @example
 * ```ts
 * import type { CompoundPart } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = CompoundPart
 * ```
 *
 * @category Queries
 */
export interface CompoundPart {
  readonly op: 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT'
  readonly select: SelectStatement
}

/**
 * `preload(name, relation, options?, ...nested)`.
 *
 * @example
 * ```ts
 * import type { PreloadNode } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = PreloadNode
 * ```
 *
 * @category Queries
 */
export interface PreloadNode {
  readonly _tag: 'Preload'
  readonly name: string
  readonly relation: RelationNode
  readonly nested: ReadonlyArray<PreloadNode>
  /** Only the related rows that meet these conditions. */
  readonly where?: ReadonlyArray<ExprNode>
  /** The order of each row's related rows (before the target's primary key). */
  readonly orderBy?: ReadonlyArray<OrderTerm>
  /** At most this many related rows per loaded row (a many relation only). */
  readonly limit?: number
  /** Only these columns of the related rows, by schema key. */
  readonly columns?: ReadonlyArray<string>
}

/**
 * A SELECT, as the compiler gets it.
 *
 * @example
 * ```ts
 * import type { SelectStatement } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = SelectStatement
 * ```
 *
 * @category Queries
 */
export interface SelectStatement {
  readonly _tag: 'Select'
  readonly from: TableRef
  readonly joins: ReadonlyArray<JoinClause>
  readonly where: ReadonlyArray<ExprNode>
  /** A flat projection (`columns({...})`); absent, the row is the table's columns. */
  readonly selection?: ReadonlyArray<Field>
  readonly distinct: boolean
  readonly groupBy: ReadonlyArray<ExprNode>
  readonly having: ReadonlyArray<ExprNode>
  readonly orderBy: ReadonlyArray<OrderTerm>
  readonly limit?: ExprNode
  readonly offset?: ExprNode
  /** UNION / UNION ALL / INTERSECT / EXCEPT with further selects, in order. */
  readonly compound?: ReadonlyArray<CompoundPart>
  /** Relations loaded after the rows are read (one extra query per relation). */
  readonly preload?: ReadonlyArray<PreloadNode>
  /**
   * `value(expr)` / `values(expr)` on a compound: the expression read from the compound's
   * result (a member's projection stays as it is).
   */
  readonly pick?: Field
  /** Definition problems of the tables involved, reported when compiled. */
  readonly problems?: ReadonlyArray<string>
}

/**
 * `column = value` in UPDATE ... SET and ON CONFLICT ... DO UPDATE SET.
 *
 * @example
 * ```ts
 * import type { Assignment } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = Assignment
 * ```
 *
 * @category Queries
 */
export interface Assignment {
  /** The SQL column name. */
  readonly column: string
  readonly value: ExprNode
}

/**
 * What an INSERT does on a conflict: OR IGNORE / OR REPLACE, or an ON CONFLICT upsert.
 *
 * @example
 * ```ts
 * import type { ConflictClause } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ConflictClause
 * ```
 *
 * @category Queries
 */
export type ConflictClause =
  | { readonly _tag: 'DoNothing'; readonly target: ReadonlyArray<string> }
  | {
      readonly _tag: 'DoUpdate'
      /** SQL names of the conflict target's columns (a unique index or the primary key). */
      readonly target: ReadonlyArray<string>
      readonly set: ReadonlyArray<Assignment>
      readonly where: ReadonlyArray<ExprNode>
    }

/**
 * An INSERT.
 *
 * @example
 * ```ts
 * import type { InsertStatement } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = InsertStatement
 * ```
 *
 * @category Queries
 */
export interface InsertStatement {
  readonly _tag: 'Insert'
  readonly table: TableRef
  /** SQL names of the columns written, in order. */
  readonly columns: ReadonlyArray<string>
  /** One list of cells per row, aligned with `columns`. */
  readonly rows: ReadonlyArray<ReadonlyArray<ExprNode>>
  /** INSERT ... SELECT: the select whose projection (aligned with `columns`) gives the rows; `rows` is then empty. */
  readonly select?: SelectStatement
  /** INSERT OR REPLACE / INSERT OR IGNORE. */
  readonly or?: 'replace' | 'ignore'
  /** ON CONFLICT clauses, in order (SQLite tries them in turn; only the last may have no target). */
  readonly onConflict?: ReadonlyArray<ConflictClause>
  /** RETURNING: the fields of each returned row (absent: no RETURNING). */
  readonly returning?: ReadonlyArray<Field>
  readonly problems?: ReadonlyArray<string>
}

/**
 * An UPDATE.
 *
 * @example
 * ```ts
 * import type { UpdateStatement } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = UpdateStatement
 * ```
 *
 * @category Queries
 */
export interface UpdateStatement {
  readonly _tag: 'Update'
  readonly table: TableRef
  readonly set: ReadonlyArray<Assignment>
  /** UPDATE ... FROM: further tables the set and the filter may read. */
  readonly from?: ReadonlyArray<TableRef>
  readonly where: ReadonlyArray<ExprNode>
  /** The query asked to change every row (`allRows`); without it, no filter is an error. */
  readonly allRows: boolean
  /** `set(changed(a, b))` found nothing changed: the update is a no-op. */
  readonly noop?: boolean
  readonly returning?: ReadonlyArray<Field>
  /** UPDATE ... ORDER BY ... LIMIT ... OFFSET (SQLite built with UPDATE/DELETE LIMIT). */
  readonly orderBy?: ReadonlyArray<OrderTerm>
  readonly limit?: ExprNode
  readonly offset?: ExprNode
  readonly problems?: ReadonlyArray<string>
}

/**
 * A DELETE.
 *
 * @example
 * ```ts
 * import type { DeleteStatement } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = DeleteStatement
 * ```
 *
 * @category Queries
 */
export interface DeleteStatement {
  readonly _tag: 'Delete'
  readonly table: TableRef
  readonly where: ReadonlyArray<ExprNode>
  readonly allRows: boolean
  readonly returning?: ReadonlyArray<Field>
  readonly orderBy?: ReadonlyArray<OrderTerm>
  readonly limit?: ExprNode
  readonly offset?: ExprNode
  readonly problems?: ReadonlyArray<string>
}

/**
 * Native SQL: one statement, its values bound.
 *
 * @example
 * ```ts
 * import type { RawStatement } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = RawStatement
 * ```
 *
 * @category Queries
 */
export interface RawStatement {
  readonly _tag: 'Raw'
  readonly sql: SqlNode
}

/**
 * A column's DEFAULT in DDL: a literal or the current time.
 *
 * @example
 * ```ts
 * import type { DefaultDef } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = DefaultDef
 * ```
 *
 * @category Queries
 */
export type DefaultDef =
  | { readonly _tag: 'Literal'; readonly value: SqlValue }
  | { readonly _tag: 'Now' }
  /** `defaultExpr(expr)`: the expression, its columns already refused (DEFAULT reads none). */
  | { readonly _tag: 'Expr'; readonly expr: ExprNode }

/**
 * An expression as DDL holds it (a CHECK, a generated column, an index key or WHERE): the
 * table's columns are `Identifier` nodes (unqualified, as SQLite requires there), and its
 * values are written as literals when compiled (DDL takes no parameters).
 */
/**
 * @example
 * ```ts
 * import type { DdlCheck } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = DdlCheck
 * ```
 *
 * @category Schema
 */
export interface DdlCheck {
  readonly name?: string
  readonly expr: ExprNode
}

/** One key of an index: an expression (a column is an Identifier) and its direction. */
/**
 * @example
 * ```ts
 * import type { IndexTermDef } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = IndexTermDef
 * ```
 *
 * @category Schema
 */
export interface IndexTermDef {
  readonly expr: ExprNode
  readonly direction?: 'asc' | 'desc'
}

/**
 * One column of a CREATE TABLE.
 *
 * @example
 * ```ts
 * import type { ColumnDef } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ColumnDef
 * ```
 *
 * @category Queries
 */
export interface ColumnDef {
  readonly name: string
  /** The kind's storage class, or a declared type given with `sqlType(...)` (checked to be a type name). */
  readonly type: string
  /** A single-column primary key, declared on the column. */
  readonly primaryKey: boolean
  readonly notNull: boolean
  readonly unique: boolean
  readonly default?: DefaultDef
  /** A check that a boolean column holds 0 or 1. */
  readonly checkBoolean: boolean
  readonly references?: {
    readonly table: string
    readonly column: string
    readonly onDelete?: string
    readonly onUpdate?: string
  }
  /** CHECK constraints on the column. */
  readonly checks?: ReadonlyArray<DdlCheck>
  /** COLLATE, already validated and upper-cased. */
  readonly collate?: string
  /** GENERATED ALWAYS AS (expr) VIRTUAL | STORED. */
  readonly generated?: { readonly expr: ExprNode; readonly stored: boolean }
}

/**
 * A CREATE INDEX that comes with a CREATE TABLE.
 *
 * @example
 * ```ts
 * import type { IndexStatementDef } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = IndexStatementDef
 * ```
 *
 * @category Queries
 */
export interface IndexStatementDef {
  readonly name: string
  /** SQL names of the plain column keys. */
  readonly columns: ReadonlyArray<string>
  readonly unique: boolean
  /** The keys, when one is more than a plain column (an expression, a direction, a collation). */
  readonly terms?: ReadonlyArray<IndexTermDef>
  /** A partial index's condition. */
  readonly where?: ExprNode
}

/**
 * A CREATE TABLE with its indexes.
 *
 * @example
 * ```ts
 * import type { CreateTableStatement } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = CreateTableStatement
 * ```
 *
 * @category Queries
 */
export interface CreateTableStatement {
  readonly _tag: 'CreateTable'
  readonly name: string
  readonly columns: ReadonlyArray<ColumnDef>
  /** SQL names of a composite primary key. */
  readonly primaryKey: ReadonlyArray<string>
  readonly indexes: ReadonlyArray<IndexStatementDef>
  readonly strict: boolean
  readonly withoutRowid: boolean
  /** Table CHECK constraints. */
  readonly checks?: ReadonlyArray<DdlCheck>
  readonly problems?: ReadonlyArray<string>
}

/**
 * The SQL part of a query value: one of the statement kinds, as plain data.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { createTable, deleteFrom, eq, filter, first, insert, integer, raw, select, sql, table, update, set } from 'fp-lite-orm'
 * import type { Statement } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), n: integer() })
 * const statements: Statement[] = [
 *   pipe(select(t), first).statement,
 *   insert(t, { n: 1 }).statement,
 *   pipe(update(t), set({ n: 2 }), filter(eq(t.id, 1))).statement,
 *   pipe(deleteFrom(t), filter(eq(t.id, 1))).statement,
 *   raw(sql`VACUUM`).statement,
 *   createTable(t).statement
 * ]
 * assert.deepEqual(statements.map((s) => s._tag), ['Select', 'Insert', 'Update', 'Delete', 'Raw', 'CreateTable'])
 * ```
 *
 * @category Queries
 */
export type Statement = SelectStatement | InsertStatement | UpdateStatement | DeleteStatement | RawStatement | CreateTableStatement

// -------------------------------------------------------------------------------------
// queries
// -------------------------------------------------------------------------------------

/**
 * What a runnable query returns. Read modes read rows (`all`, `first`, ...); `run`
 * gives `{ changes, lastInsertRowid }`; `void` gives nothing (DDL).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { all, count, createTable, first, insert, integer, select, table } from 'fp-lite-orm'
 * import type { ResultMode } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const modes: ResultMode[] = [pipe(select(t), all).mode, pipe(select(t), first).mode, pipe(select(t), count).mode, insert(t, {}).mode, createTable(t).mode]
 * assert.deepEqual(modes, ['all', 'first', 'count', 'run', 'void'])
 * ```
 *
 * @category Queries
 */
export type ResultMode = 'all' | 'first' | 'one' | 'count' | 'exists' | 'value' | 'values' | 'run' | 'void'

export const Codecs: unique symbol = Symbol.for('fp-lite-orm/Codecs')

/**
 * The functions riding beside a query value; skipped by `structuredClone` and workers.
 *
 * @example
 * ```ts
 * import type { CodecsPart } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = CodecsPart
 * ```
 *
 * @category Queries
 */
export interface CodecsPart {
  /** json column codecs, keyed by `table\u0000column` (table or alias, SQL column name). */
  readonly columns?: Readonly<Record<string, t.Mixed>>
  /** `decode(codec)`: applied to every row after the column kinds are decoded. */
  readonly decoder?: t.Decoder<unknown, unknown>
  /** A write's target table (its schema part), for `set` and `onConflictDoUpdate` to check values by. */
  readonly target?: AnyTable
}

declare const ResultType: unique symbol

/**
 * A runnable query: a statement and what its result is. `A` is the result's type.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, count, createTable, filter, gt, insert, integer, select, session, table } from 'fp-lite-orm'
 * import type { Query } from 'fp-lite-orm'
 *
 * const scores = table('scores', { id: integer().primaryKey(), points: integer().notNull() })
 * const above = (n: number): Query<number> => pipe(select(scores), filter(gt(scores.points, n)), count)
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(scores))
 * s.run(insert(scores, [{ points: 5 }, { points: 50 }]))
 * assert.deepEqual(s.run(above(10)), E.right(1))
 * assert.deepEqual(structuredClone(above(10)), above(10))   // plain data
 * ```
 *
 * @category Queries
 */
export interface Query<A> {
  readonly _tag: 'Query'
  readonly statement: Statement
  readonly mode: ResultMode
  readonly [Codecs]?: CodecsPart
  readonly [ResultType]?: A
}

declare const TablesType: unique symbol

/**
 * A select before its terminal: the combinators (`filter`, `orderBy`, ...) apply to it.
 * `A` is its row type; `Ts` the rows of the tables in scope by query name (what a join
 * nests), or `never` once `columns` fixed a flat row.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, connect, count, createTable, eq, filter, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { Row, SelectQuery } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), team: text() })
 * // A select before its terminal: refine it, branch it, finish it in several ways.
 * const ofTeam = (team: string): SelectQuery<Row<typeof users>> => pipe(select(users), filter(eq(users.team, team)))
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', team: 'red' }, { name: 'Bob', team: 'red' }]))
 * assert.deepEqual(s.run(pipe(ofTeam('red'), count)), E.right(2))
 * assert.ok(E.isRight(s.run(pipe(ofTeam('blue'), all))))
 * ```
 *
 * @category Queries
 */
export interface SelectQuery<A, Ts = unknown, S extends string = string, U extends string = string> extends SelectStatement {
  readonly [Codecs]?: CodecsPart
  readonly [ResultType]?: A
  readonly [TablesType]?: Ts
  readonly [ScopeType]?: { readonly scope: S; readonly used: U }
}

declare const ScopeType: unique symbol

/**
 * The tables a select reads that it does not have in scope: its enclosing query's, for a
 * subquery (`scalar`, `notExists`, `exists`), which is how a correlated subquery reads the
 * enclosing query's columns. In a select's type, `S` names the tables it reads (FROM,
 * joins) and `U` the tables its expressions read; `string` for either means not known to
 * the types (checked at run time only).
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { eq, filter, integer, select, table } from 'fp-lite-orm'
 * import type { OuterRefs } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id') })
 * const ofUser = pipe(select(posts), filter(eq(posts.userId, users.id)))   // correlated: reads users
 * const outer: OuterRefs<typeof ofUser> = 'users'
 * void outer
 * ```
 *
 * @category Queries
 */
export type OuterRefs<Q> =
  Q extends SelectQuery<unknown, unknown, infer S extends string, infer U extends string>
    ? string extends U
      ? never
      : Exclude<U, S>
    : never

/**
 * What a terminal requires of a select: every table its expressions read is in its scope.
 * The error names the tables that are not: join them (`join`, `leftJoin`), or use a column
 * of a table the query reads.
 *
 * @example
 * ```ts
 * import type { InScope } from 'fp-lite-orm'
 *
 * const fine: InScope<'users' | 'posts', 'posts'> = {}
 * const wrong: InScope<'users', 'posts'> = { 'columns of tables this query does not read (join them first)': 'posts' }
 * void fine; void wrong
 * ```
 *
 * @category Queries
 */
export type InScope<S extends string, U extends string> = string extends U
  ? unknown
  : [Exclude<U, S | ParamRef>] extends [never]
    ? unknown
    : { readonly 'columns of tables this query does not read (join them first)': Exclude<U, S | ParamRef> }

// -------------------------------------------------------------------------------------
// typed placeholders
// -------------------------------------------------------------------------------------

/**
 * A placeholder's mark among the names an expression reads (see `Refs`): `?name`, or
 * `?name=kind` once a comparison has put it beside a column of that kind. Never a table,
 * so it never is in scope: it travels up to the terminal, which turns the marks into the
 * parameters `run` asks for (`ParamsOf`).
 *
 * @example
 * ```ts
 * import { eq, integer, placeholder, table } from 'fp-lite-orm'
 * import type { ParamRef, RefsOf } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const byId = eq(users.id, placeholder('id'))
 * const marks: Extract<RefsOf<typeof byId>, ParamRef> = '?id=number'
 * void marks
 * ```
 *
 * @category Queries
 */
export type ParamRef = `?${string}`

/**
 * The kind a placeholder takes where it stands: what `T` (a column's value type) is, null aside.
 *
 * @example
 * ```ts
 * import type { KindTag } from 'fp-lite-orm'
 *
 * const kinds: [KindTag<number | null>, KindTag<Date>, KindTag<'a' | 'b'>, KindTag<{ x: 1 }>] = ['number', 'Date', 'string', 'unknown']
 * void kinds
 * ```
 *
 * @category Queries
 */
export type KindTag<T> = [NonNullable<T>] extends [never]
  ? 'unknown'
  : [NonNullable<T>] extends [boolean]
    ? 'boolean'
    : [NonNullable<T>] extends [number]
      ? 'number'
      : [NonNullable<T>] extends [bigint]
        ? 'bigint'
        : [NonNullable<T>] extends [string]
          ? 'string'
          : [NonNullable<T>] extends [Date]
            ? 'Date'
            : [NonNullable<T>] extends [Uint8Array]
              ? 'blob'
              : 'unknown'

/**
 * The values a placeholder of a kind may be bound to: null too (`eq` then reads `IS NULL`), but for the text a LIKE helper looks for (`needle`).
 *
 * @example
 * ```ts
 * import type { KindValue } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = KindValue<'number'>
 * ```
 *
 * @category Queries
 */
export type KindValue<K extends string> = K extends 'needle'
  ? string
  : K extends 'boolean'
    ? boolean | null
    : K extends 'number'
      ? number | null
      : K extends 'bigint'
        ? bigint | number | null
        : K extends 'string'
          ? string | null
          : K extends 'Date'
            ? Date | null
            : K extends 'blob'
              ? Uint8Array | null
              : unknown

/**
 * One placeholder's entry in `ParamsOf`; none for a name the types do not know (a `Placeholder` of any name).
 *
 * @example
 * ```ts
 * import type { ParamEntry } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ParamEntry<never>
 * ```
 *
 * @category Queries
 */
export type ParamEntry<R> = R extends `?${infer N}=${infer K}`
  ? string extends N
    ? never
    : { readonly [P in N]: KindValue<K> }
  : R extends `?${infer N}`
    ? string extends N
      ? never
      : { readonly [P in N]: unknown }
    : never

/**
 * A union of object types as their intersection (how `ParamsOf` gathers the entries).
 *
 * @example
 * ```ts
 * import type { Intersection } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = Intersection<never>
 * ```
 *
 * @category Queries
 */
export type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never

/**
 * The parameters a query's placeholders need, from the marks its expressions carry:
 * `{ id: number | null }` for `eq(users.id, placeholder('id'))`. `unknown` when the types
 * know of none (a placeholder in `limit`, a `sql` template or a write is checked when it
 * runs instead).
 *
 * @example
 * ```ts
 * import type { ParamsOf } from 'fp-lite-orm'
 *
 * const p: ParamsOf<'users' | '?id=number' | '?q'> = { id: 1, q: 'anything' }
 * void p
 * ```
 *
 * @category Queries
 */
export type ParamsOf<U extends string> = string extends U
  ? unknown
  : [Extract<U, ParamRef>] extends [never]
    ? unknown
    : [ParamEntry<Extract<U, ParamRef>>] extends [never]
      ? unknown
      : { readonly [K in keyof Intersection<ParamEntry<Extract<U, ParamRef>>>]: Intersection<ParamEntry<Extract<U, ParamRef>>>[K] }

declare const ParamsType: unique symbol

/**
 * What a query's placeholders need (a phantom on the query value): `run(q, params)` asks for
 * `P`. Other keys may come along, for placeholders the types cannot see.
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { eq, filter, first, integer, placeholder, select, table } from 'fp-lite-orm'
 * import type { Needs, Query } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const byId: Query<unknown> & Needs<{ readonly id: number | null }> = pipe(select(users), filter(eq(users.id, placeholder('id'))), first)
 * void byId
 * ```
 *
 * @category Queries
 */
export interface Needs<P> {
  readonly [ParamsType]?: P
}

// -------------------------------------------------------------------------------------
// results and projections (shared by selects and writes)
// -------------------------------------------------------------------------------------

/**
 * What a write returns: rows changed, and the rowid of the last row inserted.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, set, update, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { WriteResult } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const added: E.Either<unknown, WriteResult> = s.run(insert(users, { email: 'cleo@x.io', name: 'Cleo' }))
 * assert.deepEqual(added, E.right({ changes: 1, lastInsertRowid: 3 }))
 * const bumped = s.run(pipe(update(users), set({ visits: 1 }), filter(eq(users.id, 1))))
 * assert.ok(E.isRight(bumped) && bumped.right.changes === 1)   // lastInsertRowid: the connection's last insert, here 3
 * ```
 *
 * @category Writes
 */
export interface WriteResult {
  readonly changes: number
  readonly lastInsertRowid: number
}

/**
 * What `columns` takes: expressions by key, and plain objects of them, which become nested
 * objects of each row (`columns({ user: { id: users.id }, total: sum(...) })`).
 *
 * @example
 * ```ts
 * import { countAll, integer, table, text } from 'fp-lite-orm'
 * import type { Fields } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const shape: Fields = { user: { id: users.id, name: users.name }, n: countAll() }
 * void shape
 * ```
 *
 * @category Queries
 */
export interface Fields {
  readonly [key: string]: Expr<unknown> | Fields
}

/**
 * The row type of a projection.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, countAll, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { Projected } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ name: 'Ann', age: 31 }, { name: 'Bob', age: 17 }, { name: 'Cleo', age: null }]))
 *
 *
 * const fields = { name: users.name, n: countAll() }
 * const rows: E.Either<unknown, Array<Projected<typeof fields>>> = s.run(pipe(select(users), columns(fields), all))   // { name: string; n: number }[]
 * assert.ok(E.isRight(rows))
 * ```
 *
 * @category Queries
 */
export type Projected<S> = {
  -readonly [K in keyof S]: S[K] extends Typed<infer V> ? V : S[K] extends Fields ? Simplify<Projected<S[K]>> : never
}
