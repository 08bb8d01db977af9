/**
 * The compiler: a query value -> SQL text and positional parameters. Pure: it knows
 * nothing of connections. One exhaustive switch per node kind.
 *
 * Every value is a bound parameter (`?`), so the SQL text depends only on the query's
 * shape: equal shapes give equal text, which is what the statement cache is keyed by.
 * `compile` also memoizes by query value, so running the same value again (the
 * placeholder pattern) skips the compiler entirely.
 */
import * as E from 'fp-ts/lib/Either.js'
import { absurd } from 'fp-ts/lib/function.js'
import type { ColumnKind, ColumnRef, SqlValue } from '../schema/column.js'
import type { TableRef } from '../schema/table.js'
import { checkIdentifier } from '../schema/table.js'
import type { DbError } from '../errors.js'
import { validationError } from '../errors.js'
import { memoOnObject } from '../memo.js'
import type {
  Assignment,
  ColumnDef,
  ConflictClause,
  CreateTableStatement,
  DeleteStatement,
  ExprNode,
  Field,
  FunctionName,
  InsertStatement,
  OrderTerm,
  PlaceholderNode,
  PreloadNode,
  Query,
  RawStatement,
  ResultMode,
  SelectStatement,
  UpdateStatement
} from './ast.js'
import { codecKey } from './ast.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** A placeholder's position among a statement's parameters. */
export interface Slot {
  readonly index: number
  readonly placeholder: PlaceholderNode
}

export interface CompiledStatement {
  readonly sql: string
  /** Positional parameters; a slot's position holds `null` until it is bound. */
  readonly params: ReadonlyArray<SqlValue>
  /** Placeholders to bind at run time; absent when there are none (the common, fast case). */
  readonly slots?: ReadonlyArray<Slot>
}

/** One field of a result row, and how to decode it. */
export interface OutputField {
  readonly key: string
  readonly kind?: ColumnKind
  /** A json column's codec, in the query's codecs. */
  readonly codecKey?: string
  /** The table (query name) whose nested object the field belongs to, in joined rows. */
  readonly group?: string
  /** A table column read as stored (not an expression): the reader checks its kind. */
  readonly column?: true
}

/** A nested object of joined rows: `null` when every field of it is NULL (the missing side of an outer join). */
export interface OutputGroup {
  readonly key: string
  readonly nullable: boolean
}

/** A preload, compiled: one statement that takes the JSON array of keys to look up. */
export interface CompiledPreload {
  readonly name: string
  readonly many: boolean
  /** The field of the loaded rows holding the value to look up, and its kind. */
  readonly sourceKey: string
  readonly sourceKind: ColumnKind
  /** The field of the related rows that must equal it. */
  readonly targetKey: string
  readonly targetKind: ColumnKind
  readonly sql: string
  readonly fields: ReadonlyArray<OutputField>
  readonly nested: ReadonlyArray<CompiledPreload>
}

export interface Compiled {
  readonly mode: ResultMode
  readonly statements: ReadonlyArray<CompiledStatement>
  /** The fields of each row, for the reading modes. */
  readonly fields: ReadonlyArray<OutputField>
  /** Joined rows nest their fields in these objects, in this order. */
  readonly groups?: ReadonlyArray<OutputGroup>
  /** The table written to, to name it in constraint errors SQLite leaves vague. */
  readonly table?: string
  /** Several statements (a multi-row insert, a table and its indexes) run in one transaction. */
  readonly transactional: boolean
  /** Relations to load onto the rows read. */
  readonly preloads?: ReadonlyArray<CompiledPreload>
}

class CompileFailure {
  constructor(
    readonly message: string,
    readonly path?: string
  ) {}
}

const fail = (message: string): never => {
  throw new CompileFailure(message)
}

// -------------------------------------------------------------------------------------
// identifiers and literals
// -------------------------------------------------------------------------------------

const quoted = new Map<string, string>()

/** A quoted identifier; double quotes inside are doubled. Refuses what SQLite cannot name. */
export const quoteIdentifier = (name: string): string => {
  const hit = quoted.get(name)
  if (hit !== undefined) return hit
  const problem = checkIdentifier(name)
  if (problem !== undefined) throw new CompileFailure(`invalid identifier ${JSON.stringify(name)}: ${problem}`)
  const q = `"${name.replace(/"/g, '""')}"`
  // Identifiers come from schemas, so the set is small; the bound only guards against misuse.
  if (quoted.size > 10_000) quoted.clear()
  quoted.set(name, q)
  return q
}

/**
 * A literal for DDL, where SQLite takes no bound parameters (DEFAULT clauses). Only
 * schema-defined defaults get here, and every form is escaped or checked.
 */
export const sqlLiteral = (v: SqlValue): string => {
  if (v === null) return 'NULL'
  if (typeof v === 'bigint') return v < 0n ? `(${v})` : String(v)
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new CompileFailure(`a default must be a finite number, got ${v}`)
    return v < 0 || Object.is(v, -0) ? `(${v})` : String(v)
  }
  if (typeof v === 'string') {
    if (v.includes('\u0000')) throw new CompileFailure('a default text cannot contain a NUL character')
    return `'${v.replace(/'/g, "''")}'`
  }
  return `X'${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}'`
}

