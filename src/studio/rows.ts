/**
 * Browsing a table: the page's table, sort, filters and page become a query value of the
 * library (select, filter, orderBy, keyset or limit/offset), compiled by the library and run
 * on the studio's read-only handle. Every name the page sends is looked up in the live
 * schema first; only names found there reach the query (and they reach SQL quoted, by the
 * compiler). Values are bound parameters.
 */
import type { LocalConnection, LocalStatement } from '../driver/index.js'
import { mapError } from '../driver/index.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { DbError } from '../errors.js'
import { validationError } from '../errors.js'
import type { OrderTerm, Query } from '../query/ast.js'
import type { Condition } from '../query/expr.js'
import { and, contains, endsWith, eq, gt, gte, inArray, isNotNull, isNull, like, lt, lte, ne, startsWith } from '../query/expr.js'
import { filter } from '../query/filter.js'
import { toSQL } from '../query/compile.js'
import { all, asc, count, desc, keyset, limit, offset, orderBy, select } from '../query/select.js'
import type { AnyColumn, AnyColumnBuilder, ColumnConfig, SqlValue } from '../schema/column.js'
import type { AnyTable } from '../schema/table.js'
import { table } from '../schema/table.js'
import { fromCell, toCell } from './cells.js'
import type { LiveSchema } from './live.js'
import type { ColumnView, PageStart, RowsView, TableView, ViewView } from './model.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export const FILTER_OPS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'contains',
  'startsWith',
  'endsWith',
  'isNull',
  'isNotNull',
  'inArray'
] as const
export type FilterOp = (typeof FILTER_OPS)[number]

export interface FilterSpec {
  readonly column: string
  readonly op: FilterOp
  readonly value?: unknown
}

export interface RowsRequest {
  readonly table: string
  readonly sort?: string
  readonly dir?: 'asc' | 'desc'
  readonly size?: number
  readonly start?: PageStart
  readonly filters: ReadonlyArray<FilterSpec>
}

export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 500

