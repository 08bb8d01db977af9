/**
 * Expressions: comparison and logical operators, placeholders, and the rules that
 * turn a user's value into an AST node (encoded by the kind of what it is compared
 * with, so a Date against a timestamp column binds ISO text and a boolean binds 0/1).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { ColumnKind, ColumnRef, Refs, RefsOf, SqlValue, Typed } from '../schema/column.js'
import { ColumnInfo } from '../schema/column.js'
import { describeValue } from '../errors.js'
import { encodeLoose, encodeValue } from '../schema/codec.js'
import type {
  CompareOp,
  Encoding,
  Expr,
  ExprNode,
  InvalidNode,
  KindTag,
  OuterRefs,
  PlaceholderNode,
  Query,
  SelectQuery,
  SelectStatement,
  ValueNode
} from './ast.js'
import { Codecs, isExprNode } from './ast.js'
import { codecKey } from '../schema/codec.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A placeholder: stands for a value given when the query runs. Fits wherever a value does.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, count, createTable, filter, gte, insert, integer, placeholder, select, session, table } from 'fp-lite-orm'
 * import type { Placeholder } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), n: integer().notNull() })
 * const min: Placeholder = placeholder('min')
 * const atLeast = pipe(select(t), filter(gte(t.n, min)), count)
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(t))
 * s.run(insert(t, [{ n: 1 }, { n: 5 }, { n: 9 }]))
 * assert.deepEqual([s.run(atLeast, { min: 5 }), s.run(atLeast, { min: 10 })], [E.right(2), E.right(0)])
 * ```
 *
 * @category Expressions
 */
export type Placeholder<N extends string = string> = PlaceholderNode & Typed<never> & Refs<`?${N}`>

/**
 * What may stand on the value side of an operator on `T`: a value, an expression (which
 * may be nullable: comparing with NULL is simply not true) or a placeholder.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, eq, filter, integer, placeholder, select, table, toSQL } from 'fp-lite-orm'
 * import type { Expr, Operand } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), a: integer(), b: integer() })
 * const equals = (left: Expr<number | null>, right: Operand<number | null>) => pipe(select(t), filter(eq(left, right)), count)
 *
 * const sqlOf = (right: Operand<number | null>) => pipe(toSQL(equals(t.a, right)), E.map((q) => q.sql.replace(/^.* WHERE /, '')))
 * assert.deepEqual(sqlOf(1), E.right('"t"."a" = ?'))                // a value
 * assert.deepEqual(sqlOf(t.b), E.right('"t"."a" = "t"."b"'))          // a column
 * assert.deepEqual(sqlOf(placeholder('x')), E.right('"t"."a" IS ?'))  // a placeholder
 * assert.deepEqual(sqlOf(null), E.right('"t"."a" IS NULL'))           // null
 * ```
 *
 * @category Expressions
 */
export type Operand<T> = Expr<T | null> | T | null | TupleOperand<T>

/**
 * A tuple's value side may hold an expression or a placeholder per item (`[placeholder('at'), placeholder('id')]`).
 *
 * @example
 * ```ts
 * import { placeholder } from 'fp-lite-orm'
 * import type { TupleOperand } from 'fp-lite-orm'
 *
 * const after: TupleOperand<[Date, number]> = [placeholder('at'), placeholder('id')]
 * void after
 * ```
 *
 * @category Expressions
 */