/** SQLite's ISO-8601 form of "now", matching `Date.prototype.toISOString`. */
export const NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

const FUNCTIONS: ReadonlySet<FunctionName> = new Set<FunctionName>([
  'row_number',
  'rank',
  'dense_rank',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'date',
  'strftime',
  'coalesce',
  'lower',
  'upper'
])

const JOIN_SQL: Readonly<Record<string, string>> = { inner: 'JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN', full: 'FULL JOIN' }

const COMPARE_OPS: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=', 'IS', 'IS NOT'])

const REFERENCE_ACTIONS: ReadonlySet<string> = new Set(['cascade', 'restrict', 'set null', 'set default', 'no action'])

// -------------------------------------------------------------------------------------
// expressions
// -------------------------------------------------------------------------------------

/** Collects the parameters of one statement, in the order their `?` appear. */
class Params {
  readonly values: SqlValue[] = []
  slots: Slot[] | undefined

  value(v: SqlValue): string {
    this.values.push(v)
    return '?'
  }

  placeholder(p: PlaceholderNode): string {
    ;(this.slots ??= []).push({ index: this.values.length, placeholder: p })
    this.values.push(null)
    return '?'
  }

  statement(sql: string): CompiledStatement {
    return this.slots === undefined ? { sql, params: this.values } : { sql, params: this.values, slots: this.slots }
  }
}

/** Nodes that print as one token need no parentheses when they are an operand. */
const isAtom = (e: ExprNode): boolean =>
  e._tag === 'Column' ||
  e._tag === 'Value' ||
  e._tag === 'Placeholder' ||
  e._tag === 'Function' ||
  e._tag === 'CountAll' ||
  e._tag === 'Identifier' ||
  e._tag === 'Subquery' ||
  e._tag === 'Window' ||
  e._tag === 'Now'

const operandSql = (e: ExprNode, p: Params): string => (isAtom(e) ? exprSql(e, p) : `(${exprSql(e, p)})`)

/**
 * The LIKE helpers' exact form, for a needle LIKE cannot take (see LikeNode.exact): it reads
 * past a NUL and has no length limit, and costs about twice LIKE's time, so only such
 * needles use it. Case folding is lower()'s, ASCII only, as LIKE's. Each operand is emitted
 * where it appears, so the parameters stay in the order of their `?`.
 */
const exactMatchSql = (shape: 'contains' | 'startsWith' | 'endsWith', text: ExprNode, needle: ExprNode, p: Params): string => {
  if (shape !== 'endsWith')
    return `instr(lower(${operandSql(text, p)}), lower(${operandSql(needle, p)})) ${shape === 'contains' ? '> 0' : '= 1'}`
  // Bytes, not characters: SQLite's length() and negative substr() stop at a NUL; a BLOB's do not.
  const bytes = (e: ExprNode) => `length(CAST(${operandSql(e, p)} AS BLOB))`
  return (
    `${bytes(text)} >= ${bytes(needle)} AND ` +
    `substr(CAST(lower(${operandSql(text, p)}) AS BLOB), 1 + ${bytes(text)} - ${bytes(needle)}) = CAST(lower(${operandSql(needle, p)}) AS BLOB)`
  )
}

export const exprSql = (e: ExprNode, p: Params): string => {
  switch (e._tag) {
    case 'Column':
      return `${quoteIdentifier(e.table)}.${quoteIdentifier(e.name)}`
    case 'Value':
      return p.value(e.value)
    case 'Placeholder':
      return p.placeholder(e)
    case 'Compare':
      if (!COMPARE_OPS.has(e.op)) throw new CompileFailure(`unknown comparison operator ${JSON.stringify(e.op)}`)
      return `${operandSql(e.left, p)} ${e.op} ${operandSql(e.right, p)}`
    case 'IsNull':
      return `${operandSql(e.expr, p)} ${e.negated ? 'IS NOT NULL' : 'IS NULL'}`
    case 'Between':
      return `${operandSql(e.expr, p)} BETWEEN ${operandSql(e.low, p)} AND ${operandSql(e.high, p)}`
    case 'In': {
      const not = e.negated ? ' NOT' : ''
      if (!Array.isArray(e.list)) {
        // One placeholder bound to an array: the array travels as one JSON parameter, so
        // the statement's shape does not depend on the array's length.
        return `${operandSql(e.expr, p)}${not} IN (SELECT value FROM json_each(${p.placeholder(e.list as PlaceholderNode)}))`
      }
      const list = e.list as ReadonlyArray<ExprNode>
      if (list.length === 0) return e.negated ? '1' : '0'
      const only = list[0]
      if (list.length === 1 && only !== undefined && only._tag === 'Subquery') {
        return `${operandSql(e.expr, p)}${not} IN ${exprSql(only, p)}`
      }
      return `${operandSql(e.expr, p)}${not} IN (${list.map((x) => operandSql(x, p)).join(', ')})`
    }
    case 'Like':
      return e.exact === undefined
        ? `${operandSql(e.expr, p)} LIKE ${operandSql(e.pattern, p)}${e.escaped ? " ESCAPE '\\'" : ''}`
        : exactMatchSql(e.exact, e.expr, e.pattern, p)
    case 'And':
      return e.items.length === 0 ? '1' : e.items.map((x) => operandSql(x, p)).join(' AND ')
    case 'Or':
      return e.items.length === 0 ? '0' : e.items.map((x) => operandSql(x, p)).join(' OR ')
    case 'Not':
      return `NOT ${operandSql(e.expr, p)}`
    case 'Function': {
      if (!FUNCTIONS.has(e.fn)) throw new CompileFailure(`unknown function ${JSON.stringify(e.fn)}; call it through sql\`...\``)
      return `${e.fn}(${e.distinct === true ? 'DISTINCT ' : ''}${e.args.map((a) => exprSql(a, p)).join(', ')})`
    }
    case 'CountAll':
      return 'count(*)'
    case 'Sql': {
      let out = e.strings[0] ?? ''
      e.args.forEach((a, i) => {
        out += exprSql(a, p) + (e.strings[i + 1] ?? '')
      })
      return out
    }
    case 'Identifier':
      return quoteIdentifier(e.name)
    case 'Subquery':
      return `(${selectSql(e.select, 'all', p).sql})`
    case 'Exists':
      return `${e.negated ? 'NOT ' : ''}EXISTS (${selectSql(e.select, 'exists-inner', p).sql})`
    case 'Window': {
      const parts: string[] = []
      if (e.partitionBy.length > 0) parts.push(`PARTITION BY ${e.partitionBy.map((x) => exprSql(x, p)).join(', ')}`)
      if (e.orderBy.length > 0) parts.push(orderTerms(e.orderBy, p))
      return `${exprSql(e.fn, p)} OVER (${parts.join(' ')})`
    }
    case 'Now':
      return NOW_SQL
    case 'Invalid':
      throw new CompileFailure(e.message, e.path)
    default:
      return absurd(e)
  }
}

