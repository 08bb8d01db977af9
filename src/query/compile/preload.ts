/**
 * Preload planning: each relation to load onto a select's rows becomes one statement that
 * takes the loaded rows' keys as one JSON array (with a per-key window for `limit`).
 */
import type { ColumnKind, ColumnRef } from '../../schema/column.js'
import type { TableRef } from '../../schema/table.js'
import { describeValue } from '../../errors.js'
import type { OrderTerm, PreloadNode, ResultMode, SelectStatement } from '../ast.js'
import type { CompiledPreload, OutputField } from '../compiled.js'
import { CompileFailure, quoteIdentifier } from '../sqltext.js'
import { SqlBuilder, queryName, scopeOf } from './builder.js'
import { exprSql, orderSql } from './expr.js'
import { columnList, tableFields } from './fields.js'
import { rowShape, memoizedFields } from './rowshape.js'
import { fromSql, isCompound, selectSql } from './select.js'

// -------------------------------------------------------------------------------------
// preloads
// -------------------------------------------------------------------------------------

export const ROW_MODES: ReadonlySet<ResultMode> = new Set<ResultMode>(['all', 'first', 'one'])

export const compilePreloads = (s: SelectStatement): CompiledPreload[] => {
  if (s.selection !== undefined || s.joins.length > 0 || isCompound(s)) {
    throw new CompileFailure(
      'preload works on the rows of select(table): drop columns(...), joins and unions from a query with preload, or load the relation separately'
    )
  }
  return (s.preload ?? []).map((pl) => compilePreload(pl, s.from))
}

/** A name for a helper column that no column of `cols` has (`__via`, `___via`, ...). */
const freeName = (base: string, cols: ReadonlyArray<ColumnRef>): string => {
  let name = base
  while (cols.some((c) => c.key === name || c.name === name)) name = `_${name}`
  return name
}

/** The related columns a preload reads: all of the target's, or those its `columns` option names (in that order). */
const preloadColumns = (pl: PreloadNode, cols: ReadonlyArray<ColumnRef>): ReadonlyArray<ColumnRef> => {
  if (pl.columns === undefined) return cols
  if (!Array.isArray(pl.columns) || pl.columns.length === 0) {
    throw new CompileFailure(`preload ${pl.name}: columns takes a non-empty list of column keys, got ${describeValue(pl.columns)}`)
  }
  return pl.columns.map((k: unknown) => {
    const c = typeof k === 'string' ? cols.find((x) => x.key === k) : undefined
    if (c === undefined) {
      throw new CompileFailure(
        `preload ${pl.name}: columns names ${describeValue(k)}, which is not a column of ${cols[0]?.table ?? 'the related table'} (its columns: ${cols.map((x) => x.key).join(', ')})`
      )
    }
    return c
  })
}

/**
 * A subset of a table's columns as one shared array per (table, keys): the column list
 * and output fields memoized on it, and the session's row reader, are reused by fresh
 * query values.
 */
const subsets = new WeakMap<ReadonlyArray<ColumnRef>, Map<string, ReadonlyArray<ColumnRef>>>()

const columnSubset = (all: ReadonlyArray<ColumnRef>, cols: ReadonlyArray<ColumnRef>): ReadonlyArray<ColumnRef> => {
  let byKeys = subsets.get(all)
  if (byKeys === undefined) subsets.set(all, (byKeys = new Map<string, ReadonlyArray<ColumnRef>>()))
  const key = cols.map((c) => c.key).join('\u0000')
  let hit = byKeys.get(key)
  if (hit === undefined) byKeys.set(key, (hit = Object.freeze([...cols])))
  return hit
}

const viaFields = new WeakMap<ReadonlyArray<ColumnRef>, Map<string, OutputField[]>>()

/** A many-to-many's related fields: the target's, and the junction's key under `key` (one array per shape, like `tableFields`). */
const withVia = (read: ReadonlyArray<ColumnRef>, key: string, kind: ColumnKind): OutputField[] => {
  let byKey = viaFields.get(read)
  if (byKey === undefined) viaFields.set(read, (byKey = new Map<string, OutputField[]>()))
  let hit = byKey.get(`${key}\u0000${kind}`)
  if (hit === undefined) byKey.set(`${key}\u0000${kind}`, (hit = memoizedFields([...tableFields(read), { key, kind }])))
  return hit
}

/**
 * A preload loads onto rows of its relation's parent table (or an alias of it): anything
 * else would match the wrong keys. Its one statement takes the keys of every loaded row
 * as one JSON array; a per-row `limit` numbers each row's related rows with a window
 * partitioned by the key, in the same statement.
 */