export type TupleOperand<T> = T extends readonly unknown[]
  ? { readonly [K in keyof T]: T[K] | Expr<T[K] | null> | Placeholder | null }
  : never

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A named value supplied at run time: `s.run(q, { id: 1 })`. The same query value
 * then runs with any value, compiled once and prepared once.
 *
 * @param name - the key of the parameters object given to `run` (`s.run(q, { id: 1 })`); a run without it is a Left
 *   `ValidationError` naming it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, contains, createTable, filter, insert, integer, limit, placeholder, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const notes = table('notes', { id: integer().primaryKey(), body: text().notNull() })
 * // Built once; each run binds the values (checked like literals in the same places).
 * const search = pipe(select(notes), filter(contains(notes.body, placeholder('q'))), limit(placeholder('n')), values(notes.id))
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(notes))
 * s.run(insert(notes, [{ body: 'buy milk' }, { body: 'milk the cow' }, { body: 'call Bob' }]))
 * assert.deepEqual(s.run(search, { q: 'milk', n: 10 }), E.right([1, 2]))
 * assert.deepEqual(s.run(search, { q: 'milk', n: 1 }), E.right([1]))
 * const missing = s.run(search, { q: 'milk' })
 * assert.ok(E.isLeft(missing) && missing.left._tag === 'ValidationError')
 * ```
 *
 * @category Expressions
 */
export const placeholder = <const N extends string>(name: N): Placeholder<N> => Object.freeze({ _tag: 'Placeholder', name })

/** A bound parameter holding any value SQLite can store (booleans and Dates are encoded). */
export const value = (v: unknown): ExprNode => {
  const r = encodeLoose(v)
  return E.isRight(r) ? valueNode(r.right) : invalid(`expected ${r.left}, got ${describeValue(v)}`)
}

export const valueNode = (value: SqlValue): ValueNode => ({ _tag: 'Value', value })

export const invalid = (message: string, path?: string): InvalidNode =>
  path === undefined ? { _tag: 'Invalid', message } : { _tag: 'Invalid', message, path }

// -------------------------------------------------------------------------------------
// conversions
// -------------------------------------------------------------------------------------

/**
 * An expression argument as a plain node: a schema column becomes its plain `ref`
 * (the column object also carries its schema part, which a query value must not).
 */
export const toNode = (e: unknown): ExprNode => guard(() => toNodeOf(e))

/**
 * Runs a builder step over user input. A value whose reading throws (a Proxy whose traps
 * throw, a getter) becomes an Invalid node, which the query reports as a ValidationError
 * when it runs: building a query never throws.
 */
export const guard = (f: () => ExprNode): ExprNode => {
  try {
    return f()
  } catch (e) {
    return invalid(`reading a value given to the query threw (${e instanceof Error ? e.message : describeValue(e)}); pass plain values`)
  }
}

const toNodeOf = (e: unknown): ExprNode => {
  if (typeof e === 'object' && e !== null) {
    const info = (e as { [ColumnInfo]?: { ref: ExprNode } })[ColumnInfo]
    if (info !== undefined) return info.ref
    if (isSelectStatement(e)) return subqueryNode(stripCodecs(e))
    if (isExprNode(e)) return e
    // A finished select query: `exists(q)` stands for EXISTS (...); others are scalar subqueries.
    const q = e as { _tag?: unknown; statement?: { _tag?: unknown }; mode?: unknown }
    if (q._tag === 'Query' && q.statement?._tag === 'Select') {
      const select = q.statement as SelectStatement
      return q.mode === 'exists' ? { _tag: 'Exists', select, negated: false } : subqueryNode(select)
    }
  }
  return invalid(`expected a column or an expression, got ${describeValue(e)}`)
}

/** `toNode` for an argument of `caller` (filter, having, a join's on): a bad one's message says where it was given. */
export const conditionNode = (caller: string, e: unknown): ExprNode => {
  const n = toNode(e)
  return n._tag === 'Invalid' ? { ...n, message: `${caller}(): ${n.message}` } : n
}

const isSelectStatement = (u: object): u is SelectQuery<unknown> => (u as { _tag?: unknown })._tag === 'Select'

/** A subquery inside an expression keeps only its plain part. */
const stripCodecs = (q: SelectQuery<unknown>): SelectStatement => {
  const { [Codecs]: _, ...plain } = q
  return plain
}

/** A subquery decodes like its single column, when it has one. */
const subqueryNode = (select: SelectStatement): ExprNode => {
  const only = select.selection?.length === 1 ? select.selection[0] : undefined
  const kind = only === undefined ? undefined : kindOf(only.expr)
  return kind === undefined ? { _tag: 'Subquery', select } : { _tag: 'Subquery', select, kind }
}

/** How results of an expression decode, where that is known. */
export const kindOf = (e: ExprNode): ColumnKind | undefined => {
  switch (e._tag) {
    case 'Column':
    case 'Function':
    case 'Sql':
    case 'Subquery':
    case 'Window':
    case 'Case':
      return e.kind
    case 'CountAll':
      return 'integer'
    // Conditions are typed Expr<boolean>: read as a value (a projected comparison), SQLite's 0/1 decodes as false/true.
    case 'Compare':
    case 'IsNull':
    case 'Between':
    case 'In':
    case 'Like':
    case 'And':
    case 'Or':
    case 'Not':
    case 'Exists':
      return 'boolean'
    default:
      return undefined
  }
}

/** The column an expression's value comes from unchanged, if any (for a json field's codec). */
export const sourceColumn = (e: ExprNode): ColumnRef | undefined => {
  switch (e._tag) {
    case 'Column':
      return e
    case 'Function':
      return e.fn === 'min' || e.fn === 'max' || e.fn === 'coalesce'
        ? e.args[0] === undefined
          ? undefined
          : sourceColumn(e.args[0])
        : undefined
    case 'Window':
      return sourceColumn(e.fn)
    case 'Subquery': {
      const only = e.select.selection?.length === 1 ? e.select.selection[0] : undefined
      return only === undefined ? undefined : sourceColumn(only.expr)
    }
    default:
      return undefined
  }
}

/**
 * The value side of an operator whose other side is `context`. A value is encoded by
 * the context's kind (`compare` mode: a non-integer may be compared with an integer
 * column); a placeholder records the encoding for when it is bound.
 */
export const operand = (v: unknown, context: ExprNode, mode: 'compare' | 'store' = 'compare'): ExprNode =>
  guard(() => operandOf(v, context, mode))

const operandOf = (v: unknown, context: ExprNode, mode: 'compare' | 'store'): ExprNode => {
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    if (ColumnInfo in v || isExprNode(v) || (v as { _tag?: unknown })._tag === 'Select') {
      const node = toNode(v)
      if (node._tag === 'Placeholder' && context._tag === 'RowValue') {
        return invalid(
          'a tuple compares with an array: give one placeholder per item ([placeholder(a), placeholder(b)]), not one for the whole tuple'
        )
      }
      return node._tag === 'Placeholder' && node.encoding === undefined ? withEncoding(node, context, mode) : node
    }
  }
  if (v === undefined) return invalid(`undefined is not a value${where(context)}: use null for SQL NULL`)
  if (context._tag === 'RowValue') {
    // A row value is compared item by item: each value is encoded by its item's kind.
    if (!Array.isArray(v) || v.length !== context.items.length) {
      return invalid(`expected an array of ${context.items.length} values to compare with a tuple, got ${describeValue(v)}`)
    }
    return { _tag: 'RowValue', items: context.items.map((item, i) => operand((v as ReadonlyArray<unknown>)[i], item, mode)) }
  }
  if (v === null) return valueNode(null)
  const kind = kindOf(context)
  if (kind === undefined) {
    const r = encodeLoose(v)
    return E.isRight(r) ? valueNode(r.right) : invalid(`expected ${r.left}${where(context)}, got ${describeValue(v)}`)
  }
  const r = encodeValue(kind, v, mode)
  return E.isRight(r) ? valueNode(r.right) : invalid(`expected ${r.left}${where(context)}, got ${describeValue(v)}`)
}

const where = (context: ExprNode): string => (context._tag === 'Column' ? ` for ${context.table}.${context.key}` : '')

/** A placeholder that knows how to encode its value: by the kind of what it is compared with. */
export const withEncoding = (
  p: PlaceholderNode,
  context: ExprNode,
  mode: 'compare' | 'store',
  extra: Partial<Encoding> = {}
): PlaceholderNode => {
  const kind = kindOf(context)
  const base: Partial<Encoding> =
    context._tag === 'Column'
      ? {
          target: `${context.table}.${context.key}`,
          ...(context.kind === 'json' ? { codecKey: codecKey(context.table, context.name) } : {})
        }
      : {}
  return {
    _tag: 'Placeholder',
    name: p.name,
    encoding: { kind: kind ?? 'text', mode, ...base, ...(kind === undefined ? { loose: true } : {}), ...extra }
  }
}

// -------------------------------------------------------------------------------------
// comparison
// -------------------------------------------------------------------------------------

/**
 * A comparison's type: `T` from the left side, which the right must match; the result reads
 * the tables of both sides (see `Refs`), for the query's scope to check.
 *
 * @param left - a column or expression.
 * @param right - a value of the same type (bound as a parameter, encoded by the left side's kind), a placeholder, or an
 *   expression; `undefined` is a Left `ValidationError` when the query runs (use null).
 *
 * @example
 * ```ts
 * import { eq, gt, integer, table } from 'fp-lite-orm'
 * import type { Comparison } from 'fp-lite-orm'
 *
 * const t = table('t', { n: integer() })
 * const byOp = (op: 'eq' | 'gt'): Comparison => (op === 'eq' ? eq : gt)
 * const c = byOp('gt')(t.n, 5)
 * void c
 * ```
 *
 * @category Expressions
 */
export type Comparison = <T, L extends Expr<T> = Expr<T>, X extends Operand<NoInfer<T>> = Operand<NoInfer<T>>>(
  left: L & Expr<T>,
  right: X
) => Expr<boolean> & Refs<RefsOf<L> | OperandRefs<X, T>>

/**
 * What the right side of a comparison reads; a placeholder there takes the left side's kind (`?id=number`).
 *
 * @example
 * ```ts
 * import type { OperandRefs } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = OperandRefs<never, number>
 * ```
 *
 * @category Expressions
 */
export type OperandRefs<X, T, Tag extends string = KindTag<T>> = [X] extends [PlaceholderNode]
  ? RefsOf<X> extends `?${infer N}`
    ? N extends `${string}=${string}`
      ? RefsOf<X>
      : `?${N}=${Tag}`
    : RefsOf<X>
  : RefsOf<X>

/**
 * A condition reading the tables `R`.
 *
 * @example
 * ```ts
 * import { eq, integer, table } from 'fp-lite-orm'
 * import type { ConditionOn } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const first: ConditionOn<'users'> = eq(users.id, 1)
 * void first
 * ```
 *
 * @category Expressions
 */
export type ConditionOn<R extends string> = Expr<boolean> & Refs<R>

const compare =
  (op: CompareOp): Comparison =>
  (left, right) => {
    const l = toNode(left)
    return { _tag: 'Compare', op, left: l, right: operand(right, l) }
  }

const isPlaceholder = (u: unknown): boolean => {
  try {
    return typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === 'Placeholder'
  } catch {
    return false // operand() reports the value that throws when read
  }
}

/**
 * `=`; `eq(col, null)` is `IS NULL`. With a placeholder it is `IS ?`, which is `=` for
 * values and `IS NULL` when the placeholder is bound to null, as the literal would be.
 *
 * @param left - a column or expression.
 * @param right - a value of the same type (bound as a parameter, encoded by the column's kind), `null`, a placeholder, or an
 *   expression; `undefined` is a Left `ValidationError` (use null).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(eq(products.name, 'Mug')), E.right(['Mug']))
 * assert.deepEqual(names(eq(products.stock, null)), E.right(['Kettle 100%']))   // IS NULL
 * ```
 *
 * @category Expressions
 */