// -------------------------------------------------------------------------------------
// select
// -------------------------------------------------------------------------------------

const fromSql = (t: TableRef): string =>
  t.alias === undefined ? quoteIdentifier(t.name) : `${quoteIdentifier(t.name)} AS ${quoteIdentifier(t.alias)}`

const kindOfNode = (e: ExprNode): ColumnKind | undefined =>
  e._tag === 'Column' ? e.kind : e._tag === 'Function' || e._tag === 'Sql' ? e.kind : undefined

const outputField = (key: string, e: ExprNode): OutputField => {
  const kind = kindOfNode(e)
  const base: OutputField = kind === undefined ? { key } : e._tag === 'Column' ? { key, kind, column: true } : { key, kind }
  return e._tag === 'Column' && e.kind === 'json' ? { ...base, codecKey: codecKey(e.table, e.name) } : base
}

const queryName = (t: TableRef): string => t.alias ?? t.name

const fieldLists = new WeakMap<ReadonlyArray<ColumnRef>, OutputField[]>()

/** The output fields of a table's columns, memoized like its column list. */
const tableFields = (cols: ReadonlyArray<ColumnRef>): OutputField[] => {
  let f = fieldLists.get(cols)
  if (f === undefined) {
    f = cols.map((c) => outputField(c.key, c))
    fieldLists.set(cols, f)
  }
  return f
}

/** A table's column list, memoized per (shared, frozen) column array: fresh queries on a table reuse it. */
const columnLists = new WeakMap<ReadonlyArray<ColumnRef>, { aliased?: string; plain?: string }>()

