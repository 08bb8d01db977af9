/**
 * Values written into columns (insert rows, `set`, ON CONFLICT DO UPDATE): checked
 * by the column's rules (`insertCodec`'s) and encoded, or kept as an expression or a
 * placeholder that is checked when bound. One place, so every write checks alike.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import type { AnyColumn, ColumnRef } from '../schema/column.js'
import { ColumnInfo } from '../schema/column.js'
import { encodeValue } from '../schema/codec.js'
import type { AnyTable, TableRef } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import { describeValue } from '../errors.js'
import type { CodecsPart, ExprNode } from './ast.js'
import { isExprNode } from './ast.js'
import { toNode, valueNode, withEncoding } from './expr.js'

/** What a write needs to know of a column. */
export interface ColumnSpec {
  readonly ref: ColumnRef
  readonly notNull: boolean
  /** An INTEGER PRIMARY KEY: null (or nothing) lets SQLite choose the rowid. */
  readonly rowid: boolean
  readonly codec?: t.Mixed
  /** A generated column: SQLite computes it, and refuses a write to it. */
  readonly generated?: true
}

export const columnSpec = (c: AnyColumn): ColumnSpec => {
  const info = c[ColumnInfo]
  return {
    ref: info.ref,
    notNull: info.notNull,
    rowid: info.primaryKey && (info.kind === 'integer' || info.kind === 'bigint'),
    ...(info.codec === undefined ? {} : { codec: info.codec }),
    ...(info.generated === undefined ? {} : { generated: true as const })
  }
}

/**
 * The columns of a write's target, by schema key: from the table's schema part when the
 * query still carries it, else (a query that crossed a structured clone) from its
 * plain part, where only kinds are known and SQLite checks the rest.
 */
const specsByTable = new WeakMap<AnyTable, ReadonlyMap<string, ColumnSpec>>()

export const targetColumns = (table: TableRef, codecs: CodecsPart | undefined): ReadonlyMap<string, ColumnSpec> => {
  const target: AnyTable | undefined = codecs?.target
  if (target !== undefined) {
    let specs = specsByTable.get(target)
    if (specs === undefined) {
      specs = new Map(tableInfo(target).columns.map((c) => [c.key, columnSpec(c)] as const))
      specsByTable.set(target, specs)
    }
    return specs
  }
  return new Map(table.columns.map((ref) => [ref.key, { ref, notNull: false, rowid: false }] as const))
}

/**
 * A value for a column: an expression or placeholder as it is (a placeholder learns how
 * to encode itself), `null` if the column allows it, otherwise the encoded value.
 * Left: what was wrong, to be put in a message with its place.
 */
export const columnValue = (c: ColumnSpec, v: unknown, place: 'insert' | 'set' = 'insert'): E.Either<string, ExprNode> => {
  try {
    // An INTEGER PRIMARY KEY takes null in an insert (SQLite assigns the rowid), never in a set.
    return columnValueOf(place === 'set' && c.rowid ? { ...c, rowid: false } : c, v)
  } catch (e) {
    return E.left(
      `column ${c.ref.key}: the value threw when read (${e instanceof Error ? e.message : describeValue(e)}); pass a plain value`
    )
  }
}

const columnValueOf = (c: ColumnSpec, v: unknown): E.Either<string, ExprNode> => {
  if (typeof v === 'object' && v !== null && (ColumnInfo in v || isExprNode(v))) {
    const node = toNode(v)
    return E.right(
      node._tag === 'Placeholder' && node.encoding === undefined
        ? withEncoding(node, c.ref, 'store', c.notNull && !c.rowid ? { notNull: true } : {})
        : node
    )
  }
  if (v === null) {
    return c.notNull && !c.rowid ? E.left(`column ${c.ref.key} is NOT NULL, got null`) : E.right(valueNode(null))
  }
  const r = encodeValue(c.ref.kind, v, 'store', c.codec)
  return E.isRight(r)
    ? E.right(valueNode(r.right))
    : E.left(`column ${c.ref.key}: expected ${c.notNull ? '' : 'null or '}${r.left}, got ${describeValue(v)}`)
}