export const eq: Comparison = (left, right) => (right === null ? isNull(left) : compare(isPlaceholder(right) ? 'IS' : '=')(left, right))

/**
 * `<>`; `ne(col, null)` is `IS NOT NULL`; with a placeholder, `IS NOT ?` (see `eq`).
 *
 * @param left - a column or expression.
 * @param right - a value of the same type (bound as a parameter), `null`, a placeholder, or an expression; `undefined` is a
 *   Left `ValidationError` (use null).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { ne, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(ne(products.name, 'Mug')), E.right(['Tea pot', 'Kettle 100%']))
 * assert.deepEqual(names(ne(products.stock, null)), E.right(['Mug', 'Tea pot']))   // IS NOT NULL
 * assert.deepEqual(names(ne(products.stock, 0)), E.right(['Mug']))                 // NULL <> 0 is not true
 * ```
 *
 * @category Expressions
 */
export const ne = <T>(left: Expr<T>, right: Operand<NoInfer<T>>): Expr<boolean> =>
  right === null ? isNotNull(left) : compare(isPlaceholder(right) ? 'IS NOT' : '<>')(left, right)

/**
 * `left > right`. Comparing with NULL is never true.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { gt, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(gt(products.price, 30)), E.right(['Kettle 100%']))
 * ```
 *
 * @category Expressions
 */