/** A live table (or view) as a table object of the library, every column of kind `any` (cells are shown as stored). */
export interface LiveTableObject {
  readonly source: TableView | ViewView
  readonly table: AnyTable
  /** Columns by SQL name; a rowid table without a declared key gets its rowid as a column. */
  readonly columns: ReadonlyMap<string, AnyColumn>
  readonly views: ReadonlyArray<ColumnView>
  /** The columns that identify a row, non-null, in key order; empty for a view. */
  readonly key: ReadonlyArray<string>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** A column builder of kind `any`: values are bound and read as they are, with no codec. */
const anyColumn = (sqlName: string): AnyColumnBuilder =>
  ({
    _tag: 'ColumnBuilder',
    config: Object.freeze<ColumnConfig>({ kind: 'any', primaryKey: false, notNull: false, unique: false, sqlName })
  }) as unknown as AnyColumnBuilder

const ROWID_NAMES = ['rowid', '_rowid_', 'oid']

/** Finds a table or view of the live schema by name: the only way a name from the page reaches a query. */
export const findRelation = (live: LiveSchema, name: unknown): E.Either<DbError, TableView | ViewView> => {
  const found = typeof name === 'string' ? (live.tables.find((t) => t.name === name) ?? live.views.find((v) => v.name === name)) : undefined
  return found === undefined
    ? E.left(
        validationError(
          `unknown table ${JSON.stringify(name)}: the database has ${live.tables.map((t) => t.name).join(', ') || 'no tables'}`,
          'table'
        )
      )
    : E.right(found)
}

const isTableView = (v: TableView | ViewView): v is TableView => 'primaryKey' in v

/** The library's table object for a live table or view. */
export const liveTableObject = (source: TableView | ViewView): LiveTableObject => {
  const views: ColumnView[] = [...source.columns]
  let key: string[] = []
  if (isTableView(source)) {
    const pk = source.primaryKey
    // An INTEGER PRIMARY KEY is the rowid (never null); other key columns of a rowid table may hold NULL.
    const rowidAlias = pk.length === 1 && source.columns.find((c) => c.name === pk[0])?.type === 'INTEGER'
    const nonNull = pk.every((k) => source.withoutRowid || rowidAlias || source.columns.find((c) => c.name === k)?.notNull === true)
    if (pk.length > 0 && nonNull) key = [...pk]
    else if (!source.withoutRowid) {
      const taken = new Set(source.columns.map((c) => c.name.toLowerCase()))
      const rowid = ROWID_NAMES.find((n) => !taken.has(n))
      if (rowid !== undefined) {
        views.unshift({ name: rowid, type: 'INTEGER', kind: 'integer', notNull: true, default: null, pk: 0 })
        key = [rowid]
      }
    }
  }
  // No prototype: a column called __proto__ stays a column.
  const builders = Object.create(null) as Record<string, AnyColumnBuilder>
  for (const c of views) builders[c.name] = anyColumn(c.name)
  const t = table(source.name, builders) as unknown as AnyTable & Readonly<Record<string, AnyColumn>>
  const columns = new Map(views.map((c) => [c.name, t[c.name]!] as const))
  return { source, table: t, columns, views, key }
}

/** A column of the table by the name the page sent: Left (400) for any other name. */
export const columnOf = (o: LiveTableObject, name: unknown, where: string): E.Either<DbError, AnyColumn> => {
  const c = typeof name === 'string' ? o.columns.get(name) : undefined
  return c === undefined
    ? E.left(
        validationError(
          `unknown column ${JSON.stringify(name)} in ${where}: ${o.source.name} has ${[...o.columns.keys()].join(', ')}`,
          where
        )
      )
    : E.right(c)
}

// -------------------------------------------------------------------------------------
// values
// -------------------------------------------------------------------------------------

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/**
 * A value typed into the page, for a column: text that reads as a number is a number in a
 * column with numeric affinity (SQLite would compare '5' with 5 as unequal otherwise), and
 * true/false are 1/0 in a boolean column.
 */
export const valueFor = (c: ColumnView, u: unknown, where: string): E.Either<DbError, SqlValue> => {
  if (typeof u === 'string') {
    const numeric = c.kind === 'integer' || c.kind === 'real' || c.kind === 'boolean' || /INT|REAL|FLOA|DOUB|NUM|DEC/.test(c.type)
    if (c.kind === 'boolean' && (u === 'true' || u === 'false')) return E.right(u === 'true' ? 1 : 0)
    if (numeric && NUMBER.test(u.trim())) {
      const n = Number(u)
      if (/^[+-]?\d+$/.test(u.trim()) && !Number.isSafeInteger(n)) return E.right(BigInt(u.trim()))
      return E.right(n)
    }
    return E.right(u)
  }
  const v = fromCell(u)
  return v === undefined
    ? E.left(
        validationError(`${where}: ${JSON.stringify(u)} is not a value for ${c.name} (give a string, a number, a boolean or null)`, where)
      )
    : E.right(v)
}

const conditionOf = (o: LiveTableObject, f: FilterSpec, i: number): E.Either<DbError, Condition> => {
  const where = `filter ${i + 1}`
  if (typeof f !== 'object' || f === null) return E.left(validationError(`${where} must be an object { column, op, value }`, where))
  if (!(FILTER_OPS as ReadonlyArray<unknown>).includes(f.op))
    return E.left(validationError(`${where}: unknown operator ${JSON.stringify(f.op)}; use one of ${FILTER_OPS.join(', ')}`, where))
  const col = columnOf(o, f.column, where)
  if (E.isLeft(col)) return col
  const c = col.right
  const view = o.views.find((v) => v.name === f.column)!
  if (f.op === 'isNull') return E.right(isNull(c))
  if (f.op === 'isNotNull') return E.right(isNotNull(c))
  if (f.op === 'inArray') {
    if (!Array.isArray(f.value)) return E.left(validationError(`${where}: inArray takes a list of values`, where))
    const vs: SqlValue[] = []
    for (const u of f.value) {
      const v = valueFor(view, u, where)
      if (E.isLeft(v)) return v
      vs.push(v.right)
    }
    return E.right(inArray(c, vs))
  }
  const v = valueFor(view, f.value, where)
  if (E.isLeft(v)) return v
  const value = v.right
  switch (f.op) {
    case 'eq':
      return E.right(eq(c, value))
    case 'ne':
      return E.right(ne(c, value))
    case 'gt':
      return E.right(gt(c, value))
    case 'gte':
      return E.right(gte(c, value))
    case 'lt':
      return E.right(lt(c, value))
    case 'lte':
      return E.right(lte(c, value))
    default: {
      if (typeof value !== 'string') return E.left(validationError(`${where}: ${f.op} takes text`, where))
      const text = c as unknown as Parameters<typeof like>[0]
      return E.right(
        f.op === 'like'
          ? like(text, value)
          : f.op === 'contains'
            ? contains(text, value)
            : f.op === 'startsWith'
              ? startsWith(text, value)
              : endsWith(text, value)
      )
    }
  }
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

const sequence = <A>(xs: ReadonlyArray<E.Either<DbError, A>>): E.Either<DbError, A[]> => {
  const out: A[] = []
  for (const x of xs) {
    if (E.isLeft(x)) return x
    out.push(x.right)
  }
  return E.right(out)
}

/** Runs a compiled query value on the read-only handle; integers come back whole (bigints past 2^53). */
const runCompiled = <A>(h: LocalConnection, q: Query<A>, f: (s: LocalStatement, params: ReadonlyArray<SqlValue>) => unknown) =>
  pipe(
    toSQL(q),
    E.chain(({ sql, params }) => {
      try {
        const s = h.prepare(sql)
        s.safeIntegers(true)
        return E.right({ sql, result: f(s, params) })
      } catch (e) {
        return E.left(mapError(e, sql))
      }
    })
  )

/**
 * One page of a table. With a key and non-null ordering values it pages by keyset (the
 * page after the last row's ordering values: as fast on the last page as on the first);
 * otherwise by offset. Only `size + 1` rows are read (the extra one says whether there
 * is a next page).
 */
export const readRows = (h: LocalConnection, live: LiveSchema, r: RowsRequest): E.Either<DbError, RowsView> => {
  const found = findRelation(live, r.table)
  if (E.isLeft(found)) return found
  const o = liveTableObject(found.right)
  const size = r.size ?? DEFAULT_PAGE_SIZE
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    return E.left(validationError(`size must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(r.size)}`, 'size'))
  const dir = r.dir ?? 'asc'
  if (dir !== 'asc' && dir !== 'desc') return E.left(validationError(`dir must be asc or desc, got ${JSON.stringify(dir)}`, 'dir'))
  const sortCol = r.sort === undefined ? E.right(undefined) : columnOf(o, r.sort, 'sort')
  if (E.isLeft(sortCol)) return sortCol
  const conditions = sequence(r.filters.map((f, i) => conditionOf(o, f, i)))
  if (E.isLeft(conditions)) return conditions

  const by = dir === 'asc' ? asc : desc
  const sortName = r.sort
  const orderNames = [...(sortName === undefined || o.key.includes(sortName) ? [] : [sortName]), ...o.key]
  if (sortName !== undefined && o.key.includes(sortName)) {
    // Sorting by a key column: that column first, then the rest of the key.
    orderNames.splice(0, orderNames.length, sortName, ...o.key.filter((k) => k !== sortName))
  }
  const terms: OrderTerm[] = orderNames.map((n) => by(o.columns.get(n)!))
  const sortView = o.views.find((v) => v.name === sortName)
  const keysetOk =
    o.key.length > 0 && (sortView === undefined || o.key.includes(sortView.name) || (sortView.notNull && sortView.kind !== 'blob'))

  const base = conditions.right.length === 0 ? select(o.table) : pipe(select(o.table), filter(and(...conditions.right)))
  const start = r.start
  const useKeyset = keysetOk && (start === undefined || 'after' in start)
  let after: SqlValue[] | undefined
  if (start !== undefined && 'after' in start) {
    if (!keysetOk)
      return E.left(validationError(`a cursor (after) needs an ordering by the key of ${o.source.name}; page by offset`, 'after'))
    const vs = Array.isArray(start.after) ? start.after.map(fromCell) : []
    if (vs.length !== terms.length || vs.some((v) => v === undefined || v === null))
      return E.left(validationError(`after must hold ${terms.length} non-null value(s), the ordering values of the last row`, 'after'))
    after = vs as SqlValue[]
  }
  const skip = start !== undefined && 'offset' in start ? start.offset : 0
  if (!Number.isSafeInteger(skip) || skip < 0) return E.left(validationError(`offset must be a whole number >= 0`, 'offset'))

  const page = useKeyset
    ? pipe(base, keyset({ orderBy: terms, size: size + 1, ...(after === undefined ? {} : { after }) }), all)
    : pipe(base, orderBy(...terms), limit(size + 1), offset(skip), all)
  const rows = runCompiled(h, page, (s, params) => {
    s.raw(true)
    return s.all(...params)
  })
  if (E.isLeft(rows)) return rows
  const total = runCompiled(h, pipe(base, count), (s, params) => {
    s.raw(true)
    return (s.get(...params) as unknown[])[0]
  })
  if (E.isLeft(total)) return total

  const raw = rows.right.result as unknown[][]
  const more = raw.length > size
  const shown = more ? raw.slice(0, size) : raw
  const index = new Map(o.views.map((c, i) => [c.name, i] as const))
  const last = shown.at(-1)
  const cursor = last === undefined ? [] : orderNames.map((n) => toCell(last[index.get(n)!]))
  const next: PageStart | null = !more ? null : useKeyset && cursor.every((c) => c !== null) ? { after: cursor } : { offset: skip + size }
  return E.right({
    table: o.source.name,
    columns: o.views,
    foreignKeys: isTableView(o.source) ? o.source.foreignKeys : [],
    key: o.key,
    paging: useKeyset ? 'keyset' : 'offset',
    rows: shown.map((row) => row.map(toCell)),
    next,
    total: Number(total.right.result as number | bigint),
    sql: rows.right.sql
  })
}
