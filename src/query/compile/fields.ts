/**
 * Output fields: how each result column decodes, and the select lists of whole tables
 * and joins. Field lists are memoized per (shared, frozen) column array and per join, so
 * the same query built afresh gets the same fields.
 */
import type { ColumnRef } from '../../schema/column.js'
import type { TableRef } from '../../schema/table.js'
import { jsonCodecOf } from '../../schema/table.js'
import type { ExprNode, SelectStatement } from '../ast.js'
import { codecKey } from '../../schema/codec.js'
import type { OutputField, OutputGroup } from '../compiled.js'
import { FieldCodec } from '../compiled.js'
import { kindOf, sourceColumn } from '../expr.js'
import { quoteIdentifier } from '../sqltext.js'
import { queryName } from './builder.js'
import { memoizedFields } from './rowshape.js'

// -------------------------------------------------------------------------------------
// output fields: how each result column decodes
// -------------------------------------------------------------------------------------

/** How results of an expression decode: its kind, wherever it stands (one rule for the compiler and the builders). */
const kindOfNode = kindOf

export const outputField = (key: string, e: ExprNode): OutputField => {
  const kind = kindOfNode(e)
  if (kind === undefined) return { key }
  const base: OutputField = e._tag === 'Column' ? { key, kind, column: true } : { key, kind }
  if (kind !== 'json') return base
  const source = sourceColumn(e)
  if (source === undefined || source.kind !== 'json') return base
  const codec = jsonCodecOf(source)
  const withKey: OutputField = { ...base, codecKey: codecKey(source.table, source.name) }
  return codec === undefined ? withKey : { ...withKey, [FieldCodec]: codec }
}

const fieldLists = new WeakMap<ReadonlyArray<ColumnRef>, OutputField[]>()

/** The output fields of a table's columns, memoized like its column list. */
export const tableFields = (cols: ReadonlyArray<ColumnRef>): OutputField[] => {
  let f = fieldLists.get(cols)
  if (f === undefined) {
    f = memoizedFields(cols.map((c) => outputField(c.key, c)))
    fieldLists.set(cols, f)
  }
  return f
}

// -------------------------------------------------------------------------------------
// select lists of whole tables and joins
// -------------------------------------------------------------------------------------

/** A table's column list, memoized per (shared, frozen) column array: fresh queries on a table reuse it. */
const columnLists = new WeakMap<ReadonlyArray<ColumnRef>, { aliased?: string; plain?: string }>()

export const columnList = (cols: ReadonlyArray<ColumnRef>, aliased: boolean): string => {
  let memo = columnLists.get(cols)
  if (memo === undefined) {
    memo = {}
    columnLists.set(cols, memo)
  }
  const hit = aliased ? memo.aliased : memo.plain
  if (hit !== undefined) return hit
  const sql = cols
    .map((c) => {
      const col = `${quoteIdentifier(c.table)}.${quoteIdentifier(c.name)}`
      return aliased && c.key !== c.name ? `${col} AS ${quoteIdentifier(c.key)}` : col
    })
    .join(', ')
  if (aliased) memo.aliased = sql
  else memo.plain = sql
  return sql
}

/** Which tables of a join may come back missing (all NULL): the optional sides of outer joins. */
export const joinGroups = (s: SelectStatement): OutputGroup[] => {
  const groups: Array<{ key: string; nullable: boolean }> = [{ key: queryName(s.from), nullable: false }]
  for (const j of s.joins) {
    if (j.kind === 'right' || j.kind === 'full') for (const g of groups) g.nullable = true
    groups.push({ key: queryName(j.table), nullable: j.kind === 'left' || j.kind === 'full' })
  }
  return groups
}

export interface SelectedFields {
  readonly fields: OutputField[]
  readonly groups?: OutputGroup[]
}

interface JoinedList extends SelectedFields {
  readonly sql: string
  readonly groups: OutputGroup[]
}

interface JoinMemo {
  next?: WeakMap<TableRef, JoinMemo>
  byKinds?: Map<string, JoinedList>
}

/**
 * The select list of a join, memoized by the tables' refs (one per table or alias object)
 * and the join kinds: the same join built fresh on every call gets the same field list,
 * so the session reuses its row reader.
 */
const joinedLists = new WeakMap<TableRef, JoinMemo>()

export const joinedList = (s: SelectStatement): JoinedList => {
  let level = joinedLists.get(s.from)
  if (level === undefined) joinedLists.set(s.from, (level = {}))
  for (const j of s.joins) {
    const next: WeakMap<TableRef, JoinMemo> = (level.next ??= new WeakMap())
    let l = next.get(j.table)
    if (l === undefined) next.set(j.table, (l = {}))
    level = l
  }
  const kinds = s.joins.length === 1 ? s.joins[0]!.kind : s.joins.map((j) => j.kind).join(',')
  const byKinds = (level.byKinds ??= new Map<string, JoinedList>())
  let hit = byKinds.get(kinds)
  if (hit === undefined) {
    const groups = joinGroups(s)
    const tables = [s.from, ...s.joins.map((j) => j.table)]
    const fields = tables.flatMap((t) => t.columns.map((c) => ({ ...outputField(c.key, c), group: queryName(t) })))
    hit = { sql: tables.map((t) => columnList(t.columns, false)).join(', '), fields: memoizedFields(fields, groups), groups }
    byKinds.set(kinds, hit)
  }
  return hit
}

export const COUNT_FIELDS: OutputField[] = memoizedFields([{ key: 'count', kind: 'integer' }])
export const EXISTS_FIELDS: OutputField[] = memoizedFields([{ key: 'exists', kind: 'boolean' }])