export const gt: Comparison = compare('>')
/**
 * `left >= right`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { gte, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(gte(products.price, 30)), E.right(['Tea pot', 'Kettle 100%']))
 * ```
 *
 * @category Expressions
 */
export const gte: Comparison = compare('>=')
/**
 * `left < right`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { lt, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(lt(products.price, 30)), E.right(['Mug']))
 * assert.deepEqual(names(lt(products.stock, products.price)), E.right(['Tea pot']))   // column against column
 * ```
 *
 * @category Expressions
 */
export const lt: Comparison = compare('<')
/**
 * `left <= right`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { lte, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(lte(products.price, 30)), E.right(['Mug', 'Tea pot']))
 * ```
 *
 * @category Expressions
 */
export const lte: Comparison = compare('<=')

/**
 * `expr BETWEEN low AND high` (both ends included).
 *
 * @param e - a column or expression.
 * @param low - the lower end (included): a value of the expression's type (bound as a parameter) or an expression.
 * @param high - the upper end (included), like `low`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { between, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(between(products.price, 8.5, 30)), E.right(['Mug', 'Tea pot']))
 * ```
 *
 * @category Expressions
 */
export const between = <
  T,
  L extends Expr<T> = Expr<T>,
  X extends Operand<NoInfer<T>> = Operand<NoInfer<T>>,
  Y extends Operand<NoInfer<T>> = Operand<NoInfer<T>>
>(
  e: L & Expr<T>,
  low: X,
  high: Y
): ConditionOn<RefsOf<L> | RefsOf<X> | RefsOf<Y>> => {
  const n = toNode(e)
  return { _tag: 'Between', expr: n, low: operand(low, n), high: operand(high, n) }
}

/**
 * `expr IS NULL` (the same as `eq(expr, null)`).
 *
 * @param e - a column or expression.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { isNull, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(isNull(products.stock)), E.right(['Kettle 100%']))
 * ```
 *
 * @category Expressions
 */
export const isNull = <E extends Expr<unknown>>(e: E): ConditionOn<RefsOf<E>> => ({ _tag: 'IsNull', expr: toNode(e), negated: false })

/**
 * `expr IS NOT NULL` (the same as `ne(expr, null)`).
 *
 * @param e - a column or expression.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { isNotNull, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(isNotNull(products.stock)), E.right(['Mug', 'Tea pot']))
 * ```
 *
 * @category Expressions
 */
export const isNotNull = <E extends Expr<unknown>>(e: E): ConditionOn<RefsOf<E>> => ({ _tag: 'IsNull', expr: toNode(e), negated: true })

/**
 * The tables a list of `inArray` reads: its expressions', or a subquery's enclosing tables.
 *
 * @example
 * ```ts
 * import type { ListRefs } from 'fp-lite-orm'
 *
 * export type None = ListRefs<ReadonlyArray<number>>   // a list of plain values reads no table
 * ```
 *
 * @category Expressions
 */
export type ListRefs<X> = X extends ReadonlyArray<infer I> ? RefsOf<I> : OuterRefs<X>