const columnList = (cols: ReadonlyArray<ColumnRef>, aliased: boolean): string => {
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

/** Every table of a select needs its own query name, whatever the select list. */
const checkJoinNames = (s: SelectStatement): void => {
  if (s.joins.length === 0) return
  const seen = new Set<string>([queryName(s.from)])
  for (const j of s.joins) {
    const name = queryName(j.table)
    if (seen.has(name))
      throw new CompileFailure(`the table ${name} appears twice in the query: give the second one another name with alias(table, 'name')`)
    seen.add(name)
  }
}

/**
 * The select list and the fields it yields. A single table's columns are aliased to
 * their keys where the names differ; joined tables' columns nest by query name.
 */
const selectList = (
  s: SelectStatement,
  p: Params
): { readonly sql: string; readonly fields: OutputField[]; readonly groups?: OutputGroup[] } => {
  if (s.selection !== undefined) {
    if (s.selection.length === 0) throw new CompileFailure('columns({}) selects nothing: name at least one column')
    const fields = s.selection.map((f) => outputField(f.key, f.expr))
    const sql = s.selection.map((f) => `${exprSql(f.expr, p)} AS ${quoteIdentifier(f.key)}`).join(', ')
    return { sql, fields }
  }
  if (s.joins.length === 0) return { sql: columnList(s.from.columns, true), fields: tableFields(s.from.columns) }
  return joinedList(s)
}

interface JoinedList {
  readonly sql: string
  readonly fields: OutputField[]
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

const joinedList = (s: SelectStatement): JoinedList => {
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
    hit = { sql: tables.map((t) => columnList(t.columns, false)).join(', '), fields, groups }
    byKinds.set(kinds, hit)
  }
  return hit
}

/** Conditions AND-ed; one alone needs no parentheses. */
const conjunction = (conditions: ReadonlyArray<ExprNode>, p: Params): string =>
  conditions.length === 1 ? exprSql(conditions[0]!, p) : conditions.map((c) => operandSql(c, p)).join(' AND ')

/** FROM ... WHERE ... GROUP BY ... HAVING: the part every read mode shares. */
const bodySql = (s: SelectStatement, p: Params): string => {
  checkJoinNames(s)
  let sql = ` FROM ${fromSql(s.from)}`
  for (const j of s.joins)
    sql += ` ${JOIN_SQL[j.kind] ?? fail(`unknown join ${JSON.stringify(j.kind)}`)} ${fromSql(j.table)} ON ${exprSql(j.on, p)}`
  if (s.where.length > 0) sql += ` WHERE ${conjunction(s.where, p)}`
  if (s.groupBy.length > 0) sql += ` GROUP BY ${s.groupBy.map((g) => exprSql(g, p)).join(', ')}`
  if (s.having.length > 0) sql += ` HAVING ${conjunction(s.having, p)}`
  return sql
}

const orderTerms = (
  terms: ReadonlyArray<OrderTerm>,
  p: Params,
  compoundFields?: ReadonlyArray<OutputField & { readonly expr?: ExprNode }>
): string =>
  `ORDER BY ${terms
    .map((o) => {
      if (o.direction !== 'asc' && o.direction !== 'desc') throw new CompileFailure(`unknown order ${JSON.stringify(o.direction)}`)
      const nulls = o.nulls === undefined ? '' : o.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST'
      return `${compoundTerm(o.expr, p, compoundFields)} ${o.direction === 'asc' ? 'ASC' : 'DESC'}${nulls}`
    })
    .join(', ')}`

/**
 * In a compound select (UNION ...) ORDER BY must name result columns: a column of the
 * first select is written as its result name.
 */
const compoundTerm = (e: ExprNode, p: Params, fields?: ReadonlyArray<OutputField & { readonly expr?: ExprNode }>): string => {
  if (fields !== undefined && e._tag === 'Column') {
    const f = fields.find((x) => x.expr !== undefined && x.expr._tag === 'Column' && x.expr.table === e.table && x.expr.name === e.name)
    if (f !== undefined) return quoteIdentifier(f.key)
  }
  return exprSql(e, p)
}

const orderSql = (s: SelectStatement, p: Params, compoundFields?: ReadonlyArray<OutputField & { readonly expr?: ExprNode }>): string =>
  s.orderBy.length === 0 ? '' : ` ${orderTerms(s.orderBy, p, compoundFields)}`

const limitSql = (s: SelectStatement, p: Params, implicit: number | undefined): string => {
  const limit = s.limit === undefined ? (implicit === undefined ? undefined : String(implicit)) : exprSql(s.limit, p)
  if (s.offset === undefined) return limit === undefined ? '' : ` LIMIT ${limit}`
  return ` LIMIT ${limit ?? '-1'} OFFSET ${exprSql(s.offset, p)}`
}

interface SelectSql {
  readonly sql: string
  readonly fields: OutputField[]
  readonly groups?: OutputGroup[]
}

const COMPOUND_OPS: ReadonlySet<string> = new Set(['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT'])

/** One member of a compound select: a bare SELECT, or a wrapped one when it has its own ORDER BY / LIMIT. */
const compoundMember = (s: SelectStatement, p: Params): string =>
  s.orderBy.length > 0 || s.limit !== undefined || s.offset !== undefined || (s.compound?.length ?? 0) > 0
    ? `SELECT * FROM (${selectSql(s, 'all', p).sql})`
    : `${withSql(s, p)}SELECT ${s.distinct ? 'DISTINCT ' : ''}${selectList(s, p).sql}${bodySql(s, p)}`

const plainSelect = (s: SelectStatement, p: Params, implicitLimit?: number): SelectSql => {
  const list = selectList(s, p)
  let sql = `SELECT ${s.distinct ? 'DISTINCT ' : ''}${list.sql}${bodySql(s, p)}`
  let compoundFields: Array<OutputField & { expr?: ExprNode }> | undefined
  if (s.compound !== undefined && s.compound.length > 0) {
    for (const part of s.compound) {
      if (!COMPOUND_OPS.has(part.op)) throw new CompileFailure(`unknown compound operator ${JSON.stringify(part.op)}`)
      sql += ` ${part.op} ${compoundMember(part.select, p)}`
    }
    const exprs: ReadonlyArray<ExprNode> = s.selection?.map((f) => f.expr) ?? s.from.columns
    compoundFields = list.fields.map((f, i) => ({ ...f, ...(exprs[i] === undefined ? {} : { expr: exprs[i] }) }))
  }
  sql += `${orderSql(s, p, compoundFields)}${limitSql(s, p, implicitLimit)}`
  return list.groups === undefined ? { sql, fields: list.fields } : { sql, fields: list.fields, groups: list.groups }
}

/** The WITH clause for the common table expressions a select reads from (none: ''). */
const withSql = (s: SelectStatement, p: Params): string => {
  const ctes = [s.from, ...s.joins.map((j) => j.table)].filter((t) => t.cte !== undefined)
  if (ctes.length === 0) return ''
  const seen = new Set<string>()
  const defs: string[] = []
  let recursive = false
  for (const t of ctes) {
    if (seen.has(t.name)) continue
    seen.add(t.name)
    const cte = t.cte!
    const cols = t.columns.map((c) => quoteIdentifier(c.name)).join(', ')
    let body = selectSql(cte.select as SelectStatement, 'all', p).sql
    if (cte.recursive !== undefined) {
      recursive = true
      body += ` ${cte.recursive.all ? 'UNION ALL' : 'UNION'} ${compoundMember(cte.recursive.step as SelectStatement, p)}`
    }
    defs.push(`${quoteIdentifier(t.name)}(${cols}) AS (${body})`)
  }
  return `WITH ${recursive ? 'RECURSIVE ' : ''}${defs.join(', ')} `
}

const isSimpleCount = (s: SelectStatement): boolean =>
  !s.distinct &&
  s.selection === undefined &&
  s.groupBy.length === 0 &&
  s.having.length === 0 &&
  s.limit === undefined &&
  s.offset === undefined &&
  (s.compound?.length ?? 0) === 0

/** A select in a read mode; `exists-inner` is the body of an EXISTS (its columns do not matter). */
const selectSql = (s: SelectStatement, mode: ResultMode | 'exists-inner', p: Params): SelectSql => {
  if (s.problems !== undefined && s.problems.length > 0) throw new CompileFailure(s.problems.join('; '))
  const w = withSql(s, p)
  const r = selectSqlBody(s, mode, p)
  return w === '' ? r : { ...r, sql: w + r.sql }
}

const existsInner = (s: SelectStatement, p: Params): string =>
  !s.distinct && s.selection === undefined && (s.compound?.length ?? 0) === 0
    ? `SELECT 1${bodySql(s, p)}${orderSql(s, p)}${limitSql(s, p, undefined)}`
    : plainSelect(s, p).sql

const selectSqlBody = (s: SelectStatement, mode: ResultMode | 'exists-inner', p: Params): SelectSql => {
  switch (mode) {
    case 'exists-inner':
      return { sql: existsInner(s, p), fields: [] }
    case 'first':
    case 'value':
      return plainSelect(s, p, 1)
    case 'one':
      return plainSelect(s, p, 2)
    case 'count': {
      if (isSimpleCount(s)) return { sql: `SELECT count(*) AS "count"${bodySql(s, p)}`, fields: [{ key: 'count', kind: 'integer' }] }
      return { sql: `SELECT count(*) AS "count" FROM (${plainSelect(s, p).sql})`, fields: [{ key: 'count', kind: 'integer' }] }
    }
    case 'exists':
      // The row's columns do not matter to EXISTS, unless they shape it (DISTINCT, a projection).
      return { sql: `SELECT EXISTS (${existsInner(s, p)}) AS "exists"`, fields: [{ key: 'exists', kind: 'boolean' }] }
    case 'all':
    case 'values':
    case 'run':
    case 'void':
      return plainSelect(s, p)
    default:
      return absurd(mode)
  }
}

// -------------------------------------------------------------------------------------
// insert
// -------------------------------------------------------------------------------------

const returningSql = (fields: ReadonlyArray<Field> | undefined, p: Params): string =>
  fields === undefined || fields.length === 0
    ? ''
    : ` RETURNING ${fields.map((f) => `${exprSql(f.expr, p)} AS ${quoteIdentifier(f.key)}`).join(', ')}`

const assignmentsSql = (set: ReadonlyArray<Assignment>, p: Params): string =>
  set.map((a) => `${quoteIdentifier(a.column)} = ${exprSql(a.value, p)}`).join(', ')

const conflictSql = (c: ConflictClause | undefined, p: Params): string => {
  if (c === undefined) return ''
  const target = c.target.length === 0 ? '' : ` (${c.target.map(quoteIdentifier).join(', ')})`
  if (c._tag === 'DoNothing') return ` ON CONFLICT${target} DO NOTHING`
  const where = c.where.length === 0 ? '' : ` WHERE ${conjunction(c.where, p)}`
  return ` ON CONFLICT${target} DO UPDATE SET ${assignmentsSql(c.set, p)}${where}`
}

const insertStatements = (s: InsertStatement): CompiledStatement[] => {
  if (s.problems !== undefined && s.problems.length > 0) throw new CompileFailure(s.problems.join('; '))
  const or =
    s.or === undefined
      ? ''
      : s.or === 'replace'
        ? ' OR REPLACE'
        : s.or === 'ignore'
          ? ' OR IGNORE'
          : fail(`unknown insert mode ${JSON.stringify(s.or)}`)
  const head = `INSERT${or} INTO ${quoteIdentifier(s.table.name)}`
  // What follows the values is the same for every row: compile it once.
  const tail = new Params()
  const tailSql = conflictSql(s.onConflict, tail) + returningSql(s.returning, tail)
  const compileRow = (row: ReadonlyArray<ExprNode>): CompiledStatement => {
    const p = new Params()
    const values =
      s.columns.length === 0
        ? ' DEFAULT VALUES'
        : ` (${s.columns.map(quoteIdentifier).join(', ')}) VALUES (${row.map((c) => exprSql(c, p)).join(', ')})`
    return p.statement(`${head}${values}${conflictSql(s.onConflict, p)}${returningSql(s.returning, p)}`)
  }
  if (s.columns.length === 0 || tail.slots !== undefined) return s.rows.map(compileRow)
  const into = `${head} (${s.columns.map(quoteIdentifier).join(', ')}) VALUES (`
  // Rows of the same shape (which cells are values, which are `now`) share one SQL text,
  // built once, and so one prepared statement; other cells (sql``, placeholders) are
  // compiled row by row.
  const byShape = new Map<string, string>()
  return s.rows.map((row) => {
    if (row.length !== s.columns.length) throw new CompileFailure(`an insert row has ${row.length} values for ${s.columns.length} columns`)
    let shape = ''
    for (const c of row) {
      if (c._tag === 'Value') shape += '?'
      else if (c._tag === 'Now') shape += 'N'
      else return compileRow(row)
    }
    const p = new Params()
    for (const c of row) if (c._tag === 'Value') p.values.push(c.value)
    for (const v of tail.values) p.values.push(v)
    let sql = byShape.get(shape)
    if (sql === undefined) {
      sql = `${into}${row.map((c) => (c._tag === 'Now' ? NOW_SQL : '?')).join(', ')})${tailSql}`
      byShape.set(shape, sql)
    }
    return p.statement(sql)
  })
}

// -------------------------------------------------------------------------------------
// update and delete
// -------------------------------------------------------------------------------------

const noFilter = (verb: string, table: string): CompileFailure =>
  new CompileFailure(
    `${verb} ${table} has no filter, so it would touch every row; nothing was changed. ` +
      `Add filter(...) to choose the rows, or pipe the query through allRows to ${verb === 'update' ? 'update' : 'delete'} every row on purpose.`
  )

const updateStatements = (s: UpdateStatement): CompiledStatement[] => {
  if (s.problems !== undefined && s.problems.length > 0) throw new CompileFailure(s.problems.join('; '))
  if (s.noop === true && s.set.length === 0) return []
  if (s.set.length === 0) throw new CompileFailure(`update ${s.table.name} has no set(...): say which columns to change`)
  if (s.where.length === 0 && !s.allRows) throw noFilter('update', s.table.name)
  const p = new Params()
  let sql = `UPDATE ${fromSql(s.table)} SET ${assignmentsSql(s.set, p)}`
  if (s.where.length > 0) sql += ` WHERE ${conjunction(s.where, p)}`
  sql += returningSql(s.returning, p)
  return [p.statement(sql)]
}

const deleteStatements = (s: DeleteStatement): CompiledStatement[] => {
  if (s.problems !== undefined && s.problems.length > 0) throw new CompileFailure(s.problems.join('; '))
  if (s.where.length === 0 && !s.allRows) throw noFilter('delete from', s.table.name)
  const p = new Params()
  let sql = `DELETE FROM ${fromSql(s.table)}`
  if (s.where.length > 0) sql += ` WHERE ${conjunction(s.where, p)}`
  sql += returningSql(s.returning, p)
  return [p.statement(sql)]
}

// -------------------------------------------------------------------------------------
// native SQL
// -------------------------------------------------------------------------------------

const rawStatement = (s: RawStatement, mode: ResultMode): CompiledStatement => {
  const p = new Params()
  // A trailing semicolon is harmless alone but breaks the wrapping of count/exists.
  const text = exprSql(s.sql, p).replace(/[\s;]+$/, '')
  if (text.trim() === '') throw new CompileFailure('raw() was given an empty statement')
  switch (mode) {
    case 'count':
      return p.statement(`SELECT count(*) AS "count" FROM (${text})`)
    case 'exists':
      return p.statement(`SELECT EXISTS (${text}) AS "exists"`)
    default:
      return p.statement(text)
  }
}

// -------------------------------------------------------------------------------------
// DDL
// -------------------------------------------------------------------------------------

const referenceAction = (what: string, a: string | undefined): string => {
  if (a === undefined) return ''
  if (!REFERENCE_ACTIONS.has(a))
    throw new CompileFailure(`unknown ${what} action ${JSON.stringify(a)} (use cascade, restrict, set null, set default or no action)`)
  return ` ${what} ${a.toUpperCase()}`
}

const columnDefSql = (c: ColumnDef): string => {
  const name = quoteIdentifier(c.name)
  let sql = `${name} ${c.type}`
  if (c.primaryKey) sql += ' PRIMARY KEY'
  // An INTEGER PRIMARY KEY (the rowid alias) is never NULL; other keys must say so.
  if (c.notNull && !(c.primaryKey && c.type === 'INTEGER')) sql += ' NOT NULL'
  if (c.unique) sql += ' UNIQUE'
  if (c.default !== undefined) sql += ` DEFAULT ${c.default._tag === 'Now' ? `(${NOW_SQL})` : sqlLiteral(c.default.value)}`
  if (c.checkBoolean) sql += ` CHECK (${name} IN (0, 1))`
  if (c.references !== undefined) {
    const r = c.references
    sql += ` REFERENCES ${quoteIdentifier(r.table)} (${quoteIdentifier(r.column)})`
    sql += referenceAction('ON DELETE', r.onDelete) + referenceAction('ON UPDATE', r.onUpdate)
  }
  return sql
}

/**
 * The DDL of a table and its indexes, as SQL texts: for migrations, which write and
 * rebuild tables. `name` replaces the table's name (a rebuild creates `_new_x` first).
 * Built from the parts, never by replacing inside SQL text: String.replace would expand
 * `$'`, `$&` and `$$` in a name, and let a name rewrite the statement.
 */
export const createTableSql = (
  s: CreateTableStatement,
  options: { readonly name?: string; readonly ifNotExists?: boolean } = {}
): E.Either<DbError, { readonly table: string; readonly indexes: ReadonlyArray<string> }> => {
  try {
    // The table under its (new) name; its indexes on the table's own name, which it has once rebuilt.
    const [create] = createTableStatements({ ...s, name: options.name ?? s.name, indexes: [] })
    const [, ...indexes] = createTableStatements(s)
    /** The fixed head the compiler writes, without IF NOT EXISTS: a prefix swap, the names untouched. */
    const head = (sql: string, withClause: string, without: string): string =>
      options.ifNotExists === false && sql.startsWith(withClause) ? without + sql.slice(withClause.length) : sql
    return E.right({
      table: head(create!.sql, 'CREATE TABLE IF NOT EXISTS ', 'CREATE TABLE '),
      indexes: indexes.map((i) =>
        head(head(i.sql, 'CREATE INDEX IF NOT EXISTS ', 'CREATE INDEX '), 'CREATE UNIQUE INDEX IF NOT EXISTS ', 'CREATE UNIQUE INDEX ')
      )
    })
  } catch (e) {
    return E.left(validationError(e instanceof CompileFailure ? e.message : String(e)))
  }
}

/** The SQL of one column definition (for ALTER TABLE ADD COLUMN). */
export const columnDefinitionSql = (c: ColumnDef): E.Either<DbError, string> => {
  try {
    return E.right(columnDefSql(c))
  } catch (e) {
    return E.left(validationError(e instanceof CompileFailure ? e.message : String(e)))
  }
}

const createTableStatements = (s: CreateTableStatement): CompiledStatement[] => {
  if (s.problems !== undefined && s.problems.length > 0) throw new CompileFailure(s.problems.join('; '))
  const defs = s.columns.map(columnDefSql)
  if (s.primaryKey.length > 0) defs.push(`PRIMARY KEY (${s.primaryKey.map(quoteIdentifier).join(', ')})`)
  const options = [s.strict ? 'STRICT' : '', s.withoutRowid ? 'WITHOUT ROWID' : ''].filter((o) => o !== '').join(', ')
  const table = quoteIdentifier(s.name)
  const create = `CREATE TABLE IF NOT EXISTS ${table} (\n  ${defs.join(',\n  ')}\n)${options === '' ? '' : ` ${options}`}`
  const indexes = s.indexes.map(
    (ix) =>
      `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdentifier(ix.name)} ON ${table} (${ix.columns.map(quoteIdentifier).join(', ')})`
  )
  return [create, ...indexes].map((sql) => ({ sql, params: [] }))
}

// -------------------------------------------------------------------------------------
// preloads
// -------------------------------------------------------------------------------------

const ROW_MODES: ReadonlySet<ResultMode> = new Set<ResultMode>(['all', 'first', 'one'])

const compilePreloads = (s: SelectStatement): CompiledPreload[] => {
  if (s.selection !== undefined || s.joins.length > 0 || (s.compound?.length ?? 0) > 0) {
    throw new CompileFailure(
      'preload works on the rows of select(table): drop columns(...), joins and unions from a query with preload, or load the relation separately'
    )
  }
  return (s.preload ?? []).map(compilePreload)
}

const compilePreload = (pl: PreloadNode): CompiledPreload => {
  const r = pl.relation
  if (r.problems !== undefined && r.problems.length > 0) throw new CompileFailure(`preload ${pl.name}: ${r.problems.join('; ')}`)
  if (r.sourceKey.kind === 'blob' || r.targetKey.kind === 'blob')
    throw new CompileFailure(`preload ${pl.name}: a relation cannot be keyed by a blob column`)
  const p = new Params()
  const list = columnList(r.target.columns, true)
  const key = `${quoteIdentifier(queryName(r.target))}.${quoteIdentifier(r.targetKey.name)}`
  // One statement whatever the number of rows: the keys travel as one JSON array.
  const order =
    r.targetOrder.length > 0
      ? ` ORDER BY ${r.targetOrder.map((c) => `${quoteIdentifier(queryName(r.target))}.${quoteIdentifier(c.name)}`).join(', ')}`
      : ''
  const sql = `SELECT ${list} FROM ${fromSql(r.target)} WHERE ${key} IN (SELECT value FROM json_each(?))${order}`
  if (p.values.length > 0) throw new CompileFailure('a preload statement cannot carry parameters')
  return {
    name: pl.name,
    many: r.kind === 'hasMany',
    sourceKey: r.sourceKey.key,
    sourceKind: r.sourceKey.kind,
    targetKey: r.targetKey.key,
    targetKind: r.targetKey.kind,
    sql,
    fields: r.target.columns.map((c) => outputField(c.key, c)),
    nested: pl.nested.map(compilePreload)
  }
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** Native SQL's rows are taken as they come, but count and exists have a known field. */
const rawFields = (mode: ResultMode): OutputField[] =>
  mode === 'count' ? [{ key: 'count', kind: 'integer' }] : mode === 'exists' ? [{ key: 'exists', kind: 'boolean' }] : []

const compileUncached = (q: Query<unknown>): E.Either<DbError, Compiled> => {
  try {
    const s = q.statement
    switch (s._tag) {
      case 'Select': {
        const p = new Params()
        const { sql, fields, groups } = selectSql(s, q.mode, p)
        const compiled: Compiled = { mode: q.mode, statements: [p.statement(sql)], fields, transactional: false }
        const preloads = s.preload !== undefined && s.preload.length > 0 && ROW_MODES.has(q.mode) ? compilePreloads(s) : undefined
        return E.right({ ...compiled, ...(groups === undefined ? {} : { groups }), ...(preloads === undefined ? {} : { preloads }) })
      }
      case 'Insert': {
        const statements = insertStatements(s)
        const fields = (s.returning ?? []).map((f) => outputField(f.key, f.expr))
        return E.right({ mode: q.mode, statements, fields, table: s.table.name, transactional: statements.length > 1 })
      }
      case 'Update':
      case 'Delete': {
        const statements = s._tag === 'Update' ? updateStatements(s) : deleteStatements(s)
        const fields = (s.returning ?? []).map((f) => outputField(f.key, f.expr))
        return E.right({ mode: q.mode, statements, fields, table: s.table.name, transactional: false })
      }
      case 'Raw':
        return E.right({ mode: q.mode, statements: [rawStatement(s, q.mode)], fields: rawFields(q.mode), transactional: false })
      case 'CreateTable':
        return E.right({ mode: q.mode, statements: createTableStatements(s), fields: [], table: s.name, transactional: true })
      default:
        return absurd(s)
    }
  } catch (e) {
    if (e instanceof CompileFailure) return E.left(validationError(e.message, e.path))
    return E.left(validationError(`The query value is malformed: ${e instanceof Error ? e.message : String(e)}`))
  }
}

/** Compiled forms by query value (see memo.ts for why not a plain WeakMap). */
const compiledForms = memoOnObject<Query<unknown>, E.Either<DbError, Compiled>>('fp-lite-orm/compiled')

/** Compiles a query value; the result is memoized by the value itself. */
export const compile = (q: Query<unknown>): E.Either<DbError, Compiled> => {
  if (typeof q !== 'object' || q === null || (q as { _tag?: unknown })._tag !== 'Query') {
    return E.left(
      validationError(
        'Expected a query value with a terminal (all, first, one, count, exists, value, values) or a write (insert, createTable).'
      )
    )
  }
  return compiledForms.get(q) ?? compiledForms.set(q, compileUncached(q))
}

/**
 * How a query's SQL is shown: `{ sql, params }`, placeholders as `null` in params (bound at run time).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, eq, filter, integer, placeholder, select, table, toSQL } from 'fp-lite-orm'
 * import type { SqlText } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), n: integer() })
 * const shown: E.Either<unknown, SqlText> = toSQL(pipe(select(t), filter(eq(t.n, placeholder('n'))), count))
 * assert.deepEqual(shown, E.right({ sql: 'SELECT count(*) AS "count" FROM "t" WHERE "t"."n" IS ?', params: [null] }))
 * ```
 */
export interface SqlText {
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
}

/**
 * The SQL and parameters of any query value, without running it. A query that runs
 * as several statements (a multi-row insert, a table with indexes) shows them joined
 * by `;\n`, with their parameters in order.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { desc, filter, first, gt, insert, integer, limit, orderBy, select, table, text, toSQL } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * assert.deepEqual(toSQL(pipe(select(users), filter(gt(users.age, 17)), orderBy(desc(users.age)), first)), E.right({
 *   sql: 'SELECT "users"."id", "users"."name", "users"."age" FROM "users" WHERE "users"."age" > ? ORDER BY "users"."age" DESC LIMIT 1',
 *   params: [17]
 * }))
 * assert.deepEqual(toSQL(insert(users, { name: 'Ann' })), E.right({ sql: 'INSERT INTO "users" ("name") VALUES (?)', params: ['Ann'] }))
 *
 * const bad = toSQL(pipe(select(users), limit(-1), first))   // bad input has no SQL
 * assert.ok(E.isLeft(bad) && bad.left._tag === 'ValidationError')
 * ```
 */
export const toSQL = (q: Query<unknown>): E.Either<DbError, SqlText> =>
  E.map((c: Compiled) =>
    c.statements.length === 1
      ? { sql: c.statements[0]!.sql, params: c.statements[0]!.params }
      : { sql: c.statements.map((s) => s.sql).join(';\n'), params: c.statements.flatMap((s) => s.params) }
  )(compile(q))