const compilePreload = (pl: PreloadNode, parent: TableRef): CompiledPreload => {
  const r = pl.relation
  if (r.problems !== undefined && r.problems.length > 0) throw new CompileFailure(`preload ${pl.name}: ${r.problems.join('; ')}`)
  if (r.source !== undefined && r.source !== parent.name) {
    throw new CompileFailure(
      `preload ${pl.name}: the relation loads onto rows of ${r.source}, but the query reads ${queryName(parent)}` +
        `${parent.alias === undefined ? '' : ` (${parent.name})`}. Preload it on select(${r.source}), or use a relation whose parent is ${parent.name}.`
    )
  }
  if (r.sourceKey.kind === 'blob' || r.targetKey.kind === 'blob')
    throw new CompileFailure(`preload ${pl.name}: a relation cannot be keyed by a blob column`)
  const many = r.kind === 'hasMany' || r.kind === 'manyToMany'
  if (pl.limit !== undefined) {
    if (!many)
      throw new CompileFailure(
        `preload ${pl.name}: limit applies to relations that load many rows (hasMany, manyToMany); ${r.kind} loads one`
      )
    if (!Number.isSafeInteger(pl.limit) || pl.limit < 0) {
      throw new CompileFailure(`preload ${pl.name}: limit takes a whole number >= 0, got ${String(pl.limit)}`)
    }
  }
  const all = r.target.columns
  const nested = pl.nested.map((n) => compilePreload(n, r.target))
  const via = r.through
  const viaKey = via === undefined ? undefined : freeName('__via', all)
  // The columns asked for, then those matching needs (the key, nested preloads' keys).
  const chosen = preloadColumns(pl, all)
  const needed = [...(via === undefined ? [r.targetKey.key] : []), ...nested.map((n) => n.sourceKey)]
  const extra = all.filter((c) => needed.includes(c.key) && !chosen.includes(c))
  const read = extra.length === 0 && chosen === all ? all : columnSubset(all, [...chosen, ...extra])
  const strip = [...extra.map((c) => c.key), ...(viaKey === undefined ? [] : [viaKey])]

  const targetName = queryName(r.target)
  const target = quoteIdentifier(targetName)
  const scope = scopeOf(via === undefined ? [targetName] : [targetName, queryName(via.table)], undefined)
  const b = new SqlBuilder(selectSql, scope)
  const matchSql =
    via === undefined
      ? `${target}.${quoteIdentifier(r.targetKey.name)}`
      : `${quoteIdentifier(queryName(via.table))}.${quoteIdentifier(via.from.name)}`
  const fromPart = (): void => {
    b.text(` FROM ${fromSql(r.target)}`)
    if (via !== undefined) {
      const j = quoteIdentifier(queryName(via.table))
      b.text(` JOIN ${fromSql(via.table)} ON ${j}.${quoteIdentifier(via.to.name)} = ${target}.${quoteIdentifier(r.targetKey.name)}`)
    }
  }
  const wherePart = (): number => {
    b.text(` WHERE ${matchSql} IN (SELECT value FROM json_each(`)
    const keysAt = b.values.length
    b.value(null)
    b.text('))')
    for (const w of pl.where ?? []) {
      b.text(' AND ')
      // Parenthesized: the option's condition stays one term whatever its operators.
      b.text('(')
      exprSql(w, b)
      b.text(')')
    }
    return keysAt
  }
  // The requested order, then the target's primary key (a stable order for equal terms).
  const terms: OrderTerm[] = [...(pl.orderBy ?? []), ...r.targetOrder.map((c): OrderTerm => ({ _tag: 'Order', expr: c, direction: 'asc' }))]
  let keysAt: number
  if (pl.limit === undefined) {
    b.text(`SELECT ${columnList(read, true)}`)
    if (viaKey !== undefined) b.text(`, ${matchSql} AS ${quoteIdentifier(viaKey)}`)
    fromPart()
    keysAt = wherePart()
    orderSql(terms, b)
  } else {
    // Numbered per key in the requested order; the outer query keeps the first `limit` of each.
    const rn = quoteIdentifier(freeName('__rn', all))
    b.text(`SELECT ${columnList(read, true)}`)
    if (viaKey !== undefined) b.text(`, ${target}.${quoteIdentifier(viaKey)} AS ${quoteIdentifier(viaKey)}`)
    b.text(` FROM (SELECT ${target}.*`)
    if (viaKey !== undefined) b.text(`, ${matchSql} AS ${quoteIdentifier(viaKey)}`)
    b.text(`, row_number() OVER (PARTITION BY ${matchSql}`)
    orderSql(terms, b)
    b.text(`) AS ${rn}`)
    fromPart()
    keysAt = wherePart()
    b.text(`) AS ${target} WHERE ${target}.${rn} <= `)
    b.value(pl.limit)
    b.text(` ORDER BY ${target}.${rn}`)
  }
  if (b.slots !== undefined) {
    throw new CompileFailure(`preload ${pl.name}: a placeholder cannot stand in preload options; pass the value itself`)
  }
  const viaKind = via?.from.kind ?? r.targetKey.kind
  const fields = viaKey === undefined ? tableFields(read) : withVia(read, viaKey, viaKind)
  return {
    name: pl.name,
    many,
    sourceKey: r.sourceKey.key,
    sourceKind: r.sourceKey.kind,
    targetKey: viaKey ?? r.targetKey.key,
    targetKind: viaKind,
    sql: b.sql,
    params: b.values,
    keysAt,
    fields,
    shape: rowShape(fields),
    ...(strip.length > 0 ? { strip } : {}),
    nested
  }
}