const inList =
  (negated: boolean) =>
  <
    T,
    L extends Expr<T> = Expr<T>,
    X extends ReadonlyArray<Operand<NoInfer<T>>> | Placeholder | SelectQuery<unknown> =
      ReadonlyArray<Operand<NoInfer<T>>> | Placeholder | SelectQuery<unknown>
  >(
    e: L & Expr<T>,
    list: X
  ): ConditionOn<RefsOf<L> | ListRefs<X>> => {
    const n = toNode(e)
    if (Array.isArray(list)) {
      const items = guard(() => ({ _tag: 'And', items: list.map((v) => operand(v, n)) }))
      return { _tag: 'In', expr: n, list: items._tag === 'And' ? items.items : [items], negated }
    }
    const node = toNode(list)
    if (node._tag === 'Placeholder') return { _tag: 'In', expr: n, list: withEncoding(node, n, 'compare', { list: true }), negated }
    if (node._tag === 'Subquery') return { _tag: 'In', expr: n, list: [node], negated }
    return {
      _tag: 'In',
      expr: n,
      list: [invalid(`inArray expects an array, a placeholder or a select, got ${describeValue(list)}`)],
      negated
    }
  }

/**
 * `expr IN (...)`. An empty list is false (no row matches), never an error. The list may
 * be a placeholder bound to an array at run time, or a select of one column.
 *
 * @param e - a column, expression or `tuple(...)`.
 * @param list - an array of values of its type (bound as parameters; empty: no row matches), a placeholder bound to an array, or a select of one column; anything else is a Left `ValidationError` when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { columns, eq, inArray, placeholder, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(inArray(products.id, [1, 3])), E.right(['Mug', 'Kettle 100%']))
 * assert.deepEqual(names(inArray(products.id, [])), E.right([]))                                   // false, not an error
 * assert.deepEqual(s.run(pipe(select(products), filter(inArray(products.id, placeholder('ids'))), values(products.name)), { ids: [2] }), E.right(['Tea pot']))
 * assert.deepEqual(names(inArray(products.id, pipe(select(products), filter(eq(products.stock, 0)), columns({ id: products.id })))), E.right(['Tea pot']))
 * ```
 *
 * @category Expressions
 */
export const inArray = inList(false)

/**
 * `expr NOT IN (...)`. An empty list is true (every row matches).
 *
 * @param e - a column, expression or `tuple(...)`.
 * @param list - an array of values of its type (bound as parameters; empty: every row matches), a placeholder bound to an array, or a select of one column; anything else is a Left `ValidationError` when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { notInArray, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(notInArray(products.id, [1, 3])), E.right(['Tea pot']))
 * assert.deepEqual(names(notInArray(products.id, [])), E.right(['Mug', 'Tea pot', 'Kettle 100%']))   // every row
 * ```
 *
 * @category Expressions
 */
export const notInArray = inList(true)

// -------------------------------------------------------------------------------------
// LIKE
// -------------------------------------------------------------------------------------

/** Escapes LIKE's wildcards (and the escape character itself) with a backslash. */
export const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/** SQLite's SQLITE_MAX_LIKE_PATTERN_LENGTH: a longer pattern is "LIKE or GLOB pattern too complex". */
export const LIKE_PATTERN_LIMIT = 50_000

/**
 * Whether SQLite's LIKE matches this pattern as written: it reads a pattern (and the text) only
 * up to a NUL, and refuses one over 50,000 bytes. (Cheap first: a UTF-16 unit is at most 3 bytes.)
 */
export const likeCanTake = (pattern: string): boolean =>
  !pattern.includes('\u0000') && (pattern.length * 3 <= LIKE_PATTERN_LIMIT || Buffer.byteLength(pattern, 'utf8') <= LIKE_PATTERN_LIMIT)

/**
 * `expr LIKE pattern`, the pattern as given (`%` and `_` are wildcards). ASCII-case-insensitive in SQLite.
 *
 * @param e - a text column or expression.
 * @param pattern - the pattern as SQL reads it (`%` any text, `_` one character), bound as a parameter, or a placeholder;
 *   anything else is a Left `ValidationError` when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { like, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(like(products.name, '%t%')), E.right(['Tea pot', 'Kettle 100%']))
 * assert.deepEqual(names(like(products.name, 'MUG')), E.right(['Mug']))   // ASCII letters match either case
 * ```
 *
 * @category Expressions
 */
export const like = <L extends Expr<string | null>, P extends string | Placeholder | Expr<string>>(
  e: L,
  pattern: P
): ConditionOn<RefsOf<L> | OperandRefs<P, string>> => {
  const n = toNode(e)
  return { _tag: 'Like', expr: n, pattern: operand(pattern, n), escaped: false }
}

const likeHelper =
  (shape: 'contains' | 'startsWith' | 'endsWith') =>
  <L extends Expr<string | null>, S extends string | Placeholder>(
    e: L,
    s: S
  ): ConditionOn<RefsOf<L> | OperandRefs<S, string, 'needle'>> => {
    const n = toNode(e)
    if (typeof s === 'string') {
      const x = escapeLike(s)
      const pattern = shape === 'contains' ? `%${x}%` : shape === 'startsWith' ? `${x}%` : `%${x}`
      if (!likeCanTake(pattern)) return { _tag: 'Like', expr: n, pattern: valueNode(s), escaped: false, exact: shape }
      // Text without %, _ or a backslash has nothing to escape; LIKE without ESCAPE is ~10% faster in SQLite.
      return { _tag: 'Like', expr: n, pattern: valueNode(pattern), escaped: x !== s }
    }
    const node = toNode(s)
    if (node._tag === 'Placeholder') {
      return {
        _tag: 'Like',
        expr: n,
        pattern: { _tag: 'Placeholder', name: node.name, encoding: { kind: 'text', mode: 'compare', like: shape } },
        escaped: true
      }
    }
    return { _tag: 'Like', expr: n, pattern: invalid(`${shape} expects a string or a placeholder, got ${describeValue(s)}`), escaped: true }
  }

/**
 * Text containing `s` anywhere; `%` and `_` in `s` match themselves.
 *
 * @param e - a text column or expression.
 * @param s - the text to find, matched literally (`%`, `_` and `\\` match themselves), or a placeholder.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { contains, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(contains(products.name, '100%')), E.right(['Kettle 100%']))   // % matches itself
 * assert.deepEqual(names(contains(products.name, 'POT')), E.right(['Tea pot']))
 * ```
 *
 * @category Expressions
 */
export const contains = likeHelper('contains')
/**
 * Text starting with `s`; `%` and `_` in `s` match themselves.
 *
 * @param e - a text column or expression.
 * @param s - the prefix, matched literally (`%`, `_` and `\\` match themselves), or a placeholder.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { startsWith, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(startsWith(products.name, 'Te')), E.right(['Tea pot']))
 * ```
 *
 * @category Expressions
 */
export const startsWith = likeHelper('startsWith')
/**
 * Text ending with `s`; `%` and `_` in `s` match themselves.
 *
 * @param e - a text column or expression.
 * @param s - the suffix, matched literally (`%`, `_` and `\\` match themselves), or a placeholder.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { endsWith, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(endsWith(products.name, '0%')), E.right(['Kettle 100%']))
 * ```
 *
 * @category Expressions
 */
export const endsWith = likeHelper('endsWith')

// -------------------------------------------------------------------------------------
// logic
// -------------------------------------------------------------------------------------

/**
 * All of the conditions; `and()` is true.
 *
 * @param items - the conditions; none is true. A value that is not a condition is a Left `ValidationError` when the query
 *   runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { and, gt, lt, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(and(gt(products.price, 10), lt(products.price, 40))), E.right(['Tea pot']))
 * assert.deepEqual(names(and()), E.right(['Mug', 'Tea pot', 'Kettle 100%']))   // true
 * ```
 *
 * @category Expressions
 */
export const and = <Cs extends ReadonlyArray<Condition>>(...items: Cs): ConditionOn<RefsOf<Cs[number]>> =>
  items.length === 1 ? toNode(items[0]) : { _tag: 'And', items: items.map(toNode) }

/**
 * Any of the conditions; `or()` is false.
 *
 * @param items - the conditions; none is false. A value that is not a condition is a Left `ValidationError` when the query
 *   runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, or, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(or(eq(products.stock, 0), eq(products.stock, null))), E.right(['Tea pot', 'Kettle 100%']))
 * assert.deepEqual(names(or()), E.right([]))   // false
 * ```
 *
 * @category Expressions
 */
export const or = <Cs extends ReadonlyArray<Condition>>(...items: Cs): ConditionOn<RefsOf<Cs[number]>> =>
  items.length === 1 ? toNode(items[0]) : { _tag: 'Or', items: items.map(toNode) }

/**
 * `NOT condition`.
 *
 * @param e - a condition.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { contains, not, connect, createTable, filter, insert, integer, orderBy, real, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const products = table('products', { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), stock: integer() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(products))
 * s.run(insert(products, [{ name: 'Mug', price: 8.5, stock: 40 }, { name: 'Tea pot', price: 30, stock: 0 }, { name: 'Kettle 100%', price: 45, stock: null }]))
 * const names = (c: Parameters<typeof filter>[0]) => s.run(pipe(select(products), filter(c), orderBy(products.id), values(products.name)))
 *
 *
 * assert.deepEqual(names(not(contains(products.name, 'pot'))), E.right(['Mug', 'Kettle 100%']))
 * ```
 *
 * @category Expressions
 */
export const not = <C extends Condition>(e: C): ConditionOn<RefsOf<C>> => ({ _tag: 'Not', expr: toNode(e) })

/**
 * A condition: a boolean expression, or `exists(select)` (which reads as EXISTS (...) inside a filter).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { and, connect, count, createTable, eq, exists, filter, insert, integer, isNull, select, session, table } from 'fp-lite-orm'
 * import type { Condition } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), bossId: integer('boss_id') })
 * const anyOf = (...cs: Condition[]) => pipe(select(users), filter(and(...cs)), count)
 * const hasReports = exists(pipe(select(users), filter(eq(users.bossId, 1))))   // a Query<boolean> is a condition too
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{}, { bossId: 1 }]))
 * assert.deepEqual(s.run(anyOf(isNull(users.bossId), hasReports)), E.right(1))
 * ```
 *
 * @category Expressions
 */
export type Condition = Expr<boolean | null> | Query<boolean>

// -------------------------------------------------------------------------------------
// subqueries
// -------------------------------------------------------------------------------------

/**
 * `NOT EXISTS (select)`: `filter(notExists(pipe(select(posts), filter(eq(posts.userId, users.id)))))`.
 *
 * @param q - a select (usually correlated: it filters on the outer query's columns), without a terminal; anything else
 *   is a Left `ValidationError` when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, eq, filter, insert, integer, notExists, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(posts))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, { userId: 1 }))
 *
 * const silent = pipe(select(users), filter(notExists(pipe(select(posts), filter(eq(posts.userId, users.id))))), values(users.name))
 * assert.deepEqual(s.run(silent), E.right(['Bob']))
 * ```
 *
 * @category Expressions
 */
export const notExists = <Q extends SelectQuery<unknown, unknown> | Query<boolean>>(q: Q): ConditionOn<OuterRefs<Q> | RefsOf<Q>> => {
  const node = toNode(q)
  if (node._tag === 'Exists') return { ...node, negated: !node.negated }
  if (node._tag === 'Subquery') return { _tag: 'Exists', select: node.select, negated: true }
  return invalid(`notExists takes a select, got ${describeValue(q)}`)
}

/**
 * A select of one column used as a value (a scalar subquery), e.g. a correlated count:
 * `columns({ posts: scalar(pipe(select(posts), filter(eq(posts.userId, users.id)), columns({ n: countAll() }))) })`.
 *
 * @param q - a select of one column (`columns({ n: countAll() })`); more than one row is an SQLite error at run time.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, columns, connect, countAll, createTable, eq, filter, insert, integer, orderBy, scalar, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(posts))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1 }, { userId: 1 }]))
 *
 * const postCount = scalar(pipe(select(posts), filter(eq(posts.userId, users.id)), columns({ n: countAll() })))
 * const rows = s.run(pipe(select(users), columns({ name: users.name, posts: postCount }), orderBy(users.id), all))
 * assert.deepEqual(rows, E.right([{ name: 'Ann', posts: 2 }, { name: 'Bob', posts: 0 }]))
 * ```
 *
 * @category Expressions
 */
export const scalar = <A, Ts, S extends string, U extends string>(
  q: SelectQuery<A, Ts, S, U>
): Expr<A[keyof A] | null> & Refs<OuterRefs<SelectQuery<A, Ts, S, U>>> => toNode(q)

// -------------------------------------------------------------------------------------
// row values
// -------------------------------------------------------------------------------------

/**
 * The value types of a list of expressions, as a tuple.
 *
 * @example
 * ```ts
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { ValuesOf } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), name: text().notNull() })
 * const v: ValuesOf<[typeof t.id, typeof t.name]> = [1, 'a']
 * void v
 * ```
 *
 * @category Expressions
 */
export type ValuesOf<Es extends ReadonlyArray<unknown>> = { -readonly [K in keyof Es]: Es[K] extends Typed<infer V> ? V : never }

/**
 * A row value `(a, b, ...)`: compare it with a tuple of values (`gt(tuple(t.at, t.id), [at, id])`
 * is the keyset condition "after this row"), or look it up in a list of tuples
 * (`inArray(tuple(t.a, t.b), [[1, 'x'], [2, 'y']])`). Each value is encoded by its item's kind.
 *
 * @param items - the columns or expressions of the row value, in order (at least one).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, filter, gt, inArray, insert, integer, orderBy, select, session, table, text, tuple, values } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), g: text().notNull(), n: integer().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(t))
 * s.run(insert(t, [{ g: 'a', n: 1 }, { g: 'a', n: 2 }, { g: 'b', n: 1 }]))
 * assert.deepEqual(s.run(pipe(select(t), filter(gt(tuple(t.g, t.n), ['a', 1])), orderBy(t.id), values(t.id))), E.right([2, 3]))
 * assert.deepEqual(s.run(pipe(select(t), filter(inArray(tuple(t.g, t.n), [['a', 2], ['b', 1]])), orderBy(t.id), values(t.id))), E.right([2, 3]))
 * ```
 *
 * @category Expressions
 */
export const tuple = <const Es extends ReadonlyArray<Expr<unknown>>>(...items: Es): Expr<ValuesOf<Es>> & Refs<RefsOf<Es[number]>> => ({
  _tag: 'RowValue',
  items: items.map(toNode)
})

/**
 * `CASE WHEN condition THEN value ... ELSE otherwise END`: the first branch whose condition
 * holds gives the value; without `otherwise`, no branch holding gives null. Values are
 * encoded like the first branch's expression (a column's kind), and the result decodes by it.
 *
 * @param branches - the `[condition, value]` pairs, tried in order; a value is a literal (bound as a parameter) or an
 *   expression. Not an array of pairs: a Left `ValidationError` when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { caseWhen, columns, connect, createTable, gt, insert, integer, lt, orderBy, select, session, table, values } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), n: integer().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(t))
 * s.run(insert(t, [{ n: 1 }, { n: 50 }, { n: 500 }]))
 * const size = caseWhen([[lt(t.n, 10), 'small'], [lt(t.n, 100), 'medium']], 'large')
 * assert.deepEqual(s.run(pipe(select(t), orderBy(t.id), values(size))), E.right(['small', 'medium', 'large']))
 * const none = caseWhen([[gt(t.n, 1000), t.n]])
 * assert.deepEqual(s.run(pipe(select(t), orderBy(t.id), values(none))), E.right([null, null, null]))
 * ```
 *
 * @category Expressions
 */
export function caseWhen<B extends ReadonlyArray<readonly [Condition, unknown]>>(branches: B): Expr<CaseValue<B> | null> & Refs<CaseRefs<B>>
/**
 * With `otherwise`: the value when no branch holds (the result is then not nullable unless `otherwise` is).
 *
 * @param branches - the `[condition, value]` pairs, as above.
 * @param otherwise - the ELSE value: a literal of the branches' type, an expression, or null.
 */
export function caseWhen<B extends ReadonlyArray<readonly [Condition, unknown]>, O>(
  branches: B,
  otherwise: O & (Expr<CaseValue<B>> | CaseValue<B> | null)
): Expr<CaseValue<B> | ValueOfOperand<O>> & Refs<CaseRefs<B> | RefsOf<O>>
export function caseWhen(branches: ReadonlyArray<readonly [unknown, unknown]>, ...rest: ReadonlyArray<unknown>): ExprNode {
  return guard(() => {
    if (!isArray(branches)) return invalid(`caseWhen takes an array of [condition, value] pairs, got ${describeValue(branches)}`)
    const values: ReadonlyArray<unknown> = [...branches.map((b) => b[1]), ...rest]
    // The first expression among the values (a column, a function) says how plain values encode.
    const shaped = values.find((v) => typeof v === 'object' && v !== null && !(v instanceof Date) && !(v instanceof Uint8Array))
    const context: ExprNode = shaped === undefined ? { _tag: 'Sql', strings: [''], args: [] } : toNode(shaped)
    const value = (v: unknown): ExprNode => operand(v, context)
    const kind = kindOf(context) ?? kindOfPlain(values)
    return {
      _tag: 'Case',
      branches: branches.map(([when, then]) => ({ when: conditionNode('caseWhen', when), then: value(then) })),
      ...(rest.length > 0 ? { otherwise: value(rest[0]) } : {}),
      ...(kind === undefined ? {} : { kind })
    }
  })
}

/**
 * A branch value's type: an expression's value type, or a plain value's (widened: 'small' is a string).
 *
 * @example
 * ```ts
 * import type { ValueOfOperand } from 'fp-lite-orm'
 *
 * export const n: ValueOfOperand<3> = 4   // widened to number
 * ```
 *
 * @category Expressions
 */
export type ValueOfOperand<V> =
  V extends Typed<infer T> ? T : V extends string ? string : V extends number ? number : V extends boolean ? boolean : V

/**
 * The value type of a CASE: its branches' values.
 *
 * @example
 * ```ts
 * import type { CaseValue } from 'fp-lite-orm'
 *
 * export const label: CaseValue<ReadonlyArray<readonly [unknown, 'small']>> = 'any string'   // widened
 * ```
 *
 * @category Expressions
 */
export type CaseValue<B> = B extends ReadonlyArray<readonly [unknown, infer V]> ? ValueOfOperand<V> : never

/** Array.isArray without its narrowing to any[] (for a check of the caller's input). */
const isArray = (u: unknown): boolean => Array.isArray(u)

/**
 * The tables a CASE's conditions and values read.
 *
 * @example
 * ```ts
 * import type { CaseRefs } from 'fp-lite-orm'
 *
 * // Plain values read no table.
 * export type None = CaseRefs<ReadonlyArray<readonly [1, 'a']>>
 * ```
 *
 * @category Expressions
 */
export type CaseRefs<B> = B extends ReadonlyArray<readonly [infer C, infer V]> ? RefsOf<C> | RefsOf<V> : never

/** How plain values decode when no branch is an expression: booleans and Dates as such. */
const kindOfPlain = (vs: ReadonlyArray<unknown>): ColumnKind | undefined =>
  vs.every((v) => v === null || typeof v === 'boolean') && vs.some((v) => typeof v === 'boolean')
    ? 'boolean'
    : vs.every((v) => v === null || v instanceof Date) && vs.some((v) => v instanceof Date)
      ? 'timestamp'
      : undefined
